/**
 * Properties of the SW's configuration, read from its own script URL (which a page could register
 * with anything): any query gives an http(s) URL or `null`, and a whole buffer of at most an hour or
 * the default. The layout rules keep `tests/helpers/` out of `sw/`, so `fc.assert` runs directly with
 * its `numRuns` in each test's name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSwConfig } from './config.ts';

const RUNS = 1_000;
const text = fc.string({ unit: 'binary', maxLength: 40 });
const api = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl({ validSchemes: ['ftp', 'javascript', 'data', 'blob', 'file'] }),
  fc.constantFrom('https://shopify.com/1/account/customer/api/2026-10/graphql', 'javascript:alert(1)', '/relative'),
  text,
);
const buffer = fc.oneof(
  fc.nat({ max: 5_000 }).map(String),
  fc.constantFrom('', ' 30', '30 ', '+30', '-1', '1e3', '0x10', '30.5', '٣٠', '00060', '9'.repeat(400)),
  text,
);
/** A script query: the two parameters (absent, repeated, or hostile) among others, in any order. */
const query = fc
  .array(
    fc.oneof(
      api.map((v) => ['api', v]),
      buffer.map((v) => ['buffer', v]),
      fc.tuple(text, text),
    ),
    {
      maxLength: 5,
    },
  )
  .map((pairs) => new URLSearchParams(pairs));

describe('parseSwConfig', () => {
  it(`any query: the first "api" if it is an http(s) URL, else null (${RUNS.toLocaleString('en-US')} cases)`, () => {
    fc.assert(
      fc.property(query, (search) => {
        const { graphqlApiUrl } = parseSwConfig(search);
        const given = search.get('api');
        let expected: string | null = null;
        if (given !== null && URL.canParse(given) && ['http:', 'https:'].includes(new URL(given).protocol))
          expected = new URL(given).href;
        expect(graphqlApiUrl?.href ?? null).toBe(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it(`any query: the first "buffer" if it is all digits and at most 3600, else 60 (${RUNS.toLocaleString('en-US')} cases)`, () => {
    fc.assert(
      fc.property(query, (search) => {
        const { bufferSeconds } = parseSwConfig(search);
        const given = search.get('buffer') ?? '';
        expect(bufferSeconds).toBe(/^[0-9]+$/.test(given) && Number(given) <= 3600 ? Number(given) : 60);
        expect(Number.isInteger(bufferSeconds) && bufferSeconds >= 0 && bufferSeconds <= 3600).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
