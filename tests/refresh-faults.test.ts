/**
 * Issue 4, the failures: a Shopify hiccup signs out nobody, a dead grant signs out exactly that
 * session, and a sign-out racing a refresh never leaves a live session behind. The BFF runs on a
 * skewed clock so expiry and cooldown are crossed without sleeping, and backoff sleeps are injected
 * away, so every retry costs one loopback round trip.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionIdHash } from '../server/observability/ids.ts';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { graphql, startStack, type Stack } from './helpers/stack.ts';
import {
  COOKIE_NAME,
  clearFaults,
  createSkewedClock,
  emailIn,
  expectNoSecrets,
  expireSoon,
  logout,
  metric,
  scrape,
  sessionOf,
  sidOf,
} from './helpers/session-support.ts';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const RETRIES = 2;
const COOLDOWN_MS = 2_000;
const ATTEMPT_TIMEOUT_MS = 200;
// `/demo/expire-soon` leaves half of the 60 s buffer: 31 s later the access token has expired.
const PAST_EXPIRY_MS = 31_000;

const clock = createSkewedClock();
let stack: Stack;
const browsers: Browser[] = [];
const sids: string[] = [];
const cookies: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    emulatorConfig: { refreshTokenReuse: 'revoke-family' },
    bff: {
      now: clock.now,
      tokenManager: {
        retry: { retries: RETRIES, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS },
        cooldownMs: COOLDOWN_MS,
        sleep: async () => {},
      },
    },
  });
});
afterAll(() => stack?.close());
beforeEach(async () => {
  clock.reset();
  await clearFaults(stack);
  await stack.setEmulatorConfig({ tokenLatencyMs: 0 });
});

/** A fresh signed-in browser with its own session (and its own grant at the emulator). */
async function signedIn(email: string) {
  const browser = createBrowser();
  await stack.signIn(browser, email);
  const cookie = browser.cookies(stack.appOrigin).get(COOKIE_NAME)!;
  const sid = await sidOf(cookie);
  browsers.push(browser);
  sids.push(sid);
  cookies.push(cookie);
  return { browser, cookie, sid, session: sessionIdHash(sid) };
}

async function call(browser: Browser) {
  const response = await graphql(browser, stack.appOrigin);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

const refreshCount = async () => (await stack.stats()).token.refresh_token;

const eventsFor = (session: string, event: string) =>
  stack.logs.events().filter((e) => e['event'] === event && e['session'] === session);

describe('a token endpoint fault signs out nobody', () => {
  const transient = 1 + RETRIES;
  const cases: Array<{
    name: string;
    fault: Record<string, unknown>;
    kind: 'transient' | 'misconfiguration';
    requests: number;
    retryAfter?: number;
  }> = [
    { name: '500', fault: { kind: 'status', status: 500 }, kind: 'transient', requests: transient },
    { name: '503', fault: { kind: 'status', status: 503 }, kind: 'transient', requests: transient },
    { name: '429', fault: { kind: 'status', status: 429 }, kind: 'transient', requests: transient },
    // A Retry-After beyond what the manager waits out ends the retries at once and reaches the client.
    {
      name: '429 Retry-After: 120',
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '120' } },
      kind: 'transient',
      requests: 1,
      retryAfter: 120,
    },
    {
      name: '401 with an empty error code',
      fault: { kind: 'status', status: 401 },
      kind: 'transient',
      requests: transient,
    },
    { name: 'timeout', fault: { kind: 'timeout', timeoutMs: 2_000 }, kind: 'transient', requests: transient },
    { name: 'connection reset', fault: { kind: 'reset' }, kind: 'transient', requests: transient },
    {
      name: '401 invalid_client',
      fault: { kind: 'status', status: 401, body: { error: 'invalid_client' } },
      kind: 'misconfiguration',
      requests: 1,
    },
    {
      name: '401 invalid_token in WWW-Authenticate',
      fault: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
      kind: 'misconfiguration',
      requests: 1,
    },
    { name: '403', fault: { kind: 'status', status: 403 }, kind: 'misconfiguration', requests: 1 },
  ];

  it.each(cases)(
    '$name → $kind: old token while valid, then 503, then a clean refresh',
    async ({ fault, kind, requests, retryAfter }) => {
      const { browser, session } = await signedIn(ALICE);
      const inject = () => stack.fault({ endpoint: 'token', count: requests, ...fault });

      // Inside the buffer, not yet expired: the call goes through with the current token.
      await expireSoon(browser, stack.appOrigin);
      let before = await refreshCount();
      await inject();
      const served = await call(browser);
      expect([served.status, emailIn(served.body)]).toEqual([200, ALICE]);
      expect((await refreshCount()) - before).toBe(requests);
      const failed = eventsFor(session, 'token.refresh.failed');
      expect(failed.map((e) => [e['class'], e['attempt'], e['willRetry']])).toEqual(
        Array.from({ length: requests }, (_, i) => [kind, i + 1, i + 1 < requests]),
      );
      if (fault['kind'] === 'timeout') expect(failed.every((e) => e['timedOut'] === true)).toBe(true);

      // The cooldown keeps the next calls off the token endpoint.
      before = await refreshCount();
      expect((await call(browser)).status).toBe(200);
      expect(await refreshCount()).toBe(before);

      // Expired, and the fault is back: 503 with Retry-After — never a sign-out.
      clock.advance(PAST_EXPIRY_MS);
      await inject();
      before = await refreshCount();
      const unavailable = await call(browser);
      expect(unavailable.status).toBe(503);
      expect(JSON.parse(unavailable.body)).toEqual({ error: 'upstream_unavailable' });
      const retryAfterHeader = Number(unavailable.headers.get('retry-after'));
      expect(retryAfterHeader).toBe(retryAfter ?? COOLDOWN_MS / 1000);
      expect((await refreshCount()) - before).toBe(requests);
      expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(true);

      // The fault has cleared and the cooldown lapses: the next call refreshes once and succeeds.
      clock.advance(COOLDOWN_MS + 1);
      before = await refreshCount();
      const recovered = await call(browser);
      expect([recovered.status, emailIn(recovered.body)]).toEqual([200, ALICE]);
      expect((await refreshCount()) - before).toBe(1);
      expect(Number(recovered.headers.get('x-session-expires-at'))).toBeGreaterThan(clock.now() + 3_000_000);
      expect(eventsFor(session, 'token.refresh.succeeded')).toHaveLength(1);
      expect(eventsFor(session, 'session.reauth_required')).toHaveLength(0);
      const logLevel = kind === 'misconfiguration' ? 50 : 40;
      expect(failed.every((e) => e['level'] === logLevel)).toBe(true);
    },
  );
});

