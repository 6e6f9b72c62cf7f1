/**
 * Issue 15, request ids: every request is answered with an id (the incoming `X-Request-Id` when
 * well-formed, a new one otherwise), every log line it causes carries it, and Shopify (here the
 * emulator, which lists the correlation headers it received) gets it as `X-Request-Id` on the GraphQL
 * call and on the token calls made for it. Over real sockets: the GraphQL fast path, its hand-over to
 * Hono, and Hono's own routes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { graphql, startStack, type Stack } from './helpers/stack.ts';
import { clearFaults, COOKIE_NAME, expectNoSecrets, expireSoon, sidOf } from './helpers/session-support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let stack: Stack;
let browser: Browser;
let graphqlPath: string;
let tokenPath: string;

beforeAll(async () => {
  // Backoff sleeps injected away: a retried refresh costs one loopback round trip.
  stack = await startStack({ bff: { tokenManager: { sleep: async () => {} } } });
  graphqlPath = new URL(stack.emulator.emulator.endpoints.graphql).pathname;
  tokenPath = new URL(stack.emulator.emulator.endpoints.token).pathname;
  browser = createBrowser();
  await stack.signIn(browser, 'alice@example.com');
});
afterAll(() => stack?.close());
beforeEach(async () => {
  await clearFaults(stack);
  await stack.clearUpstreamRequests();
});

/** What the emulator received since the last `beforeEach`, on `path` when given. */
const upstreamRequests = (path?: string) => stack.upstreamRequests(path);

/** Runs `act` and returns the log lines written meanwhile (the suite makes one request at a time). */
async function linesDuring<T>(act: () => Promise<T>): Promise<{ result: T; lines: Array<Record<string, unknown>> }> {
  const before = stack.logs.lines.length;
  const result = await act();
  return { result, lines: stack.logs.events().slice(before) };
}

