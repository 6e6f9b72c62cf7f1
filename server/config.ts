import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';
import { AppError, isAppError } from './errors.ts';
import type { Logger, LoggerOptions } from './observability/logger.ts';
import type { TracingConfig, TracingExport } from './observability/tracing.ts';
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

/**
 * Everything the BFF runs on, validated once: read from the environment by `loadConfigFromEnv` (the
 * standalone server) or from `createCustomerSessionBff`'s options (a BFF mounted in a storefront's own
 * server). Both go through the same rules below.
 */
export interface BffConfig {
  /** Standalone server only (a mounted BFF listens on its host's server). */
  port: number;
  /** Standalone server only: the address the server binds to (`HOST`), `127.0.0.1` unless told otherwise. */
  host: string;
  /** Where the customer's browser reaches the BFF; the OAuth redirect URI and cookie policy derive from it. */
  appOrigin: string;
  /**
   * The path every BFF route lives under, `''` for the root or e.g. `/account-session` (no trailing
   * slash). The redirect URI, the sign-in URLs the BFF hands out and its cookies' `Path` follow it.
   * Always `''` from the environment.
   */
  basePath: string;
  /** Where Shopify's two `.well-known` discovery documents live (the storefront's origin, or the emulator). */
  storefrontOrigin: string;
  clientId: string;
  /** Set for a confidential client (HTTP Basic on token calls); `null` for a public client (PKCE + Origin). */
  clientSecret: string | null;
  /**
   * The Storefront API for carts (`/api/storefront/graphql`, `/api/cart/buyer-identity`): its GraphQL URL
   * and the store's private Storefront API token. `null` (no token): those routes do not exist.
   */
  storefrontApi: { url: string; token: string } | null;
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
  /**
   * On SIGTERM/SIGINT (standalone) or `close()` (mounted), how long in-flight refreshes (and, standalone,
   * requests) may take before the store and connections are closed anyway.
   */
  shutdownTimeoutSeconds: number;
  /** Sign-in starts (`/auth/login`) allowed per client address per minute, across instances on Redis. */
  loginRateLimitPerMinute: number;
  /** Standalone server only: bounds on what a connection may hold (slow clients), see `HTTP_*` and `MAX_CONNECTIONS*`. */
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
  /** Whether `/metrics` is served: always from the environment; a mounted BFF only when asked. */
  metricsEnabled: boolean;
  /**
   * Whether `/auth/login?prompt=none` (silent sign-in) is allowed: a customer signed in at Shopify comes
   * back signed in without a click; one who is not comes back where they were, signed out.
   */
  silentSignIn: boolean;
  /**
   * OpenTelemetry tracing (server/observability/tracing.ts): `null` off. From the standard `OTEL_*`
   * variables (`tracingFromEnv`); a mounted BFF may also send its spans to its host's provider.
   */
  tracing: TracingConfig | null;
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
 * Every problem found in one configuration. Each rule below throws one CONFIG line, as it always did;
 * the readers run them through `read`, which keeps the line and goes on with a placeholder, so one
 * error can name every problem at once. A config is returned only when no rule failed, so no
 * placeholder ever escapes.
 */
class ConfigProblems {
  readonly #lines: string[] = [];
  readonly #failed = new Set<string>();

  /** `rule()`'s value; or, when it throws a CONFIG error, `placeholder`, with the error's line kept. */
  read<T>(label: string, placeholder: T, rule: () => T): T {
    try {
      return rule();
    } catch (error) {
      if (!isAppError(error, 'CONFIG')) throw error;
      this.add(label, error.message);
      return placeholder;
    }
  }

  add(label: string, line: string): void {
    this.#failed.add(label);
    this.#lines.push(line);
  }

