/**
 * The callback's query is untrusted input from anyone's address bar. Without a sign-in attempt started
 * by this browser, whatever the query and cookies hold, `GET /auth/callback` is a 400 error page that
 * offers "Sign in again", starts no session, and never asks Shopify anything. Driven in-process
 * (`app.request()`), with a Shopify that records every call and answers none.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { itHolds } from '../../tests/helpers/property.ts';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createCapturingDestination, createLogger } from '../observability/logger.ts';
import { createBff, type Bff } from '../server.ts';

let bff: Bff;
let app: ReturnType<typeof createApp>;
const shopifyCalls: string[] = [];

beforeAll(() => {
  const config = loadConfig({
    APP_ORIGIN: 'http://localhost:3000',
    SHOPIFY_STOREFRONT_ORIGIN: 'https://shop.example.com',
    SHOPIFY_CLIENT_ID: 'property-client',
    SESSION_PASSWORD: 'property-test-password-0123456789abcdef',
    SESSION_STORE: 'sqlite::memory:',
  });
  const fetchImpl = (async (input: RequestInfo | URL) => {
    shopifyCalls.push(input instanceof Request ? input.url : String(input));
    throw new TypeError('no network in this test');
  }) as typeof fetch;
  bff = createBff(config, { logger: createLogger({ destination: createCapturingDestination() }), fetchImpl });
  app = createApp(bff.deps);
});
afterAll(() => bff.close());

const text = (maxLength = 40) => fc.string({ unit: 'binary', maxLength });
const paramName = fc.oneof(
  fc.constantFrom('state', 'code', 'iss', 'error', 'error_description', 'returnTo', 'session_state'),
  text(8),
);
/** A query string: raw text, or parameters (repeated, empty, hostile) encoded or pasted as they are. */
const query = fc.oneof(
  text(120),
  fc.array(fc.tuple(paramName, text()), { maxLength: 6 }).map((pairs) => new URLSearchParams(pairs).toString()),
  fc.array(fc.tuple(paramName, text()), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((state) => `code=shcac_guessed&state=${state}`),
);
/** Cookies a hostile page or a stale browser could send: session and sign-in-attempt look-alikes. */
const cookieValueText = fc.string({ unit: fc.constantFrom(...'Fe26.2*~0123456789abcdefABCDEF-_'), maxLength: 300 });
const cookies = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('csess', 'csess_login'),
        fc.stringMatching(/^[0-9a-f]{16}$/).map((hash) => `csess_login_${hash}`),
      ),
      cookieValueText,
    ),
    { maxLength: 4 },
  )
  .map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('; '));

describe('GET /auth/callback without an attempt of this browser', () => {
  itHolds('any query and cookies: 400, an HTML "Sign in again" page, no session, no call to Shopify', 300, () =>
    fc.asyncProperty(query, cookies, async (search, cookie) => {
      shopifyCalls.length = 0;
      const response = await app.request(`/auth/callback?${search}`, { headers: cookie ? { cookie } : {} });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await response.text();
      expect(page).toContain('Sign in again');
      expect(page).toContain('href="/auth/login?returnTo=%2F"');
      // Set-Cookie may only clear a cookie (a used or bogus attempt), never set one.
      for (const line of response.headers.getSetCookie()) expect(line).toMatch(/^[^=]+=;|max-age=0/i);
      expect(shopifyCalls).toEqual([]);
    }),
  );
});
