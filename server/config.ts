import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';
import { AppError } from './errors.ts';
import { isLoopbackUrl, requireSecureOrigin } from './secure-origin.ts';
import { isRedisStoreUrl, parseRedisUrl, redactRedisUrl, type RedisTarget } from './sessions/redis-connection.ts';
import { sessionPasswordProblem } from './sessions/seal.ts';

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Which forwarding proxies the BFF believes (`TRUST_PROXY`): `null` believes none and uses the socket;
 * `hops` trusts that many proxies in front of it; `addresses` trusts peers on these addresses or CIDRs
 * (or proxy-addr's `loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = { hops: number } | { addresses: string[] } | null;

/** Everything the BFF reads from its environment, validated once at start. */
export interface BffConfig {
  port: number;
  /** The address the server binds to (`HOST`): `127.0.0.1` unless told otherwise. */
  host: string;
  /** Where the customer's browser reaches the BFF; the OAuth redirect URI and cookie policy derive from it. */
  appOrigin: string;
  /** Where Shopify's two `.well-known` discovery documents live (the storefront's origin, or the emulator). */
  storefrontOrigin: string;
  clientId: string;
  /** Set for a confidential client (HTTP Basic on token calls); `null` for a public client (PKCE + Origin). */
  clientSecret: string | null;
  /** Newest first: the first seals, every one unseals (rotation). */
  sessionPasswords: string[];
  /** `sqlite:<path>`, `sqlite::memory:`, `redis://…`, `rediss://…`, `redis-cluster://…` or `rediss-cluster://…`. */
  sessionStore: string;
  /** `SESSION_STORE` parsed when it names Redis (one node or a cluster); `null` for SQLite. */
  sessionStoreRedis: RedisTarget | null;
  /** `rediss` only: the PEM of `SESSION_STORE_TLS_CA_FILE`, read once at start, trusted instead of Node's CAs; `null` for Node's. */
  sessionStoreTlsCa: string | null;
  /** Redis only: prepended to every key, so several apps (or test runs) can share one Redis. Default `bff:`. */
  sessionStorePrefix: string;
  refreshBufferSeconds: number;
  sessionIdleTimeoutSeconds: number;
  sessionAbsoluteTimeoutSeconds: number;
  logLevel: LogLevel;
  trustProxy: TrustProxy;
  /** On SIGTERM/SIGINT, how long in-flight requests and refreshes may take before the process exits anyway. */
  shutdownTimeoutSeconds: number;
  /** Sign-in starts (`/auth/login`) allowed per client address per minute, across instances on Redis. */
  loginRateLimitPerMinute: number;
  /** Bounds on what a connection may hold (slow clients): see `HTTP_*` and `MAX_CONNECTIONS*` in the README. */
  http: {
    headersTimeoutSeconds: number;
    requestTimeoutSeconds: number;
    keepAliveTimeoutSeconds: number;
    maxConnections: number;
    /** `null` behind a trusted proxy: every connection comes from the proxy, which limits its clients itself. */
    maxConnectionsPerIp: number | null;
  };
  /** Emulator mode only: the emulator's origin, for the demo controls (revoke, outage). */
  emulatorAdminOrigin: string | null;
  /** When set, `/metrics` answers only `Authorization: Bearer <this>`. */
  metricsBearerToken: string | null;
  /** When set, the admin API (`/admin/…`) is on, for `Authorization: Bearer <this>` only. */
  adminToken: string | null;
}

type Env = Record<string, string | undefined>;

const fail = (message: string): never => {
  throw new AppError('CONFIG', message);
};

/**
 * A whole-number variable within `[min, max]`, or `fallback` when unset or empty.
 * @throws AppError CONFIG naming the variable, the range and the value given.
 */
export function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  // Number(' ') is 0: a blank value must not quietly become port 0 or a zero timeout.
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * An origin we may talk to: https anywhere, plain http only on loopback (the emulator), because
 * tokens cross these connections.
 * @throws AppError CONFIG naming the variable and the value given.
 */
export function parseOrigin(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`${name} must be a URL such as https://shop.example.com, got "${raw}"`);
  }
  requireSecureOrigin(url, (rule) => fail(`${name} ${rule}, got "${raw}"`));
  if (url.pathname !== '/' || url.search || url.hash) fail(`${name} must be an origin with no path, got "${raw}"`);
  return url.origin;
}

