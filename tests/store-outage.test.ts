/**
 * A session store outage is a quick, clear 503 on every session route, never a sign-out, and everything
 * works again once the store is back. Redis here is a private server that keeps its data across a
 * restart (append-only, fsynced), as a managed Redis does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { startRedisServer } from './helpers/processes.ts';
import { emailIn } from './helpers/session-support.ts';
import { freePort, graphql, startStack, type Stack } from './helpers/stack.ts';

let port: number;
let dataDir: string;
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'store-outage-'));
  redis = await startRedisServer(port, { dataDir });
  stack = await startStack({
    sessionStore: `redis://127.0.0.1:${port}`,
    bff: { storeGuard: { recoveryQuietMs: 200 } },
  });
  browser = createBrowser();
  await stack.signIn(browser, 'alice@example.com');
});
afterAll(async () => {
  await stack?.close();
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (path: string, body = '{}') =>
  browser.request(`${stack.appOrigin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1' },
    body,
  });

describe('Redis down', () => {
  it('every session route answers 503 session_store_unavailable with Retry-After; nobody is signed out', async () => {
    await redis.stop();
    const answers = {
      session: await browser.request(`${stack.appOrigin}/auth/session`),
      graphql: await graphql(browser, stack.appOrigin),
      refresh: await post('/auth/refresh'),
    };
    for (const [route, answer] of Object.entries(answers)) {
      expect([route, answer.status, answer.headers.get('retry-after'), await answer.json()]).toEqual([
        route,
        503,
        '2',
        { error: 'session_store_unavailable' },
      ]);
      // The session cookie stays: the session is intact, only the store cannot be asked now.
      expect(answer.headers.getSetCookie().some((line) => line.startsWith('csess='))).toBe(false);
    }
    // Starting a sign-in needs no store (the attempt lives in the browser's cookie).
    const login = await createBrowser().request(`${stack.appOrigin}/auth/login`);
    expect(login.status).toBe(302);
    const ready = await fetch(`${stack.appOrigin}/readyz`);
    expect(ready.status).toBe(503);
    const outageLines = stack.logs.events().filter((line) => line.event === 'store.unavailable');
    expect(outageLines).toHaveLength(1);
  });

  it('sign-out fails closed: the cookie is cleared and the page says so; the session is dead once Redis is back', async () => {
    const other = createBrowser();
    redis = await startRedisServer(port, { dataDir });
    await expect.poll(async () => (await fetch(`${stack.appOrigin}/readyz`)).status, { timeout: 10_000 }).toBe(200);
    await stack.signIn(other, 'bob@example.com');
    const cookie = other.cookies(stack.appOrigin).get('csess')!;
    await redis.stop();

    const out = await other.request(`${stack.appOrigin}/auth/logout`, {
      method: 'POST',
      headers: { origin: stack.appOrigin },
    });
    expect(out.status).toBe(200);
    expect(await out.text()).toContain('Signed out in this browser');
    expect(out.headers.getSetCookie().some((line) => /^csess=;/.test(line))).toBe(true);

    redis = await startRedisServer(port, { dataDir });
    await expect
      .poll(() => stack.logs.events().some((line) => line.event === 'session.end_completed'), { timeout: 15_000 })
      .toBe(true);
    // The cookie kept by someone who copied it before the sign-out opens nothing.
    other.setCookie(stack.appOrigin, 'csess', cookie);
    expect((await graphql(other, stack.appOrigin)).status).toBe(401);
  });

  it('once Redis is back, the same session works again, with no new sign-in', async () => {
    await expect.poll(async () => (await graphql(browser, stack.appOrigin)).status, { timeout: 10_000 }).toBe(200);
    const answer = await graphql(browser, stack.appOrigin);
    expect(emailIn(await answer.text())).toBe('alice@example.com');
    expect((await stack.stats()).token.authorization_code).toBe(2); // Alice's, and Bob's above
    // Back for good (the guard's quiet time, 200 ms here, without a failure): each outage of this file
    // (Redis was stopped twice) is one `store.unavailable` line and one `store.recovered` line.
    await new Promise((resolve) => setTimeout(resolve, 250));
    await graphql(browser, stack.appOrigin);
    const changes = stack.logs.events().filter((line) => String(line.event).startsWith('store.'));
    expect(changes.map((line) => line.event)).toEqual([
      'store.unavailable',
      'store.recovered',
      'store.unavailable',
      'store.recovered',
    ]);
    expect(changes[3]).toMatchObject({ failedCalls: expect.any(Number), downMs: expect.any(Number) });
  });
});
