/**
 * The production build as an operator runs it: `node dist/node/server/main.js` (no TypeScript loader),
 * configured from the environment, behind a forwarding proxy, stopped with SIGTERM mid-traffic.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type StartedEmulator } from '../emulator/server.ts';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { startOtlpReceiver } from './helpers/otlp-receiver.ts';
import { startBuiltBff, type ChildServer } from './helpers/processes.ts';
import { CUSTOMER_QUERY, PASSWORD, freePort } from './helpers/stack.ts';
import { emailIn } from './helpers/session-support.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulatorFor(appOrigin: string, config = {}): Promise<StartedEmulator> {
  const emulator = await startEmulator({
    port: 0,
    config,
    clients: [
      {
        clientId: 'prod-test',
        type: 'public',
        redirectUris: [`${appOrigin}/auth/callback`],
        javascriptOrigins: [appOrigin],
        logoutUris: [`${appOrigin}/`],
      },
    ],
  });
  cleanups.push(() => emulator.close());
  return emulator;
}

async function builtBff(env: Record<string, string>): Promise<ChildServer & { url: string }> {
  const bff = await startBuiltBff({
    SHOPIFY_CLIENT_ID: 'prod-test',
    SESSION_PASSWORD: PASSWORD,
    SESSION_STORE: 'sqlite::memory:',
    ...env,
  });
  cleanups.push(async () => {
    bff.process.kill('SIGKILL');
    await bff.exited;
  });
  return bff;
}

/**
 * A reverse proxy like an operator's load balancer: forwards every request to `target` and adds the
 * forwarding headers it is told to (a real one sets them from what it saw; this one lets the test lie).
 */
async function forwardingProxy(target: string, forwarded: () => IncomingHttpHeaders): Promise<string> {
  const upstream = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    const proxied = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, ...forwarded() },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/**
 * Signs in through `entry` (the proxy): the emulator sends the browser back to the public https
 * callback URL, which this test delivers to the proxy, as DNS and TLS would.
 */
async function signInThrough(browser: Browser, entry: string, appOrigin: string, email: string) {
  const query = new URLSearchParams({ returnTo: '/account', login_hint: email, login_hint_mode: 'submit' });
  const { url } = await browser.navigate(`${entry}/auth/login?${query}`, {
    stopAt: (next) => next.origin === appOrigin,
  });
  expect(url.pathname).toBe('/auth/callback');
  return browser.request(`${entry}${url.pathname}${url.search}`);
}

