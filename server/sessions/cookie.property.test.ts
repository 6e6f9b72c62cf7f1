/**
 * Properties of the session cookie at the trust boundary: whatever a `Cookie` header holds, reading it
 * gives our sid only for a seal this server made, and `null` (never a throw) for everything else.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect } from 'vitest';
import { itHolds } from '../../tests/helpers/property.ts';
import { cookieValue, createSessionCookie, newSessionId, type SessionCookie } from './cookie.ts';
import { createSealer } from './seal.ts';
import { PASSWORD_A, PASSWORD_B } from './store.conformance.ts';

const NAME = 'csess';
const DAY_SECONDS = 86_400;

const cookieFor = (passwords: string[]): SessionCookie =>
  createSessionCookie({
    appOrigin: 'http://localhost:3000',
    sealer: createSealer(passwords),
    absoluteTimeoutSeconds: 30 * DAY_SECONDS,
  });

/** A genuine `{ sid }` seal, as `write` makes it. */
async function sealSid(passwords: string[], sid: string): Promise<string> {
  return createSealer(passwords).seal({ sid }, 30 * DAY_SECONDS);
}

// What a browser may put in a cookie value (RFC 6265 cookie-octet), and names that look like ours.
const COOKIE_OCTETS = "!#$%&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
const octet = fc.constantFrom(...COOKIE_OCTETS);
const cookieText = (minLength = 0, maxLength = 60) => fc.string({ unit: octet, minLength, maxLength });
const otherName = fc
  .oneof(
    fc.constantFrom('csess_login', 'xcsess', 'csess2', '__Host-csess', 'Csess', 'csess_login_0123456789abcdef'),
    fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_-'), minLength: 1, maxLength: 12 }),
  )
  .filter((name) => name !== NAME);
const otherPair = fc.tuple(otherName, cookieText()).map(([name, value]) => `${name}=${value}`);
const separator = fc.constantFrom('; ', ';', ';  ');

let sid: string;
let genuine: string;
let reader: SessionCookie;
beforeAll(async () => {
  sid = newSessionId();
  genuine = await sealSid([PASSWORD_A], sid);
  reader = cookieFor([PASSWORD_A]);
});

describe('cookieValue', () => {
  itHolds('finds our value among any other cookies, before or after it', 1_000, () =>
    fc.property(
      fc.array(otherPair, { maxLength: 6 }),
      cookieText(1).filter((value) => value.trim() === value),
      fc.array(otherPair, { maxLength: 6 }),
      separator,
      (before, value, after, sep) => {
        const header = [...before, `${NAME}=${value}`, ...after].join(sep);
        expect(cookieValue(header, NAME)).toBe(value);
      },
    ),
  );

  itHolds('the first non-empty value wins when the cookie is repeated', 1_000, () =>
    fc.property(
      fc.array(
        cookieText(1).filter((value) => value.trim() === value),
        { minLength: 2, maxLength: 4 },
      ),
      (values) => {
        const header = ['theme=dark', `${NAME}=`, ...values.map((value) => `${NAME}=${value}`)].join('; ');
        expect(cookieValue(header, NAME)).toBe(values[0]);
      },
    ),
  );

  itHolds('any header: null, or a non-empty value without ";" that follows "name=" in the header', 1_000, () =>
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc
          .array(fc.oneof(otherPair, cookieText(), fc.constant(`${NAME}=`), fc.constant(NAME)), { maxLength: 8 })
          .chain((parts) => separator.map((sep) => parts.join(sep))),
      ),
      (header) => {
        const value = cookieValue(header, NAME);
        if (value === null) return;
        expect(value.length).toBeGreaterThan(0);
        expect(value).not.toContain(';');
        expect(header).toContain(`${NAME}=${value}`);
      },
    ),
  );

  itHolds('a header without "name=" in it has no value', 800, () =>
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (header) => {
      fc.pre(!header.includes(`${NAME}=`));
      expect(cookieValue(header, NAME)).toBeNull();
    }),
  );
});

