/**
 * One server of the benchmark, in its own process so the load generator, the BFF and the "Shopify"
 * upstream each get their own event loop — as in production, where Shopify is not in the BFF's process.
 *
 *   node bench/child.ts emulator|bff|upstream|bare      (started by the bench over IPC, never by hand)
 *
 * The BFF runs from the build (`dist/node`, `npm run build`): compiled JavaScript, as production runs it.
 * IPC: the parent sends `{ id, type, ... }`; the child answers `{ id, ok, value | error }`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmulator, type StartedEmulator } from '../emulator/server.ts';
import { createBrowser } from '../tests/helpers/browser.ts';
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
const { createSealer } = await built<typeof import('../server/sessions/seal.ts')>('sessions/seal');

export const BENCH_PASSWORD = 'bench-session-password-0123456789abcdef0123';
export const BENCH_CLIENT_ID = 'bench-public';

export type ChildRequest =
  | { type: 'start-emulator'; appOrigin: string }
  | { type: 'start-upstream' }
  | { type: 'start-bare'; upstream: string; token: string }
  /** `emulatorUrl` is the storefront origin (the emulator, or the fast upstream with `admin: false`). */
  | { type: 'start-bff'; port: number; emulatorUrl: string; store?: string; admin?: boolean }
  | { type: 'session'; email: string }
  /** A session written straight into the BFF's store (no sign-in): for upstreams that are no OAuth server. */
  | { type: 'mint-session'; accessToken: string; expiresInSeconds: number }
  | { type: 'cpu' }
  | { type: 'stop' };

type Handler = (request: ChildRequest) => Promise<unknown>;

/** The BFF's session record for a fresh sign-in: the bench's direct-to-upstream baselines need its tokens. */
export interface BenchSession {
  cookie: string;
  accessToken: string;
  refreshToken: string;
}

async function main(role: string): Promise<void> {
  let emulator: StartedEmulator | null = null;
  let bff: Awaited<ReturnType<typeof startBff>> | null = null;
  let plain: { url: string; close(): Promise<void> } | null = null;

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
          },
        });
        return { url: emulator.url };
      }
      case 'start-upstream': {
        plain = await startFastUpstream();
        return { url: plain.url };
      }
      case 'start-bare': {
        plain = await startBareProxy(request.upstream, request.token);
        return { url: plain.url };
      }
      case 'start-bff': {
        const config = loadConfig({
          PORT: String(request.port),
          SHOPIFY_STOREFRONT_ORIGIN: request.emulatorUrl,
          ...(request.admin === false ? {} : { EMULATOR_ADMIN_ORIGIN: request.emulatorUrl }),
          SHOPIFY_CLIENT_ID: BENCH_CLIENT_ID,
          SESSION_PASSWORD: BENCH_PASSWORD,
          SESSION_STORE: request.store ?? 'sqlite::memory:',
          // A prefix of its own, so a Redis run never meets another run's keys.
          SESSION_STORE_PREFIX: `bench-${randomBytes(4).toString('hex')}:`,
        });
        // Production log level, written nowhere: the proxy path logs nothing per request anyway.
        const logger = createLogger({ level: 'info', destination: { write: () => {} } });
        bff = await startBff(config, { logger });
        return { url: bff.url };
      }
      case 'session': {
        if (bff === null) throw new Error('bff not started');
        const browser = createBrowser();
        const query = new URLSearchParams({
          returnTo: '/account',
          login_hint: request.email,
          login_hint_mode: 'submit',
        });
        const origin = new URL(bff.url).origin;
        await browser.navigate(`${origin}/auth/login?${query}`, {
          stopAt: (url) => url.origin === origin && !url.pathname.startsWith('/auth/'),
        });
        const cookie = browser.cookies(origin).get('csess');
        if (cookie === undefined) throw new Error('sign-in set no cookie');
        const sid = await createSealer([BENCH_PASSWORD]).unseal(cookie, (v) => (v as { sid?: string }).sid ?? null);
        const record = sid === null ? null : await bff.deps.store.get(sid);
        if (record === null) throw new Error('no session record after sign-in');
        return { cookie, accessToken: record.accessToken, refreshToken: record.refreshToken } satisfies BenchSession;
      }
      case 'mint-session': {
        if (bff === null) throw new Error('bff not started');
        const sid = randomBytes(32).toString('base64url');
        const now = Date.now();
        await bff.deps.store.create(sid, {
          accessToken: request.accessToken,
          refreshToken: `shcrt_bench-${sid.slice(0, 8)}`,
          idToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.sig',
          expiresAtMs: now + request.expiresInSeconds * 1000,
          customerId: 'gid://shopify/Customer/7000000001',
          email: 'alice@example.com',
          version: 1,
          createdAtMs: now,
          lastSeenAtMs: now,
        });
        const cookie = await createSealer([BENCH_PASSWORD]).seal(
          { sid },
          bff.deps.config.sessionAbsoluteTimeoutSeconds,
        );
        return { cookie, accessToken: request.accessToken, refreshToken: '' } satisfies BenchSession;
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
  process.send!({ id: 0, ok: true, value: { ready: role } });
}

if (process.send !== undefined) await main(process.argv[2] ?? 'server');