const graphqlThrough = (browser: Browser, entry: string) =>
  browser.request(`${entry}/api/customer/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1' },
    body: JSON.stringify({ query: CUSTOMER_QUERY }),
  });

describe('the production build behind a forwarding proxy, https APP_ORIGIN', () => {
  const APP_ORIGIN = 'https://shop.test';
  const LIAR = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.test' };

  it('sets a __Host- Secure cookie, and believes no forwarding header without TRUST_PROXY', async () => {
    const emulator = await emulatorFor(APP_ORIGIN);
    const bff = await builtBff({ APP_ORIGIN, SHOPIFY_STOREFRONT_ORIGIN: emulator.url });
    const entry = await forwardingProxy(bff.url, () => LIAR);
    const browser = createBrowser();

    const callback = await signInThrough(browser, entry, APP_ORIGIN, 'alice@example.com');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/account');
    const session = callback.headers.getSetCookie().find((line) => line.startsWith('__Host-csess='));
    expect(session).toBeDefined();
    const attributes = session!.split(';').map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['path=/', 'httponly', 'secure', 'samesite=lax']));
    expect(attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);

    // X-Forwarded-Proto: http was not believed (no https redirect), and the log names the socket peer.
    const answer = await graphqlThrough(browser, entry);
    expect(answer.status).toBe(200);
    expect(emailIn(await answer.text())).toBe('alice@example.com');
    expect((await browser.request(`${entry}/healthz`)).status).toBe(200);
    await expect.poll(() => bff.events('auth.login.succeeded')[0]?.client).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(bff.lines.join('\n')).not.toContain('203.0.113.9');
    expect(bff.lines.join('\n')).not.toContain('evil.test');
  });

  it('with TRUST_PROXY, logs the forwarded client and sends plain-http requests to https', async () => {
    const emulator = await emulatorFor(APP_ORIGIN);
    const bff = await builtBff({ APP_ORIGIN, SHOPIFY_STOREFRONT_ORIGIN: emulator.url, TRUST_PROXY: 'loopback' });
    let proto = 'http';
    const entry = await forwardingProxy(bff.url, () => ({ ...LIAR, 'x-forwarded-proto': proto }));
    const browser = createBrowser();

    const plain = await browser.request(`${entry}/account?tab=orders`);
    expect(plain.status).toBe(308);
    expect(plain.headers.get('location')).toBe('https://shop.test/account?tab=orders');
    const plainPost = await graphqlThrough(browser, entry);
    expect(plainPost.status).toBe(400);

    proto = 'https';
    expect((await signInThrough(browser, entry, APP_ORIGIN, 'alice@example.com')).status).toBe(302);
    // The child writes its log through a pipe: the line may arrive a moment after the answer.
    await expect.poll(() => bff.events('auth.login.succeeded')[0]?.client).toBe('203.0.113.9');
  });
});

describe('graceful shutdown of the production build', () => {
  it('SIGTERM during 50 calls in flight, one of them mid-refresh: all answer, and the rotated tokens are stored', async () => {
    const port = await freePort();
    const appOrigin = `http://localhost:${port}`;
    const emulator = await emulatorFor(appOrigin, { refreshTokenReuse: 'revoke-family' });
    const dir = mkdtempSync(join(tmpdir(), 'shutdown-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      PORT: String(port),
      SHOPIFY_STOREFRONT_ORIGIN: emulator.url,
      EMULATOR_ADMIN_ORIGIN: emulator.url,
      SESSION_STORE: `sqlite:${join(dir, 'sessions.db')}`,
    };
    let bff = await builtBff(env);
    const alice = createBrowser();
    const bob = createBrowser();
    await signInThrough(alice, appOrigin, appOrigin, 'alice@example.com');
    await signInThrough(bob, appOrigin, appOrigin, 'bob@example.com');
    const expire = await alice.request(`${appOrigin}/demo/expire-soon`, { method: 'POST', headers: { 'x-csrf': '1' } });
    expect(expire.status).toBe(200);
    // Slow Shopify, so that the refresh and the calls are still running when the signal arrives.
    emulator.emulator.updateConfig({ tokenLatencyMs: 4_000, graphqlLatencyMs: 1_000 });

    const calls = [
      graphqlThrough(alice, appOrigin),
      ...Array.from({ length: 49 }, () => graphqlThrough(bob, appOrigin)),
    ].map((call) => call.then(async (response) => ({ status: response.status, body: await response.text() })));
    // Every call is in flight: the refresh has reached Shopify, and so have all 50 calls (Alice's goes on
    // with her still-valid token after a second, while the refresh keeps running).
    await expect.poll(() => emulator.emulator.stats().token.refresh_token, { timeout: 5_000 }).toBe(1);
    await expect.poll(() => emulator.emulator.stats().graphql.received, { timeout: 5_000 }).toBe(50);
    expect(emulator.emulator.stats().refresh.succeeded).toBe(0); // still mid-refresh
    bff.process.kill('SIGTERM');

    const answers = await Promise.all(calls);
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(emailIn(answers[0]!.body)).toBe('alice@example.com');
    expect(answers.slice(1).every((answer) => emailIn(answer.body) === 'bob@example.com')).toBe(true);
    expect(await bff.exited).toBe(0);
    expect(bff.events('bff.shutdown.completed')[0]).toMatchObject({ drained: true, requestsLeft: 0, refreshesLeft: 0 });
    expect(emulator.emulator.stats().refresh).toMatchObject({ succeeded: 1, failed: 0, reused: 0 });

    // A new process on the same file: a forced refresh presents the stored refresh token. Had the old,
    // spent one been kept, revoke-family would now kill the grant and this would be a 401.
    emulator.emulator.updateConfig({ tokenLatencyMs: 0, graphqlLatencyMs: 0 });
    bff = await builtBff(env);
    const forced = await alice.request(`${appOrigin}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1' },
      body: JSON.stringify({ force: true }),
    });
    expect(forced.status).toBe(200);
    expect(emulator.emulator.stats().refresh).toMatchObject({ succeeded: 2, failed: 0, reused: 0 });
    expect(emulator.emulator.stats().revocations).toEqual({ customer: 0, family: 0 });
    expect(emailIn(await (await graphqlThrough(alice, appOrigin)).text())).toBe('alice@example.com');
  });

  it('a second signal exits at once', async () => {
    const port = await freePort();
    const appOrigin = `http://localhost:${port}`;
    const emulator = await emulatorFor(appOrigin);
    const bff = await builtBff({
      PORT: String(port),
      SHOPIFY_STOREFRONT_ORIGIN: emulator.url,
      EMULATOR_ADMIN_ORIGIN: emulator.url,
    });
    const browser = createBrowser();
    await signInThrough(browser, appOrigin, appOrigin, 'alice@example.com');
    await browser.request(`${appOrigin}/demo/expire-soon`, { method: 'POST', headers: { 'x-csrf': '1' } });
    emulator.emulator.updateConfig({ tokenLatencyMs: 10_000 });
    const stuck = graphqlThrough(browser, appOrigin).catch((error: unknown) => error);
    await expect.poll(() => emulator.emulator.stats().token.refresh_token, { timeout: 5_000 }).toBe(1);

    bff.process.kill('SIGTERM');
    await expect.poll(() => bff.events('bff.shutdown.started').length).toBe(1);
    bff.process.kill('SIGINT');
    expect(await bff.exited).toBe(1);
    expect(bff.events('bff.shutdown.forced')).toHaveLength(1);
    expect(bff.events('bff.shutdown.completed')).toHaveLength(0);
    expect(await stuck).toBeInstanceOf(Error); // the connection was cut: nothing waited for the refresh
  });
});

describe('tracing in the production build', () => {
  it('with OTEL_EXPORTER_OTLP_ENDPOINT, exports the spans of a request, and the rest on SIGTERM', async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    const emulator = await emulatorFor('http://localhost');
    const bff = await builtBff({
      SHOPIFY_STOREFRONT_ORIGIN: emulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'built-bff',
    });
    const response = await fetch(`${bff.url}/healthz`, { headers: { 'x-request-id': 'built-1' } });
    expect(response.status).toBe(200);

    // The batch is exported on shutdown (SIGTERM closes the BFF, which flushes), not 5 s later.
    bff.process.kill('SIGTERM');
    expect(await bff.exited).toBe(0);
    const text = receiver.bodies.join('\n');
    expect(text).toContain('"built-bff"');
    expect(text).toContain('"GET /healthz"');
    expect(text).toContain('"built-1"');
  });
});
