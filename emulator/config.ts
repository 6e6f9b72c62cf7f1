/**
 * Emulator options, runtime configuration and their validation. Everything that arrives from outside
 * (the options object, `EMULATOR_CLIENTS`, `POST /__emulator/config`) is parsed here into typed values.
 */

export type ClientType = 'public' | 'confidential';

export interface ClientRegistration {
  clientId: string;
  type: ClientType;
  /** Required for confidential clients, forbidden for public ones. */
  clientSecret?: string;
  /** Exact-match redirect URIs (no prefix or wildcard matching, like Shopify). */
  redirectUris: string[];
  /** Origins a public client's token requests must carry in `Origin`. */
  javascriptOrigins: string[];
  /** Allowed `post_logout_redirect_uri` values. */
  logoutUris: string[];
}

/**
 * What happens when a refresh token that was already used is presented again. Shopify's behaviour is
 * UNKNOWN (SHOPIFY.md), so it is a switch; the default is the strictest.
 * - `reject`: 400 invalid_grant, nothing else happens.
 * - `revoke-family`: 400 invalid_grant and the whole grant (every token of that login) dies.
 * - `grace`: the old token keeps working for `reuseGraceSeconds` after its first use.
 */
export type RefreshTokenReuse = 'reject' | 'revoke-family' | 'grace';

export interface EmulatorConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  refreshTokenReuse: RefreshTokenReuse;
  /**
   * How `prompt=none` without a session answers: `error=login_required` (OpenID's shape) or
   * `code=login_required` (the other shape SHOPIFY.md cannot rule out).
   */
  loginRequiredAs: LoginRequiredAs;
  reuseGraceSeconds: number;
  /** Added before the token endpoint processes a request (lets racing refreshes overlap). */
  tokenLatencyMs: number;
  graphqlLatencyMs: number;
  /** Cost bucket per customer; Shopify's is 7,500 points. */
  graphqlBucketSize: number;
  graphqlRestoreRatePerSecond: number;
}

export interface EmulatorOptions {
  /** Origin the emulator is reachable at; stands in for `https://shopify.com`. */
  publicOrigin?: string;
  shopId?: string;
  clients: ClientRegistration[];
  /** Clock in epoch milliseconds; inject one to advance time in tests without sleeping. */
  now?: () => number;
  config?: Partial<EmulatorConfig>;
  /** The Storefront API token carts need (default `DEFAULT_STOREFRONT_API_TOKEN`). */
  storefrontApiToken?: string;
}

export const DEFAULT_SHOP_ID = '90000000001';
export const API_VERSION = '2026-10';
/** The emulated store's Storefront API token: not a secret, the emulator is local. */
export const DEFAULT_STOREFRONT_API_TOKEN = 'emulator-storefront-api-token';

export const DEFAULT_CONFIG: Readonly<EmulatorConfig> = Object.freeze({
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  refreshTokenReuse: 'revoke-family',
  loginRequiredAs: 'error',
  reuseGraceSeconds: 30,
  tokenLatencyMs: 0,
  graphqlLatencyMs: 0,
  graphqlBucketSize: 7500,
  graphqlRestoreRatePerSecond: 100,
});

