// The token endpoint over HTTP with an injected clock: code and refresh grants, client authentication,
// the edge checks, every reuse mode, and every bad input with its exact status and error.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type StartedEmulator } from './server.ts';
import {
  admin,
  CONFIDENTIAL_CLIENT,
  graphql,
  login,
  pkcePair,
  postToken,
  PUBLIC_CLIENT,
  refresh,
  signIn,
  type TokenSet,
} from './testkit.ts';

let emu: StartedEmulator;
let issuer: string;
let tokenUrl: string;
let graphqlUrl: string;
let nowMs = Date.parse('2026-06-01T00:00:00Z');

beforeAll(async () => {
  emu = await startEmulator({ port: 0, clients: [PUBLIC_CLIENT, CONFIDENTIAL_CLIENT], now: () => nowMs });
  issuer = `${emu.url}/authentication/${emu.shopId}`;
  tokenUrl = `${issuer}/oauth/token`;
  graphqlUrl = `${emu.url}/${emu.shopId}/account/customer/api/unstable/graphql`;
});
beforeEach(async () => {
  expect((await admin(emu.url, '/reset', 'POST')).status).toBe(200);
});
afterAll(() => emu.close());

const advanceSeconds = (s: number) => {
  nowMs += s * 1000;
};
const setConfig = async (patch: Record<string, unknown>) =>
  expect((await admin(emu.url, '/config', 'POST', patch)).status).toBe(200);
const stats = async () => (await admin(emu.url, '/stats')).json();
const liveGrants = async (email = 'alice@example.com') =>
  (await (await admin(emu.url, `/customers/${email}/grants`)).json()).liveGrants as number;
const canQuery = async (accessToken: string) =>
  (await graphql(graphqlUrl, accessToken, '{ customer { id } }')).status === 200;

async function expectError(res: Response, status: number, error: string) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body.error).toBe(error);
  return body;
}

async function codeFor(client = PUBLIC_CLIENT) {
  const { verifier, challenge } = pkcePair();
  const code = await signIn(issuer, { client, email: 'alice@example.com', challenge });
  const body = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUris[0]!,
    code_verifier: verifier,
  };
  return { code, verifier, body };
}

