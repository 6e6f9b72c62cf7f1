// Authorization and end-session endpoints over HTTP: every bad input with its exact outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type StartedEmulator } from './server.ts';
import { admin, authorizeUrl, CONFIDENTIAL_CLIENT, login, pkcePair, PUBLIC_CLIENT, signIn } from './testkit.ts';

let emu: StartedEmulator;
let issuer: string;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, clients: [PUBLIC_CLIENT, CONFIDENTIAL_CLIENT] });
  issuer = `${emu.url}/authentication/${emu.shopId}`;
});
afterAll(() => emu.close());

const get = (url: URL | string, headers: Record<string, string> = {}) => fetch(url, { redirect: 'manual', headers });

/** The query of the redirect back to the client. */
async function redirectParams(res: Response): Promise<Record<string, string>> {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(PUBLIC_CLIENT.redirectUris[0]);
  return Object.fromEntries(location.searchParams);
}

describe('authorize: errors before the redirect URI is trusted render a 400 page', () => {
  it.each([
    ['unknown client', { client_id: 'nope' }],
    ['missing client_id', { client_id: null }],
    ['unregistered redirect_uri', { redirect_uri: 'http://localhost:3000/elsewhere' }],
    ['redirect_uri prefix of a registered one', { redirect_uri: 'http://localhost:3000/auth' }],
    ['missing redirect_uri', { redirect_uri: null }],
  ])('%s', async (_name, params) => {
    const res = await get(authorizeUrl(issuer, { email: 'alice@example.com', params }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('location')).toBeNull();
  });

  it('a repeated redirect_uri is not trusted either', async () => {
    const url = authorizeUrl(issuer, { email: 'alice@example.com' });
    url.searchParams.append('redirect_uri', 'https://evil.example/cb');
    expect((await get(url)).status).toBe(400);
  });
});

describe('authorize: other errors redirect back with error, error_description and state', () => {
  it.each([
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['missing response_type', { response_type: null }, 'invalid_request'],
    ['scope without customer-account-api:full', { scope: 'openid email' }, 'invalid_scope'],
    ['scope without openid', { scope: 'customer-account-api:full' }, 'invalid_scope'],
    ['unknown scope', { scope: 'openid customer-account-api:full admin' }, 'invalid_scope'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['PKCE method missing', { code_challenge_method: null }, 'invalid_request'],
    ['malformed challenge', { code_challenge: 'short' }, 'invalid_request'],
    ['public client without PKCE', { code_challenge: null, code_challenge_method: null }, 'invalid_request'],
    ['unknown prompt', { prompt: 'consent' }, 'invalid_request'],
    ['bad login_hint_mode', { login_hint_mode: 'auto' }, 'invalid_request'],
    ['unknown customer', { login_hint: 'mallory@example.com' }, 'access_denied'],
  ])('%s → %s', async (_name, params, error) => {
    const query = await redirectParams(await get(authorizeUrl(issuer, { email: 'alice@example.com', params })));
    expect(query).toEqual({ error, error_description: expect.any(String), state: 'state-123' });
  });

  it('missing state → invalid_request without a state', async () => {
    const query = await redirectParams(
      await get(authorizeUrl(issuer, { email: 'alice@example.com', params: { state: null } })),
    );
    expect(query).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('a repeated parameter → invalid_request', async () => {
    const url = authorizeUrl(issuer, { email: 'alice@example.com' });
    url.searchParams.append('scope', 'openid');
    expect((await redirectParams(await get(url))).error).toBe('invalid_request');
  });

  it('prompt=none without a session → login_required', async () => {
    const query = await redirectParams(await get(authorizeUrl(issuer, { params: { prompt: 'none' } })));
    expect(query).toEqual({ error: 'login_required', error_description: expect.any(String), state: 'state-123' });
  });

  it("prompt=none without a session, loginRequiredAs 'code' → the other shape: code=login_required", async () => {
    await admin(emu.url, '/config', 'POST', { loginRequiredAs: 'code' });
    const query = await redirectParams(await get(authorizeUrl(issuer, { params: { prompt: 'none' } })));
    expect(query).toEqual({ code: 'login_required', state: 'state-123' });
    await admin(emu.url, '/config', 'POST', { loginRequiredAs: 'error' });
  });
});

describe('authorize: signing in', () => {
  it('login_hint_mode=submit redirects straight back with a code and the state', async () => {
    const query = await redirectParams(await get(authorizeUrl(issuer, { email: 'bob@example.com', state: 's-1' })));
    expect(query).toEqual({ code: expect.stringMatching(/^shcac_[A-Za-z0-9_-]{43}$/), state: 's-1' });
  });

  it('a confidential client may skip PKCE', async () => {
    await expect(
      signIn(issuer, { client: CONFIDENTIAL_CLIENT, email: 'alice@example.com', challenge: null }),
    ).resolves.toMatch(/^shcac_/);
  });

  it('without a hint shows the one-click page listing the seeded customers; posting it signs in', async () => {
    const url = authorizeUrl(issuer, { state: 'page-state' });
    const page = await get(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('alice@example.com');
    expect(html).toContain('Bob Builder');

    const form = new URLSearchParams(url.searchParams);
    form.set('login_hint', 'alice@example.com');
    form.set('login_hint_mode', 'submit');
    const res = await fetch(url.origin + url.pathname, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect((await redirectParams(res)).state).toBe('page-state');
  });

  it('remembers the browser session: prompt=none then succeeds, prompt=login shows the page', async () => {
    const first = await get(authorizeUrl(issuer, { email: 'alice@example.com' }));
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^emulator_session_90000000001=/);

    const silent = await redirectParams(await get(authorizeUrl(issuer, { params: { prompt: 'none' } }), { cookie }));
    expect(silent.code).toMatch(/^shcac_/);
    const relogin = await get(authorizeUrl(issuer, { params: { prompt: 'login' } }), { cookie });
    expect(relogin.status).toBe(200);
  });
});

describe('end session', () => {
  const logoutUrl = (params: Record<string, string>) => {
    const url = new URL(`${issuer}/logout`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  };

  it('valid hint + registered logout URI → 302 with state; tokens stay valid; counted', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    const before = (await (await admin(emu.url, '/stats')).json()).endSession;
    const res = await get(
      logoutUrl({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://localhost:3000/', state: 'x y' }),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://localhost:3000/?state=x+y');
    expect((await (await admin(emu.url, '/stats')).json()).endSession).toBe(before + 1);
    expect((await (await admin(emu.url, '/customers/alice@example.com/grants')).json()).liveGrants).toBeGreaterThan(0);
  });

  it('valid hint without a post-logout URI → 200 page', async () => {
    const tokens = await login(issuer, 'bob@example.com');
    expect((await get(logoutUrl({ id_token_hint: tokens.id_token! }))).status).toBe(200);
  });

  it.each([
    ['missing hint', () => ({ post_logout_redirect_uri: 'http://localhost:3000/' })],
    [
      'forged hint',
      () => ({
        id_token_hint: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
        post_logout_redirect_uri: 'http://localhost:3000/',
      }),
    ],
  ])('%s → 400 page', async (_name, params) => {
    const res = await get(logoutUrl(params()));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('a logout URI of another client or none registered → 400 page', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    for (const uri of ['http://localhost:4000/signed-out', 'https://evil.example/']) {
      expect((await get(logoutUrl({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: uri }))).status).toBe(
        400,
      );
    }
  });

  it('a hint signed by another emulator (another key) → 400', async () => {
    const other = await startEmulator({ port: 0, clients: [PUBLIC_CLIENT] });
    try {
      const foreign = await login(`${other.url}/authentication/${other.shopId}`, 'alice@example.com');
      const res = await get(
        logoutUrl({ id_token_hint: foreign.id_token!, post_logout_redirect_uri: 'http://localhost:3000/' }),
      );
      expect(res.status).toBe(400);
    } finally {
      await other.close();
    }
  });
});

it('pkcePair makes an S256 pair of the right shape', () => {
  const { verifier, challenge } = pkcePair();
  expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
});
