import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { discoverShopify } from './discovery.ts';

const ISSUER = 'https://shopify.com/authentication/123';
const metadata = (overrides: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/oauth/authorize`,
  token_endpoint: `${ISSUER}/oauth/token`,
  end_session_endpoint: `${ISSUER}/logout`,
  jwks_uri: `${ISSUER}/.well-known/jwks.json`,
  ...overrides,
});
const GRAPHQL = 'https://shopify.com/123/account/customer/api/2026-10/graphql';

/** An injected fetch serving the two documents (no network, no global stubs). */
const documents =
  (openid: unknown, api: unknown = { graphql_api: GRAPHQL }, status = 200): typeof fetch =>
  async (input) => {
    const url = String(input);
    const body = url.endsWith('/openid-configuration') ? openid : api;
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };

const failure = async (fetchImpl: typeof fetch): Promise<string> => {
  try {
    await discoverShopify('https://store.example.com', { fetchImpl });
  } catch (error) {
    if (isAppError(error, 'UPSTREAM_INVALID')) return error.message;
    throw error;
  }
  throw new Error('expected discovery to fail');
};

describe('discoverShopify', () => {
  it('accepts Shopify metadata served from the storefront origin', async () => {
    const found = await discoverShopify('https://store.example.com', { fetchImpl: documents(metadata()) });
    expect(found.authorizationServer.issuer).toBe(ISSUER);
    expect(found.authorizationServer.token_endpoint).toBe(`${ISSUER}/oauth/token`);
    expect(found.graphqlApiUrl.href).toBe(GRAPHQL);
  });

  it.each([
    [
      'a non-Shopify issuer path',
      metadata({ issuer: 'https://evil.example/' }),
      /not a Shopify customer-account issuer/,
    ],
    [
      'a plain-http issuer',
      metadata({ issuer: 'http://shopify.com/authentication/123' }),
      /issuer must use https \(plain http is allowed only on localhost\)/,
    ],
    [
      'a plain-http token endpoint',
      metadata({ token_endpoint: 'http://shopify.com/authentication/123/oauth/token' }),
      /token_endpoint must use https/,
    ],
    ['no end-session endpoint', metadata({ end_session_endpoint: undefined }), /end_session_endpoint is missing/],
    ['a body that is not JSON', '<html>maintenance</html>', /not JSON/],
  ])('refuses %s', async (_name, openid, message) => {
    expect(await failure(documents(openid))).toMatch(message);
  });

  it('refuses a missing or insecure graphql_api', async () => {
    expect(await failure(documents(metadata(), {}))).toMatch(/graphql_api is missing/);
    expect(await failure(documents(metadata(), { graphql_api: 'http://shopify.com/x/graphql' }))).toMatch(
      /graphql_api must use https/,
    );
  });

  it('tells Shopify trouble (network, 5xx, 429) from a wrong origin', async () => {
    const unavailable = async (fetchImpl: typeof fetch) =>
      discoverShopify('https://store.example.com', { fetchImpl }).catch((error: unknown) =>
        isAppError(error) ? error.code : 'other',
      );
    expect(await unavailable(async () => Promise.reject(new TypeError('fetch failed')))).toBe('UPSTREAM_UNAVAILABLE');
    expect(await unavailable(documents(metadata(), undefined, 503))).toBe('UPSTREAM_UNAVAILABLE');
    expect(await unavailable(documents(metadata(), undefined, 429))).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('reports a non-200 document', async () => {
    expect(await failure(documents(metadata(), undefined, 404))).toMatch(/answered 404/);
  });
});