describe('code grant', () => {
  it('answers the Shopify token shape with no-store', async () => {
    const { body } = await codeFor();
    const res = await postToken(tokenUrl, { body });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const tokens = await res.json();
    expect(tokens).toEqual({
      access_token: expect.stringMatching(/^shcat_/),
      refresh_token: expect.stringMatching(/^shcrt_/),
      id_token: expect.stringMatching(/^eyJ/),
      expires_in: 3600,
      token_type: 'Bearer',
    });
    const payload = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({
      iss: issuer,
      sub: 'gid://shopify/Customer/7000000001',
      aud: PUBLIC_CLIENT.clientId,
      nonce: 'nonce-123',
      email: 'alice@example.com',
      iat: nowMs / 1000,
    });
  });

  it('a reused code → invalid_grant and the tokens it produced are revoked', async () => {
    const { body } = await codeFor();
    const tokens = (await (await postToken(tokenUrl, { body })).json()) as TokenSet;
    expect(await canQuery(tokens.access_token)).toBe(true);
    await expectError(await postToken(tokenUrl, { body }), 400, 'invalid_grant');
    expect(await canQuery(tokens.access_token)).toBe(false);
    await expectError(await refresh(issuer, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('an expired code (60 s) → invalid_grant', async () => {
    const { body } = await codeFor();
    advanceSeconds(61);
    await expectError(await postToken(tokenUrl, { body }), 400, 'invalid_grant');
  });

  it.each([
    ['wrong verifier', { code_verifier: pkcePair().verifier }, 400, 'invalid_grant'],
    ['malformed verifier', { code_verifier: 'short' }, 400, 'invalid_grant'],
    ['missing verifier', { code_verifier: undefined }, 400, 'invalid_request'],
    ['mismatched redirect_uri', { redirect_uri: 'http://localhost:3000/other' }, 400, 'invalid_grant'],
    ['missing redirect_uri', { redirect_uri: undefined }, 400, 'invalid_request'],
    ['unknown code', { code: 'shcac_nope' }, 400, 'invalid_grant'],
    ['missing code', { code: undefined }, 400, 'invalid_request'],
    ['missing grant_type', { grant_type: undefined }, 400, 'invalid_request'],
    ['unsupported grant_type', { grant_type: 'password' }, 400, 'unsupported_grant_type'],
    [
      'advertised but unimplemented jwt-bearer',
      { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' },
      400,
      'unsupported_grant_type',
    ],
  ])('%s → %i %s', async (_name, override, status, error) => {
    const { body } = await codeFor();
    const merged = Object.fromEntries(
      Object.entries({ ...body, ...override }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    await expectError(await postToken(tokenUrl, { body: merged }), status, error);
  });

  it('a code of another client → invalid_grant', async () => {
    const { body } = await codeFor(CONFIDENTIAL_CLIENT);
    await expectError(
      await postToken(tokenUrl, { body: { ...body, redirect_uri: PUBLIC_CLIENT.redirectUris[0]! } }),
      400,
      'invalid_grant',
    );
  });

  it('a verifier for a code issued without PKCE → invalid_grant (downgrade)', async () => {
    const code = await signIn(issuer, { client: CONFIDENTIAL_CLIENT, email: 'alice@example.com', challenge: null });
    const body = { grant_type: 'authorization_code', code, redirect_uri: CONFIDENTIAL_CLIENT.redirectUris[0]! };
    await expectError(
      await postToken(tokenUrl, { client: CONFIDENTIAL_CLIENT, body: { ...body, code_verifier: pkcePair().verifier } }),
      400,
      'invalid_grant',
    );
  });
});

describe('request shape and client authentication', () => {
  const raw = (headers: Record<string, string>, body: string) => fetch(tokenUrl, { method: 'POST', headers, body });
  const publicHeaders = {
    'content-type': 'application/x-www-form-urlencoded',
    origin: 'http://localhost:3000',
    'user-agent': 't',
  };

  it('a JSON body → 400 invalid_request', async () => {
    await expectError(
      await raw({ ...publicHeaders, 'content-type': 'application/json' }, '{"grant_type":"refresh_token"}'),
      400,
      'invalid_request',
    );
  });

  it('a repeated parameter → 400 invalid_request', async () => {
    await expectError(
      await raw(
        publicHeaders,
        'client_id=test-public&grant_type=refresh_token&grant_type=refresh_token&refresh_token=x',
      ),
      400,
      'invalid_request',
    );
  });

  it('garbage form body → a clean 401 invalid_client, never a crash', async () => {
    await expectError(await raw(publicHeaders, '%%%&&&=\u0000'), 401, 'invalid_client');
  });

  it('missing refresh_token → 400 invalid_request', async () => {
    await expectError(await postToken(tokenUrl, { body: { grant_type: 'refresh_token' } }), 400, 'invalid_request');
  });

  it.each([
    ['unknown client_id', { client_id: 'nobody' }, {}],
    ['missing client_id', { client_id: '' }, {}],
    ['client_secret in the body', { client_secret: 'x' }, {}],
  ])('public: %s → 401 invalid_client', async (_name, body, headers) => {
    const res = await postToken(tokenUrl, {
      body: { grant_type: 'refresh_token', refresh_token: 'shcrt_x', ...body },
      headers,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_client' });
  });

  it.each([
    ['missing', undefined],
    ['unregistered', 'https://evil.example'],
  ])('public: %s Origin → 401 with invalid_token in WWW-Authenticate', async (_name, origin) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 't' };
    if (origin !== undefined) headers.origin = origin;
    const res = await raw(headers, 'client_id=test-public&grant_type=refresh_token&refresh_token=shcrt_x');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="/);
  });

  it.each([
    ['wrong secret', `Basic ${Buffer.from('test-confidential:wrong').toString('base64')}`],
    ['unknown client', `Basic ${Buffer.from('who:correct-horse-battery-staple').toString('base64')}`],
    ['public client via Basic', `Basic ${Buffer.from('test-public:anything').toString('base64')}`],
    ['not Basic', 'Bearer abc'],
    ['no colon', `Basic ${Buffer.from('test-confidential').toString('base64')}`],
  ])('confidential: %s → 401 invalid_client', async (_name, authorization) => {
    const res = await postToken(tokenUrl, {
      client: CONFIDENTIAL_CLIENT,
      body: { grant_type: 'refresh_token', refresh_token: 'shcrt_x' },
      headers: { authorization },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_client' });
  });

  it('confidential client without Basic auth → 401 invalid_client', async () => {
    const res = await raw(
      { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 't' },
      'client_id=test-confidential&grant_type=refresh_token&refresh_token=x',
    );
    await expectError(res, 401, 'invalid_client');
  });

  it('an empty User-Agent → 403 HTML, checked before anything else (but counted)', async () => {
    const res = await raw(
      { ...publicHeaders, 'user-agent': '' },
      'grant_type=refresh_token&refresh_token=x&client_id=test-public',
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect((await stats()).token.refresh_token).toBe(1);
  });

  it('a missing User-Agent → 403', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        tokenUrl,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end('grant_type=refresh_token');
    });
    expect(status).toBe(403);
  });
});

describe('refresh grant', () => {
  it('rotates: new pair, no id_token, old refresh token single-use (default revoke-family kills the grant)', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    const res = await refresh(issuer, tokens.refresh_token);
    expect(res.status).toBe(200);
    const next = await res.json();
    expect(next).toEqual({
      access_token: expect.stringMatching(/^shcat_/),
      refresh_token: expect.stringMatching(/^shcrt_/),
      expires_in: 3600,
      token_type: 'Bearer',
    });
    expect(await canQuery(tokens.access_token)).toBe(true); // the old access token lives until it expires
    expect(await liveGrants()).toBe(1);

    const reuse = await expectError(await refresh(issuer, tokens.refresh_token), 400, 'invalid_grant');
    expect(reuse.error_description).toEqual(expect.any(String));
    expect(await canQuery(next.access_token)).toBe(false);
    await expectError(await refresh(issuer, next.refresh_token), 400, 'invalid_grant');
    expect(await liveGrants()).toBe(0);
    expect((await stats()).refresh).toEqual({ succeeded: 1, failed: 2, reused: 1 });
  });

  it('reject: reuse → invalid_grant but the newest tokens keep working', async () => {
    await setConfig({ refreshTokenReuse: 'reject' });
    const tokens = await login(issuer, 'alice@example.com');
    const next = await (await refresh(issuer, tokens.refresh_token)).json();
    await expectError(await refresh(issuer, tokens.refresh_token), 400, 'invalid_grant');
    expect(await canQuery(next.access_token)).toBe(true);
    expect((await refresh(issuer, next.refresh_token)).status).toBe(200);
  });

  it('grace: the old token works for reuseGraceSeconds, then invalid_grant', async () => {
    await setConfig({ refreshTokenReuse: 'grace', reuseGraceSeconds: 10 });
    const tokens = await login(issuer, 'alice@example.com');
    const first = await (await refresh(issuer, tokens.refresh_token)).json();
    advanceSeconds(5);
    const res = await refresh(issuer, tokens.refresh_token);
    expect(res.status).toBe(200);
    const second = await res.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    advanceSeconds(6);
    await expectError(await refresh(issuer, tokens.refresh_token), 400, 'invalid_grant');
    expect(await canQuery(first.access_token)).toBe(true);
    expect((await stats()).refresh.reused).toBe(2);
  });

  it('refresh tokens expire after refreshTokenTtlSeconds; access tokens after accessTokenTtlSeconds', async () => {
    await setConfig({ refreshTokenTtlSeconds: 100, accessTokenTtlSeconds: 50 });
    const tokens = await login(issuer, 'alice@example.com');
    expect(tokens.expires_in).toBe(50);
    advanceSeconds(51);
    expect(await canQuery(tokens.access_token)).toBe(false);
    advanceSeconds(50);
    await expectError(await refresh(issuer, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('a refresh token of another client → invalid_grant', async () => {
    const tokens = await login(issuer, 'alice@example.com', CONFIDENTIAL_CLIENT);
    await expectError(await refresh(issuer, tokens.refresh_token, PUBLIC_CLIENT), 400, 'invalid_grant');
  });

  it('tokenLatencyMs makes concurrent refreshes overlap: exactly one wins', async () => {
    await setConfig({ tokenLatencyMs: 50, refreshTokenReuse: 'reject' });
    const tokens = await login(issuer, 'alice@example.com');
    const statuses = (await Promise.all([1, 2, 3].map(() => refresh(issuer, tokens.refresh_token)))).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([200, 400, 400]);
  });

  it('counts every token request by grant type', async () => {
    await login(issuer, 'alice@example.com');
    await refresh(issuer, 'shcrt_unknown');
    await postToken(tokenUrl, { body: { grant_type: 'password' } });
    expect((await stats()).token).toEqual({ authorization_code: 1, refresh_token: 1, other: 1 });
  });
});