function host(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '127.0.0.1';
  // An IP literal, or a host name (RFC 1123 labels): what `server.listen(port, host)` accepts.
  const hostname =
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
  if (isIP(raw) === 0 && !hostname.test(raw)) {
    fail(`HOST must be an IP address (0.0.0.0 for every interface) or a host name, got "${raw}"`);
  }
  return raw;
}

function logLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw === '') return 'info';
  const level = LOG_LEVELS.find((l) => l === raw);
  return level ?? fail(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
}

function trustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return null;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) fail(`TRUST_PROXY as a hop count must be from 1 to 10, got "${raw}"`);
    return { hops };
  }
  // `true` would believe any peer, so anyone could choose the address we log: refused on purpose.
  const addresses = value.split(',').map((a) => a.trim());
  try {
    proxyAddr.compile(addresses);
  } catch {
    fail(
      `TRUST_PROXY must be a hop count (1-10) or a list of addresses, CIDRs, loopback, linklocal or uniquelocal, got "${raw}"`,
    );
  }
  return { addresses };
}

function httpLimits(env: Env, behindProxy: boolean): BffConfig['http'] {
  const headersTimeoutSeconds = wholeNumber(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', 10, 1, 300);
  const requestTimeoutSeconds = wholeNumber(env, 'HTTP_REQUEST_TIMEOUT_SECONDS', 30, 1, 600);
  if (requestTimeoutSeconds < headersTimeoutSeconds) {
    fail('HTTP_REQUEST_TIMEOUT_SECONDS must be at least HTTP_HEADERS_TIMEOUT_SECONDS');
  }
  const perIp = wholeNumber(env, 'MAX_CONNECTIONS_PER_IP', 256, 1, 100_000);
  return {
    headersTimeoutSeconds,
    requestTimeoutSeconds,
    keepAliveTimeoutSeconds: wholeNumber(env, 'HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 5, 1, 600),
    maxConnections: wholeNumber(env, 'MAX_CONNECTIONS', 4_000, 1, 1_000_000),
    maxConnectionsPerIp: behindProxy ? null : perIp,
  };
}

/** `SESSION_STORE`: SQLite, or a Redis URL parsed into its target. Never echoes a password. */
function storeTarget(sessionStore: string): RedisTarget | null {
  if (/^sqlite:.+$/.test(sessionStore)) return null;
  if (!isRedisStoreUrl(sessionStore)) {
    return fail(
      `SESSION_STORE must be sqlite:<path>, sqlite::memory:, redis://host:port, rediss://host:port or redis-cluster://host:port,host:port, got "${redactRedisUrl(sessionStore)}"`,
    );
  }
  const target = parseRedisUrl(sessionStore);
  return 'problem' in target ? fail(`SESSION_STORE ${target.problem}`) : target;
}

/** `SESSION_STORE_TLS_CA_FILE`: read once here, so a bad file stops the start instead of every connection. */
function tlsCa(path: string | undefined, target: RedisTarget | null): string | null {
  if (path === undefined || path === '') return null;
  if (target === null || !target.tls) {
    fail('SESSION_STORE_TLS_CA_FILE is set but SESSION_STORE does not use TLS (rediss:// or rediss-cluster://)');
  }
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    return fail(`SESSION_STORE_TLS_CA_FILE cannot be read: ${path} (${code})`);
  }
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (certificates.length === 0) fail(`SESSION_STORE_TLS_CA_FILE must hold PEM certificates, found none in ${path}`);
  for (const certificate of certificates) {
    try {
      new X509Certificate(certificate);
    } catch {
      fail(`SESSION_STORE_TLS_CA_FILE holds a certificate that does not parse: ${path}`);
    }
  }
  return pem;
}

/**
 * Reads and validates the BFF's configuration.
 * @throws AppError CONFIG with one line naming the bad or missing variable.
 */
export function loadConfig(env: Env): BffConfig {
  const port = wholeNumber(env, 'PORT', 3000, 0, 65535);
  const appOrigin = parseOrigin('APP_ORIGIN', env.APP_ORIGIN || `http://localhost:${port}`);
  const storefrontOrigin = parseOrigin(
    'SHOPIFY_STOREFRONT_ORIGIN',
    env.SHOPIFY_STOREFRONT_ORIGIN ||
      fail('SHOPIFY_STOREFRONT_ORIGIN is required (where /.well-known/openid-configuration is served)'),
  );
  const clientId = env.SHOPIFY_CLIENT_ID?.trim() || fail('SHOPIFY_CLIENT_ID is required');
  const sessionPasswords = (env.SESSION_PASSWORD ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (sessionPasswords.length === 0)
    fail('SESSION_PASSWORD is required (at least 32 characters; a comma-separated list rotates)');
  const passwordProblem = sessionPasswordProblem(sessionPasswords);
  if (passwordProblem !== null) fail(`SESSION_PASSWORD ${passwordProblem}`);

  const sessionStore = env.SESSION_STORE || 'sqlite:.data/sessions.db';
  const redisTarget = storeTarget(sessionStore);
  const metricsToken = env.METRICS_BEARER_TOKEN?.trim() || null;
  const adminToken = env.ADMIN_TOKEN?.trim() || null;
  // It can sign any customer out: as strong as a session password.
  if (adminToken !== null && adminToken.length < 32) fail('ADMIN_TOKEN must be at least 32 characters');
  if (metricsToken !== null && metricsToken.length < 16) fail('METRICS_BEARER_TOKEN must be at least 16 characters');
  const sessionStorePrefix = env.SESSION_STORE_PREFIX || 'bff:';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(sessionStorePrefix)) {
    fail(`SESSION_STORE_PREFIX must be 1-64 characters of A-Z a-z 0-9 _ . : -, got "${sessionStorePrefix}"`);
  }
  const emulatorAdmin = env.EMULATOR_ADMIN_ORIGIN
    ? parseOrigin('EMULATOR_ADMIN_ORIGIN', env.EMULATOR_ADMIN_ORIGIN)
    : null;
  if (emulatorAdmin && !isLoopbackUrl(new URL(emulatorAdmin))) fail('EMULATOR_ADMIN_ORIGIN must be on localhost');

  return {
    port,
    host: host(env.HOST),
    appOrigin,
    storefrontOrigin,
    clientId,
    clientSecret: env.SHOPIFY_CLIENT_SECRET?.trim() || null,
    sessionPasswords,
    sessionStore,
    sessionStoreRedis: redisTarget,
    sessionStoreTlsCa: tlsCa(env.SESSION_STORE_TLS_CA_FILE, redisTarget),
    sessionStorePrefix,
    refreshBufferSeconds: wholeNumber(env, 'REFRESH_BUFFER_SECONDS', 60, 0, 3600),
    sessionIdleTimeoutSeconds: wholeNumber(env, 'SESSION_IDLE_TIMEOUT_SECONDS', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    sessionAbsoluteTimeoutSeconds: wholeNumber(
      env,
      'SESSION_ABSOLUTE_TIMEOUT_SECONDS',
      30 * 24 * 3600,
      60,
      365 * 24 * 3600,
    ),
    logLevel: logLevel(env.LOG_LEVEL),
    trustProxy: trustProxy(env.TRUST_PROXY),
    shutdownTimeoutSeconds: wholeNumber(env, 'SHUTDOWN_TIMEOUT_SECONDS', 10, 0, 600),
    http: httpLimits(env, trustProxy(env.TRUST_PROXY) !== null),
    loginRateLimitPerMinute: wholeNumber(env, 'LOGIN_RATE_LIMIT_PER_MINUTE', 30, 1, 100_000),
    emulatorAdminOrigin: emulatorAdmin,
    metricsBearerToken: metricsToken,
    adminToken,
  };
}

/**
 * Loads `.env` from the working folder into `process.env` when the file exists; variables already set
 * in the environment win (Node's own rule). Only the entry points call this: the BFF, the doctor, the probe.
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
