/**
 * Properties of the strict form parser every emulator endpoint reads its form bodies with: the content
 * type decides whether it is a form at all, every parameter is read as `URLSearchParams` reads it, and
 * the first repeated name is reported (RFC 6749 §3.2 forbids repeats).
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { itHolds } from '../tests/helpers/property.ts';
import { parseStrictForm } from './http.ts';

const FORM = 'application/x-www-form-urlencoded';
const text = fc.string({ unit: 'binary', maxLength: 20 });
const name = fc.oneof(fc.constantFrom('grant_type', 'code', 'client_id', 'refresh_token', ''), text);
const pairs = fc.array(fc.tuple(name, text), { maxLength: 8 });

describe('parseStrictForm', () => {
  itHolds(
    'a form: every parameter as URLSearchParams reads it, the last value kept, the first repeat named',
    1_500,
    () =>
      fc.property(
        pairs,
        fc.constantFrom(FORM, `${FORM}; charset=utf-8`, ' Application/X-WWW-Form-URLEncoded ;x'),
        (given, type) => {
          const form = parseStrictForm(type, new URLSearchParams(given).toString());
          expect(form).not.toBeNull();
          expect(form!.params).toEqual(new Map(given));
          const firstRepeat = given.find(([key], i) => given.slice(0, i).some(([earlier]) => earlier === key));
          expect(form!.duplicate).toBe(firstRepeat?.[0] ?? null);
        },
      ),
  );

  itHolds('any raw body: no throw, and the names are exactly those URLSearchParams finds', 1_500, () =>
    fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (body) => {
      const form = parseStrictForm(FORM, body);
      const keys = [...new URLSearchParams(body).keys()];
      expect([...form!.params.keys()].sort()).toEqual([...new Set(keys)].sort());
      expect(form!.duplicate === null).toBe(new Set(keys).size === keys.length);
    }),
  );

  itHolds('any other content type (or none) is not a form', 1_500, () =>
    fc.property(
      fc.oneof(
        fc.constantFrom(undefined, '', 'application/json', 'text/plain', 'multipart/form-data', `${FORM}x`, `x${FORM}`),
        fc.string({ maxLength: 40 }),
      ),
      pairs,
      (type, given) => {
        fc.pre((type ?? '').split(';')[0]!.trim().toLowerCase() !== FORM);
        expect(parseStrictForm(type, new URLSearchParams(given).toString())).toBeNull();
      },
    ),
  );
});