describe('a dead grant signs out that session', () => {
  it('revoked with the token inside the buffer: the refresh fails and the call answers 401 reauth_required', async () => {
    const { browser, cookie, sid, session } = await signedIn(BOB);
    await expireSoon(browser, stack.appOrigin);
    await stack.revoke(BOB);
    const before = await stack.stats();

    const answer = await call(browser);

    expect(answer.status).toBe(401);
    const body = JSON.parse(answer.body) as { error: string; loginUrl: string };
    expect(body.error).toBe('reauth_required');
    expect(body.loginUrl).toMatch(/^\/auth\/login\?returnTo=/);
    const after = await stack.stats();
    expect(after.token.refresh_token - before.token.refresh_token).toBe(1);
    expect(after.refresh.failed - before.refresh.failed).toBe(1);
    // The cookie is cleared and the record deleted: even the old cookie finds nothing.
    expect(browser.cookies(stack.appOrigin).has(COOKIE_NAME)).toBe(false);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(false);
    browser.setCookie(stack.appOrigin, COOKIE_NAME, cookie);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(false);
    expect(await stack.bff.deps.store.get(sid)).toBeNull();
    expect(eventsFor(session, 'token.refresh.failed')).toMatchObject([
      { class: 'dead_grant', status: 400, errorCode: 'invalid_grant' },
    ]);
    expect(eventsFor(session, 'session.reauth_required')).toMatchObject([{ reason: 'dead_grant' }]);
  });

  it('revoked with the token outside the buffer: upstream 401, one forced refresh, then 401 reauth_required', async () => {
    const { browser, session } = await signedIn(BOB);
    await stack.revoke(BOB);
    const before = await stack.stats();

    const answer = await call(browser);

    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'reauth_required' });
    const after = await stack.stats();
    expect(after.graphql.unauthorized - before.graphql.unauthorized).toBe(1);
    expect(after.token.refresh_token - before.token.refresh_token).toBe(1);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(false);
    expect(eventsFor(session, 'token.refresh.failed')).toMatchObject([{ class: 'dead_grant', status: 400 }]);
    expect(eventsFor(session, 'session.reauth_required')).toMatchObject([{ reason: 'dead_grant' }]);
  });
});

