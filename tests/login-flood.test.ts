/**
 * A flood of `/auth/login` costs the store nothing (a sign-in in progress lives in the browser's sealed
 * cookie) and is rate-limited per client address, across instances when they share Redis.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../server/observability/logger.ts';
import { demoRoutes } from '../server/demo/routes.ts';
import { startBff } from '../server/server.ts';
import { createBrowser } from './helpers/browser.ts';
import { startStack, type Stack } from './helpers/stack.ts';

const LIMIT = 20;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function floodFrom(origins: string[], attempts: number) {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < attempts; i += 1) {
    const response = await fetch(`${origins[i % origins.length]}/auth/login`, { redirect: 'manual' });
    statuses.push(response.status);
    if (response.status === 429) retryAfter = response.headers.get('retry-after');
    await response.body?.cancel();
  }
  return { statuses, retryAfter };
}

describe('a sign-in flood', () => {
  it('writes nothing to the store, and past the limit answers 429 with Retry-After; sign-in still works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'login-flood-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'sessions.db');
    const stack = await startStack({
      sessionStore: `sqlite:${file}`,
      env: { LOGIN_RATE_LIMIT_PER_MINUTE: String(LIMIT) },
    });
    cleanups.push(() => stack.close());

    const { statuses, retryAfter } = await floodFrom([stack.appOrigin], 100);
    expect(statuses.filter((s) => s === 302)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(100 - LIMIT);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const db = new DatabaseSync(file);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    expect(tables).toEqual([{ name: 'sessions' }]);
    expect(db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
    db.close();
  });

  it('on Redis the limit is shared by every instance, and no key but the counter is written', async () => {
    const prefix = `flood-${Date.now()}:`;
    const stack: Stack = await startStack({
      sessionStore: 'redis://127.0.0.1:6379',
      env: { LOGIN_RATE_LIMIT_PER_MINUTE: String(LIMIT), SESSION_STORE_PREFIX: prefix },
    });
    cleanups.push(() => stack.close());
    const second = await startBff(
      { ...stack.config, port: 0 },
      { logger: createLogger({ level: 'silent' }), demoRoutes },
    );
    cleanups.push(() => second.close());

    const { statuses } = await floodFrom([stack.appOrigin, second.url], 60);
    expect(statuses.filter((s) => s === 302)).toHaveLength(LIMIT);
    const redis = new Redis('redis://127.0.0.1:6379');
    cleanups.push(() => redis.quit());
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.every((key) => key.startsWith(`${prefix}rate:login:`))).toBe(true);
    expect(keys.length).toBeGreaterThan(0);
  });

  it('a sign-in started within the limit completes', async () => {
    const stack = await startStack({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: '3' } });
    cleanups.push(() => stack.close());
    const browser = createBrowser();
    expect((await stack.signIn(browser, 'alice@example.com')).url.pathname).toBe('/account');
  });
});
