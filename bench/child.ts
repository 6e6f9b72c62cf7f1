/**
 * One server of the benchmark, in its own process so the load generator, the BFF and the "Shopify"
 * upstream each get their own event loop — as in production, where Shopify is not in the BFF's process.
 *
 *   node bench/child.ts emulator|bff|upstream|bare      (started by bench/lib/processes.ts, never by hand)
 *
 * The BFF runs from the build (`dist/node`, `npm run build`): compiled JavaScript, as production runs it.
 * IPC: the parent sends `{ id, type, ... }`; the child answers `{ id, ok, value | error }`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { startEmulator, type StartedEmulator } from '../emulator/server.ts';
import { createBrowser } from '../tests/helpers/browser.ts';
import { BENCH_CLIENT_ID, BENCH_LIMITS, BENCH_PASSWORD } from './lib/constants.ts';
import { startBareProxy, startFastUpstream } from './servers.ts';

/** The production build of a server module, typed by its source. */
async function built<T>(path: string): Promise<T> {
  const file = fileURLToPath(new URL(`../dist/node/server/${path}.js`, import.meta.url));
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return (await import(file)) as T;
}
const { loadConfig } = await built<typeof import('../server/config.ts')>('config');
const { createLogger } = await built<typeof import('../server/observability/logger.ts')>('observability/logger');
const { startBff } = await built<typeof import('../server/server.ts')>('server');
const { demoRoutes } = await built<typeof import('../server/demo/routes.ts')>('demo/routes');
const { createSealer } = await built<typeof import('../server/sessions/seal.ts')>('sessions/seal');

export type ChildRequest =
  /** `config`: emulator configuration on top of the bench's (revoke-family, no GraphQL throttling). */
  | { type: 'start-emulator'; appOrigin: string; config?: Record<string, unknown> }
  | { type: 'start-upstream' }
  | { type: 'start-bare'; upstream: string; token: string }
  /**
   * `emulatorUrl` is the storefront origin (the emulator, or the fast upstream with `admin: false`).
   * `prefix`: the Redis key prefix (default: one of its own); BFFs of one cluster share theirs.
   * `appOrigin`: where browsers reach the BFF (default `http://localhost:<port>`); a cluster shares one,
   * as it would behind a load balancer, and the emulator only knows that one origin.
   */
  | {
      type: 'start-bff';
      port: number;
      emulatorUrl: string;
      store?: string;
      admin?: boolean;
      prefix?: string;
      appOrigin?: string;
      /** More environment for the BFF's configuration (e.g. `OTEL_EXPORTER_OTLP_ENDPOINT`). */
      env?: Record<string, string>;
    }
  | { type: 'session'; email: string }
  /** The fast upstream's count of what it received as an OTLP receiver. */
  | { type: 'trace-sink' }
  /**
   * Sessions written straight into the BFF's store (no sign-in), one per token pair, their access
   * tokens expiring in `expiresInSeconds`: thousands of sessions in seconds, or sessions on an upstream
   * that is no OAuth server. Answers one sealed cookie per pair, in order.
   */
  | { type: 'mint-sessions'; tokens: TokenPair[]; expiresInSeconds: number }
  /** `process.memoryUsage()` after a full garbage collection (the child runs with `--expose-gc`). */
  | { type: 'memory' }
  /** The SQLite file's size after a checkpoint, and its session rows (SQLite file stores only). */
  | { type: 'store-footprint' }
  | { type: 'cpu' }
  | { type: 'stop' };

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

type Handler = (request: ChildRequest) => Promise<unknown>;

/** The BFF's session record for a fresh sign-in: the bench's direct-to-upstream baselines need its tokens. */
export interface BenchSession {
  cookie: string;
  accessToken: string;
  refreshToken: string;
}

// Seals cost about 0.3 ms of CPU each, in WebCrypto's thread pool: minting in batches keeps both
// cores busy without queueing thousands of seals at once.
const MINT_BATCH = 64;