describe('session cookie readHeader', () => {
  itHolds('random, Fe26-shaped or other cookies are no session (null), never a throw', 1_000, () =>
    fc.asyncProperty(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        cookieText(0, 400).map((value) => `${NAME}=${value}`),
        fc
          .array(cookieText(0, 40), { minLength: 7, maxLength: 8 })
          .map((fields) => `${NAME}=Fe26.2*${fields.join('*')}~2`),
        fc.array(otherPair, { maxLength: 5 }).map((pairs) => pairs.join('; ')),
      ),
      async (header) => {
        expect(await reader.readHeader(header)).toBeNull();
      },
    ),
  );

  itHolds('a genuine seal with any one character of its sealed part changed is no session', 800, () =>
    fc.asyncProperty(fc.nat(), octet, async (at, replacement) => {
      // iron-session drops everything from the first "~" (its version suffix); the rest is MAC-covered.
      const sealedPart = genuine.indexOf('~');
      const index = at % sealedPart;
      fc.pre(genuine[index] !== replacement);
      const tampered = genuine.slice(0, index) + replacement + genuine.slice(index + 1);
      const read = await reader.readHeader(`${NAME}=${tampered}`);
      if (read === null) return;
      // The one change that may pass: the MAC's last base64url character, in its 2 unused bits. iron
      // compares the decoded MAC, and those bytes (and everything sealed) are the same.
      const mac = (seal: string) => seal.slice(0, sealedPart).split('*')[7]!;
      expect(index).toBe(sealedPart - 1);
      expect(Buffer.from(mac(tampered), 'base64url')).toEqual(Buffer.from(mac(genuine), 'base64url'));
      expect(read).toBe(sid);
    }),
  );

  itHolds('a genuine seal cut anywhere inside its sealed part is no session', 500, () =>
    fc.asyncProperty(fc.nat(), async (at) => {
      const truncated = genuine.slice(0, at % genuine.indexOf('~'));
      expect(await reader.readHeader(`${NAME}=${truncated}`)).toBeNull();
    }),
  );

  itHolds('a genuine seal reads as its sid among any other cookies; over 1,024 characters it is refused', 500, () =>
    fc.asyncProperty(
      fc.array(otherPair, { maxLength: 5 }),
      fc.array(otherPair, { maxLength: 5 }),
      fc.nat({ max: 1_200 - genuine.length }),
      async (before, after, padding) => {
        // Characters after iron-session's "~2" are ignored by it: only the length rule can refuse them.
        const value = genuine + 'x'.repeat(padding);
        const header = [...before, `${NAME}=${value}`, ...after].join('; ');
        expect(await reader.readHeader(header)).toBe(value.length <= 1_024 ? sid : null);
      },
    ),
  );

  itHolds('a seal made with a password the reader does not list is no session', 50, () =>
    fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9_-]{16,128}$/), async (otherSid) => {
      expect(await reader.readHeader(`${NAME}=${await sealSid([PASSWORD_B], otherSid)}`)).toBeNull();
      expect(await cookieFor([PASSWORD_B, PASSWORD_A]).readHeader(`${NAME}=${genuine}`)).toBe(sid);
    }),
  );

  itHolds('a genuine seal of anything but a well-formed { sid } is no session', 100, () =>
    fc.asyncProperty(
      fc.oneof(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        fc.record({ sid: fc.jsonValue({ maxDepth: 1 }) }),
        fc.record({ sid: fc.string({ unit: 'binary', maxLength: 200 }) }),
        fc.record({ sid: fc.stringMatching(/^[A-Za-z0-9_-]{12,140}$/) }),
      ),
      async (payload) => {
        const wellFormed = typeof payload['sid'] === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(payload['sid']);
        const sealed = await createSealer([PASSWORD_A]).seal(payload, 3_600);
        fc.pre(sealed.length <= 1_024);
        expect(await reader.readHeader(`${NAME}=${sealed}`)).toBe(wellFormed ? payload['sid'] : null);
      },
    ),
  );
});
