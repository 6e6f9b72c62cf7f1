/**
 * Issue 11, Redis as a managed service runs it: a 3-master Redis Cluster (started here from Debian's
 * redis-server, torn down after) shared by 3 BFF instances. 300 calls inside the refresh buffer, spread
 * round-robin over the instances, cost exactly 1 refresh at an emulator that revokes the whole grant
 * on refresh-token reuse, and all 300 answer 200.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatResults, runDoctor } from '../server/doctor.ts';
import { createCapturingDestination, createLogger } from '../server/observability/logger.ts';
import { demoRoutes } from '../server/demo/routes.ts';
import { startBff, type StartedBff } from '../server/server.ts';
import type { RedisClient } from '../server/sessions/redis-connection.ts';
import { clusterRedisKeys } from '../server/sessions/redis-store.ts';
import { createBrowser } from './helpers/browser.ts';
import { redisClientFor, startRedisCluster, type RedisCluster } from './helpers/redis-servers.ts';
import { COOKIE_NAME, emailIn, expectNoSecrets, expireSoon, sidOf } from './helpers/session-support.ts';
import { PASSWORD, graphql, startStack, type Stack } from './helpers/stack.ts';

const ALICE = 'alice@example.com';
const CALLS = 300;
const PREFIX = 'test:cluster-bff:';
const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-bff-'));
let cluster: RedisCluster;
let stack: Stack;
const others: StartedBff[] = [];
const otherLogs = [createCapturingDestination(), createCapturingDestination()];
let admin: RedisClient | undefined;

const USER_PASSWORD = 'cluster-store-password-never-printed';
let storeUrl: string;

beforeAll(async () => {
  cluster = await startRedisCluster(dir);
  storeUrl = await cluster.addStoreUser('bff', USER_PASSWORD, PREFIX);
  stack = await startStack({
    sessionStore: storeUrl,
    env: { SESSION_STORE_PREFIX: PREFIX },
    // Wide enough that the calls really overlap the refresh.
    emulatorConfig: { refreshTokenReuse: 'revoke-family', tokenLatencyMs: 50 },
  });
  for (const destination of otherLogs) {
    others.push(
      await startBff(
        { ...stack.config, port: 0 },
        { logger: createLogger({ destination, level: 'debug' }), demoRoutes },
      ),
    );
  }
}, 30_000);

afterAll(async () => {
  try {
    admin?.disconnect();
    await Promise.all(others.map((bff) => bff.close()));
    await stack?.close();
  } finally {
    // The cluster's redis-server processes are ours: they must not outlive the file, whatever failed.
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('3 BFF instances on a 3-master Redis Cluster', () => {
  it(`${CALLS} calls inside the buffer, round-robin over the instances → 1 refresh, ${CALLS} × 200`, async () => {
    const origins = [stack.appOrigin, ...others.map((bff) => new URL(bff.url).origin)];
    const browser = createBrowser();
    await stack.signIn(browser, ALICE);
    const cookie = browser.cookies(stack.appOrigin).get(COOKIE_NAME) ?? '';
    // The same cookie to every instance: a load balancer without sticky sessions.
    for (const origin of origins.slice(1)) browser.setCookie(origin, COOKIE_NAME, cookie);
    const roundRobin = () =>
      Promise.all(
        Array.from({ length: CALLS }, async (_, i) => {
          const response = await graphql(browser, origins[i % origins.length] ?? '');
          return [response.status, emailIn(await response.text())];
        }),
      );
    // Warm-up outside the buffer: the keep-alive sockets open now, so the storm below arrives at once.
    expect(await roundRobin()).toEqual(Array(CALLS).fill([200, ALICE]));
    const before = await stack.stats();

    await expireSoon(browser, stack.appOrigin);
    expect(await roundRobin()).toEqual(Array(CALLS).fill([200, ALICE]));

    const after = await stack.stats();
    expect(after.token.refresh_token - before.token.refresh_token).toBe(1);
    expect(after.refresh.reused).toBe(0);
    const logs = [stack.logs, ...otherLogs];
    const succeeded = logs.flatMap((log) => log.events()).filter((e) => e['event'] === 'token.refresh.succeeded');
    expect(succeeded).toHaveLength(1);

    // The session lives on the cluster under its hash-tagged key, and the lock is gone.
    const sid = await sidOf(cookie);
    admin = redisClientFor(cluster.url);
    expect(await admin.exists(clusterRedisKeys.session(PREFIX, sid))).toBe(1);
    expect(await admin.exists(clusterRedisKeys.lock(PREFIX, sid))).toBe(0);

    const logLines = logs.flatMap((log) => log.lines);
    expectNoSecrets({ appOrigins: origins, seen: browser.seen, logLines, sids: [sid], cookies: [cookie] });
    for (const line of logLines) expect(line).not.toContain(USER_PASSWORD);
  });

  it('npm run doctor writes a probe through the cluster as the ACL user, and names a wrong password', async () => {
    const storeLine = async (sessionStore: string) => {
      const env = {
        SHOPIFY_STOREFRONT_ORIGIN: stack.emulator.url,
        SHOPIFY_CLIENT_ID: stack.config.clientId,
        APP_ORIGIN: stack.appOrigin,
        SESSION_PASSWORD: PASSWORD,
        SESSION_STORE: sessionStore,
        SESSION_STORE_PREFIX: PREFIX,
      };
      const output = formatResults(await runDoctor(env, { timeoutMs: 2_000 }));
      expect(output).not.toContain(USER_PASSWORD);
      return output.split('\n').find((line) => line.slice(5).startsWith('session store:'));
    };
    const shown = storeUrl.replace(encodeURIComponent(USER_PASSWORD), '***');
    expect(await storeLine(storeUrl)).toBe(`ok   session store: ${shown} is reachable and writable`);
    expect(await storeLine(storeUrl.replace(encodeURIComponent(USER_PASSWORD), 'wrong'))).toBe(
      `FAIL session store: ${shown}: WRONGPASS invalid username-password pair or user is disabled. → fix: check that Redis runs at that address and that the URL has the right user and password`,
    );
  });
});
