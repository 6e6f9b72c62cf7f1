/**
 * `npm run doctor`: checks the BFF's configuration and everything it depends on, the way the BFF itself
 * would use them, and says how to fix each failure. Nothing here changes state except one probe record
 * written to and deleted from the session store.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, type BffConfig } from './config.ts';
import { isLoopbackUrl } from './secure-origin.ts';
import { isAppError } from './errors.ts';
import {
  createRedisClient,
  isRedisStoreUrl,
  redactRedisUrl,
  redisAclRules,
  type RedisClient,
  type RedisTarget,
} from './sessions/redis-connection.ts';
import { createRedisStore } from './sessions/redis-store.ts';
import { createSealer } from './sessions/seal.ts';
import { createSqliteStore } from './sessions/sqlite-store.ts';
import type { SessionStore } from './sessions/types.ts';
import { createShopifyClient } from './shopify/client.ts';
import { discoverShopify } from './shopify/discovery.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** One line: what was found. Never a secret. */
  detail: string;
  /** One line: what to do, for `fail` and `warn`. */
  fix?: string;
}

export interface DoctorOptions {
  fetchImpl?: typeof fetch;
  /** Per network check; default 5 s. */
  timeoutMs?: number;
}

/** Bits of a password estimated from its own character frequencies (Shannon): `aaaa…` scores 0. */
export function estimatedEntropyBits(password: string): number {
  const counts = new Map<string, number>();
  for (const char of password) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bitsPerChar = 0;
  for (const count of counts.values()) {
    const p = count / password.length;
    bitsPerChar -= p * Math.log2(p);
  }
  return bitsPerChar * password.length;
}

// 128 bits is the usual bar for a symmetric key; a 32-byte random base64url string scores about 220.
const MIN_PASSWORD_BITS = 128;

/** Hides credentials in a store URL: `redis://user:secret@host` → `redis://user:***@host` (cluster URLs too). */
export function redactStoreUrl(store: string): string {
  return isRedisStoreUrl(store) ? redactRedisUrl(store) : store;
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs every check in order; a check whose input is broken by an earlier failure is `skip`. */
export async function runDoctor(
  env: Record<string, string | undefined>,
  options: DoctorOptions = {},
): Promise<CheckResult[]> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const results: CheckResult[] = [];

  let config: BffConfig;
  try {
    config = loadConfig(env);
    results.push({ name: 'configuration', status: 'ok', detail: 'every variable is present and well-formed' });
  } catch (error) {
    if (!isAppError(error, 'CONFIG')) throw error;
    results.push({
      name: 'configuration',
      status: 'fail',
      detail: error.message,
      fix: 'set it in the environment or in .env (every variable is listed in .env.example)',
    });
    for (const name of ['session password', 'app origin', 'shopify discovery', 'authorize url', 'session store']) {
      results.push({ name, status: 'skip', detail: 'needs a valid configuration first' });
    }
    return results;
  }

  results.push(checkPasswords(config.sessionPasswords));
  results.push(checkAppOrigin(config));

  const discovery = await checkDiscovery(config, fetchImpl, timeoutMs);
  results.push(discovery);
  results.push(
    discovery.status === 'ok'
      ? await checkAuthorize(config, fetchImpl, timeoutMs)
      : { name: 'authorize url', status: 'skip', detail: 'needs discovery first' },
  );
  results.push(await checkStore(config, timeoutMs));
  if (config.metricsBearerToken === null && !isLoopbackUrl(new URL(config.appOrigin))) {
    results.push({
      name: 'metrics',
      status: 'warn',
      detail: '/metrics answers anyone (counts only, no secrets)',
      fix: 'set METRICS_BEARER_TOKEN, or keep /metrics off the public internet at your proxy',
    });
  }
  return results;
}

