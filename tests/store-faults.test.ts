/**
 * A store that fails while Shopify rotates the refresh token must not cost the customer their sign-in.
 * The emulator runs in `revoke-family` (reusing a spent refresh token kills the whole grant), so a BFF
 * that lost the rotated tokens and presented the old one again would sign the customer out.
 *
 * - SQLite on a 1 MB tmpfs that fills up mid-refresh (needs root to mount it, as CI runs);
 * - Redis killed mid-refresh and started again (a private server that keeps its data, as a managed one).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrowser } from './helpers/browser.ts';
import { startRedisServer } from './helpers/processes.ts';
import { emailIn, expireSoon } from './helpers/session-support.ts';
import { freePort, graphql, startStack, type Stack } from './helpers/stack.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Fills the file system holding `dir` until it is full; returns the filler's path. */
function fillUp(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return filler;
}

const forceRefresh = (browser: ReturnType<typeof createBrowser>, stack: Stack) =>
  browser.request(`${stack.appOrigin}/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1' },
    body: '{"force":true}',
  });

/** The grant is alive: a refresh with the stored refresh token works, and nothing was revoked. */
async function expectGrantAlive(stack: Stack, browser: ReturnType<typeof createBrowser>) {
  const forced = await forceRefresh(browser, stack);
  expect(forced.status).toBe(200);
  const stats = (await stack.stats()) as Awaited<ReturnType<Stack['stats']>> & {
    revocations: { family: number; customer: number };
  };
  expect(stats.refresh.reused).toBe(0);
  expect(stats.revocations).toEqual({ family: 0, customer: 0 });
  const answer = await graphql(browser, stack.appOrigin);
  expect([answer.status, emailIn(await answer.text())]).toEqual([200, 'alice@example.com']);
}

describe('a store fault mid-refresh', () => {
  it('SQLite disk full after Shopify rotated the token, then healed: still signed in, the grant alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'disk-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    } catch (error) {
      throw new Error(`this test mounts a 1 MB tmpfs and needs root (CI runs as root): ${String(error)}`);
    }
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => execFileSync('umount', [dir]));
    const stack = await startStack({
      sessionStore: `sqlite:${join(dir, 'sessions.db')}`,
      emulatorConfig: { refreshTokenReuse: 'revoke-family' },
    });
    cleanups.push(() => stack.close());
    const browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    await expireSoon(browser, stack.appOrigin);

    const filler = fillUp(dir);
    const during = await graphql(browser, stack.appOrigin);
    expect([during.status, emailIn(await during.text())]).toEqual([200, 'alice@example.com']);
    expect((await stack.stats()).refresh.succeeded).toBe(1); // Shopify rotated: the old token is spent
    expect(stack.logs.events().some((line) => line.event === 'token.refresh.write_failed')).toBe(true);
    // Still full: calls go on with the held tokens, no second refresh.
    expect((await graphql(browser, stack.appOrigin)).status).toBe(200);
    expect((await stack.stats()).token.refresh_token).toBe(1);

    unlinkSync(filler);
    await expect
      .poll(() => stack.logs.events().some((line) => line.event === 'token.refresh.write_recovered'), {
        timeout: 15_000,
      })
      .toBe(true);
    await expectGrantAlive(stack, browser);
  });

  it('Redis killed mid-refresh, then started again: still signed in, the grant alive, the lock free', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'redis-fault-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let redis = await startRedisServer(port, { dataDir });
    cleanups.push(() => redis.stop());
    const stack = await startStack({
      sessionStore: `redis://127.0.0.1:${port}`,
      emulatorConfig: { refreshTokenReuse: 'revoke-family' },
    });
    cleanups.push(() => stack.close());
    const browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    await expireSoon(browser, stack.appOrigin);
    await stack.setEmulatorConfig({ tokenLatencyMs: 1_500 });

    const call = graphql(browser, stack.appOrigin);
    await expect.poll(async () => (await stack.stats()).token.refresh_token, { timeout: 5_000 }).toBe(1);
    await redis.stop(); // Shopify is rotating the token right now; the write will find no Redis
    // The call goes on with the still-valid token after a second; the refresh goes on without it.
    const during = await call;
    expect([during.status, emailIn(await during.text())]).toEqual([200, 'alice@example.com']);
    await expect.poll(async () => (await stack.stats()).refresh.succeeded, { timeout: 5_000 }).toBe(1);
    await expect.poll(() => stack.logs.events().some((line) => line.event === 'token.refresh.write_failed')).toBe(true);

    await stack.setEmulatorConfig({ tokenLatencyMs: 0 });
    redis = await startRedisServer(port, { dataDir });
    await expect
      .poll(() => stack.logs.events().some((line) => line.event === 'token.refresh.write_recovered'), {
        timeout: 15_000,
      })
      .toBe(true);
    await expectGrantAlive(stack, browser);
  });
});
