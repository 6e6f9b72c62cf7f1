/**
 * Issue 4, the edges of the API: every bad input gets its exact answer and never reaches Shopify, and
 * `POST /auth/refresh` refreshes on demand (the service worker's path) once, however often it is asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { CUSTOMER_QUERY, graphql, startStack, type Stack } from './helpers/stack.ts';
import {
  COOKIE_NAME,
  emailIn,
  expectNoSecrets,
  expireSoon,
  logout,
  sessionOf,
  sidOf,
} from './helpers/session-support.ts';

const ALICE = 'alice@example.com';

let stack: Stack;
let browser: Browser;
let anonymous: Browser;
beforeAll(async () => {
  stack = await startStack({ emulatorConfig: { refreshTokenReuse: 'revoke-family' } });
  browser = createBrowser();
  anonymous = createBrowser();
  await stack.signIn(browser, ALICE);
});
afterAll(() => stack?.close());

const api = (b: Browser, body: string, headers: Record<string, string> = { 'x-csrf': '1' }) =>
  b.request(`${stack.appOrigin}/api/customer/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const refresh = (b: Browser, body: string, headers: Record<string, string> = { 'x-csrf': '1' }) =>
  b.request(`${stack.appOrigin}/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const answer = async (response: Response) => [response.status, await response.json()] as const;

describe('bad input on POST /api/customer/graphql never reaches Shopify', () => {
  const query = JSON.stringify({ query: CUSTOMER_QUERY });
  let upstreamBefore: number;
  beforeAll(async () => {
    const stats = await stack.stats();
    upstreamBefore = stats.graphql.ok + stats.graphql.unauthorized + stats.token.refresh_token;
  });
  afterAll(async () => {
    const stats = await stack.stats();
    expect(stats.graphql.ok + stats.graphql.unauthorized + stats.token.refresh_token).toBe(upstreamBefore);
  });

  it('no X-CSRF header → 403 csrf', async () => {
    expect(await answer(await api(browser, query, {}))).toEqual([403, { error: 'csrf' }]);
    expect(await answer(await api(browser, query, { 'x-csrf': 'true' }))).toEqual([403, { error: 'csrf' }]);
  });

  it('a body over 64 KB → 413', async () => {
    const big = JSON.stringify({ query: CUSTOMER_QUERY, variables: { pad: 'x'.repeat(64 * 1024) } });
    const [status, body] = await answer(await api(browser, big));
    expect(status).toBe(413);
    expect(body).toMatchObject({ error: 'payload_too_large' });
  });

  it.each([
    ['malformed JSON', '{"query": '],
    ['no query', JSON.stringify({ variables: {} })],
    ['an empty query', JSON.stringify({ query: '  ' })],
    ['a query that is not a string', JSON.stringify({ query: 42 })],
    ['variables that are an array', JSON.stringify({ query: CUSTOMER_QUERY, variables: [1] })],
    ['an operationName that is not a string', JSON.stringify({ query: CUSTOMER_QUERY, operationName: 7 })],
    ['a JSON array', JSON.stringify([{ query: CUSTOMER_QUERY }])],
  ])('%s → 400 bad_request', async (_name, body) => {
    const [status, parsed] = await answer(await api(browser, body));
    expect(status).toBe(400);
    expect(parsed).toMatchObject({ error: 'bad_request', message: expect.any(String) });
  });

  it('no cookie → 401 reauth_required with a login URL back to the calling page', async () => {
    const response = await api(anonymous, query, { 'x-csrf': '1', referer: `${stack.appOrigin}/account?tab=orders` });
    expect(await answer(response)).toEqual([
      401,
      { error: 'reauth_required', loginUrl: '/auth/login?returnTo=%2Faccount%3Ftab%3Dorders' },
    ]);
  });

  it('a cross-site Referer never becomes the returnTo', async () => {
    const response = await api(anonymous, query, { 'x-csrf': '1', referer: 'https://evil.example/account' });
    expect(await answer(response)).toEqual([401, { error: 'reauth_required', loginUrl: '/auth/login?returnTo=%2F' }]);
  });

  it('a tampered cookie → 401 reauth_required', async () => {
    const forged = createBrowser();
    const real = browser.cookies(stack.appOrigin).get(COOKIE_NAME)!;
    forged.setCookie(stack.appOrigin, COOKIE_NAME, `${real.slice(0, -4)}AAAA`);
    const [status, body] = await answer(await api(forged, query));
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: 'reauth_required' });
  });
});

describe('POST /auth/refresh', () => {
  it('{force:true} refreshes once and answers the new expiry', async () => {
    const { expiresAt: oldExpiresAt } = await sessionOf(browser, stack.appOrigin);
    const before = (await stack.stats()).token.refresh_token;
    await new Promise((resolve) => setTimeout(resolve, 5)); // so the new expiry is measurably later

    const response = await refresh(browser, JSON.stringify({ force: true }));

    expect(response.status).toBe(200);
    const { expiresAt } = (await response.json()) as { expiresAt: number };
    expect(expiresAt).toBeGreaterThan(oldExpiresAt!);
    expect(Number(response.headers.get('x-session-expires-at'))).toBe(expiresAt);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await stack.stats()).token.refresh_token - before).toBe(1);
    expect((await sessionOf(browser, stack.appOrigin)).expiresAt).toBe(expiresAt);
    const next = await graphql(browser, stack.appOrigin);
    expect([next.status, emailIn(await next.text())]).toEqual([200, ALICE]);
  });

  it('forces right after a refresh cost Shopify nothing: ten tabs get the fresh token', async () => {
    // The previous test refreshed moments ago; a page looping on {force:true} must not hammer the token endpoint.
    const { expiresAt } = await sessionOf(browser, stack.appOrigin);
    const before = (await stack.stats()).token.refresh_token;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => refresh(browser, JSON.stringify({ force: true }))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const expiries = new Set(
      await Promise.all(answers.map(async (a) => ((await a.json()) as { expiresAt: number }).expiresAt)),
    );
    expect([...expiries]).toEqual([expiresAt]);
    expect((await stack.stats()).token.refresh_token - before).toBe(0);
  });

  it('without force: no refresh outside the buffer, one inside it', async () => {
    const before = (await stack.stats()).token.refresh_token;
    const { expiresAt } = await sessionOf(browser, stack.appOrigin);
    expect(await answer(await refresh(browser, ''))).toEqual([200, { expiresAt }]);
    expect(await answer(await refresh(browser, '{}'))).toEqual([200, { expiresAt }]);
    expect((await stack.stats()).token.refresh_token).toBe(before);

    const soon = await expireSoon(browser, stack.appOrigin);
    const [status, body] = await answer(await refresh(browser, '{}'));
    expect(status).toBe(200);
    expect((body as { expiresAt: number }).expiresAt).toBeGreaterThan(soon);
    expect((await stack.stats()).token.refresh_token - before).toBe(1);
  });

  it.each([
    ['{force:"yes"}', 400, JSON.stringify({ force: 'yes' })],
    ['{force:1}', 400, JSON.stringify({ force: 1 })],
    ['malformed JSON', 400, '{force:true}'],
    ['a JSON array', 400, '[true]'],
    ['a body over 1 KB', 413, JSON.stringify({ force: true, pad: 'x'.repeat(1024) })],
  ])('%s → %i, no refresh', async (_name, status, body) => {
    const before = (await stack.stats()).token.refresh_token;
    const response = await refresh(browser, body);
    expect(response.status).toBe(status);
    expect((await response.json()) as object).toMatchObject({
      error: status === 400 ? 'bad_request' : 'payload_too_large',
    });
    expect((await stack.stats()).token.refresh_token).toBe(before);
  });

  it('no X-CSRF → 403; no cookie → 401 reauth_required', async () => {
    expect(await answer(await refresh(browser, JSON.stringify({ force: true }), {}))).toEqual([403, { error: 'csrf' }]);
    const [status, body] = await answer(await refresh(anonymous, JSON.stringify({ force: true })));
    expect(status).toBe(401);
    expect(body).toMatchObject({
      error: 'reauth_required',
      loginUrl: expect.stringMatching(/^\/auth\/login\?returnTo=/),
    });
  });
});

describe('sign-out', () => {
  it('refuses a cross-site form post and signs out a same-origin one', async () => {
    const crossSite = await browser.request(`${stack.appOrigin}/auth/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(await answer(crossSite)).toEqual([403, { error: 'csrf' }]);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(true);

    const cookie = browser.cookies(stack.appOrigin).get(COOKIE_NAME)!;
    const sid = await sidOf(cookie);
    const signedOut = await logout(browser, stack.appOrigin);
    expect(signedOut.status).toBe(303);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(false);
    expect(await stack.bff.deps.store.get(sid)).toBeNull();

    expectNoSecrets({
      appOrigins: [stack.appOrigin],
      endSessionOrigin: stack.emulator.url,
      seen: [...browser.seen, ...anonymous.seen],
      logLines: stack.logs.lines,
      sids: [sid],
      cookies: [cookie],
    });
    expect(stack.logs.lines.some((line) => /eyJ[\w-]+\.eyJ/.test(line))).toBe(false);
  });
});