function checkPasswords(passwords: string[]): CheckResult {
  const weak = passwords
    .map((password, index) => ({ index, bits: Math.round(estimatedEntropyBits(password)) }))
    .filter(({ bits }) => bits < MIN_PASSWORD_BITS);
  if (weak.length === 0) {
    return {
      name: 'session password',
      status: 'ok',
      detail: `${passwords.length} password(s), each about ${MIN_PASSWORD_BITS} bits or more`,
    };
  }
  return {
    name: 'session password',
    status: 'fail',
    // Positions and estimates only: a password never appears in the output.
    detail: weak.map(({ index, bits }) => `SESSION_PASSWORD #${index} looks weak (~${bits} bits)`).join('; '),
    fix: "generate one: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\"",
  };
}

function checkAppOrigin(config: BffConfig): CheckResult {
  // loadConfig already refused plain http off loopback; this line says what the origin implies.
  const https = config.appOrigin.startsWith('https:');
  return {
    name: 'app origin',
    status: 'ok',
    detail: `${config.appOrigin} (${https ? 'https: the cookie is __Host- and Secure' : 'plain http on loopback: development only'}); redirect URI ${config.appOrigin}/auth/callback`,
  };
}

async function checkDiscovery(config: BffConfig, fetchImpl: typeof fetch, timeoutMs: number): Promise<CheckResult> {
  try {
    const found = await discoverShopify(config.storefrontOrigin, { fetchImpl, timeoutMs });
    return {
      name: 'shopify discovery',
      status: 'ok',
      detail: `issuer ${found.authorizationServer.issuer}, GraphQL ${found.graphqlApiUrl}`,
    };
  } catch (error) {
    if (isAppError(error, 'UPSTREAM_UNAVAILABLE')) {
      return {
        name: 'shopify discovery',
        status: 'fail',
        detail: `unreachable: ${error.message}`,
        fix: `check that SHOPIFY_STOREFRONT_ORIGIN (${config.storefrontOrigin}) is your storefront and is online`,
      };
    }
    return {
      name: 'shopify discovery',
      status: 'fail',
      detail: `not Shopify-shaped: ${errorMessage(error)}`,
      fix: 'SHOPIFY_STOREFRONT_ORIGIN must be the storefront origin that serves /.well-known/openid-configuration (Customer Accounts enabled)',
    };
  }
}

/**
 * Builds the authorize URL exactly as the BFF would and asks Shopify for it, without following the
 * answer: a sign-in page or a redirect means the client id and redirect URI are accepted; a 400 page
 * or an `error=` redirect names what is not.
 */
