/**
 * The callback of a real sign-in attempt, with its query tampered: the BFF in-process, the emulator
 * in-process as Shopify (the BFF's `fetchImpl` is the emulator's `app.request`), no socket. Only the
 * query Shopify sent, untouched (extra parameters aside), starts a session; every tampering is a 400
 * "Sign in again" page that leads back to where the attempt started, and starts nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/app.ts';
import { PUBLIC_CLIENT } from '../emulator/testkit.ts';
import { createApp } from '../server/app.ts';
import { loginUrlFor } from '../server/auth/return-to.ts';
import { loadConfig } from '../server/config.ts';
import { createCapturingDestination, createLogger } from '../server/observability/logger.ts';
import { createBff, type Bff } from '../server/server.ts';
import { itHolds } from './helpers/property.ts';

let emulator: Emulator;
let bff: Bff;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  emulator = await createEmulator({ clients: [PUBLIC_CLIENT] });
  const config = loadConfig({
    APP_ORIGIN: new URL(PUBLIC_CLIENT.redirectUris[0]!).origin,
    SHOPIFY_STOREFRONT_ORIGIN: emulator.origin,
    SHOPIFY_CLIENT_ID: PUBLIC_CLIENT.clientId,
    SESSION_PASSWORD: 'callback-property-password-0123456789abcdef',
    SESSION_STORE: 'sqlite::memory:',
    // Every run starts a sign-in from the same (socketless) client address.
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
  });
  const fetchImpl = ((input: RequestInfo | URL, init?: RequestInit) =>
    emulator.app.request(input instanceof URL ? input.href : input, init)) as typeof fetch;
  bff = createBff(config, { logger: createLogger({ destination: createCapturingDestination() }), fetchImpl });
  app = createApp(bff.deps);
});
afterAll(async () => {
  await bff.close();
  emulator.close();
});

/** A browser's cookie jar over `app.request()`. */
function browser() {
  const jar = new Map<string, string>();
  return async (path: string): Promise<Response> => {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await app.request(path, { headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      jar.set(name, pair.slice(name.length + 1));
    }
    return response;
  };
}

type Tamper = (query: URLSearchParams) => { query: URLSearchParams; intact: boolean; stateKept: boolean };
const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 });
const replaced = (name: string, value: string) => (query: URLSearchParams) => {
  const copy = new URLSearchParams(query);
  copy.set(name, query.get(name) === value ? `${value}x` : value);
  return copy;
};
const tamper: fc.Arbitrary<[string, Tamper]> = fc.oneof(
  fc
    .array(fc.tuple(fc.stringMatching(/^x_[a-z_]{1,10}$/), text), { minLength: 1, maxLength: 3 })
    .map((extra): [string, Tamper] => [
      `extra ${JSON.stringify(extra)}`,
      (query) => ({ query: new URLSearchParams([...query, ...extra]), intact: true, stateKept: true }),
    ]),
  text.map((code): [string, Tamper] => [
    `code → ${code}`,
    (query) => ({ query: replaced('code', code)(query), intact: false, stateKept: true }),
  ]),
  text.map((state): [string, Tamper] => [
    `state → ${state}`,
    (query) => ({ query: replaced('state', state)(query), intact: false, stateKept: false }),
  ]),
  text.map((error): [string, Tamper] => [
    `error=${error}`,
    (query) => ({ query: new URLSearchParams([...query, ['error', error]]), intact: false, stateKept: true }),
  ]),
  fc.constantFrom<[string, Tamper]>(
    [
      'no code',
      (query) => {
        const copy = new URLSearchParams(query);
        copy.delete('code');
        return { query: copy, intact: false, stateKept: true };
      },
    ],
    [
      'state twice',
      (query) => ({
        query: new URLSearchParams([...query, ['state', query.get('state')!]]),
        intact: false,
        stateKept: true,
      }),
    ],
  ),
);
const returnTo = fc
  .array(fc.stringMatching(/^[a-z0-9-]{1,8}$/), { maxLength: 3 })
  .map((segments) => `/${segments.join('/')}`);

describe('GET /auth/callback of a real attempt', () => {
  itHolds('untouched: a session and a 302 to returnTo; tampered: a 400 page back to the attempt, no session', 60, () =>
    fc.asyncProperty(returnTo, tamper, async (path, [, change]) => {
      const request = browser();
      const login = await request(`/auth/login?returnTo=${encodeURIComponent(path)}`);
      expect(login.status).toBe(302);
      const authorize = new URL(login.headers.get('location')!);
      authorize.searchParams.set('login_hint', 'alice@example.com');
      authorize.searchParams.set('login_hint_mode', 'submit');
      const signedIn = await emulator.app.request(authorize.href);
      expect(signedIn.status).toBe(302);
      const sent = new URL(signedIn.headers.get('location')!).searchParams;

      const { query, intact, stateKept } = change(sent);
      const callback = await request(`/auth/callback?${query}`);
      const sessionCookies = callback.headers.getSetCookie().filter((line) => /^csess=[^;]/.test(line));
      if (intact) {
        expect(callback.status).toBe(302);
        expect(callback.headers.get('location')).toBe(path);
        expect(sessionCookies).toHaveLength(1);
        return;
      }
      expect(callback.status).toBe(400);
      expect(callback.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await callback.text();
      expect(page).toContain('Sign in again');
      expect(page).toContain(`href="${loginUrlFor(stateKept ? path : '/')}"`);
      expect(sessionCookies).toEqual([]);
    }),
  );
});