describe('the GraphQL fast path', () => {
  it('answers a well-formed X-Request-Id as it came and sends it to Shopify', async () => {
    const response = await graphql(browser, stack.appOrigin, undefined, { 'x-request-id': 'edge-7.a:b_c' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('edge-7.a:b_c');
    expect((await upstreamRequests(graphqlPath)).map((r) => r.requestId)).toEqual(['edge-7.a:b_c']);
  });

  it.each([
    ['absent', undefined],
    ['with a space', 'not an id'],
    ['65 characters long', 'x'.repeat(65)],
    ['with a quote', 'a"b'],
  ])('replaces an id %s with a new one, answered and sent upstream alike', async (_name, sent) => {
    const response = await graphql(
      browser,
      stack.appOrigin,
      undefined,
      sent === undefined ? {} : { 'x-request-id': sent },
    );
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect((await upstreamRequests(graphqlPath)).map((r) => r.requestId)).toEqual([id]);
  });

  it('a call that refreshes: every line it logs and every token call it makes carry its id', async () => {
    await expireSoon(browser, stack.appOrigin);
    await stack.fault({ endpoint: 'token', kind: 'status', status: 503 });
    const { result: response, lines } = await linesDuring(() =>
      graphql(browser, stack.appOrigin, undefined, { 'x-request-id': 'refresh-1' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('refresh-1');
    // One failed attempt (503), then the refresh that succeeded: both logged, both under this request.
    expect(lines.map((line) => line['event'])).toEqual(['token.refresh.failed', 'token.refresh.succeeded']);
    for (const line of lines) expect(line['requestId']).toBe('refresh-1');
    expect((await upstreamRequests(tokenPath)).map((r) => r.requestId)).toEqual(['refresh-1', 'refresh-1']);
    expect((await upstreamRequests(graphqlPath)).map((r) => r.requestId)).toEqual(['refresh-1']);
    // Tracing is off here (no OTEL_EXPORTER_OTLP_ENDPOINT): no trace context goes upstream.
    expect((await upstreamRequests()).map((r) => r.traceparent)).toEqual([null, null, null]);
  });

  it('an error handed over to Hono is answered with the id the call was sent upstream with', async () => {
    await stack.fault({ endpoint: 'graphql', kind: 'status', status: 502 });
    const response = await graphql(browser, stack.appOrigin, undefined, { 'x-request-id': 'no good' });
    expect(response.status).toBe(503);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect((await upstreamRequests(graphqlPath)).map((r) => r.requestId)).toEqual([id]);
  });

  it('an error raised before any upstream call is answered with the incoming id', async () => {
    const response = await fetch(`${stack.appOrigin}/api/customer/graphql`, {
      method: 'POST',
      headers: { 'x-csrf': '1', 'x-request-id': 'no-session-1', cookie: `${COOKIE_NAME}=garbage` },
      body: '{"query":"{ customer { id } }"}',
    });
    expect([response.status, response.headers.get('x-request-id')]).toEqual([401, 'no-session-1']);
    expect(await upstreamRequests(graphqlPath)).toEqual([]);
  });
});

describe("Hono's routes", () => {
  it('answer every route with an id, the incoming one when well-formed', async () => {
    for (const path of ['/auth/session', '/healthz', '/readyz', '/metrics', '/no-such-page']) {
      const kept = await fetch(`${stack.appOrigin}${path}`, { headers: { 'x-request-id': 'probe-1' } });
      expect(kept.headers.get('x-request-id'), path).toBe('probe-1');
      const replaced = await fetch(`${stack.appOrigin}${path}`, { headers: { 'x-request-id': 'probe 1' } });
      expect(replaced.headers.get('x-request-id'), path).toMatch(UUID);
    }
  });

  it('a Storefront API (cart) call sends its id to Shopify', async () => {
    const response = await browser.request(`${stack.appOrigin}/api/storefront/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1', 'x-request-id': 'cart-1' },
      body: JSON.stringify({
        query: 'mutation { cartCreate(input: { lines: [] }) { cart { id } userErrors { code } } }',
      }),
    });
    expect([response.status, response.headers.get('x-request-id')]).toEqual([200, 'cart-1']);
    const storefront = (await upstreamRequests()).filter((request) =>
      /^\/api\/[^/]+\/graphql\.json$/.test(request.path),
    );
    expect(storefront.map((request) => request.requestId)).toEqual(['cart-1']);
  });

  it("a sign-in: the callback's log lines and its code exchange carry the callback's id", async () => {
    const other = createBrowser();
    const { lines } = await linesDuring(() => stack.signIn(other, 'bob@example.com'));
    const callback = other.seen.find((seen) => new URL(seen.url).pathname === '/auth/callback');
    const id = callback?.headers['x-request-id'];
    expect(id).toMatch(UUID);
    expect(lines.filter((line) => line['event'] === 'auth.login.succeeded')).toEqual([
      expect.objectContaining({ requestId: id }),
    ]);
    expect((await upstreamRequests(tokenPath)).map((r) => r.requestId)).toEqual([id]);
    // Every line the sign-in's requests wrote names one of the ids they were answered with.
    const answered = new Set(other.seen.map((seen) => seen.headers['x-request-id']).filter(Boolean));
    for (const line of lines) expect(answered.has(line['requestId'] as string), JSON.stringify(line)).toBe(true);
    browserCookies.push(other.cookies(stack.appOrigin).get(COOKIE_NAME)!);
    browsers.push(other);
  });
});

const browsers: Browser[] = [];
const browserCookies: string[] = [];

describe('secrets', () => {
  it('no token, code or session id reached a response or the log', async () => {
    const cookies = [browser.cookies(stack.appOrigin).get(COOKIE_NAME)!, ...browserCookies];
    expectNoSecrets({
      appOrigins: [stack.appOrigin],
      seen: [browser, ...browsers].flatMap((b) => b.seen),
      logLines: stack.logs.lines,
      sids: await Promise.all(cookies.map(sidOf)),
      cookies,
    });
  });
});