  /** Whether none of these settings failed: a rule that combines them only runs on good values. */
  ok(...labels: string[]): boolean {
    return labels.every((label) => !this.#failed.has(label));
  }

  /** @throws AppError CONFIG listing every problem, one a line, in the order they were found. */
  check(): void {
    if (this.#lines.length > 0) fail(this.#lines.join('\n'));
  }
}

// --- The rules: each names the setting it checks by `label` (`PORT` from the environment, `basePath`
// --- from the options), so both readers share them word for word.

const shown = (raw: unknown): string => (typeof raw === 'string' ? raw : String(raw));

/**
 * A whole number within `[min, max]`, or `fallback` when unset or empty. Text (the environment) is
 * read as a number; options may give a number or the same text.
 * @throws AppError CONFIG naming the setting, the range and the value given.
 */
function wholeNumberRule(label: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  // Number(' ') is 0: a blank value must not quietly become port 0 or a zero timeout.
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(`${label} must be a whole number from ${min} to ${max}, got "${shown(raw)}"`);
  }
  return value;
}

/**
 * A whole-number variable within `[min, max]`, or `fallback` when unset or empty.
 * @throws AppError CONFIG naming the variable, the range and the value given.
 */
export function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  return wholeNumberRule(name, env[name], fallback, min, max);
}

const DAY_SECONDS = 24 * 3600;

/**
 * The whole-number settings both sources have, each with its one default and range: its environment
 * variable and its option name.
 */
const SHARED_NUMBERS = {
  refreshBufferSeconds: {
    env: 'REFRESH_BUFFER_SECONDS',
    option: 'refreshBufferSeconds',
    fallback: 60,
    min: 0,
    max: 3600,
  },
  sessionIdleTimeoutSeconds: {
    env: 'SESSION_IDLE_TIMEOUT_SECONDS',
    option: 'session.idleTimeoutSeconds',
    fallback: 7 * DAY_SECONDS,
    min: 60,
    max: 365 * DAY_SECONDS,
  },
  sessionAbsoluteTimeoutSeconds: {
    env: 'SESSION_ABSOLUTE_TIMEOUT_SECONDS',
    option: 'session.absoluteTimeoutSeconds',
    fallback: 30 * DAY_SECONDS,
    min: 60,
    max: 365 * DAY_SECONDS,
  },
  shutdownTimeoutSeconds: {
    env: 'SHUTDOWN_TIMEOUT_SECONDS',
    option: 'shutdownTimeoutSeconds',
    fallback: 10,
    min: 0,
    max: 600,
  },
  loginRateLimitPerMinute: {
    env: 'LOGIN_RATE_LIMIT_PER_MINUTE',
    option: 'loginRateLimitPerMinute',
    fallback: 30,
    min: 1,
    max: 100_000,
  },
} as const;

/** One of `SHARED_NUMBERS` from the environment, read from its variable. */
function envSharedNumber(p: ConfigProblems, env: Env, setting: keyof typeof SHARED_NUMBERS): number {
  const { env: name, fallback, min, max } = SHARED_NUMBERS[setting];
  return p.read(name, fallback, () => wholeNumberRule(name, env[name], fallback, min, max));
}

/** One of `SHARED_NUMBERS` from the options, as given there. */
function optionSharedNumber(p: ConfigProblems, setting: keyof typeof SHARED_NUMBERS, raw: unknown): number {
  const { option: label, fallback, min, max } = SHARED_NUMBERS[setting];
  return p.read(label, fallback, () => wholeNumberRule(label, raw, fallback, min, max));
}

/**
 * An origin we may talk to: https anywhere, plain http only on loopback (the emulator), because
 * tokens cross these connections.
 * @throws AppError CONFIG naming the setting and the value given.
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

/** A required origin; `what` says what it is for when it is missing. */
function requiredOriginRule(label: string, raw: unknown, what: string): string {
  if (raw === undefined || raw === null || raw === '') return fail(`${label} is required (${what})`);
  return parseOrigin(label, shown(raw));
}

const storefrontOriginRule = (label: string, raw: unknown): string =>
  requiredOriginRule(label, raw, 'where /.well-known/openid-configuration is served');

/** The Storefront API version the default URL names (the emulator's and the Customer Account API's). */
const STOREFRONT_API_VERSION = '2026-10';

/**
 * The Storefront API for carts: on when a token is given, at `url` or by default on the storefront's
 * origin (`<origin>/api/<version>/graphql.json`, which Shopify serves on every shop domain).
 */
function storefrontApiRule(
  labels: { token: string; url: string },
  raw: { token: unknown; url: unknown },
  storefrontOrigin: string,
): BffConfig['storefrontApi'] {
  const token = optionalTextRule(labels.token, raw.token);
  const rawUrl = optionalTextRule(labels.url, raw.url);
  if (token === null) {
    if (rawUrl !== null) fail(`${labels.url} needs ${labels.token} (the store's private Storefront API token)`);
    return null;
  }
  if (rawUrl === null) return { url: `${storefrontOrigin}/api/${STOREFRONT_API_VERSION}/graphql.json`, token };
  const url = URL.canParse(rawUrl) ? new URL(rawUrl) : fail(`${labels.url} must be a URL, got "${rawUrl}"`);
  requireSecureOrigin(url, (rule) => fail(`${labels.url} ${rule}, got "${rawUrl}"`));
  return { url: url.href, token };
}

/** Required text, trimmed. */
function requiredTextRule(label: string, raw: unknown): string {
  const value = typeof raw === 'string' ? raw.trim() : '';
  if (value === '') fail(`${label} is required`);
  return value;
}

/** Optional text, trimmed; empty is absent. */
function optionalTextRule(label: string, raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') return fail(`${label} must be a string`);
  return raw.trim() || null;
}

/** The session password list, newest first. `rotation` says how a list is written in this source. */
function passwordsRule(label: string, passwords: readonly string[], rotation: string): string[] {
  if (passwords.length === 0) fail(`${label} is required (at least 32 characters; ${rotation})`);
  const problem = sessionPasswordProblem(passwords);
  if (problem !== null) fail(`${label} ${problem}`);
  return [...passwords];
}

/** `1`/`true` on, `0`/`false`/unset off. */
function flagRule(label: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  return fail(`${label} must be 1 or 0, got "${raw}"`);
}

function hostRule(label: string, raw: string | undefined): string {
  if (raw === undefined || raw === '') return '127.0.0.1';
  // An IP literal, or a host name (RFC 1123 labels): what `server.listen(port, host)` accepts.
  const hostname =
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
  if (isIP(raw) === 0 && !hostname.test(raw)) {
    fail(`${label} must be an IP address (0.0.0.0 for every interface) or a host name, got "${raw}"`);
  }
  return raw;
}

function logLevelRule(label: string, raw: unknown): LogLevel {
  if (raw === undefined || raw === '') return 'info';
  const level = LOG_LEVELS.find((l) => l === raw);
  return level ?? fail(`${label} must be one of ${LOG_LEVELS.join(', ')}, got "${shown(raw)}"`);
}

/** A hop count (a number, or digits), a list of addresses (an array, or comma-separated text), or none. */
function trustProxyRule(label: string, raw: unknown): TrustProxy {
  const anything = () =>
    fail(
      `${label} must be a hop count (1-10) or a list of addresses, CIDRs, loopback, linklocal or uniquelocal, got "${shown(raw)}"`,
    );
  const hops = (count: number): TrustProxy => {
    if (!Number.isInteger(count) || count < 1 || count > 10) {
      fail(`${label} as a hop count must be from 1 to 10, got "${shown(raw)}"`);
    }
    return { hops: count };
  };
  const addresses = (list: string[]): TrustProxy => {
    try {
      proxyAddr.compile(list);
    } catch {
      anything();
    }
    return { addresses: list };
  };
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'number') return hops(raw);
  if (Array.isArray(raw)) {
    return raw.every((a): a is string => typeof a === 'string') ? addresses(raw.map((a) => a.trim())) : anything();
  }
  if (typeof raw !== 'string') return anything();
  const value = raw.trim();
  if (value === '' || value === 'false') return null;
  if (/^\d+$/.test(value)) return hops(Number(value));
  // `true` would believe any peer, so anyone could choose the address we log: refused on purpose.
  return addresses(value.split(',').map((a) => a.trim()));
}

