/**
 * Properties of the BFF's configuration boundary: any environment gives either a valid `BffConfig` or
 * an AppError CONFIG whose message starts with the variable at fault — never another exception, and
 * never a secret in the message.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { itHolds } from '../tests/helpers/property.ts';
import { loadConfig, parseOrigin, type BffConfig } from './config.ts';
import { isAppError } from './errors.ts';

type Env = Record<string, string | undefined>;
type Outcome = { config: BffConfig } | { message: string };

function outcome(env: Env): Outcome {
  try {
    return { config: loadConfig(env) };
  } catch (error) {
    if (isAppError(error, 'CONFIG')) return { message: error.message };
    throw error;
  }
}

const BASE: Env = {
  SHOPIFY_STOREFRONT_ORIGIN: 'https://shop.example.com',
  SHOPIFY_CLIENT_ID: 'client-1',
  SESSION_PASSWORD: 'p'.repeat(32),
};
const REQUIRED = Object.keys(BASE);

/** Whole-number variables: range, where the value lands in the config, and what must come with it. */
const NUMBERS: Array<
  [name: string, min: number, max: number, read: (config: BffConfig) => number | null, alongside?: Env]
> = [
  ['PORT', 0, 65535, (c) => c.port],
  ['REFRESH_BUFFER_SECONDS', 0, 3600, (c) => c.refreshBufferSeconds],
  ['SESSION_IDLE_TIMEOUT_SECONDS', 60, 365 * 24 * 3600, (c) => c.sessionIdleTimeoutSeconds],
  ['SESSION_ABSOLUTE_TIMEOUT_SECONDS', 60, 365 * 24 * 3600, (c) => c.sessionAbsoluteTimeoutSeconds],
  ['SHUTDOWN_TIMEOUT_SECONDS', 0, 600, (c) => c.shutdownTimeoutSeconds],
  // The request timeout may not be shorter than the headers timeout: each is tested with room for it.
  [
    'HTTP_HEADERS_TIMEOUT_SECONDS',
    1,
    300,
    (c) => c.http.headersTimeoutSeconds,
    { HTTP_REQUEST_TIMEOUT_SECONDS: '600' },
  ],
  ['HTTP_REQUEST_TIMEOUT_SECONDS', 1, 600, (c) => c.http.requestTimeoutSeconds, { HTTP_HEADERS_TIMEOUT_SECONDS: '1' }],
  ['HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', 1, 600, (c) => c.http.keepAliveTimeoutSeconds],
  ['MAX_CONNECTIONS', 1, 1_000_000, (c) => c.http.maxConnections],
  ['MAX_CONNECTIONS_PER_IP', 1, 100_000, (c) => c.http.maxConnectionsPerIp],
];
const OTHERS = [
  'HOST',
  'APP_ORIGIN',
  'SHOPIFY_CLIENT_SECRET',
  'SESSION_STORE',
  'SESSION_STORE_PREFIX',
  'LOG_LEVEL',
  'TRUST_PROXY',
  'EMULATOR_ADMIN_ORIGIN',
  'METRICS_BEARER_TOKEN',
];
const VARIABLES = [...REQUIRED, ...OTHERS, ...NUMBERS.map(([name]) => name)];
const SECRETS = ['SESSION_PASSWORD', 'SHOPIFY_CLIENT_SECRET', 'METRICS_BEARER_TOKEN'];

