/**
 * The token endpoint's body and headers are untrusted: whatever a client posts, the emulator answers
 * in Shopify's shapes — 403 HTML at the edge without a User-Agent, else 400/401 JSON with an OAuth
 * error code and no-store — never a 500, and never tokens for a guessed code or refresh token.
 * Driven in-process (`app.request()`).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { itHolds } from '../tests/helpers/property.ts';
import { createEmulator, type Emulator } from './app.ts';
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT } from './testkit.ts';

const FORM = 'application/x-www-form-urlencoded';
const ERRORS: Record<number, string[]> = {
  400: ['invalid_request', 'invalid_grant', 'unsupported_grant_type'],
  401: ['invalid_client', 'invalid_token'],
};

let emulator: Emulator;
let tokenUrl: string;
beforeAll(async () => {
  emulator = await createEmulator({ clients: [PUBLIC_CLIENT, CONFIDENTIAL_CLIENT] });
  tokenUrl = `${emulator.origin}/authentication/${emulator.shopId}/oauth/token`;
});
afterAll(() => emulator.close());

const text = (maxLength = 30) => fc.string({ unit: 'binary', maxLength });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const paramName = fc.oneof(
  fc.constantFrom('grant_type', 'client_id', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope'),
  text(10),
);
const paramValue = fc.oneof(
  fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', PUBLIC_CLIENT.clientId, ''),
  fc.constantFrom(CONFIDENTIAL_CLIENT.clientId, PUBLIC_CLIENT.redirectUris[0]!, 'shcac_guessed', 'shcrt_guessed'),
  fc.stringMatching(/^[A-Za-z0-9._~-]{43,128}$/),
  text(),
);
const body = fc.oneof(
  fc.array(fc.tuple(paramName, paramValue), { maxLength: 7 }).map((pairs) => new URLSearchParams(pairs).toString()),
  text(200),
);
/** Headers: each one absent, right for a registered client, or wrong. */
const headers = fc.record(
  {
    'content-type': fc.constantFrom(FORM, `${FORM}; charset=utf-8`, 'application/json', 'text/plain', ''),
    'user-agent': fc.oneof(fc.constant('property-tests'), fc.constantFrom('', '  ')),
    origin: fc.constantFrom(PUBLIC_CLIENT.javascriptOrigins[0]!, 'https://evil.example', 'null'),
    authorization: fc.oneof(
      fc.constant(basic(CONFIDENTIAL_CLIENT.clientId, CONFIDENTIAL_CLIENT.clientSecret!)),
      fc.tuple(text(12), text(12)).map(([id, secret]) => basic(id, secret)),
      fc.constantFrom('Basic', 'Basic !!!', 'Bearer shcat_x', basic(PUBLIC_CLIENT.clientId, '')),
      fc.base64String({ maxLength: 40 }).map((b64) => `Basic ${b64}`),
    ),
  },
  { requiredKeys: [] },
);

async function post(form: string, given: Record<string, string>): Promise<Response> {
  return emulator.app.request(tokenUrl, { method: 'POST', headers: given, body: form });
}

describe('POST /oauth/token', () => {
  itHolds('any body and headers: 403 HTML at the edge, or a 400/401 OAuth error as JSON, no-store', 600, () =>
    fc.asyncProperty(body, headers, async (form, given) => {
      const response = await post(form, given);
      if ((given['user-agent'] ?? '').trim() === '') {
        expect(response.status).toBe(403);
        expect(response.headers.get('content-type')).toMatch(/^text\/html/);
        return;
      }
      expect([400, 401]).toContain(response.status);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const answer = (await response.json()) as { error?: unknown };
      expect(ERRORS[response.status]).toContain(answer.error);
    }),
  );

  itHolds('a body that is not a form is invalid_request, whatever it holds', 300, () =>
    fc.asyncProperty(
      body,
      fc.constantFrom('application/json', 'text/plain', 'multipart/form-data'),
      async (form, type) => {
        const response = await post(form, { 'content-type': type, 'user-agent': 'property-tests' });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_request',
          error_description: 'Content-Type must be application/x-www-form-urlencoded',
        });
      },
    ),
  );

  itHolds('a repeated parameter is invalid_request naming the first one repeated, before any client check', 300, () =>
    fc.asyncProperty(
      fc.array(fc.tuple(paramName, paramValue), { maxLength: 4 }),
      paramName,
      paramValue,
      headers,
      async (pairs, repeated, value, given) => {
        const all: Array<[string, string]> = [[repeated, value], ...pairs, [repeated, value]];
        const first = all.find(([key], i) => all.slice(0, i).some(([earlier]) => earlier === key))![0];
        const response = await post(new URLSearchParams(all).toString(), {
          ...given,
          'content-type': FORM,
          'user-agent': 'property-tests',
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_request',
          error_description: `${first} given more than once`,
        });
      },
    ),
  );

  itHolds('a registered client with any guessed code or refresh token gets no tokens (400)', 300, () =>
    fc.asyncProperty(
      fc.constantFrom('authorization_code', 'refresh_token'),
      fc.oneof(fc.constantFrom('shcac_guessed', 'shcrt_guessed'), fc.stringMatching(/^sh(cac|crt)_[A-Za-z0-9_-]{43}$/)),
      fc.boolean(),
      async (grantType, guess, confidential) => {
        const params = new URLSearchParams({
          grant_type: grantType,
          [grantType === 'authorization_code' ? 'code' : 'refresh_token']: guess,
          redirect_uri: (confidential ? CONFIDENTIAL_CLIENT : PUBLIC_CLIENT).redirectUris[0]!,
          ...(confidential ? {} : { client_id: PUBLIC_CLIENT.clientId }),
        });
        const response = await post(params.toString(), {
          'content-type': FORM,
          'user-agent': 'property-tests',
          ...(confidential
            ? { authorization: basic(CONFIDENTIAL_CLIENT.clientId, CONFIDENTIAL_CLIENT.clientSecret!) }
            : { origin: PUBLIC_CLIENT.javascriptOrigins[0]! }),
        });
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
      },
    ),
  );
});