/** The demo storefront (the BFF on :3000) used by `emulator/main.ts` when `EMULATOR_CLIENTS` is unset. */
export const DEFAULT_DEMO_CLIENT: Readonly<ClientRegistration> = Object.freeze({
  clientId: 'demo-storefront',
  type: 'public',
  redirectUris: ['http://localhost:3000/auth/callback'],
  javascriptOrigins: ['http://localhost:3000'],
  logoutUris: ['http://localhost:3000/'],
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const REUSE_MODES: readonly RefreshTokenReuse[] = ['reject', 'revoke-family', 'grace'];

type NumberRule = { min: number; max: number; integer: boolean };
// Upper bounds keep timers and arithmetic sane (setTimeout overflows past 2^31 ms).
export type LoginRequiredAs = 'error' | 'code';
const LOGIN_REQUIRED_SHAPES: readonly LoginRequiredAs[] = ['error', 'code'];

const NUMBER_RULES: Record<Exclude<keyof EmulatorConfig, 'refreshTokenReuse' | 'loginRequiredAs'>, NumberRule> = {
  accessTokenTtlSeconds: { min: 1, max: 365 * 24 * 3600, integer: true },
  refreshTokenTtlSeconds: { min: 1, max: 10 * 365 * 24 * 3600, integer: true },
  reuseGraceSeconds: { min: 0, max: 24 * 3600, integer: true },
  tokenLatencyMs: { min: 0, max: 120_000, integer: true },
  graphqlLatencyMs: { min: 0, max: 120_000, integer: true },
  graphqlBucketSize: { min: 1, max: 1_000_000, integer: true },
  graphqlRestoreRatePerSecond: { min: 0.001, max: 1_000_000, integer: false },
};

/**
 * Validates a partial configuration (from options or the admin API). Unknown keys and bad values
 * throw `ConfigError` so that a typo never silently leaves a default in place.
 */
export function parseConfigPatch(input: unknown): Partial<EmulatorConfig> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('config must be a JSON object');
  }
  const patch: Partial<EmulatorConfig> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'refreshTokenReuse') {
      if (!REUSE_MODES.includes(value as RefreshTokenReuse)) {
        throw new ConfigError(`refreshTokenReuse must be one of ${REUSE_MODES.join(', ')}`);
      }
      patch.refreshTokenReuse = value as RefreshTokenReuse;
      continue;
    }
    if (key === 'loginRequiredAs') {
      if (!LOGIN_REQUIRED_SHAPES.includes(value as LoginRequiredAs)) {
        throw new ConfigError(`loginRequiredAs must be one of ${LOGIN_REQUIRED_SHAPES.join(', ')}`);
      }
      patch.loginRequiredAs = value as LoginRequiredAs;
      continue;
    }
    if (!Object.hasOwn(NUMBER_RULES, key)) throw new ConfigError(`unknown config key: ${key}`);
    const name = key as keyof typeof NUMBER_RULES;
    const rule = NUMBER_RULES[name];
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (rule.integer && !Number.isInteger(value)) ||
      value < rule.min ||
      value > rule.max
    ) {
      throw new ConfigError(`${key} must be ${rule.integer ? 'an integer' : 'a number'} in [${rule.min}, ${rule.max}]`);
    }
    patch[name] = value;
  }
  return patch;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isOrigin(value: unknown): value is string {
  return isHttpUrl(value) && new URL(value).origin === value;
}

function stringList(value: unknown, what: string, check: (v: unknown) => boolean): string[] {
  if (!Array.isArray(value) || !value.every(check)) {
    throw new ConfigError(`${what} must be an array of valid values`);
  }
  return [...(value as string[])];
}

/** Validates one client registration; throws `ConfigError`. */
export function parseClient(input: unknown): ClientRegistration {
  if (typeof input !== 'object' || input === null) throw new ConfigError('client must be an object');
  const raw = input as Record<string, unknown>;
  if (typeof raw.clientId !== 'string' || raw.clientId.length === 0) {
    throw new ConfigError('clientId must be a non-empty string');
  }
  if (raw.type !== 'public' && raw.type !== 'confidential') {
    throw new ConfigError(`client ${raw.clientId}: type must be public or confidential`);
  }
  const client: ClientRegistration = {
    clientId: raw.clientId,
    type: raw.type,
    redirectUris: stringList(raw.redirectUris, `client ${raw.clientId}: redirectUris`, isHttpUrl),
    javascriptOrigins: stringList(raw.javascriptOrigins ?? [], `client ${raw.clientId}: javascriptOrigins`, isOrigin),
    logoutUris: stringList(raw.logoutUris ?? [], `client ${raw.clientId}: logoutUris`, isHttpUrl),
  };
  if (client.redirectUris.length === 0) {
    throw new ConfigError(`client ${raw.clientId}: at least one redirect URI is required`);
  }
  if (raw.type === 'confidential') {
    if (typeof raw.clientSecret !== 'string' || raw.clientSecret.length < 8) {
      throw new ConfigError(`client ${raw.clientId}: confidential clients need a clientSecret (8+ chars)`);
    }
    client.clientSecret = raw.clientSecret;
  } else if (raw.clientSecret !== undefined) {
    throw new ConfigError(`client ${raw.clientId}: public clients have no secret`);
  }
  return client;
}

export function parseClients(input: unknown): ClientRegistration[] {
  if (!Array.isArray(input)) throw new ConfigError('clients must be an array');
  const clients = input.map(parseClient);
  const ids = new Set(clients.map((c) => c.clientId));
  if (ids.size !== clients.length) throw new ConfigError('duplicate clientId');
  return clients;
}

/** `EMULATOR_CONFIG` (a JSON object, as `POST /__emulator/config` takes), or no change when unset/empty. */
export function configFromEnv(value: string | undefined): Partial<EmulatorConfig> {
  if (value === undefined || value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError('EMULATOR_CONFIG is not valid JSON');
  }
  try {
    return parseConfigPatch(parsed);
  } catch (error) {
    throw new ConfigError(`EMULATOR_CONFIG: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `EMULATOR_CLIENTS` (a JSON array) or the demo client when unset/empty. */
export function clientsFromEnv(value: string | undefined): ClientRegistration[] {
  if (value === undefined || value.trim() === '') return [{ ...DEFAULT_DEMO_CLIENT }];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError('EMULATOR_CLIENTS is not valid JSON');
  }
  return parseClients(parsed);
}
