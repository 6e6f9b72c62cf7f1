/**
 * Properties of the core's network parsers (`X-Session-Expires-At`, `GET /auth/session`, the
 * `POST /auth/refresh` body): any input parses to values the decisions can use — finite numbers, typed
 * fields — or to `null`. JSON bodies are generated as text and read with `JSON.parse`, as `response.json()`
 * reads them, so `1e999` arrives as `Infinity` here too. The layout rules keep `tests/helpers/` out of
 * `client/core/`, so `fc.assert` runs directly with its `numRuns` in each test's name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExpiresAtHeader, parseRefreshBody, parseSessionView } from './policy.ts';

const RUNS = 1_000;
const cases = `${RUNS.toLocaleString('en-US')} cases`;

/** A JSON number as a server could write it, including ones that overflow to ±Infinity. */
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.nat({ max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('1e999', '-1e999', '0', '-0', '1.5', '1e21', '9007199254740993'),
);
const jsonText = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value));
/** `{"key": <value>, …}` as text, each value any JSON or a number written as above. */
const objectText = (keys: string[]) =>
  fc
    .dictionary(fc.constantFrom(...keys), fc.oneof(numberText, jsonText), { maxKeys: keys.length })
    .map((entries) => `{${Object.entries(entries).map(([key, value]) => `${JSON.stringify(key)}:${value}`)}}`);

describe('parseExpiresAtHeader', () => {
  it(`any header value: null, or a safe positive integer written in it (${cases})`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 24 }),
          numberText,
          fc.nat({ max: Number.MAX_SAFE_INTEGER }).map((n) => ` ${n}\t`),
          fc.constant(null),
        ),
        (header) => {
          const ms = parseExpiresAtHeader(header);
          if (ms === null) return;
          expect(Number.isSafeInteger(ms) && ms > 0).toBe(true);
          expect(String(ms)).toBe(header!.trim().replace(/^0+/, ''));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`every positive safe integer, padded with spaces or not, reads back as itself (${cases})`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom('', ' ', '  '), (ms, pad) => {
        expect(parseExpiresAtHeader(`${pad}${ms}${pad}`)).toBe(ms);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseSessionView', () => {
  const KEYS = ['authenticated', 'customer', 'expiresAt', 'graphqlApiUrl', 'refreshBufferSeconds', 'demo'];
  const body = fc.oneof(
    objectText(KEYS).map((text) => JSON.parse(text) as unknown),
    fc.tuple(fc.boolean(), objectText(['id', 'email']), objectText(KEYS)).map(([authenticated, customer, rest]) => ({
      ...(JSON.parse(rest) as object),
      authenticated,
      customer: JSON.parse(customer) as unknown,
    })),
    fc.jsonValue({ maxDepth: 2 }),
  );

  it(`any JSON: null, or a view whose every field is typed and every number finite (${cases})`, () => {
    fc.assert(
      fc.property(body, (input) => {
        const view = parseSessionView(input);
        const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
        expect(view === null).toBe(
          !isObject || typeof (input as { authenticated?: unknown }).authenticated !== 'boolean',
        );
        if (view === null) return;
        expect(typeof view.authenticated).toBe('boolean');
        if (view.customer !== null) {
          expect(typeof view.customer.id).toBe('string');
          expect(view.customer.email === null || typeof view.customer.email === 'string').toBe(true);
        }
        expect(view.expiresAt === null || Number.isFinite(view.expiresAt)).toBe(true);
        expect(typeof view.graphqlApiUrl).toBe('string');
        expect(Number.isFinite(view.refreshBufferSeconds) && view.refreshBufferSeconds >= 0).toBe(true);
        expect(typeof view.demo).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseRefreshBody', () => {
  it(`any JSON: null, or the finite positive expiry the body holds (${cases})`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          objectText(['expiresAt', 'expiresAtMs', 'error']).map((text) => JSON.parse(text) as unknown),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        (input) => {
          const expiresAt = parseRefreshBody(input);
          if (expiresAt === null) return;
          expect(Number.isFinite(expiresAt) && expiresAt > 0).toBe(true);
          expect(expiresAt).toBe((input as { expiresAt: number }).expiresAt);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
