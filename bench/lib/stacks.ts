/**
 * The server set-ups the scenarios share: the emulator as Shopify with one or more BFFs in front, or
 * the fast upstream (a canned answer, no OAuth) with BFFs whose sessions are minted into their store.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../../server/sessions/redis-testing.ts';
import { freePort } from '../../tests/helpers/stack.ts';
import { CUSTOMER_EMAIL } from './constants.ts';
import { spawnChild, stopAll, type Child } from './processes.ts';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A token the fast upstream accepts (it only checks that one is sent). */
export const FAST_UPSTREAM_TOKEN = 'shcat_bench-fast-upstream-token';

export interface BffProcess {
  child: Child;
  url: string;
}

export interface BffOptions {
  /** The storefront origin: the emulator, or the fast upstream. */
  storefront: string;
  /** `SESSION_STORE`; default SQLite in memory. */
  store?: string;
  /** The Redis key prefix; default one of its own. */
  prefix?: string;
  /** Demo routes against the emulator's admin API (`/demo/expire-soon`); off for the fast upstream. */
  admin?: boolean;
  /** Listen here (the emulator must know the redirect URI before the BFF starts); default a free port. */
  port?: number;
  /** `APP_ORIGIN`; default `http://localhost:<port>`. */
  appOrigin?: string;
  execArgv?: string[];
  /** More environment for the BFF's configuration (e.g. `OTEL_EXPORTER_OTLP_ENDPOINT`). */
  env?: Record<string, string>;
  /** Run the BFF of another checkout (`prepareCheckout`), e.g. the commit before a change; default this one. */
  root?: URL;
}

export async function startBffProcess(options: BffOptions): Promise<BffProcess> {
  const child = await spawnChild('bff', options.execArgv, options.root);
  const { url } = await child.call<{ url: string }>({
    type: 'start-bff',
    port: options.port ?? (await freePort()),
    emulatorUrl: options.storefront,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.appOrigin === undefined ? {} : { appOrigin: options.appOrigin }),
    admin: options.admin ?? false,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  return { child, url };
}

/** A fresh Redis key prefix for one scenario; `clearRedisPrefix` removes its keys afterwards. */
export const redisPrefix = (): string => `bench-${randomBytes(4).toString('hex')}:`;

/** Deletes every key under `prefix`, so a run leaves nothing in the shared Redis. */
export async function clearRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export interface EmulatorStats {
  token: { authorization_code: number; refresh_token: number };
  refresh: { succeeded: number; failed: number; reused: number };
}

/** The emulator's admin API (`/__emulator/*`, loopback only). */
export function emulatorAdmin(emulatorUrl: string) {
  const call = async <T>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${emulatorUrl}/__emulator${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`emulator ${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    stats: () => call<EmulatorStats>('/stats'),
    configure: (patch: Record<string, unknown>) => call<unknown>('/config', patch),
    revoke: (email = CUSTOMER_EMAIL) => call<unknown>(`/customers/${encodeURIComponent(email)}/revoke`, {}),
  };
}

export type EmulatorAdmin = ReturnType<typeof emulatorAdmin>;

/** Where the emulator serves Shopify's endpoints, from its discovery documents as the BFF reads them. */
export interface EmulatorEndpoints {
  authorize: URL;
  token: URL;
  graphql: URL;
}

async function discover(emulatorUrl: string): Promise<EmulatorEndpoints> {
  const json = async <T>(path: string) => (await (await fetch(`${emulatorUrl}${path}`)).json()) as T;
  const oidc = await json<{ authorization_endpoint: string; token_endpoint: string }>(
    '/.well-known/openid-configuration',
  );
  const api = await json<{ graphql_api: string }>('/.well-known/customer-account-api');
  return {
    authorize: new URL(oidc.authorization_endpoint),
    token: new URL(oidc.token_endpoint),
    graphql: new URL(api.graphql_api),
  };
}

export interface EmulatorStack {
  emulator: Child;
  emulatorUrl: string;
  endpoints: EmulatorEndpoints;
  admin: EmulatorAdmin;
  /** The origin the emulator registered for the BFF (the first BFF's; a cluster shares it). */
  appOrigin: string;
  bffs: BffProcess[];
  stop(): Promise<void>;
}

/**
 * The emulator and `bffs` BFF processes in front of it, with demo routes. Several BFFs form a cluster:
 * one Redis key prefix and one `APP_ORIGIN` (the emulator registers a public client for one origin).
 */
export async function startEmulatorStack(
  options: { bffs?: number; store?: string; prefix?: string; emulatorConfig?: Record<string, unknown> } = {},
): Promise<EmulatorStack> {
  const port = await freePort();
  const appOrigin = `http://localhost:${port}`;
  const emulator = await spawnChild('emulator');
  const bffs: BffProcess[] = [];
  try {
    const { url: emulatorUrl } = await emulator.call<{ url: string }>({
      type: 'start-emulator',
      appOrigin,
      ...(options.emulatorConfig === undefined ? {} : { config: options.emulatorConfig }),
    });
    for (let i = 0; i < (options.bffs ?? 1); i += 1) {
      bffs.push(
        await startBffProcess({
          storefront: emulatorUrl,
          admin: true,
          port: i === 0 ? port : await freePort(),
          appOrigin,
          ...(options.store === undefined ? {} : { store: options.store }),
          ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        }),
      );
    }
    return {
      emulator,
      emulatorUrl,
      endpoints: await discover(emulatorUrl),
      admin: emulatorAdmin(emulatorUrl),
      appOrigin,
      bffs,
      stop: () => stopAll([emulator, ...bffs.map((b) => b.child)]),
    };
  } catch (error) {
    await stopAll([emulator, ...bffs.map((b) => b.child)]);
    throw error;
  }
}

/** The fast upstream, in a process of its own. */
export async function startFastUpstream(): Promise<{ child: Child; url: string }> {
  const child = await spawnChild('upstream');
  const { url } = await child.call<{ url: string }>({ type: 'start-upstream' });
  return { child, url };
}

/** `count` sessions minted into `bff`'s store with the fast upstream's token; answers their cookies. */
export function mintFastSessions(bff: BffProcess, count: number, expiresInSeconds = 86_400): Promise<string[]> {
  const pair = { accessToken: FAST_UPSTREAM_TOKEN, refreshToken: 'shcrt_bench-fast-upstream' };
  return bff.child.call<string[]>({
    type: 'mint-sessions',
    tokens: Array.from({ length: count }, () => pair),
    expiresInSeconds,
  });
}

/**
 * The Redis server's own CPU (user + system, from `INFO cpu`), so a figure can show what the store
 * costs on the other side of the socket. Counts whatever else uses that Redis meanwhile: the bench alone.
 */
export function redisServerCpu(): { cpuUs(): Promise<number>; close(): void } {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  return {
    async cpuUs() {
      const info = await redis.info('cpu');
      const seconds = (field: string) => Number(new RegExp(`^${field}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
      return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
    },
    close: () => redis.disconnect(),
  };
}
