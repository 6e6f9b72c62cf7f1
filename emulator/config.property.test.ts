/**
 * Properties of the emulator's configuration parsers (options, `EMULATOR_CONFIG`, `EMULATOR_CLIENTS`,
 * `POST /__emulator/config`): any input gives typed values or a `ConfigError`, never another throw,
 * and a typo never silently leaves a default in place.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { itHolds } from '../tests/helpers/property.ts';
import {
  ConfigError,
  DEFAULT_CONFIG,
  configFromEnv,
  parseClients,
  parseConfigPatch,
  type ClientRegistration,
  type EmulatorConfig,
} from './config.ts';

function outcome<T>(parse: () => T): { value: T } | { error: string } {
  try {
    return { value: parse() };
  } catch (error) {
    if (error instanceof ConfigError) return { error: error.message };
    throw error;
  }
}

const KEYS = Object.keys(DEFAULT_CONFIG) as Array<keyof EmulatorConfig>;
const NUMERIC_KEYS = KEYS.filter((key) => key !== 'refreshTokenReuse');
const json = fc.jsonValue({ maxDepth: 2 });
/** Patches with real keys (good and bad values), near-miss keys and stray ones. */
const patch = fc.dictionary(
  fc.oneof(
    fc.constantFrom(...KEYS),
    fc.constantFrom('accessTokenTTLSeconds', 'refresh_token_reuse', '__proto__', 'constructor', 'toString', ''),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(
    fc.constantFrom('reject', 'revoke-family', 'grace', 'Reject', 'none'),
    fc.integer({ min: -10, max: 400_000_000 }),
    fc.double({ min: -1, max: 2_000_000 }),
    json,
  ),
  { maxKeys: 5 },
);

/** Whether `value` is acceptable for `key`, stated from the documented rules (EmulatorConfig). */
function acceptable(key: string, value: unknown): boolean {
  if (key === 'refreshTokenReuse') return value === 'reject' || value === 'revoke-family' || value === 'grace';
  const ranges: Record<string, [number, number]> = {
    accessTokenTtlSeconds: [1, 365 * 24 * 3600],
    refreshTokenTtlSeconds: [1, 10 * 365 * 24 * 3600],
    reuseGraceSeconds: [0, 24 * 3600],
    tokenLatencyMs: [0, 120_000],
    graphqlLatencyMs: [0, 120_000],
    graphqlBucketSize: [1, 1_000_000],
    graphqlRestoreRatePerSecond: [0.001, 1_000_000],
  };
  const range = Object.hasOwn(ranges, key) ? ranges[key] : undefined;
  if (range === undefined || typeof value !== 'number' || !Number.isFinite(value)) return false;
  const integer = key !== 'graphqlRestoreRatePerSecond';
  return (!integer || Number.isInteger(value)) && value >= range[0] && value <= range[1];
}

describe('parseConfigPatch', () => {
  itHolds('any JSON: a patch of exactly the acceptable entries, else ConfigError', 1_500, () =>
    fc.property(fc.oneof(patch, json), (input) => {
      const result = outcome(() => parseConfigPatch(input));
      const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
      const entries = isObject ? Object.entries(input) : [];
      const valid = isObject && entries.every(([key, value]) => acceptable(key, value));
      expect(result).toEqual(valid ? { value: Object.fromEntries(entries) } : { error: expect.any(String) });
    }),
  );

  itHolds('an unknown key is named in the error, whatever its value', 800, () =>
    fc.property(
      fc.string({ maxLength: 12 }).filter((key) => !KEYS.includes(key as keyof EmulatorConfig)),
      json,
      (key, value) => {
        // Object.fromEntries makes even "__proto__" an own key, as JSON.parse does.
        expect(outcome(() => parseConfigPatch(Object.fromEntries([[key, value]])))).toEqual({
          error: `unknown config key: ${key}`,
        });
      },
    ),
  );

  itHolds('a numeric setting out of its range, fractional or not a number is refused, naming it', 800, () =>
    fc.property(fc.constantFrom(...NUMERIC_KEYS), fc.oneof(json, fc.double()), (key, value) => {
      fc.pre(!acceptable(key, value));
      const result = outcome(() => parseConfigPatch({ [key]: value }));
      expect('error' in result && result.error.startsWith(`${key} must be`)).toBe(true);
    }),
  );
});

describe('configFromEnv', () => {
  itHolds('any text: {} when blank, the parsed patch, or a ConfigError that says EMULATOR_CONFIG', 1_000, () =>
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 60 }),
        patch.map((value) => JSON.stringify(value)),
        fc.stringMatching(/^\s*$/),
      ),
      (text) => {
        const result = outcome(() => configFromEnv(text));
        if (text.trim() === '') expect(result).toEqual({ value: {} });
        else if ('error' in result) expect(result.error).toMatch(/^EMULATOR_CONFIG/);
        else expect(result.value).toEqual(parseConfigPatch(JSON.parse(text)));
      },
    ),
  );
});

