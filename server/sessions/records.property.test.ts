/**
 * Properties of the parsers that re-check an unsealed record: arbitrary JSON never throws, only
 * well-typed records pass, and what passes holds exactly the contract's fields and round-trips.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { itHolds } from '../../tests/helpers/property.ts';
import { openEnvelope, parsePendingLogin, parseSessionRecord } from './records.ts';
import type { PendingLogin, SessionRecord } from './types.ts';

const timestamp = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const sessionRecord: fc.Arbitrary<SessionRecord> = fc.record({
  accessToken: fc.string(),
  refreshToken: fc.string(),
  idToken: fc.string(),
  expiresAtMs: timestamp,
  customerId: fc.string(),
  email: fc.option(fc.string(), { nil: null }),
  version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  createdAtMs: timestamp,
  lastSeenAtMs: timestamp,
});
const pendingLogin: fc.Arbitrary<PendingLogin> = fc.record({
  codeVerifier: fc.string(),
  nonce: fc.string(),
  returnTo: fc.string(),
  createdAtMs: timestamp,
});

const SESSION_FIELDS = [
  'accessToken',
  'refreshToken',
  'idToken',
  'expiresAtMs',
  'customerId',
  'email',
  'version',
  'createdAtMs',
  'lastSeenAtMs',
];
const notString = fc.jsonValue({ maxDepth: 1 }).filter((value) => typeof value !== 'string');
/** JSON values (and absence) that are not a safe non-negative integer. */
const notTimestamp = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }).filter((value) => !(Number.isSafeInteger(value) && (value as number) >= 0)),
  fc.integer({ max: -1 }),
  fc.double({ min: 0.001, max: 1e9, noInteger: true }),
  fc.constantFrom(2 ** 53, 1e300, -0.5, undefined),
);
/** For each field, values it must never accept. `undefined` stands for a missing field. */
const WRONG: Record<string, fc.Arbitrary<unknown>> = {
  accessToken: fc.oneof(notString, fc.constant(undefined)),
  refreshToken: fc.oneof(notString, fc.constant(undefined)),
  idToken: fc.oneof(notString, fc.constant(undefined)),
  customerId: fc.oneof(notString, fc.constant(undefined)),
  email: fc.oneof(
    notString.filter((value) => value !== null),
    fc.constant(undefined),
  ),
  expiresAtMs: notTimestamp,
  createdAtMs: notTimestamp,
  lastSeenAtMs: notTimestamp,
  version: fc.oneof(notTimestamp, fc.constant(0)),
  codeVerifier: fc.oneof(notString, fc.constant(undefined)),
  nonce: fc.oneof(notString, fc.constant(undefined)),
  returnTo: fc.oneof(notString, fc.constant(undefined)),
};

/** `record` with `field` set to `value` (or removed, for `undefined`), as JSON would carry it. */
function withField(record: object, field: string, value: unknown): unknown {
  const copy: Record<string, unknown> = { ...record };
  if (value === undefined) delete copy[field];
  else copy[field] = value;
  return copy;
}

const untrusted = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ maxDepth: 2 }),
  sessionRecord.map((record) => ({ ...record })),
);

describe('parseSessionRecord', () => {
  itHolds('any value: null or a record of exactly the nine contract fields, never a throw', 1_000, () =>
    fc.property(untrusted, (value) => {
      const parsed = parseSessionRecord(value);
      if (parsed === null) return;
      expect(Object.keys(parsed).sort()).toEqual([...SESSION_FIELDS].sort());
      for (const field of ['accessToken', 'refreshToken', 'idToken', 'customerId'] as const)
        expect(typeof parsed[field]).toBe('string');
      expect(parsed.email === null || typeof parsed.email === 'string').toBe(true);
      for (const field of ['expiresAtMs', 'createdAtMs', 'lastSeenAtMs'] as const)
        expect(Number.isSafeInteger(parsed[field]) && parsed[field] >= 0).toBe(true);
      expect(Number.isSafeInteger(parsed.version) && parsed.version >= 1).toBe(true);
    }),
  );

  itHolds('a well-typed record with stray fields passes as exactly the record, and round-trips', 800, () =>
    fc.property(
      sessionRecord,
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
      (record, stray) => {
        const parsed = parseSessionRecord(JSON.parse(JSON.stringify({ ...stray, ...record })));
        expect(parsed).toEqual(record);
        expect(parseSessionRecord(JSON.parse(JSON.stringify(parsed)))).toEqual(record);
      },
    ),
  );

  itHolds('one missing or mistyped field, whichever, and the record is refused', 1_000, () =>
    fc.property(
      sessionRecord,
      fc.constantFrom(...SESSION_FIELDS).chain((field) => fc.tuple(fc.constant(field), WRONG[field]!)),
      (record, [field, wrong]) => {
        expect(parseSessionRecord(withField(record, field, wrong))).toBeNull();
      },
    ),
  );
});