async function checkAuthorize(config: BffConfig, fetchImpl: typeof fetch, timeoutMs: number): Promise<CheckResult> {
  const redirectUri = `${config.appOrigin}/auth/callback`;
  const shopify = createShopifyClient({
    storefrontOrigin: config.storefrontOrigin,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    appOrigin: config.appOrigin,
    redirectUri,
    fetchImpl,
  });
  const url = await shopify.authorizationUrl(shopify.newPendingAuthorization(), {});
  const shown = new URL(url);
  for (const name of ['state', 'nonce', 'code_challenge']) shown.searchParams.delete(name);
  let response: Response;
  try {
    response = await fetchImpl(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
  } catch (error) {
    return { name: 'authorize url', status: 'fail', detail: `unreachable: ${errorMessage(error)}`, fix: 'retry later' };
  }
  const location = response.headers.get('location');
  const oauthError = location === null ? null : new URL(location, url).searchParams.get('error');
  if (response.status >= 400 || oauthError !== null) {
    return {
      name: 'authorize url',
      status: 'fail',
      detail: `Shopify refused ${shown.href}: ${oauthError ?? `HTTP ${response.status}`}`,
      fix: `in the Shopify admin (Customer Account API client ${config.clientId}), register the callback URI ${redirectUri} and the JavaScript origin ${config.appOrigin}`,
    };
  }
  return { name: 'authorize url', status: 'ok', detail: `accepted (HTTP ${response.status}): ${shown.href}` };
}

async function checkStore(config: BffConfig, timeoutMs: number): Promise<CheckResult> {
  const shown = redactStoreUrl(config.sessionStore);
  const target = config.sessionStoreRedis;
  const sealer = createSealer(config.sessionPasswords);
  let store: SessionStore | null = null;
  let redis: RedisClient | null = null;
  // ioredis reports the cause (ECONNREFUSED, WRONGPASS…) as an event and rejects with "Connection is closed".
  let redisError: Error | null = null;
  try {
    if (target === null) {
      store = createSqliteStore({
        path: config.sessionStore.slice('sqlite:'.length),
        sealer,
        absoluteTimeoutMs: 60_000,
        purgeIntervalMs: 0,
      });
    } else {
      // Fail fast: no reconnect loop and no offline queue, so an unreachable Redis is one clear error.
      const client = createRedisClient(target, config.sessionStoreTlsCa, {
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
        lazyConnect: true,
      });
      redis = client;
      // A Cluster reports each node's trouble (TLS, WRONGPASS) as `node error`, then only a summary
      // ("Failed to refresh slots cache.") as `error`: the node's is the cause worth showing.
      let nodeError = false;
      client.on('node error', (error: Error) => {
        redisError = error;
        nodeError = true;
      });
      client.on('error', (error: Error) => {
        if (!nodeError) redisError = error;
      });
      await redis.connect();
      store = createRedisStore({ redis, keyPrefix: config.sessionStorePrefix, sealer, absoluteTimeoutMs: 60_000 });
    }
    // A real write, read and delete of a throwaway session: "reachable" is not enough, it must take writes.
    const sid = `doctor-${randomBytes(16).toString('hex')}`;
    const now = Date.now();
    await store.create(sid, {
      accessToken: 'doctor-probe',
      refreshToken: 'doctor-probe',
      idToken: 'doctor-probe',
      expiresAtMs: now + 60_000,
      customerId: 'doctor-probe',
      email: null,
      version: 1,
      createdAtMs: now,
      lastSeenAtMs: now,
    });
    const readBack = await store.get(sid);
    await store.delete(sid);
    if (readBack === null) throw new Error('a record just written could not be read back');
    return { name: 'session store', status: 'ok', detail: `${shown} is reachable and writable` };
  } catch (error) {
    const cause = redisError ?? error;
    return {
      name: 'session store',
      status: 'fail',
      detail: `${shown}: ${errorMessage(cause)}`,
      fix:
        target === null
          ? 'the folder must exist or be creatable, and be writable by this user'
          : redisFix(cause, target, config.sessionStorePrefix),
    };
  } finally {
    await store?.close().catch(() => {});
    redis?.disconnect();
  }
}

/** Node's codes for a server certificate it could not verify (OpenSSL's names, and its host-name check). */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What to do about a Redis failure: by Node's TLS error code, or by Redis's error code (the reply's first word). */
function redisFix(cause: unknown, target: RedisTarget, keyPrefix: string): string {
  const code = cause instanceof Error && 'code' in cause ? cause.code : null;
  if (typeof code === 'string' && TLS_VERIFY_CODES.has(code)) {
    return "set SESSION_STORE_TLS_CA_FILE to the PEM of the CA that signed Redis's certificate (your provider publishes it)";
  }
  if (cause instanceof Error && cause.message.startsWith('NOPERM ')) {
    return `give the Redis user what the store needs: ACL SETUSER ${target.username ?? 'default'} on ${redisAclRules(keyPrefix, target)}`;
  }
  return 'check that Redis runs at that address and that the URL has the right user and password';
}

/** One line per check: `ok`, `warn`, `FAIL` or `skip`, then what was found, then the fix. */
export function formatResults(results: CheckResult[]): string {
  const label: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };
  return results
    .map((r) => `${label[r.status]} ${r.name}: ${r.detail}${r.fix === undefined ? '' : ` → fix: ${r.fix}`}`)
    .join('\n');
}
