/**
 * `nestingDepth` guards graphql-js, whose parser recurses: a query deeper than it reports reaches the
 * parser and can overflow the stack. So it must count exactly the brackets GraphQL's lexer sees —
 * none inside comments (which end at any line terminator: \n, \r\n or a lone \r), strings or block
 * strings (where \""" is an escaped quote, not the end) — and the endpoint built on it must answer
 * every query text without a 500. The endpoint is driven in-process (`app.request()`).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { itHolds } from '../tests/helpers/property.ts';
import { createEmulator, type Emulator } from './app.ts';
import { nestingDepth } from './graphql.ts';
import { authorizeUrl, pkcePair, PUBLIC_CLIENT } from './testkit.ts';

const OPEN = ['{', '(', '['] as const;
const CLOSE = { '{': '}', '(': ')', '[': ']' } as const;

/** `units` joined with a letter between and around them, so no two units fuse into a new token. */
const spaced = (units: fc.Arbitrary<string>) =>
  fc.array(units, { maxLength: 6 }).map((parts) => `x${parts.join('x')}x`);
const bracketsAndHashes = fc.constantFrom('{', '}', '(', ')', '[', ']', '#', ' ', '{{{', ']]');
/** Comments, strings and block strings: text GraphQL's lexer skips, full of brackets it must not count. */
const comment = fc
  .tuple(spaced(fc.oneof(bracketsAndHashes, fc.constantFrom('"', '"""', '\\'))), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([text, end]) => `#${text}${end}`);
const string = fc.oneof(
  spaced(fc.oneof(bracketsAndHashes, fc.constantFrom('\\"', '\\\\', '\\u007B', '\\"\\"\\"'))).map(
    (text) => `"${text}"`,
  ),
  spaced(fc.oneof(bracketsAndHashes, fc.constantFrom('"', '""', '\\"""', '\\', '\n', '\r', '\r\n'))).map(
    (text) => `"""${text}"""`,
  ),
);
const ignored = fc.oneof(comment, string, fc.constantFrom(' ', ',', '\n', '\r', '\t', 'a', 'b: c'));
const noise = fc.array(ignored, { maxLength: 3 }).map((parts) => parts.join(' '));

/** A bracket structure `depth` levels deep, with ignored text and shallower siblings between tokens. */
const nested = fc
  .array(fc.tuple(fc.constantFrom(...OPEN), noise, noise, fc.boolean()), { minLength: 0, maxLength: 40 })
  .map((levels) => {
    let inner = '';
    for (const [open, before, after, sibling] of levels.reverse()) {
      // A sibling one level deep, beside a chain at least as deep (never at the innermost level).
      const shallow = sibling && inner !== '' ? ` b { c } ` : '';
      inner = `${before}${open}${shallow}${inner}${after}${CLOSE[open]}`;
    }
    return { text: inner, depth: levels.length };
  });

describe('nestingDepth', () => {
  itHolds('equals the depth of any bracket structure, whatever comments and strings hide', 1_500, () =>
    fc.property(nested, noise, ({ text, depth }, prefix) => {
      expect(nestingDepth(`${prefix} ${text}`)).toBe(depth);
    }),
  );

  itHolds('any string: a whole number from 0 to the count of opening brackets, never a throw', 1_500, () =>
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.array(fc.oneof(ignored, bracketsAndHashes), { maxLength: 30 }).map((parts) => parts.join('')),
      ),
      (text) => {
        const depth = nestingDepth(text);
        expect(Number.isInteger(depth)).toBe(true);
        expect(depth).toBeGreaterThanOrEqual(0);
        expect(depth).toBeLessThanOrEqual([...text].filter((ch) => '{(['.includes(ch)).length);
      },
    ),
  );
});

let emulator: Emulator;
let accessToken: string;
beforeAll(async () => {
  emulator = await createEmulator({ clients: [PUBLIC_CLIENT] });
  const issuer = `${emulator.origin}/authentication/${emulator.shopId}`;
  const { verifier, challenge } = pkcePair();
  const authorize = await emulator.app.request(authorizeUrl(issuer, { email: 'alice@example.com', challenge }).href);
  const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!;
  const token = await emulator.app.request(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'property-tests',
      origin: PUBLIC_CLIENT.javascriptOrigins[0]!,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: PUBLIC_CLIENT.clientId,
      code,
      redirect_uri: PUBLIC_CLIENT.redirectUris[0]!,
      code_verifier: verifier,
    }).toString(),
  });
  accessToken = ((await token.json()) as { access_token: string }).access_token;
});
afterAll(() => emulator.close());

describe('POST …/graphql', () => {
  itHolds('any nesting behind comments and strings: MAX_DEPTH_EXCEEDED past 64 levels, never a 500', 300, () =>
    fc.asyncProperty(
      fc.array(comment, { maxLength: 3 }),
      string,
      fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1_000, max: 30_000 })),
      async (comments, argument, depth) => {
        // Valid GraphQL whose deepest point is `depth` levels (the argument's "(" adds one at level 1 only).
        const query = `${comments.join('')}{f(x: ${argument}) ${'a{'.repeat(depth - 1)}a${'}'.repeat(depth)}`;
        const response = await emulator.app.request(
          `${emulator.origin}/${emulator.shopId}/account/customer/api/2026-10/graphql`,
          {
            method: 'POST',
            headers: { authorization: accessToken, 'content-type': 'application/json' },
            body: JSON.stringify({ query }),
          },
        );
        expect(response.status).toBe(200);
        const { errors } = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
        const tooDeep = errors?.some((error) => error.extensions?.code === 'MAX_DEPTH_EXCEEDED') ?? false;
        expect(tooDeep).toBe(depth > 64);
      },
    ),
  );
});