describe('a GraphQL upstream fault signs out nobody', () => {
  it.each([
    { name: '500 (HTML)', fault: { kind: 'status', status: 500 }, status: 503, counted: '500', retryAfter: '5' },
    {
      name: '503 with Retry-After 9',
      fault: { kind: 'status', status: 503, headers: { 'retry-after': '9' } },
      status: 503,
      counted: '503',
      retryAfter: '9',
    },
    {
      name: '429 with Retry-After 4',
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '4' } },
      status: 429,
      counted: '429',
      retryAfter: '4',
    },
    { name: 'connection reset', fault: { kind: 'reset' }, status: 503, counted: 'error', retryAfter: '2' },
  ])('$name → JSON $status upstream_unavailable, Retry-After $retryAfter, session kept', async (c) => {
    const { browser } = await signedIn(ALICE);
    const series = `bff_upstream_requests_total{status="${c.counted}"}`;
    const metricsBefore = metric(await scrape(stack.appOrigin), series) ?? 0;
    const before = await refreshCount();
    await stack.fault({ endpoint: 'graphql', count: 1, ...c.fault });

    const answer = await call(browser);

    expect(answer.status).toBe(c.status);
    expect(JSON.parse(answer.body)).toEqual({ error: 'upstream_unavailable' });
    expect(answer.headers.get('retry-after')).toBe(c.retryAfter);
    expect(metric(await scrape(stack.appOrigin), series)).toBe(metricsBefore + 1);
    expect(await refreshCount()).toBe(before);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(true);
    const next = await call(browser);
    expect([next.status, emailIn(next.body)]).toEqual([200, ALICE]);
  });

  it('a one-off GraphQL 401 costs one forced refresh and the call succeeds', async () => {
    const { browser } = await signedIn(ALICE);
    const before = await refreshCount();
    await stack.fault({ endpoint: 'graphql', kind: 'status', status: 401, count: 1 });

    const answer = await call(browser);

    expect([answer.status, emailIn(answer.body)]).toEqual([200, ALICE]);
    expect((await refreshCount()) - before).toBe(1);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(true);
  });
});

describe('sign-out racing an in-flight refresh', () => {
  // Its own stack with the default attempt timeout: the 200 ms one above would abandon the slow refresh
  // and retry with a refresh token the emulator has already rotated — a lost response, a different story.
  let raceStack: Stack;
  beforeAll(async () => {
    raceStack = await startStack({ emulatorConfig: { refreshTokenReuse: 'revoke-family', tokenLatencyMs: 300 } });
  });
  afterAll(() => raceStack?.close());

  it('leaves no live session behind', async () => {
    const stack = raceStack;
    const browser = createBrowser();
    await stack.signIn(browser, ALICE);
    const cookie = browser.cookies(stack.appOrigin).get(COOKIE_NAME)!;
    const sid = await sidOf(cookie);
    const session = sessionIdHash(sid);
    const call = async (b: Browser) => {
      const response = await graphql(b, stack.appOrigin);
      return { status: response.status, body: await response.text() };
    };
    const refreshCount = async () => (await stack.stats()).token.refresh_token;
    const eventsFor = (s: string, event: string) =>
      stack.logs.events().filter((e) => e['event'] === event && e['session'] === s);
    await expireSoon(browser, stack.appOrigin);
    const before = await refreshCount();

    // Five calls share the refresh; sign out while the token endpoint is still thinking.
    const inflight = Promise.all(Array.from({ length: 5 }, () => call(browser)));
    while ((await refreshCount()) === before) await new Promise((resolve) => setTimeout(resolve, 10));
    const signedOut = await logout(browser, stack.appOrigin);
    expect(signedOut.status).toBe(303);
    const answers = await inflight;

    // The refresh did rotate at the emulator, but its compare-and-set found the record gone.
    expect((await stack.stats()).refresh.succeeded).toBeGreaterThan(0);
    expect(answers.map((a) => [a.status, (JSON.parse(a.body) as { error?: string }).error])).toEqual(
      Array(5).fill([401, 'reauth_required']),
    );
    expect(await stack.bff.deps.store.get(sid)).toBeNull();
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(false);
    browser.setCookie(stack.appOrigin, COOKIE_NAME, cookie);
    expect((await sessionOf(browser, stack.appOrigin)).authenticated).toBe(false);
    browser.setCookie(stack.appOrigin, COOKIE_NAME, cookie);
    const replay = await call(browser);
    expect([replay.status, (JSON.parse(replay.body) as { error: string }).error]).toEqual([401, 'reauth_required']);
    expect(eventsFor(session, 'session.reauth_required')).toMatchObject([{ reason: 'signed_out_during_refresh' }]);
    expect(eventsFor(session, 'auth.logout')).toHaveLength(1);
    expectNoSecrets({
      appOrigins: [stack.appOrigin],
      endSessionOrigin: stack.emulator.url,
      seen: browser.seen,
      logLines: stack.logs.lines,
      sids: [sid],
      cookies: [cookie],
    });
  });
});

describe('secrets', () => {
  it('no token, code or session id reached a browser or the log in any of the above', async () => {
    expectNoSecrets({
      appOrigins: [stack.appOrigin],
      endSessionOrigin: stack.emulator.url,
      seen: browsers.flatMap((b) => b.seen),
      logLines: stack.logs.lines,
      sids,
      cookies,
    });
  });
});