describe('parsePendingLogin', () => {
  const FIELDS = ['codeVerifier', 'nonce', 'returnTo', 'createdAtMs'];

  itHolds('any value: null or exactly the four fields, typed', 1_000, () =>
    fc.property(
      fc.oneof(
        untrusted,
        pendingLogin.map((login) => ({ ...login })),
      ),
      (value) => {
        const parsed = parsePendingLogin(value);
        if (parsed === null) return;
        expect(Object.keys(parsed).sort()).toEqual([...FIELDS].sort());
        expect([parsed.codeVerifier, parsed.nonce, parsed.returnTo].every((v) => typeof v === 'string')).toBe(true);
        expect(Number.isSafeInteger(parsed.createdAtMs) && parsed.createdAtMs >= 0).toBe(true);
      },
    ),
  );

  itHolds('a well-typed pending login passes as exactly itself; one bad field refuses it', 800, () =>
    fc.property(
      pendingLogin,
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
      fc.constantFrom(...FIELDS).chain((field) => fc.tuple(fc.constant(field), WRONG[field]!)),
      (login, stray, [field, wrong]) => {
        expect(parsePendingLogin(JSON.parse(JSON.stringify({ ...stray, ...login })))).toEqual(login);
        expect(parsePendingLogin(withField(login, field, wrong))).toBeNull();
      },
    ),
  );
});

describe('openEnvelope', () => {
  itHolds('hands the value to parse only for a plain object whose key matches, else null', 1_000, () =>
    fc.property(
      fc.string({ maxLength: 8 }).chain((key) =>
        fc.tuple(
          fc.constant(key),
          fc.oneof(
            fc.anything({ maxDepth: 2 }),
            // Same key, a near miss, or a key of another type; and an array holding a real envelope.
            fc.record({
              key: fc.oneof(fc.constant(key), fc.string({ maxLength: 8 }), fc.jsonValue()),
              value: fc.jsonValue(),
            }),
            fc.record({ key: fc.constant(key), value: fc.jsonValue() }, { requiredKeys: ['key'] }),
            fc.jsonValue().map((value) => [{ key, value }]),
          ),
        ),
      ),
      fc.boolean(),
      ([key, raw], accept) => {
        const seen: unknown[] = [];
        const result = openEnvelope(raw, key, (value) => {
          seen.push(value);
          return accept ? { opened: value } : null;
        });
        const matches =
          typeof raw === 'object' && raw !== null && !Array.isArray(raw) && (raw as { key?: unknown }).key === key;
        const value = matches ? (raw as { value?: unknown }).value : undefined;
        expect(seen).toEqual(matches ? [value] : []);
        expect(result).toEqual(matches && accept ? { opened: value } : null);
      },
    ),
  );

  itHolds('an envelope made for one key never opens under another', 1_000, () =>
    fc.property(fc.string(), fc.string(), fc.jsonValue(), (key, otherKey, value) => {
      fc.pre(key !== otherKey);
      expect(openEnvelope({ key, value }, key, (v) => ({ v }))).toEqual({ v: value });
      expect(openEnvelope({ key, value }, otherKey, (v) => ({ v }))).toBeNull();
    }),
  );
});
