import { AppError } from './errors.ts';

/** Everything the BFF reads from its environment, validated once at start. */
export interface BffConfig {
  port: number;
  /** Where the customer's browser reaches the BFF; the OAuth redirect URI and cookie policy derive from it. */
  appOrigin: string;
  /** Where Shopify's two `.well-known` discovery documents live (the storefront's origin, or the emulator). */
  storefrontOrigin: string;
  clientId: string;
  /** Set for a confidential client (HTTP Basic on token calls); `null` for a public client (PKCE + Origin). */
  clientSecret: string | null;
  /** Newest first: the first seals, every one unseals (rotation). */
  sessionPasswords: string[];
  /** `sqlite:<path>`, `sqlite::memory:` or `redis://…`. */
  sessionStore: string;
  /** Redis only: prepended to every key, so several apps (or test runs) can share one Redis. Default `bff:`. */
  sessionStorePrefix: string;
  refreshBufferSeconds: number;
  sessionIdleTimeoutSeconds: number;
  sessionAbsoluteTimeoutSeconds: number;
  logLevel: string;
  /** Emulator mode only: the emulator's origin, for the demo controls (revoke, outage). */
  emulatorAdminOrigin: string | null;
  /** When set, `/metrics` answers only `Authorization: Bearer <this>`. */
  metricsBearerToken: string | null;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export const isLoopbackUrl = (url: URL): boolean => LOOPBACK_HOSTS.has(url.hostname);

type Env = Record<string, string | undefined>;

const fail = (message: string): never => {
  throw new AppError('CONFIG', message);
};

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * An origin we may talk to: https anywhere, plain http only on loopback (the emulator), because
 * tokens cross these connections.
 */
function origin(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`${name} must be a URL such as https://shop.example.com, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    fail(`${name} must use https (plain http is allowed only on localhost), got "${raw}"`);
  }
  if (url.pathname !== '/' || url.search || url.hash) fail(`${name} must be an origin with no path, got "${raw}"`);
  return url.origin;
}

/**
 * Reads and validates the BFF's configuration.
 * @throws AppError CONFIG with one line naming the bad or missing variable.
 */
export function loadConfig(env: Env): BffConfig {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const appOrigin = origin('APP_ORIGIN', env.APP_ORIGIN || `http://localhost:${port}`);
  const storefrontOrigin = origin(
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
  if (sessionPasswords.some((p) => p.length < 32)) fail('every SESSION_PASSWORD entry must be at least 32 characters');

  const sessionStore = env.SESSION_STORE || 'sqlite:.data/sessions.db';
  if (!/^(sqlite:.+|rediss?:\/\/.+)$/.test(sessionStore)) {
    fail(`SESSION_STORE must be sqlite:<path>, sqlite::memory: or redis://host:port, got "${sessionStore}"`);
  }
  const metricsToken = env.METRICS_BEARER_TOKEN?.trim() || null;
  if (metricsToken !== null && metricsToken.length < 16) fail('METRICS_BEARER_TOKEN must be at least 16 characters');
  const sessionStorePrefix = env.SESSION_STORE_PREFIX || 'bff:';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(sessionStorePrefix)) {
    fail(`SESSION_STORE_PREFIX must be 1-64 characters of A-Z a-z 0-9 _ . : -, got "${sessionStorePrefix}"`);
  }
  const emulatorAdmin = env.EMULATOR_ADMIN_ORIGIN ? origin('EMULATOR_ADMIN_ORIGIN', env.EMULATOR_ADMIN_ORIGIN) : null;
  if (emulatorAdmin && !isLoopbackUrl(new URL(emulatorAdmin))) fail('EMULATOR_ADMIN_ORIGIN must be on localhost');

  return {
    port,
    appOrigin,
    storefrontOrigin,
    clientId,
    clientSecret: env.SHOPIFY_CLIENT_SECRET?.trim() || null,
    sessionPasswords,
    sessionStore,
    sessionStorePrefix,
    refreshBufferSeconds: integer(env, 'REFRESH_BUFFER_SECONDS', 60, 0, 3600),
    sessionIdleTimeoutSeconds: integer(env, 'SESSION_IDLE_TIMEOUT_SECONDS', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    sessionAbsoluteTimeoutSeconds: integer(
      env,
      'SESSION_ABSOLUTE_TIMEOUT_SECONDS',
      30 * 24 * 3600,
      60,
      365 * 24 * 3600,
    ),
    logLevel: env.LOG_LEVEL || 'info',
    emulatorAdminOrigin: emulatorAdmin,
    metricsBearerToken: metricsToken,
  };
}