/** Values of every kind, valid or not, for any variable. */
const value = fc.oneof(
  fc.constantFrom('', ' ', '0', '1', '10', '60', '-1', '3.5', '1e3', '0x10', 'abc', 'true', 'false', 'silent', 'debug'),
  fc.integer({ min: -10, max: 2_000_000 }).map(String),
  fc.constantFrom('loopback', '10.0.0.0/8, loopback', '127.0.0.1', '0.0.0.0', '::1', 'example.com', 'bad host!'),
  fc.constantFrom('sqlite::memory:', 'sqlite:x.db', 'redis://localhost:6379', 'redis:', 'postgres://x', 'bff:', 'a b'),
  fc.constantFrom('https://shop.example.com', 'http://localhost:3001', 'http://127.0.0.1:9', 'http://evil.example'),
  fc.constantFrom('https://shop.example.com/path', 'https://x.example?q', 'ftp://x.example', 'localhost:3000', '//x'),
  fc.webUrl(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.string({ minLength: 32, maxLength: 50 }),
);
const env = fc
  .dictionary(fc.constantFrom(...VARIABLES), fc.option(value, { nil: undefined }), { maxKeys: 8 })
  .map((overrides): Env => ({ ...BASE, ...overrides }));
/** A secret no other generated value can contain. */
const secret = (minLength: number) => fc.stringMatching(new RegExp(`^SECRET-[A-Za-z0-9]{${minLength},40}$`));

describe('loadConfig', () => {
  itHolds('any environment: a config, or CONFIG naming a variable it was given or needs', 600, () =>
    fc.property(env, (given) => {
      const result = outcome(given);
      if ('config' in result) return;
      const named = /^([A-Z][A-Z0-9_]*[A-Z0-9])\b/.exec(result.message)?.[1];
      expect(VARIABLES).toContain(named);
      const relevant = [...REQUIRED, ...Object.keys(given).filter((name) => given[name] !== undefined)];
      expect(relevant.some((name) => result.message.includes(name))).toBe(true);
    }),
  );

  itHolds('no secret value ever appears in a CONFIG message', 500, () =>
    fc.property(
      env,
      fc.oneof(secret(1), secret(32)),
      fc.oneof(secret(1), fc.constant(undefined)),
      fc.oneof(secret(1), secret(16), fc.constant(undefined)),
      (given, password, clientSecret, metricsToken) => {
        const withSecrets: Env = {
          ...given,
          SESSION_PASSWORD: password,
          SHOPIFY_CLIENT_SECRET: clientSecret,
          METRICS_BEARER_TOKEN: metricsToken,
        };
        const result = outcome(withSecrets);
        if ('config' in result) return;
        for (const name of SECRETS) {
          const secretValue = withSecrets[name];
          if (secretValue !== undefined) expect(result.message).not.toContain(secretValue);
        }
        expect(result.message).not.toContain('SECRET-');
      },
    ),
  );

  itHolds('a config it returns is valid: origins, passwords, store, ranges', 1_000, () =>
    fc.property(env, (given) => {
      const result = outcome(given);
      if (!('config' in result)) return;
      const { config } = result;
      for (const origin of [config.appOrigin, config.storefrontOrigin, config.emulatorAdminOrigin]) {
        if (origin === null) continue;
        const url = new URL(origin);
        expect(url.origin).toBe(origin);
        expect(url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)).toBe(true);
      }
      expect(config.sessionPasswords.length).toBeGreaterThan(0);
      for (const password of config.sessionPasswords) {
        expect(password.length).toBeGreaterThanOrEqual(32);
        expect(password.trim()).toBe(password);
      }
      expect(new Set(config.sessionPasswords).size).toBe(config.sessionPasswords.length);
      expect(config.sessionStore).toMatch(/^(sqlite:.+|rediss?:\/\/.+)$/);
      expect(config.clientId).toBe(config.clientId.trim());
      expect(config.clientId).not.toBe('');
      for (const [, min, max, read] of NUMBERS) {
        const number = read(config);
        if (number === null) continue;
        expect(Number.isInteger(number) && number >= min && number <= max).toBe(true);
      }
      expect(config.http.requestTimeoutSeconds).toBeGreaterThanOrEqual(config.http.headersTimeoutSeconds);
    }),
  );

  itHolds('a whole number in range is read as itself; one outside is CONFIG naming the variable', 1_000, () =>
    fc.property(
      fc
        .constantFrom(...NUMBERS)
        .chain((entry) => fc.tuple(fc.constant(entry), fc.integer({ min: entry[1] - 1_000, max: entry[2] + 1_000 }))),
      ([[name, min, max, read, alongside], number]) => {
        const result = outcome({ ...BASE, ...alongside, [name]: String(number) });
        if (number >= min && number <= max) expect('config' in result && read(result.config)).toBe(number);
        else
          expect(result).toEqual({
            message: `${name} must be a whole number from ${min} to ${max}, got "${number}"`,
          });
      },
    ),
  );

  itHolds('a value that is blank or not a whole number is CONFIG naming the variable', 800, () =>
    fc.property(
      fc.constantFrom(...NUMBERS),
      fc.oneof(
        fc.stringMatching(/^\s+$/),
        fc.constantFrom('3.5', 'abc', 'NaN', 'Infinity', '1_000', '1,000', '--1'),
        fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }).map(String),
      ),
      ([name, min, max, , alongside], raw) => {
        expect(outcome({ ...BASE, ...alongside, [name]: raw })).toEqual({
          message: `${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
        });
      },
    ),
  );
});

describe('parseOrigin', () => {
  const name = fc.constantFrom('APP_ORIGIN', 'SHOPIFY_STOREFRONT_ORIGIN');

  itHolds('any text: a secure origin (https, or http on loopback), or CONFIG naming the variable', 1_500, () =>
    fc.property(
      name,
      fc.oneof(value, fc.webUrl({ validSchemes: ['http', 'https'] }), fc.webUrl({ withQueryParameters: true })),
      (variable, raw) => {
        let origin: string;
        try {
          origin = parseOrigin(variable, raw);
        } catch (error) {
          expect(isAppError(error, 'CONFIG') && error.message.startsWith(`${variable} `)).toBe(true);
          return;
        }
        const url = new URL(origin);
        expect(url.origin).toBe(origin);
        expect(url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)).toBe(true);
        expect(new URL(raw).origin).toBe(origin);
      },
    ),
  );

  itHolds('any https origin, with or without a trailing "/", is read as its origin', 800, () =>
    fc.property(
      name,
      fc.domain(),
      fc.option(fc.integer({ min: 1, max: 65535 })),
      fc.boolean(),
      (variable, host, port, slash) => {
        const raw = `https://${host}${port === null ? '' : `:${port}`}${slash ? '/' : ''}`;
        expect(parseOrigin(variable, raw)).toBe(new URL(raw).origin);
      },
    ),
  );
});
