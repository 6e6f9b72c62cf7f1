/**
 * Properties of the bus-message guard: every message of the contract (`client/messages.ts`) passes,
 * also after the structured clone a BroadcastChannel makes; any one field broken and it is dropped;
 * arbitrary values never make it throw. The layout rules keep `tests/helpers/` out of `client/core/`,
 * so `fc.assert` runs directly with its `numRuns` in each test's name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../messages.ts';
import { isBusMessage } from './guard.ts';

const RUNS = 1_000;
const cases = `${RUNS.toLocaleString('en-US')} cases`;

const ms = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const sender = fc.record({
  kind: fc.constantFrom('sw' as const, 'page' as const),
  id: fc.string({ minLength: 1, maxLength: 64 }),
  label: fc.string({ maxLength: 200 }),
});
const envelope = { v: fc.constant(1 as const), from: sender, atMs: ms };
/** Every message type of the contract, with every field drawn from its whole valid range. */
const message: fc.Arbitrary<BusMessage> = fc.oneof(
  fc.record({ ...envelope, type: fc.constant('hello' as const) }),
  fc.record({ ...envelope, type: fc.constant('login' as const), customerId: fc.string({ minLength: 1 }) }),
  fc.record({
    ...envelope,
    type: fc.constant('logout' as const),
    reason: fc.constantFrom('reauth_required' as const, 'signed_out' as const),
  }),
  fc.record({ ...envelope, type: fc.constant('refreshing' as const) }),
  fc.record({ ...envelope, type: fc.constant('refreshed' as const), expiresAtMs: ms }),
  fc.record({ ...envelope, type: fc.constant('expiry' as const), expiresAtMs: fc.option(ms, { nil: null }) }),
  fc.record({
    ...envelope,
    type: fc.constant('refresh-failed' as const),
    error: fc.constantFrom('upstream_unavailable' as const, 'offline' as const, 'lock_timeout' as const),
  }),
);

const notMs = fc.oneof(
  fc.integer({ max: 0 }),
  fc.double({ noInteger: true }),
  fc.constantFrom(2 ** 53, Number.MAX_VALUE, Infinity, NaN, '1700000000000', null, undefined),
);
const anyOther = fc.anything({ maxDepth: 1 });
/** `message` with one field made invalid (`undefined` removes it). */
const broken = message.chain((valid) => {
  const field = (name: string, bad: fc.Arbitrary<unknown>) =>
    bad.map((value): [string, Record<string, unknown>] => {
      const copy: Record<string, unknown> = { ...valid, from: { ...valid.from } };
      if (value === undefined) delete copy[name];
      else copy[name] = value;
      return [name, copy];
    });
  const sent = (name: string, bad: fc.Arbitrary<unknown>) =>
    bad.map((value): [string, Record<string, unknown>] => [
      `from.${name}`,
      { ...valid, from: { ...valid.from, [name]: value } },
    ]);
  const options: Array<fc.Arbitrary<[string, Record<string, unknown>]>> = [
    field(
      'v',
      fc.oneof(
        fc.constantFrom(0, 2, '1', true, undefined),
        anyOther.filter((v) => v !== 1),
      ),
    ),
    field('type', fc.oneof(fc.constantFrom('Hello', 'logged-out', '', undefined), fc.string({ maxLength: 12 }))),
    field('atMs', notMs),
    field('from', fc.oneof(fc.constantFrom(null, 'sw', undefined), fc.array(anyOther))),
    sent('kind', fc.oneof(fc.constantFrom('SW', 'window', undefined), anyOther)),
    sent('id', fc.oneof(fc.constantFrom('', undefined), fc.string({ minLength: 65, maxLength: 80 }), fc.integer())),
    sent('label', fc.oneof(fc.string({ minLength: 201, maxLength: 220 }), fc.constantFrom(null, 42, undefined))),
  ];
  if (valid.type === 'login') options.push(field('customerId', fc.constantFrom('', 1, null, undefined)));
  if (valid.type === 'logout') options.push(field('reason', fc.constantFrom('timeout', '', null, undefined)));
  if (valid.type === 'refreshed') options.push(field('expiresAtMs', notMs));
  if (valid.type === 'expiry')
    options.push(
      field(
        'expiresAtMs',
        notMs.filter((v) => v !== null),
      ),
    );
  if (valid.type === 'refresh-failed') options.push(field('error', fc.constantFrom('csrf', '', null, undefined)));
  return fc.oneof(...options);
});

describe('isBusMessage', () => {
  it(`accepts every message of the contract, also after a structured clone (${cases})`, () => {
    fc.assert(
      fc.property(message, (valid) => {
        expect(isBusMessage(valid)).toBe(true);
        expect(isBusMessage(structuredClone(valid))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it(`drops a message with any one field missing or mistyped (${cases})`, () => {
    fc.assert(
      fc.property(broken, ([, invalid]) => {
        expect(isBusMessage(invalid)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it(`drops a message with a type the contract does not know, whatever else it holds (${cases})`, () => {
    const known = ['hello', 'login', 'logout', 'refreshing', 'refreshed', 'expiry', 'refresh-failed'];
    fc.assert(
      fc.property(
        message,
        fc.string().filter((type) => !known.includes(type)),
        (valid, type) => {
          expect(isBusMessage({ ...valid, type })).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`any value at all: a boolean, never a throw; true only for a v1 envelope (${cases})`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          message.map((m) => ({ ...m, extra: 1 })),
        ),
        (value) => {
          const accepted = isBusMessage(value);
          expect(typeof accepted).toBe('boolean');
          if (accepted) expect(value).toMatchObject({ v: 1, from: expect.any(Object), atMs: expect.any(Number) });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