/** `SESSION_STORE`: SQLite, or a Redis URL parsed into its target. Never echoes a password. */
function storeRule(label: string, raw: unknown): { sessionStore: string; redis: RedisTarget | null } {
  const sessionStore = raw === undefined || raw === '' ? DEFAULT_SESSION_STORE : shown(raw);
  if (/^sqlite:.+$/.test(sessionStore)) return { sessionStore, redis: null };
  if (!isRedisStoreUrl(sessionStore)) {
    return fail(
      `${label} must be sqlite:<path>, sqlite::memory:, redis://host:port, rediss://host:port or redis-cluster://host:port,host:port, got "${redactRedisUrl(sessionStore)}"`,
    );
  }
  const target = parseRedisUrl(sessionStore);
  return 'problem' in target ? fail(`${label} ${target.problem}`) : { sessionStore, redis: target };
}

const DEFAULT_SESSION_STORE = 'sqlite:.data/sessions.db';

/** The CA file for `rediss`: read once here, so a bad file stops the start instead of every connection. */
function tlsCaRule(label: string, path: unknown, target: RedisTarget | null, storeLabel: string): string | null {
  if (path === undefined || path === null || path === '') return null;
  if (typeof path !== 'string') return fail(`${label} must be the path of a PEM file`);
  if (target === null || !target.tls) {
    fail(`${label} is set but ${storeLabel} does not use TLS (rediss:// or rediss-cluster://)`);
  }
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    return fail(`${label} cannot be read: ${path} (${code})`);
  }
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (certificates.length === 0) fail(`${label} must hold PEM certificates, found none in ${path}`);
  for (const certificate of certificates) {
    try {
      new X509Certificate(certificate);
    } catch {
      fail(`${label} holds a certificate that does not parse: ${path}`);
    }
  }
  return pem;
}

function storePrefixRule(label: string, raw: unknown): string {
  const prefix = raw === undefined || raw === '' ? 'bff:' : shown(raw);
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
    fail(`${label} must be 1-64 characters of A-Z a-z 0-9 _ . : -, got "${prefix}"`);
  }
  return prefix;
}

/** A bearer token the operator chose; `null` when unset. Never echoed. */
function tokenRule(label: string, raw: unknown, minLength: number): string | null {
  const token = optionalTextRule(label, raw);
  if (token !== null && token.length < minLength) fail(`${label} must be at least ${minLength} characters`);
  return token;
}

// It can sign any customer out: as strong as a session password.
const adminTokenRule = (label: string, raw: unknown) => tokenRule(label, raw, 32);
const metricsTokenRule = (label: string, raw: unknown) => tokenRule(label, raw, 16);

function emulatorAdminRule(label: string, raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const origin = parseOrigin(label, shown(raw));
  if (!isLoopbackUrl(new URL(origin))) fail(`${label} must be on localhost`);
  return origin;
}

