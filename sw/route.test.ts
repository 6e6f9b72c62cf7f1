import { describe, expect, it } from 'vitest';
import { goesStraight, matchRoute, type RouteContext } from './route.ts';

const context: RouteContext = {
  origin: 'http://localhost:3000',
  graphqlPath: '/api/customer/graphql',
  graphqlApiUrl: new URL('http://localhost:3001/123/account/customer/api/2026-04/graphql'),
  shellPaths: new Set(['/', '/index.html', '/account', '/account.html', '/assets/app-1.js']),
  online: true,
};
const req = (method: string, url: string, mode: RequestMode = 'cors') => ({ method, url: new URL(url), mode });

describe('matchRoute', () => {
  it('routes the BFF GraphQL POST', () =>
    expect(matchRoute(req('POST', 'http://localhost:3000/api/customer/graphql', 'same-origin'), context)).toBe(
      'customer-api',
    ));
  it('routes a POST to the real Customer Account API URL, query string and all', () =>
    expect(matchRoute(req('POST', 'http://localhost:3001/123/account/customer/api/2026-04/graphql?x=1'), context)).toBe(
      'customer-api',
    ));
  it.each([
    ['a GET of the BFF endpoint', req('GET', 'http://localhost:3000/api/customer/graphql')],
    ['a form-POST navigation', req('POST', 'http://localhost:3000/api/customer/graphql', 'navigate')],
    ['another BFF path', req('POST', 'http://localhost:3000/auth/refresh')],
    ['the logout form', req('POST', 'http://localhost:3000/auth/logout', 'navigate')],
    ['another API version', req('POST', 'http://localhost:3001/123/account/customer/api/2026-07/graphql')],
    ['another origin with the same path', req('POST', 'http://evil.test/api/customer/graphql')],
    ['an online navigation', req('GET', 'http://localhost:3000/account', 'navigate')],
    ['an online asset', req('GET', 'http://localhost:3000/assets/app-1.js')],
  ])('leaves %s alone', (_name, request) => expect(matchRoute(request, context)).toBeNull());

  describe('a BFF under a base path', () => {
    const based = { ...context, graphqlPath: '/account-session/api/customer/graphql' };
    it('routes the GraphQL POST under the base path', () =>
      expect(matchRoute(req('POST', 'http://localhost:3000/account-session/api/customer/graphql'), based)).toBe(
        'customer-api',
      ));
    it("leaves the root's path alone (it is the storefront's, not the BFF's)", () =>
      expect(matchRoute(req('POST', 'http://localhost:3000/api/customer/graphql'), based)).toBeNull());
    it('lets a fresh call under the base path go straight', () =>
      expect(
        goesStraight(
          { url: new URL('http://localhost:3000/account-session/api/customer/graphql'), csrfHeader: '1' },
          based,
          true,
        ),
      ).toBe(true));
  });

  it('routes the real API URL only when configured', () =>
    expect(
      matchRoute(req('POST', 'http://localhost:3001/123/account/customer/api/2026-04/graphql'), {
        ...context,
        graphqlApiUrl: null,
      }),
    ).toBeNull());

  describe('offline', () => {
    const offline = { ...context, online: false };
    it('serves shell navigations and assets', () => {
      expect(matchRoute(req('GET', 'http://localhost:3000/account', 'navigate'), offline)).toBe('shell');
      expect(matchRoute(req('GET', 'http://localhost:3000/assets/app-1.js'), offline)).toBe('shell');
    });
    it('leaves non-shell paths and other origins alone', () => {
      expect(matchRoute(req('GET', 'http://localhost:3000/auth/login', 'navigate'), offline)).toBeNull();
      expect(matchRoute(req('GET', 'http://localhost:3001/account', 'navigate'), offline)).toBeNull();
    });
  });
});

describe('goesStraight', () => {
  const bff = new URL('http://localhost:3000/api/customer/graphql');
  it('lets a BFF call with X-CSRF go to the network while the session is fresh', () => {
    expect(goesStraight({ url: bff, csrfHeader: '1' }, context, true)).toBe(true);
  });
  it.each([
    ['the session due for a refresh (or unknown)', { url: bff, csrfHeader: '1' }, false],
    ['no X-CSRF header (the SW adds it)', { url: bff, csrfHeader: null }, true],
    ["Shopify's real URL (the SW sends it to the BFF)", { url: context.graphqlApiUrl!, csrfHeader: '1' }, true],
  ])('keeps %s', (_name, request, fresh) => expect(goesStraight(request, context, fresh)).toBe(false));
});