async function main(role: string): Promise<void> {
  let emulator: StartedEmulator | null = null;
  let bff: Awaited<ReturnType<typeof startBff>> | null = null;
  let plain: { url: string; close(): Promise<void> } | null = null;
  let upstream: Awaited<ReturnType<typeof startFastUpstream>> | null = null;
  const startedBff = () => {
    if (bff === null) throw new Error('bff not started');
    return bff;
  };

  const handle: Handler = async (request) => {
    switch (request.type) {
      case 'start-emulator': {
        emulator = await startEmulator({
          port: 0,
          clients: [
            {
              clientId: BENCH_CLIENT_ID,
              type: 'public',
              redirectUris: [`${request.appOrigin}/auth/callback`],
              javascriptOrigins: [request.appOrigin],
              logoutUris: [`${request.appOrigin}/`],
            },
          ],
          // The cost bucket would throttle a throughput run after a few thousand calls; the bench
          // measures the proxy, not Shopify's rate limit.
          config: {
            refreshTokenReuse: 'revoke-family',
            graphqlBucketSize: 1_000_000,
            graphqlRestoreRatePerSecond: 1_000_000,
            ...request.config,
          },
        });
        return { url: emulator.url };
      }
      case 'start-upstream': {
        upstream = plain = await startFastUpstream();
        return { url: plain.url };
      }
      case 'trace-sink': {
        if (upstream === null) throw new Error('upstream not started');
        return upstream.traceSink();
      }
      case 'start-bare': {
        plain = await startBareProxy(request.upstream, request.token);
        return { url: plain.url };
      }
      case 'start-bff': {
        const config = loadConfig({
          PORT: String(request.port),
          ...(request.appOrigin === undefined ? {} : { APP_ORIGIN: request.appOrigin }),
          SHOPIFY_STOREFRONT_ORIGIN: request.emulatorUrl,
          ...(request.admin === false ? {} : { EMULATOR_ADMIN_ORIGIN: request.emulatorUrl }),
          SHOPIFY_CLIENT_ID: BENCH_CLIENT_ID,
          SESSION_PASSWORD: BENCH_PASSWORD,
          SESSION_STORE: request.store ?? 'sqlite::memory:',
          // A prefix of its own unless told, so a Redis run never meets another run's keys.
          SESSION_STORE_PREFIX: request.prefix ?? `bench-${randomBytes(4).toString('hex')}:`,
          // One address standing in for many clients: the per-address limits would refuse the storms.
          ...BENCH_LIMITS,
          ...request.env,
        });
        // Production log level, written nowhere: the proxy path logs nothing per request anyway.
        const logger = createLogger({ level: 'info', destination: { write: () => {} } });
        bff = await startBff(config, { logger, demoRoutes });
        return { url: bff.url };
      }
      case 'session': {
        const { url, deps } = startedBff();
        const browser = createBrowser();
        const query = new URLSearchParams({
          returnTo: '/account',
          login_hint: request.email,
          login_hint_mode: 'submit',
        });
        const origin = new URL(url).origin;
        await browser.navigate(`${origin}/auth/login?${query}`, {
          stopAt: (next) => next.origin === origin && !next.pathname.startsWith('/auth/'),
        });
        const cookie = browser.cookies(origin).get('csess');
        if (cookie === undefined) throw new Error('sign-in set no cookie');
        const sid = await createSealer([BENCH_PASSWORD]).unseal(cookie, (v) => (v as { sid?: string }).sid ?? null);
        const record = sid === null ? null : await deps.store.get(sid);
        if (record === null) throw new Error('no session record after sign-in');
        return { cookie, accessToken: record.accessToken, refreshToken: record.refreshToken } satisfies BenchSession;
      }
      case 'mint-sessions': {
        const { deps } = startedBff();
        // A sealer of its own for the cookies, so the BFF's unseal cache learns them only from requests.
        const cookieSealer = createSealer([BENCH_PASSWORD]);
        const now = Date.now();
        const cookies: string[] = [];
        for (let at = 0; at < request.tokens.length; at += MINT_BATCH) {
          const batch = request.tokens.slice(at, at + MINT_BATCH).map(async ({ accessToken, refreshToken }) => {
            const sid = randomBytes(32).toString('base64url');
            await deps.store.create(sid, {
              accessToken,
              refreshToken,
              idToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.sig',
              expiresAtMs: now + request.expiresInSeconds * 1000,
              customerId: 'gid://shopify/Customer/7000000001',
              email: 'alice@example.com',
              version: 1,
              createdAtMs: now,
              lastSeenAtMs: now,
            });
            return cookieSealer.seal({ sid }, deps.config.sessionAbsoluteTimeoutSeconds);
          });
          cookies.push(...(await Promise.all(batch)));
        }
        return cookies;
      }
      case 'memory': {
        // Twice: the first collection can leave finalised objects for the second.
        globalThis.gc?.();
        globalThis.gc?.();
        const { rss, heapUsed } = process.memoryUsage();
        return { rssBytes: rss, heapUsedBytes: heapUsed };
      }
      case 'store-footprint': {
        const path = startedBff().deps.config.sessionStore.slice('sqlite:'.length);
        if (path === ':memory:' || !existsSync(path)) throw new Error('store-footprint needs a SQLite file store');
        // A second connection may checkpoint a WAL database: the store's own has no transaction open.
        const db = new DatabaseSync(path);
        db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        const { rows } = db.prepare('SELECT count(*) AS rows FROM sessions').get() as { rows: number };
        db.close();
        return { fileBytes: statSync(path).size, rows };
      }
      case 'cpu': {
        const { user, system } = process.cpuUsage();
        return { cpuUs: user + system };
      }
      case 'stop': {
        await bff?.close();
        await emulator?.close();
        await plain?.close();
        setImmediate(() => process.exit(0));
        return { stopped: role };
      }
    }
  };

  process.on('message', (message: { id: number } & ChildRequest) => {
    handle(message).then(
      (value) => process.send!({ id: message.id, ok: true, value }),
      (error: unknown) =>
        process.send!({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // The bench died without stopping this server (a crash, Ctrl-C): never outlive it.
  process.once('disconnect', () => process.exit(0));
  process.send!({ id: 0, ok: true, value: { ready: role } });
}

if (process.send !== undefined) await main(process.argv[2] ?? 'server');
