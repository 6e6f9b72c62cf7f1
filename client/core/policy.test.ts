import { describe, expect, it } from 'vitest';
import { isBusMessage } from './guard.ts';
import {
  bffPaths,
  isExpiryChange,
  stampBusMessage,
  isReauthBody,
  isRefreshDue,
  needsRefresh,
  parseBasePath,
  parseExpiresAtHeader,
  parseRefreshBody,
  parseSessionView,
  ROOT_PATHS,
} from './policy.ts';

describe('parseBasePath', () => {
  it.each([
    ['', ''],
    ['/', ''],
    ['/account-session', '/account-session'],
    ['/account-session/', '/account-session'],
    ['/shop/account-session', '/shop/account-session'],
  ])('%j → %j', (raw, expected) => expect(parseBasePath(raw)).toBe(expected));
  it.each([
    'account-session',
    'https://evil.test/x',
    '//evil.test',
    '/a//b',
    '/a/../b',
    '/a/./b',
    '/%2e%2e/b',
    '/a?x=1',
    '/a#x',
    '/a b',
    '/a\\b',
  ])('rejects %j', (raw) => expect(parseBasePath(raw)).toBeNull());
});

describe('bffPaths', () => {
  it("the root's paths are today's", () =>
    expect(ROOT_PATHS).toEqual({
      session: '/auth/session',
      refresh: '/auth/refresh',
      login: '/auth/login',
      logout: '/auth/logout',
      graphql: '/api/customer/graphql',
      cartBuyerIdentity: '/api/cart/buyer-identity',
    }));
  it('prefixes every path with the base path', () =>
    expect(Object.values(bffPaths('/account-session')).every((path) => path.startsWith('/account-session/'))).toBe(
      true,
    ));
});

describe('parseExpiresAtHeader', () => {
  it('reads a ms epoch', () => expect(parseExpiresAtHeader('1767225600000')).toBe(1767225600000));
  it('trims', () => expect(parseExpiresAtHeader(' 42 ')).toBe(42));
  it.each([null, '', 'soon', '-5', '0', '1.5', '1e12', '99999999999999999'])('rejects %j', (value) =>
    expect(parseExpiresAtHeader(value)).toBeNull(),
  );
});

describe('needsRefresh', () => {
  it('is due inside the buffer', () => expect(needsRefresh(100_000, 50_000, 60)).toBe(true));
  it('is due after expiry', () => expect(needsRefresh(1_000, 50_000, 60)).toBe(true));
  it('is not due outside the buffer', () => expect(needsRefresh(200_000, 100_000, 60)).toBe(false));
  it('is not due exactly at the buffer edge', () => expect(needsRefresh(160_000, 100_000, 60)).toBe(false));
});

describe('isRefreshDue', () => {
  it('never for unknown or signed-out knowledge', () => {
    expect(isRefreshDue({ state: 'unknown' }, 0, 60)).toBe(false);
    expect(isRefreshDue({ state: 'signed-out' }, 0, 60)).toBe(false);
  });
  it('for a signed-in session inside the buffer', () =>
    expect(isRefreshDue({ state: 'signed-in', expiresAtMs: 30_000 }, 0, 60)).toBe(true));
});

describe('isReauthBody', () => {
  it('accepts the BFF reauth body', () =>
    expect(isReauthBody({ error: 'reauth_required', loginUrl: '/auth/login' })).toBe(true));
  it.each([null, 'reauth_required', { error: 'upstream_unavailable' }, { errors: 'x' }, []])('rejects %j', (body) =>
    expect(isReauthBody(body)).toBe(false),
  );
});

describe('parseSessionView', () => {
  const view = {
    authenticated: true,
    customer: { id: 'gid://shopify/Customer/1', email: 'alice@example.com' },
    expiresAt: 1000,
    graphqlApiUrl: 'https://shopify.com/1/account/customer/api/2026-04/graphql',
    refreshBufferSeconds: 60,
    demo: true,
  };
  it('parses a signed-in view', () => expect(parseSessionView(view)).toEqual(view));
  it('parses a signed-out view', () =>
    expect(parseSessionView({ ...view, authenticated: false, customer: null, expiresAt: null })).toEqual({
      ...view,
      authenticated: false,
      customer: null,
      expiresAt: null,
    }));
  it('rejects a body without authenticated', () => expect(parseSessionView({ customer: null })).toBeNull());
  it('rejects non-objects', () => expect(parseSessionView('yes')).toBeNull());
  it('defaults a missing buffer to 60 s and demo to false', () => {
    const parsed = parseSessionView({ authenticated: false });
    expect(parsed?.refreshBufferSeconds).toBe(60);
    expect(parsed?.demo).toBe(false);
  });
});

describe('parseRefreshBody', () => {
  it('reads expiresAt', () => expect(parseRefreshBody({ expiresAt: 5 })).toBe(5));
  it.each([null, {}, { expiresAt: '5' }, { expiresAt: 0 }])('rejects %j', (body) =>
    expect(parseRefreshBody(body)).toBeNull(),
  );
});

describe('isExpiryChange', () => {
  it('is a change from unknown', () => expect(isExpiryChange({ state: 'unknown' }, 5)).toBe(true));
  it('ignores jitter under a second', () =>
    expect(isExpiryChange({ state: 'signed-in', expiresAtMs: 10_000 }, 10_500)).toBe(false));
  it('sees a refresh', () => expect(isExpiryChange({ state: 'signed-in', expiresAtMs: 10_000 }, 99_000)).toBe(true));
});

describe('stampBusMessage', () => {
  it('makes a payload a message every context accepts', () => {
    const from = { kind: 'sw', id: 'sw1', label: 'service worker' } as const;
    const message = stampBusMessage({ type: 'refreshed', expiresAtMs: 1_800_000_000_000 }, from, 1_700_000_000_000);
    expect(message).toEqual({ type: 'refreshed', expiresAtMs: 1_800_000_000_000, v: 1, from, atMs: 1_700_000_000_000 });
    expect(isBusMessage(message)).toBe(true);
  });
});
