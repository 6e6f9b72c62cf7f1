/**
 * Properties of the sealer: only its own seals open, they open to exactly the JSON that went in, and
 * `parse` (the caller's trust boundary) sees nothing else.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { itHolds } from '../../tests/helpers/property.ts';
import { createSealer } from './seal.ts';
import { PASSWORD_A, PASSWORD_B } from './store.conformance.ts';

const jsonObject = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
const jsonRoundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** A `parse` that records what it was handed. */
function recordingParse() {
  const seen: unknown[] = [];
  return {
    seen,
    parse: (value: unknown) => {
      seen.push(value);
      return value;
    },
  };
}

describe('createSealer().unseal', () => {
  itHolds('any string that is not one of its seals is null, and parse never runs', 800, () => {
    const sealer = createSealer([PASSWORD_A]);
    const field = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-_'), maxLength: 64 });
    return fc.asyncProperty(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.array(field, { minLength: 6, maxLength: 9 }).map((fields) => `Fe26.2*${fields.join('*')}`),
        fc.array(field, { minLength: 6, maxLength: 9 }).map((fields) => `Fe26.2*${fields.join('*')}~2`),
      ),
      async (text) => {
        const { seen, parse } = recordingParse();
        expect(await sealer.unseal(text, parse)).toBeNull();
        expect(seen).toEqual([]);
      },
    );
  });

  itHolds('any JSON object round-trips through a cold sealer that lists the password, and only that', 150, () =>
    fc.asyncProperty(jsonObject, fc.integer({ min: 0, max: 30 * 86_400 }), async (value, ttlSeconds) => {
      const sealed = await createSealer([PASSWORD_A]).seal(value, ttlSeconds);
      // Fresh sealers: nothing cached, so iron really unseals.
      const { seen, parse } = recordingParse();
      expect(await createSealer([PASSWORD_B, PASSWORD_A]).unseal(sealed, parse)).toEqual(jsonRoundTrip(value));
      expect(seen).toEqual([jsonRoundTrip(value)]);
      expect(await createSealer([PASSWORD_B]).unseal(sealed, parse)).toBeNull();
      expect(seen).toHaveLength(1);
    }),
  );

  itHolds("a read from the cache that seal() primes equals iron's own unsealing", 150, () => {
    const sealer = createSealer([PASSWORD_A]);
    return fc.asyncProperty(jsonObject, async (value) => {
      const sealed = await sealer.seal(value);
      const hitsBefore = sealer.cacheStats().hits;
      const cached = await sealer.unseal(sealed, (v) => v);
      expect(sealer.cacheStats().hits).toBe(hitsBefore + 1);
      expect(cached).toEqual(await createSealer([PASSWORD_A]).unseal(sealed, (v) => v));
    });
  });

  itHolds('what parse refuses is null, whatever was sealed', 200, () => {
    const sealer = createSealer([PASSWORD_A]);
    return fc.asyncProperty(jsonObject, async (value) => {
      expect(await sealer.unseal(await sealer.seal(value), () => null)).toBeNull();
    });
  });
});
