/**
 * Properties of the JSON body boundary: any text is a plain object or an AppError BAD_REQUEST, and the
 * bounds check agrees with the depth and size of any value, however deep, without recursing.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { itHolds } from '../../tests/helpers/property.ts';
import { isAppError } from '../errors.ts';
import { parseJsonObject, withinJsonBounds } from './json-body.ts';

/** What `parse` returned, or the code of the AppError it threw (anything else is rethrown: a failure). */
function outcome(parse: () => Record<string, unknown>): { value: Record<string, unknown> } | { code: string } {
  try {
    return { value: parse() };
  } catch (error) {
    if (isAppError(error)) return { code: error.code };
    throw error;
  }
}

const jsonText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value, null, 2)),
  // Valid JSON cut short, or with text after it.
  fc
    .tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.string({ maxLength: 3 }))
    .map(([value, at, tail]) => JSON.stringify(value).slice(0, at % 40) + tail),
  fc.stringMatching(/^\s*$/),
);

describe('parseJsonObject', () => {
  itHolds('any text: a plain (non-array) object, or AppError BAD_REQUEST, never another throw', 1_500, () =>
    fc.property(jsonText, fc.boolean(), (text, emptyIsObject) => {
      const result = outcome(() => parseJsonObject(text, { emptyIsObject }));
      if ('code' in result) {
        expect(result.code).toBe('BAD_REQUEST');
        return;
      }
      expect(typeof result.value).toBe('object');
      expect(result.value).not.toBeNull();
      expect(Array.isArray(result.value)).toBe(false);
    }),
  );

  itHolds('accepts exactly the texts JSON.parse reads as an object (blank reads as {} when asked)', 1_500, () =>
    fc.property(jsonText, fc.boolean(), (text, emptyIsObject) => {
      let expected: unknown;
      if (emptyIsObject && text.trim() === '') expected = {};
      else {
        try {
          expected = JSON.parse(text);
        } catch {
          expected = undefined;
        }
      }
      const isObject = typeof expected === 'object' && expected !== null && !Array.isArray(expected);
      expect(outcome(() => parseJsonObject(text, { emptyIsObject }))).toEqual(
        isObject ? { value: expected } : { code: 'BAD_REQUEST' },
      );
    }),
  );

  itHolds('any JSON object survives stringify → parseJsonObject unchanged', 300, () =>
    fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (object) => {
      expect(parseJsonObject(JSON.stringify(object))).toEqual(JSON.parse(JSON.stringify(object)));
    }),
  );
});

/** Depth (the root is 0) and number of values, counted the obvious, recursive way. */
function measure(value: unknown, depth = 0): { depth: number; values: number } {
  if (typeof value !== 'object' || value === null) return { depth, values: 1 };
  let deepest = depth;
  let values = 1;
  for (const child of Object.values(value)) {
    const inner = measure(child, depth + 1);
    deepest = Math.max(deepest, inner.depth);
    values += inner.values;
  }
  return { depth: deepest, values };
}

/** `{ a: { a: … leaf } }` with `levels` objects around the leaf, built without recursion. */
function chain(levels: number, leaf: unknown = 1, asArray = false): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i += 1) value = asArray ? [value] : { a: value };
  return value;
}

describe('withinJsonBounds', () => {
  itHolds('agrees with a recursive count of depth and values, for any JSON and any bounds', 1_000, () =>
    fc.property(
      fc.jsonValue({ maxDepth: 6 }),
      fc.nat({ max: 8 }),
      fc.integer({ min: 1, max: 60 }),
      (value, maxDepth, maxValues) => {
        const { depth, values } = measure(value);
        expect(withinJsonBounds(value, { maxDepth, maxValues })).toBe(depth <= maxDepth && values <= maxValues);
      },
    ),
  );

  itHolds('the depth limit is exact for object and array chains, and 100,000 levels do not throw', 100, () =>
    fc.property(
      fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1_000, max: 100_000 })),
      fc.integer({ min: 0, max: 64 }),
      fc.boolean(),
      (levels, maxDepth, asArray) => {
        const value = chain(levels, 'leaf', asArray);
        expect(withinJsonBounds(value, { maxDepth, maxValues: 1_000_000 })).toBe(levels <= maxDepth);
      },
    ),
  );
});