/**
 * Where a mounted BFF's routes live: `''` (the root) or a path such as `/account-session`. It becomes
 * a route prefix and a cookie `Path`, so it is held to plain path segments.
 * @throws AppError CONFIG with the first rule it breaks.
 */
export function basePathRule(label: string, raw: unknown): string {
  if (raw === undefined || raw === '') return '';
  if (typeof raw !== 'string') return fail(`${label} must be a string such as "/account-session"`);
  if (!raw.startsWith('/')) fail(`${label} must start with "/", got "${raw}"`);
  if (/[?#]/.test(raw)) fail(`${label} must be a path without a query or fragment, got "${raw}"`);
  if (raw.endsWith('/')) fail(`${label} must not end with "/" ("" serves at the root), got "${raw}"`);
  const segments = raw.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    fail(`${label} must not contain empty, "." or ".." segments, got "${raw}"`);
  }
  if (!segments.every((s) => /^[A-Za-z0-9._~-]+$/.test(s))) {
    fail(`${label} may hold only letters, digits and - . _ ~ between its slashes, got "${raw}"`);
  }
  return raw;
}

// --- The environment (the standalone server, `npm start`, `npm run serve`, the doctor).

function httpLimits(p: ConfigProblems, env: Env, behindProxy: boolean): BffConfig['http'] {
  const headersTimeoutSeconds = envNumber(p, env, 'HTTP_HEADERS_TIMEOUT_SECONDS', 10, 1, 300);
  const requestTimeoutSeconds = envNumber(p, env, 'HTTP_REQUEST_TIMEOUT_SECONDS', 30, 1, 600);
  if (
    p.ok('HTTP_HEADERS_TIMEOUT_SECONDS', 'HTTP_REQUEST_TIMEOUT_SECONDS') &&
    requestTimeoutSeconds < headersTimeoutSeconds
  ) {
    p.add('HTTP_REQUEST_TIMEOUT_SECONDS', 'HTTP_REQUEST_TIMEOUT_SECONDS must be at least HTTP_HEADERS_TIMEOUT_SECONDS');
  }
  const perIp = envNumber(p, env, 'MAX_CONNECTIONS_PER_IP', 256, 1, 100_000);
  return {
    headersTimeoutSeconds,
    requestTimeoutSeconds,
    keepAliveTimeoutSeconds: envNumber(p, env, 'HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 5, 1, 600),
    maxConnections: envNumber(p, env, 'MAX_CONNECTIONS', 4_000, 1, 1_000_000),
    maxConnectionsPerIp: behindProxy ? null : perIp,
  };
}

const envNumber = (p: ConfigProblems, env: Env, name: string, fallback: number, min: number, max: number) =>
  p.read(name, fallback, () => wholeNumber(env, name, fallback, min, max));

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/**
 * A `key=value,key=value` list (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_RESOURCE_ATTRIBUTES`), values
 * percent-decoded. A bad entry is named by its position and key only: header values are credentials.
 */
function keyValueListRule(label: string, raw: string | undefined): Record<string, string> {
  const list: Record<string, string> = {};
  if (raw === undefined || raw.trim() === '') return list;
  raw.split(',').forEach((entry, index) => {
    const equals = entry.indexOf('=');
    const key = entry.slice(0, Math.max(equals, 0)).trim();
    if (equals <= 0 || key === '') fail(`${label} entry ${index + 1} must be key=value`);
    try {
      list[key] = decodeURIComponent(entry.slice(equals + 1).trim());
    } catch {
      fail(`${label} entry ${index + 1} (${key}) is not valid percent-encoding`);
    }
  });
  return list;
}

/** An endpoint as an error may show it: never with credentials written into it (`user:pass@`). */
const shownEndpoint = (raw: string): string =>
  raw.includes('@') ? 'a URL with credentials in it (not shown)' : `"${raw}"`;

/**
 * Where spans go and how they are sampled, from OpenTelemetry's standard variables; `null` (off) unless
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (plus `/v1/traces`)
 * is set, and off again with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. Spans are posted
 * as OTLP/HTTP JSON, which every OTLP/HTTP receiver takes whatever `OTEL_EXPORTER_OTLP_PROTOCOL` says,
 * except gRPC, which is refused rather than sent to a port that cannot read it.
 */
function tracingFromEnv(p: ConfigProblems, env: Env): TracingExport | null {
  const disabled = p.read('OTEL_SDK_DISABLED', false, () => {
    const raw = env.OTEL_SDK_DISABLED?.trim().toLowerCase();
    if (raw === undefined || raw === '' || raw === 'false') return false;
    if (raw === 'true') return true;
    return fail(`OTEL_SDK_DISABLED must be true or false, got "${env.OTEL_SDK_DISABLED}"`);
  });
  const exporter = p.read('OTEL_TRACES_EXPORTER', 'otlp', () => {
    const raw = env.OTEL_TRACES_EXPORTER?.trim() || 'otlp';
    if (raw !== 'otlp' && raw !== 'none') fail(`OTEL_TRACES_EXPORTER must be otlp or none, got "${raw}"`);
    return raw;
  });
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || null;
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || null;
  if (disabled || exporter === 'none' || (specific === null && general === null)) return null;
  const endpointLabel = specific !== null ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const url = p.read(endpointLabel, '', () => {
    const raw = (specific ?? general) as string;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return fail(`${endpointLabel} must be an http(s) URL, got ${shownEndpoint(raw)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      fail(`${endpointLabel} must be an http(s) URL, got ${shownEndpoint(raw)}`);
    }
    if (specific !== null) return parsed.href;
    return new URL(`${parsed.pathname.replace(/\/*$/, '')}/v1/traces`, parsed).href;
  });
  const protocolLabel = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  p.read(protocolLabel, null, () => {
    const raw = env[protocolLabel]?.trim();
    if (raw === undefined || raw === '' || raw === 'http/json' || raw === 'http/protobuf') return null;
    return fail(`${protocolLabel} must be http/json or http/protobuf (spans are sent as OTLP/HTTP JSON), got "${raw}"`);
  });
  const headersLabel = env.OTEL_EXPORTER_OTLP_TRACES_HEADERS
    ? 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'
    : 'OTEL_EXPORTER_OTLP_HEADERS';
  const headers = p.read(headersLabel, {}, () => keyValueListRule(headersLabel, env[headersLabel]));
  const resourceAttributes = p.read('OTEL_RESOURCE_ATTRIBUTES', {}, () =>
    keyValueListRule('OTEL_RESOURCE_ATTRIBUTES', env.OTEL_RESOURCE_ATTRIBUTES),
  );
  const samplerName = p.read('OTEL_TRACES_SAMPLER', 'parentbased_always_on', () => {
    const raw = env.OTEL_TRACES_SAMPLER?.trim() || 'parentbased_always_on';
    return (
      SAMPLERS.find((name) => name === raw) ??
      fail(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, got "${raw}"`)
    );
  });
  const ratio = p.read('OTEL_TRACES_SAMPLER_ARG', 1, () => {
    const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
    if (raw === undefined || raw === '') return 1;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      fail(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got "${raw}"`);
    }
    return value;
  });
  const parentBased = samplerName.startsWith('parentbased_');
  return {
    url,
    headers,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || resourceAttributes['service.name'] || 'shopify-customer-session-bff',
    resourceAttributes,
    sampler: {
      root: samplerName.replace('parentbased_', '') as TracingExport['sampler']['root'],
      parentBased,
      ratio,
    },
  };
}

/**
 * Reads and validates the BFF's configuration from environment variables (see `.env.example`); the
 * standalone server's way in.
 * @throws AppError CONFIG naming every bad or missing variable, one a line.
 */
export function loadConfigFromEnv(env: Env = process.env): BffConfig {
  const p = new ConfigProblems();
  const port = envNumber(p, env, 'PORT', 3000, 0, 65535);
  const appOrigin = p.read('APP_ORIGIN', '', () =>
    parseOrigin('APP_ORIGIN', env.APP_ORIGIN || `http://localhost:${port}`),
  );
  const storefrontOrigin = p.read('SHOPIFY_STOREFRONT_ORIGIN', '', () =>
    storefrontOriginRule('SHOPIFY_STOREFRONT_ORIGIN', env.SHOPIFY_STOREFRONT_ORIGIN),
  );
  const clientId = p.read('SHOPIFY_CLIENT_ID', '', () => requiredTextRule('SHOPIFY_CLIENT_ID', env.SHOPIFY_CLIENT_ID));
  const passwordList = (env.SESSION_PASSWORD ?? '')
    .split(',')
    .map((password) => password.trim())
    .filter((password) => password !== '');
  const sessionPasswords = p.read('SESSION_PASSWORD', [], () =>
    passwordsRule('SESSION_PASSWORD', passwordList, 'a comma-separated list rotates'),
  );
  const store = p.read('SESSION_STORE', { sessionStore: '', redis: null }, () =>
    storeRule('SESSION_STORE', env.SESSION_STORE),
  );
  const sessionStoreTlsCa = p.ok('SESSION_STORE')
    ? p.read('SESSION_STORE_TLS_CA_FILE', null, () =>
        tlsCaRule('SESSION_STORE_TLS_CA_FILE', env.SESSION_STORE_TLS_CA_FILE, store.redis, 'SESSION_STORE'),
      )
    : null;
  const adminToken = p.read('ADMIN_TOKEN', null, () => adminTokenRule('ADMIN_TOKEN', env.ADMIN_TOKEN));
  const metricsBearerToken = p.read('METRICS_BEARER_TOKEN', null, () =>
    metricsTokenRule('METRICS_BEARER_TOKEN', env.METRICS_BEARER_TOKEN),
  );
  const trustProxy = p.read('TRUST_PROXY', null, () => trustProxyRule('TRUST_PROXY', env.TRUST_PROXY));
  const config: BffConfig = {
    port,
    host: p.read('HOST', '', () => hostRule('HOST', env.HOST)),
    appOrigin,
    basePath: '',
    storefrontOrigin,
    clientId,
    clientSecret: p.read('SHOPIFY_CLIENT_SECRET', null, () =>
      optionalTextRule('SHOPIFY_CLIENT_SECRET', env.SHOPIFY_CLIENT_SECRET),
    ),
    storefrontApi: p.read('SHOPIFY_STOREFRONT_API_TOKEN', null, () =>
      storefrontApiRule(
        { token: 'SHOPIFY_STOREFRONT_API_TOKEN', url: 'SHOPIFY_STOREFRONT_API_URL' },
        { token: env.SHOPIFY_STOREFRONT_API_TOKEN, url: env.SHOPIFY_STOREFRONT_API_URL },
        storefrontOrigin,
      ),
    ),
    sessionPasswords,
    sessionStore: store.sessionStore,
    sessionStoreRedis: store.redis,
    sessionStoreTlsCa,
    sessionStorePrefix: p.read('SESSION_STORE_PREFIX', '', () =>
      storePrefixRule('SESSION_STORE_PREFIX', env.SESSION_STORE_PREFIX),
    ),
    refreshBufferSeconds: envSharedNumber(p, env, 'refreshBufferSeconds'),
    sessionIdleTimeoutSeconds: envSharedNumber(p, env, 'sessionIdleTimeoutSeconds'),
    sessionAbsoluteTimeoutSeconds: envSharedNumber(p, env, 'sessionAbsoluteTimeoutSeconds'),
    logLevel: p.read('LOG_LEVEL', 'info', () => logLevelRule('LOG_LEVEL', env.LOG_LEVEL)),
    trustProxy,
    shutdownTimeoutSeconds: envSharedNumber(p, env, 'shutdownTimeoutSeconds'),
    http: httpLimits(p, env, trustProxy !== null),
    loginRateLimitPerMinute: envSharedNumber(p, env, 'loginRateLimitPerMinute'),
    emulatorAdminOrigin: p.read('EMULATOR_ADMIN_ORIGIN', null, () =>
      emulatorAdminRule('EMULATOR_ADMIN_ORIGIN', env.EMULATOR_ADMIN_ORIGIN),
    ),
    metricsEnabled: true,
    silentSignIn: p.read('SILENT_SIGN_IN', false, () => flagRule('SILENT_SIGN_IN', env.SILENT_SIGN_IN)),
    tracing: (() => {
      const exported = tracingFromEnv(p, env);
      return exported === null ? null : { export: exported };
    })(),
    metricsBearerToken,
    adminToken,
  };
  p.check();
  return config;
}

/** The name `loadConfigFromEnv` had before the BFF could be mounted; kept for the existing callers. */
export const loadConfig = (env: Env): BffConfig => loadConfigFromEnv(env);

/**
 * Loads `.env` from the working folder into `process.env` when the file exists; variables already set
 * in the environment win (Node's own rule). Only the entry points call this: the BFF, the doctor, the probe.
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

// --- The options of a BFF mounted in a storefront's own server (`createCustomerSessionBff`).

/** A logger the host already has: pino, or anything with pino's level methods and `child`. */
export type PinoCompatibleLogger = Logger;

/**
 * The options of `createCustomerSessionBff` (server/index.ts). Only `shopify`, `appOrigin` and
 * `session.password` are required; everything else has the standalone server's default.
 */
export interface CustomerSessionBffOptions {
  shopify: {
    /** Where Shopify serves `/.well-known/openid-configuration`: the shop's primary domain or `https://<shop>.myshopify.com`. */
    storefrontOrigin: string;
    /** The Customer Account API client ID. */
    clientId: string;
    /** Set for a confidential client (HTTP Basic on token calls); leave out (or `null`) for a public client (PKCE + Origin). */
    clientSecret?: string | null;
    /** The store's private Storefront API token: turns on the cart routes (logged-in checkout). */
    storefrontApiToken?: string | null;
    /** The Storefront API's GraphQL URL; default `<storefrontOrigin>/api/2026-10/graphql.json`. */
    storefrontApiUrl?: string | null;
  };
  /** Where customers' browsers reach the storefront, e.g. `https://shop.example.com` (https, or http on localhost). */
  appOrigin: string;
  /** The path the BFF's routes live under, e.g. `/account-session`; default `''` (the root). */
  basePath?: string;
  session: {
    /** At least 32 characters; a list rotates (the first seals, every one unseals). */
    password: string | readonly string[];
    /** `sqlite:<path>` (default `sqlite:.data/sessions.db`), `sqlite::memory:`, `redis://…`, `rediss://…`, `redis-cluster://…`, `rediss-cluster://…`. */
    store?: string;
    /** Redis key prefix; default `bff:`. */
    storePrefix?: string;
    /** `rediss` only: a PEM file of the CAs that signed Redis's certificate. */
    storeTlsCaFile?: string | null;
    /** Default 7 days (60 s to 365 days). */
    idleTimeoutSeconds?: number;
    /** Default 30 days (60 s to 365 days). */
    absoluteTimeoutSeconds?: number;
  };
  /** Refresh when the access token has less than this left; default 60 (0-3600). */
  refreshBufferSeconds?: number;
  /** Sign-in starts per client address per minute; default 30. */
  loginRateLimitPerMinute?: number;
  /** Forwarding proxies to believe: a hop count (1-10), or addresses/CIDRs/`loopback`…; default none. */
  trustProxy?: number | string | readonly string[] | null;
  /** The host's pino(-compatible) logger, or options for the BFF's own (JSON lines on stdout, level `info`). */
  logger?: PinoCompatibleLogger | Pick<LoggerOptions, 'level' | 'destination' | 'base'>;
  /** Serve `/metrics`; default: only when `metricsBearerToken` is set. */
  metrics?: boolean;
  /** `/metrics` answers only `Authorization: Bearer <this>` (16+ characters). */
  metricsBearerToken?: string | null;
  /** Turns the admin API (`/admin/…`) on, for `Authorization: Bearer <this>` (32+ characters). */
  adminToken?: string | null;
  /** Allows silent sign-in (`/auth/login?prompt=none`, the client's `silentSignIn`); default `false`. */
  silentSignIn?: boolean;
  /** How long `close()` waits for refreshes in flight before closing the store; default 10 (0-600). */
  shutdownTimeoutSeconds?: number;
  /**
   * OpenTelemetry tracing. Default: as the standard `OTEL_*` variables of the process say (on, with the
   * BFF's own OTLP exporter, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set). `true`: on; spans go to the
   * tracer provider the host registered with its own SDK when no endpoint is set. `false`: off.
   */
  tracing?: boolean;
}

/** `value` is a logger already (rather than options for one): it has pino's level methods and `child`. */
export function isPinoCompatibleLogger(value: unknown): value is PinoCompatibleLogger {
  if (typeof value !== 'object' || value === null) return false;
  const logger = value as Record<string, unknown>;
  return ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'child'].every((m) => typeof logger[m] === 'function');
}

const OPTION_KEYS: Record<string, readonly string[]> = {
  '': [
    'shopify',
    'appOrigin',
    'basePath',
    'session',
    'refreshBufferSeconds',
    'loginRateLimitPerMinute',
    'trustProxy',
    'logger',
    'metrics',
    'metricsBearerToken',
    'adminToken',
    'silentSignIn',
    'shutdownTimeoutSeconds',
    'tracing',
  ],
  shopify: ['storefrontOrigin', 'clientId', 'clientSecret', 'storefrontApiToken', 'storefrontApiUrl'],
  session: ['password', 'store', 'storePrefix', 'storeTlsCaFile', 'idleTimeoutSeconds', 'absoluteTimeoutSeconds'],
  logger: ['level', 'destination', 'base'],
};

/**
 * `session.password` as a list: one password (kept whole: unlike the environment's list, a comma may
 * be part of it), or a rotation list.
 */
function passwordListOption(raw: unknown): string[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw) && raw.every((password): password is string => typeof password === 'string')) return raw;
  return fail('session.password must be a string or a list of strings');
}

/** The object at `label` (or `{}` with a problem), its unknown keys reported: a typo must not pass silently. */
function section(p: ConfigProblems, label: string, raw: unknown, required: boolean): Record<string, unknown> {
  if (raw === undefined && !required) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    p.add(label || 'options', `${label || 'options'} must be an object`);
    return {};
  }
  const object = raw as Record<string, unknown>;
  const known = OPTION_KEYS[label] ?? [];
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) p.add(`${label}.${key}`, `unknown option "${label ? `${label}.` : ''}${key}"`);
  }
  return object;
}

/**
 * Validates `createCustomerSessionBff`'s options with the environment's rules, once, and gives the
 * BFF's configuration. Settings only the standalone server uses (port, host, connection limits) take
 * their defaults.
 * @throws AppError CONFIG naming every bad or missing option, one a line.
 */
export function configFromOptions(options: CustomerSessionBffOptions): BffConfig {
  const p = new ConfigProblems();
  const o = section(p, '', options, true);
  const shopify = section(p, 'shopify', o.shopify, true);
  const session = section(p, 'session', o.session, true);
  // Read in the order the options are declared, so the list of problems reads like the options.
  const storefrontOrigin = p.read('shopify.storefrontOrigin', '', () =>
    storefrontOriginRule('shopify.storefrontOrigin', shopify.storefrontOrigin),
  );
  const clientId = p.read('shopify.clientId', '', () => requiredTextRule('shopify.clientId', shopify.clientId));
  const clientSecret = p.read('shopify.clientSecret', null, () =>
    optionalTextRule('shopify.clientSecret', shopify.clientSecret),
  );
  const storefrontApi = p.read('shopify.storefrontApiToken', null, () =>
    storefrontApiRule(
      { token: 'shopify.storefrontApiToken', url: 'shopify.storefrontApiUrl' },
      { token: shopify.storefrontApiToken, url: shopify.storefrontApiUrl },
      storefrontOrigin,
    ),
  );
  const appOrigin = p.read('appOrigin', '', () =>
    requiredOriginRule('appOrigin', o.appOrigin, 'where browsers reach the storefront, e.g. https://shop.example.com'),
  );
  const basePath = p.read('basePath', '', () => basePathRule('basePath', o.basePath));
  const sessionPasswords = p.read('session.password', [], () =>
    passwordsRule('session.password', passwordListOption(session.password), 'a list rotates, newest first'),
  );
  const store = p.read('session.store', { sessionStore: '', redis: null }, () =>
    storeRule('session.store', session.store),
  );
  const sessionStorePrefix = p.read('session.storePrefix', '', () =>
    storePrefixRule('session.storePrefix', session.storePrefix),
  );
  const sessionStoreTlsCa = p.ok('session.store')
    ? p.read('session.storeTlsCaFile', null, () =>
        tlsCaRule('session.storeTlsCaFile', session.storeTlsCaFile, store.redis, 'session.store'),
      )
    : null;
  const sessionIdleTimeoutSeconds = optionSharedNumber(p, 'sessionIdleTimeoutSeconds', session.idleTimeoutSeconds);
  const sessionAbsoluteTimeoutSeconds = optionSharedNumber(
    p,
    'sessionAbsoluteTimeoutSeconds',
    session.absoluteTimeoutSeconds,
  );
  const refreshBufferSeconds = optionSharedNumber(p, 'refreshBufferSeconds', o.refreshBufferSeconds);
  const loginRateLimitPerMinute = optionSharedNumber(p, 'loginRateLimitPerMinute', o.loginRateLimitPerMinute);
  const trustProxy = p.read('trustProxy', null, () => trustProxyRule('trustProxy', o.trustProxy));
  const logLevel = loggerLevel(p, o.logger);
  if (o.metrics !== undefined && typeof o.metrics !== 'boolean') p.add('metrics', 'metrics must be true or false');
  if (o.silentSignIn !== undefined && typeof o.silentSignIn !== 'boolean') {
    p.add('silentSignIn', 'silentSignIn must be true or false');
  }
  const metricsBearerToken = p.read('metricsBearerToken', null, () =>
    metricsTokenRule('metricsBearerToken', o.metricsBearerToken),
  );
  const adminToken = p.read('adminToken', null, () => adminTokenRule('adminToken', o.adminToken));
  const shutdownTimeoutSeconds = optionSharedNumber(p, 'shutdownTimeoutSeconds', o.shutdownTimeoutSeconds);
  if (o.tracing !== undefined && typeof o.tracing !== 'boolean') p.add('tracing', 'tracing must be true or false');
  const exported = o.tracing === false ? null : tracingFromEnv(p, process.env);
  const tracing = exported !== null ? { export: exported } : o.tracing === true ? { export: null } : null;
  p.check();
  return {
    // The host's server owns the socket and its connections: the standalone defaults, unused when mounted.
    port: 0,
    host: '127.0.0.1',
    http: {
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 30,
      keepAliveTimeoutSeconds: 5,
      maxConnections: 4_000,
      maxConnectionsPerIp: null,
    },
    appOrigin,
    basePath,
    storefrontOrigin,
    clientId,
    clientSecret,
    storefrontApi,
    sessionPasswords,
    sessionStore: store.sessionStore,
    sessionStoreRedis: store.redis,
    sessionStoreTlsCa,
    sessionStorePrefix,
    refreshBufferSeconds,
    sessionIdleTimeoutSeconds,
    sessionAbsoluteTimeoutSeconds,
    logLevel,
    trustProxy,
    shutdownTimeoutSeconds,
    loginRateLimitPerMinute,
    // The emulator's demo controls belong to the standalone demo (`EMULATOR_ADMIN_ORIGIN`), never to a library user.
    emulatorAdminOrigin: null,
    // A storefront's origin is public: its counters are served only when asked, or behind a token.
    metricsEnabled: typeof o.metrics === 'boolean' ? o.metrics : metricsBearerToken !== null,
    silentSignIn: o.silentSignIn === true,
    tracing,
    metricsBearerToken,
    adminToken,
  };
}

/** The level of the BFF's own logger (`'info'` when the host gives its logger, which has its own). */
function loggerLevel(p: ConfigProblems, logger: unknown): LogLevel {
  if (logger === undefined || isPinoCompatibleLogger(logger)) return 'info';
  if (typeof logger !== 'object' || logger === null) {
    p.add('logger', 'logger must be a pino-compatible logger or options such as { level: "info" }');
    return 'info';
  }
  const loggerOptions = section(p, 'logger', logger, false);
  return p.read('logger.level', 'info', () => logLevelRule('logger.level', loggerOptions.level));
}
