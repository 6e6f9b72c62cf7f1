/**
 * Properties of `safeReturnTo`, the open-redirect guard on `returnTo`: for any string at all, the
 * answer is a path on our own origin, and either `/` or exactly where the input itself led.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { itHolds } from '../../tests/helpers/property.ts';
import { loginUrlFor, safeReturnTo } from './return-to.ts';

const ORIGINS = ['http://localhost:3000', 'https://shop.example.com', 'https://shop.example.com:8443'];
const appOrigin = fc.constantFrom(...ORIGINS);

// The pieces open-redirect payloads are made of, joined at random (raw, and percent-encoded).
const PIECES = [
  '/',
  '//',
  '\\',
  '/\\',
  '\\/',
  '.',
  '..',
  './',
  '../',
  '/./',
  '/../',
  ':',
  '//:',
  'http:',
  'https:',
  'javascript:',
  'evil.example',
  '@',
  'user:pass@',
  '?',
  '#',
  '&',
  '=',
  '%',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '%2e',
  '%2e%2e',
  '%25',
  '%0a',
  '%09',
  '%00',
  '%E0%A4%A',
  '%ZZ',
  '\t',
  '\n',
  '\r',
  ' ',
  '\u0000',
  '\u007f',
  '\u00a0',
  '\u2028',
  '\ufeff',
  'é',
  '😀',
  '\ud800',
  'localhost:3000',
  'shop.example.com',
  'a',
  'account',
  'orders',
];
const hostile = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((parts) => parts.join(''));
const anyInput = fc.oneof(
  hostile,
  hostile.map((rest) => `/${rest}`),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }).map((rest) => `/${rest}`),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
);

describe('safeReturnTo', () => {
  itHolds('any input: a printable-ASCII path starting with exactly one "/", no "\\"', 1_500, () =>
    fc.property(anyInput, appOrigin, (raw, origin) => {
      const path = safeReturnTo(raw, origin);
      expect(path).toMatch(/^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/);
    }),
  );

  itHolds('any input: the path stays on whatever origin it is resolved against, even once decoded', 1_500, () =>
    fc.property(anyInput, appOrigin, (raw, origin) => {
      const path = safeReturnTo(raw, origin);
      for (const base of [...ORIGINS, 'https://elsewhere.example'])
        expect(new URL(path, base).origin).toBe(new URL(base).origin);
      // Decodable, and not protocol-relative once decoded (`/%2F%2Fevil` → `//evil`).
      expect(decodeURIComponent(path)).not.toMatch(/^\/[/\\]/);
    }),
  );

  itHolds('any input: "/" or the very place the input leads to on our origin', 1_500, () =>
    fc.property(anyInput, appOrigin, (raw, origin) => {
      const path = safeReturnTo(raw, origin);
      if (path === '/') return;
      // An empty "?" or "#" says nothing, and URL drops it from `search` and `hash`.
      const place = (url: URL) => url.origin + url.pathname + url.search + url.hash;
      expect(place(new URL(path, origin))).toBe(place(new URL(raw, origin)));
    }),
  );

  itHolds('its answer is a fixed point: checking it again changes nothing', 1_500, () =>
    fc.property(anyInput, appOrigin, (raw, origin) => {
      const path = safeReturnTo(raw, origin);
      expect(safeReturnTo(path, origin)).toBe(path);
    }),
  );

  itHolds('a plain same-origin path, query and fragment are kept as they are', 800, () => {
    const segment = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_~'), minLength: 1 });
    const word = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
      minLength: 1,
      maxLength: 8,
    });
    return fc.property(
      fc.array(segment, { maxLength: 5 }),
      fc.option(fc.array(fc.tuple(word, word), { minLength: 1, maxLength: 3 }), { nil: null }),
      fc.option(word, { nil: null }),
      appOrigin,
      (segments, query, fragment, origin) => {
        const path =
          `/${segments.join('/')}` +
          (query === null ? '' : `?${query.map(([k, v]) => `${k}=${v}`).join('&')}`) +
          (fragment === null ? '' : `#${fragment}`);
        expect(safeReturnTo(path, origin)).toBe(path);
      },
    );
  });
});

describe('loginUrlFor', () => {
  itHolds('the sign-in URL carries any checked returnTo back exactly, as its only parameter', 1_000, () =>
    fc.property(anyInput, appOrigin, (raw, origin) => {
      const returnTo = safeReturnTo(raw, origin);
      const url = new URL(loginUrlFor(returnTo), origin);
      expect(url.origin).toBe(origin);
      expect(url.pathname).toBe('/auth/login');
      expect([...url.searchParams]).toEqual([['returnTo', returnTo]]);
    }),
  );
});