describe('parseClients', () => {
  const url = fc.webUrl({ validSchemes: ['http', 'https'] });
  const origin = fc.webUrl({ validSchemes: ['http', 'https'] }).map((u) => new URL(u).origin);
  const client = fc.oneof(
    fc.record({
      clientId: fc.string({ minLength: 1, maxLength: 12 }),
      type: fc.constant('public' as const),
      redirectUris: fc.array(url, { minLength: 1, maxLength: 3 }),
      javascriptOrigins: fc.array(origin, { maxLength: 2 }),
      logoutUris: fc.array(url, { maxLength: 2 }),
    }),
    fc.record({
      clientId: fc.string({ minLength: 1, maxLength: 12 }),
      type: fc.constant('confidential' as const),
      clientSecret: fc.string({ minLength: 8, maxLength: 20 }),
      redirectUris: fc.array(url, { minLength: 1, maxLength: 3 }),
      javascriptOrigins: fc.array(origin, { maxLength: 2 }),
      logoutUris: fc.array(url, { maxLength: 2 }),
    }),
  );
  /** One way to break a good registration, and a good one left as it is. */
  const broken = fc.constantFrom<Array<(c: ClientRegistration) => unknown>>(
    (c) => ({ ...c, clientId: '' }),
    (c) => ({ ...c, type: 'private' }),
    (c) => ({ ...c, redirectUris: [] }),
    (c) => ({ ...c, redirectUris: ['not a url'] }),
    (c) => ({ ...c, redirectUris: ['javascript:alert(1)'] }),
    (c) => ({ ...c, javascriptOrigins: ['https://shop.example.com/path'] }),
    (c) => ({ ...c, logoutUris: 'https://x.example/' }),
    (c) => (c.type === 'public' ? { ...c, clientSecret: 'a-secret-123' } : { ...c, clientSecret: 'short' }),
    (c) => [c],
    () => null,
  );

  itHolds('well-formed registrations with distinct ids pass as given', 300, () =>
    fc.property(fc.uniqueArray(client, { selector: (c) => c.clientId, maxLength: 4 }), (clients) => {
      expect(parseClients(JSON.parse(JSON.stringify(clients)))).toEqual(clients);
    }),
  );

  itHolds('one broken registration or a repeated id refuses the whole list with ConfigError', 800, () =>
    fc.property(
      fc.array(client, { minLength: 1, maxLength: 4 }),
      broken,
      fc.nat(),
      fc.boolean(),
      (clients, breakIt, at, repeat) => {
        const index = at % clients.length;
        const input: unknown[] = repeat
          ? [...clients, { ...clients[index]! }]
          : clients.map((c, i) => (i === index ? breakIt(c) : c));
        expect(outcome(() => parseClients(input))).toEqual({ error: expect.any(String) });
      },
    ),
  );

  itHolds('any JSON is a list of registrations or a ConfigError, never another throw', 1_000, () =>
    fc.property(fc.oneof(json, fc.array(fc.oneof(client, json, fc.anything({ maxDepth: 2 })))), (input) => {
      const result = outcome(() => parseClients(input));
      if ('value' in result) expect(Array.isArray(result.value)).toBe(true);
    }),
  );
});
