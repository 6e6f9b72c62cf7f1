/**
 * The BFF's HTTP edge in-process: `createBff(config).app` driven with `app.request()`, no socket. The store is
 * SQLite in memory, the refresh grant is scripted, the GraphQL upstream is a fake, and Shopify's
 * discovery, token endpoint and JWKS are canned answers served through `fetchImpl` (jose's JWKS fetch
 * included). Every route's error statuses are here; the same flows over real HTTP against the emulator
 * live in `tests/`.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { loadConfig, type BffConfig } from './config.ts';
import { createCapturingDestination, createLogger } from './observability/logger.ts';
import { demoRoutes } from './demo/routes.ts';
import { createBff, type Bff } from './server.ts';
import type { UpstreamAnswer } from './shopify/graphql.ts';
import type { RefreshResult } from './tokens/types.ts';

const ISSUER = 'https://shopify.com/authentication/123';
const STOREFRONT = 'https://shop.example.com';
const APP = 'http://localhost:3000';
const CLIENT_ID = 'edge-client';
const PASSWORD = 'edge-test-password-0123456789abcdef-xyz';

let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let jwk: Record<string, unknown>;
beforeAll(async () => {
  keys = await generateKeyPair('RS256');
  jwk = { ...(await exportJWK(keys.publicKey)), kid: 'edge', alg: 'RS256', use: 'sig' };
});

/** Shopify's documents and token endpoint, canned; `tokenStatus` breaks the code exchange on demand. */
function cannedShopify() {
  const state = { nonce: '', tokenStatus: 200, discoveryUp: true, calls: [] as string[] };
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetchImpl = (async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    state.calls.push(url.pathname);
    if (!state.discoveryUp && url.origin === STOREFRONT) return new Response('<html>not here</html>', { status: 404 });
    switch (`${url.origin}${url.pathname}`) {
      case `${STOREFRONT}/.well-known/openid-configuration`:
        return json({
          issuer: ISSUER,
          authorization_endpoint: `${ISSUER}/oauth/authorize`,
          token_endpoint: `${ISSUER}/oauth/token`,
          end_session_endpoint: `${ISSUER}/logout`,
          jwks_uri: `${ISSUER}/.well-known/jwks.json`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      case `${STOREFRONT}/.well-known/customer-account-api`:
        return json({ graphql_api: 'https://shopify.com/123/account/customer/api/2026-10/graphql' });
      case `${ISSUER}/.well-known/jwks.json`:
        return json({ keys: [jwk] });
      case `${ISSUER}/oauth/token`: {
        if (state.tokenStatus !== 200) return json({ error: 'server_error' }, state.tokenStatus);
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({ nonce: state.nonce, email: 'alice@example.com' })
          .setProtectedHeader({ alg: 'RS256', kid: 'edge' })
          .setIssuer(ISSUER)
          .setAudience(CLIENT_ID)
          .setSubject('gid://shopify/Customer/1')
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(keys.privateKey);
        return json({
          access_token: 'shcat_signed-in',
          refresh_token: 'shcrt_signed-in',
          id_token: idToken,
          expires_in: 3600,
          token_type: 'Bearer',
        });
      }
    }
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { state, fetchImpl };
}

interface Edge {
  app: ReturnType<typeof createApp>;
  bff: Bff;
  shopify: ReturnType<typeof cannedShopify>;
  grants: RefreshResult[];
  upstream: Array<UpstreamAnswer | Error>;
  upstreamTokens: string[];
  logs: ReturnType<typeof createCapturingDestination>;
  /** The cookies the "browser" holds, sent with every `request`. */
  cookies: Map<string, string>;
  request(path: string, init?: RequestInit): Promise<Response>;
  signIn(): Promise<void>;
}

const edges: Edge[] = [];
afterEach(async () => {
  for (const edge of edges.splice(0)) await edge.bff.close();
});

function edge(env: Record<string, string> = {}): Edge {
  const config: BffConfig = loadConfig({
    APP_ORIGIN: APP,
    SHOPIFY_STOREFRONT_ORIGIN: STOREFRONT,
    SHOPIFY_CLIENT_ID: CLIENT_ID,
    SESSION_PASSWORD: PASSWORD,
    SESSION_STORE: 'sqlite::memory:',
    ...env,
  });
  const shopify = cannedShopify();
  const grants: RefreshResult[] = [];
  const upstream: Array<UpstreamAnswer | Error> = [];
  const upstreamTokens: string[] = [];
  const logs = createCapturingDestination();
  const bff = createBff(config, {
    logger: createLogger({ destination: logs, level: 'debug' }),
    demoRoutes,
    fetchImpl: shopify.fetchImpl,
    tokenManager: {
      refreshGrant: async () =>
        grants.shift() ?? { kind: 'transient', status: 503, errorCode: null, retryAfterSeconds: null },
      sleep: async () => {},
      cooldownMs: 0,
    },
    upstream: {
      async call(_url, accessToken) {
        upstreamTokens.push(accessToken);
        const next = upstream.shift() ?? {
          status: 200,
          contentType: 'application/json',
          body: '{"data":{}}',
          retryAfter: null,
        };
        if (next instanceof Error) throw next;
        return next;
      },
      async close() {},
    },
  });
  const app = bff.app;
  const cookies = new Map<string, string>();
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await app.request(path, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (/max-age=0/i.test(line) || value.join('=') === '') cookies.delete(name!.trim());
      else cookies.set(name!.trim(), value.join('='));
    }
    return response;
  };
  const created: Edge = {
    app,
    bff,
    shopify,
    grants,
    upstream,
    upstreamTokens,
    logs,
    cookies,
    request,
    async signIn() {
      const login = await request('/auth/login?returnTo=/account');
      const authorize = new URL(login.headers.get('location')!);
      shopify.state.nonce = authorize.searchParams.get('nonce')!;
      const callback = await request(`/auth/callback?code=shcac_canned&state=${authorize.searchParams.get('state')}`);
      expect(callback.status).toBe(302);
    },
  };
  edges.push(created);
  return created;
}

const csrf = { 'x-csrf': '1', 'content-type': 'application/json' };
const query = JSON.stringify({ query: '{ customer { id } }' });
/** The demo's own control (mounted when EMULATOR_ADMIN_ORIGIN is set): the expiry moves inside the buffer. */
const expireSoon = async (e: Edge) => {
  const response = await e.request('/demo/expire-soon', { method: 'POST', headers: { 'x-csrf': '1' } });
  expect(response.status).toBe(200);
};

describe('the demo controls', () => {
  it('are passed in, never built in: EMULATOR_ADMIN_ORIGIN without them is a CONFIG error', () => {
    const config = loadConfig({
      APP_ORIGIN: APP,
      SHOPIFY_STOREFRONT_ORIGIN: STOREFRONT,
      SHOPIFY_CLIENT_ID: CLIENT_ID,
      SESSION_PASSWORD: PASSWORD,
      SESSION_STORE: 'sqlite::memory:',
      EMULATOR_ADMIN_ORIGIN: 'http://localhost:3001',
    });
    expect(() => createBff(config, { logger: createLogger({ level: 'silent' }) })).toThrow(
      'EMULATOR_ADMIN_ORIGIN is set, but this server has no demo controls (npm start has them)',
    );
  });
});

describe('health and metrics', () => {
  it('/healthz 200; /readyz 200, or 503 naming Shopify when discovery is not Shopify-shaped', async () => {
    const e = edge();
    expect(await (await e.request('/healthz')).json()).toEqual({ ok: true });
    const ready = await e.request('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');

    const down = edge();
    down.shopify.state.discoveryUp = false;
    const notReady = await down.request('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      ready: false,
      checks: { store: 'ok', shopify: 'invalid', shutdown: 'ok' },
    });
  });

  it('/metrics: 200 open, 401 with WWW-Authenticate when a bearer token is set and missing', async () => {
    expect((await edge().request('/metrics')).status).toBe(200);
    const guarded = edge({ METRICS_BEARER_TOKEN: 'metrics-token-0123456789' });
    const refused = await guarded.request('/metrics');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(await refused.json()).toEqual({ error: 'unauthorized' });
    const allowed = await guarded.request('/metrics', {
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(allowed.status).toBe(200);
  });

  it('an unknown route is 404 not_found, with the security headers', async () => {
    const response = await edge().request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found' });
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('sign-in', () => {
  it('login redirects to the discovered authorize endpoint with PKCE, state and nonce; callback starts a session', async () => {
    const e = edge();
    const login = await e.request('/auth/login?returnTo=/account&login_hint=alice@example.com');
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${ISSUER}/oauth/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('login_hint')).toBe('alice@example.com');
    // The attempt lives in this browser's cookie, named after its state: nothing is stored server-side.
    expect([...e.cookies.keys()].filter((name) => name.startsWith('csess_login_'))).toHaveLength(1);

    e.shopify.state.nonce = authorize.searchParams.get('nonce')!;
    const callback = await e.request(`/auth/callback?code=shcac_canned&state=${authorize.searchParams.get('state')}`);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/account');
    expect(e.cookies.has('csess')).toBe(true);
    // The id_token's signature was checked against keys jose fetched through fetchImpl.
    expect(e.shopify.state.calls).toContain('/authentication/123/.well-known/jwks.json');
    const session = await (await e.request('/auth/session')).json();
    expect(session).toMatchObject({
      authenticated: true,
      customer: { id: 'gid://shopify/Customer/1', email: 'alice@example.com' },
    });
  });

  it('callback: an unknown state is 400 "expired", a token endpoint outage is 502, a wrong nonce is an id_token failure', async () => {
    const e = edge();
    const unknown = await e.request('/auth/callback?code=x&state=never-issued');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('This sign-in link has expired or was already used');

    const login = await e.request('/auth/login?returnTo=/orders');
    const authorize = new URL(login.headers.get('location')!);
    e.shopify.state.tokenStatus = 503;
    const outage = await e.request(`/auth/callback?code=c&state=${authorize.searchParams.get('state')}`);
    expect(outage.status).toBe(502);
    // "Sign in again" leads back to where the attempt started.
    expect(await outage.text()).toContain('href="/auth/login?returnTo=%2Forders"');

    e.shopify.state.tokenStatus = 200;
    const again = new URL((await e.request('/auth/login')).headers.get('location')!);
    e.shopify.state.nonce = 'not-the-nonce-we-sent';
    const wrongNonce = await e.request(`/auth/callback?code=c&state=${again.searchParams.get('state')}`);
    expect(wrongNonce.status).toBe(400);
    expect(await wrongNonce.text()).toContain('The ID token did not pass its checks');
    const failures = e.logs.events().filter((line) => line.event === 'auth.login.failed');
    expect(failures.map((line) => line.reason)).toEqual(['unknown_state', 'token_endpoint', 'id_token']);
  });

  it('callback: a valid state without a code is a bad callback (400), not a Shopify outage', async () => {
    const e = edge();
    const authorize = new URL((await e.request('/auth/login')).headers.get('location')!);
    const response = await e.request(`/auth/callback?state=${authorize.searchParams.get('state')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('The sign-in callback was not valid');
    expect(
      e.logs
        .events()
        .filter((line) => line.event === 'auth.login.failed')
        .map((line) => line.reason),
    ).toEqual(['bad_callback']);
    expect(e.shopify.state.calls).not.toContain('/authentication/123/oauth/token');
  });

  it('a Shopify origin that serves no discovery: the sign-in page says Shopify is not answering (503, Retry-After)', async () => {
    const e = edge();
    e.shopify.state.discoveryUp = false;
    const login = await e.request('/auth/login', { headers: { accept: 'text/html' } });
    expect(login.status).toBe(503);
    expect(login.headers.get('retry-after')).toBe('5');
    expect(await login.text()).toContain('Shopify is not answering');
    expect(e.logs.events().some((line) => line.event === 'shopify.discovery_failed')).toBe(true);
  });
});

describe('POST /api/customer/graphql', () => {
  it('403 without X-CSRF, 401 reauth_required without a session, 413 over 64 KB', async () => {
    const e = edge();
    const noCsrf = await e.request('/api/customer/graphql', { method: 'POST', body: query });
    expect(noCsrf.status).toBe(403);
    expect(await noCsrf.json()).toEqual({ error: 'csrf' });
    const noSession = await e.request('/api/customer/graphql', {
      method: 'POST',
      headers: { ...csrf, referer: `${APP}/account?tab=orders` },
      body: query,
    });
    expect(noSession.status).toBe(401);
    expect(await noSession.json()).toEqual({
      error: 'reauth_required',
      loginUrl: '/auth/login?returnTo=%2Faccount%3Ftab%3Dorders',
    });
    const big = await e.request('/api/customer/graphql', {
      method: 'POST',
      headers: csrf,
      body: 'x'.repeat(65 * 1024),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: 'payload_too_large', message: 'body exceeds 65536 bytes' });
  });

  it('400 bad_request naming the problem', async () => {
    const e = edge();
    await e.signIn();
    for (const [body, message] of [
      ['not json', 'body is not valid JSON'],
      ['[1]', 'body must be a JSON object'],
      ['{"query":""}', '"query" must be a non-empty string'],
      ['{"query":"{a}","variables":[1]}', '"variables" must be an object'],
      ['{"query":"{a}","operationName":7}', '"operationName" must be a string'],
      // 5,000 levels in 30 KB: under the body cap, deep enough to overflow a recursive rebuild.
      [
        `{"query":"{a}","variables":{"v":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`,
        '"variables" may nest at most 32 levels and hold at most 5000 values',
      ],
      [
        `{"query":"{a}","variables":{"v":[${Array(5_001).fill(1).join(',')}]}}`,
        '"variables" may nest at most 32 levels and hold at most 5000 values',
      ],
    ]) {
      const response = await e.request('/api/customer/graphql', { method: 'POST', headers: csrf, body });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'bad_request', message });
    }
  });

  it("200 with Shopify's answer, the session's expiry and no-store, set once by the session middleware", async () => {
    const e = edge();
    await e.signIn();
    e.upstream.push({
      status: 200,
      contentType: 'application/json',
      body: '{"data":{"customer":{"id":"1"}}}',
      retryAfter: null,
    });
    const response = await e.request('/api/customer/graphql', { method: 'POST', headers: csrf, body: query });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"data":{"customer":{"id":"1"}}}');
    expect(Number(response.headers.get('x-session-expires-at'))).toBeGreaterThan(Date.now());
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(e.upstreamTokens).toEqual(['shcat_signed-in']);
  });

  it('refreshes first inside the buffer, and the answer carries the new expiry', async () => {
    const e = edge({ EMULATOR_ADMIN_ORIGIN: 'http://localhost:3001' });
    await e.signIn();
    await expireSoon(e);
    e.grants.push({ kind: 'success', accessToken: 'shcat_fresh', refreshToken: 'shcrt_fresh', expiresInSeconds: 7200 });
    const response = await e.request('/api/customer/graphql', { method: 'POST', headers: csrf, body: query });
    expect(response.status).toBe(200);
    expect(e.upstreamTokens).toEqual(['shcat_fresh']);
    expect(Number(response.headers.get('x-session-expires-at'))).toBeGreaterThan(Date.now() + 7_000_000);
  });

  it('503 upstream_unavailable with Retry-After when the upstream does not answer; the session is kept', async () => {
    const e = edge();
    await e.signIn();
    e.upstream.push(new Error('connection reset'));
    const response = await e.request('/api/customer/graphql', { method: 'POST', headers: csrf, body: query });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toEqual({ error: 'upstream_unavailable' });
    expect((await (await e.request('/auth/session')).json()).authenticated).toBe(true);
  });

  it("Shopify's 5xx is a JSON 503 with its Retry-After (or 5 s), its 429 a JSON 429: never Shopify's page", async () => {
    const e = edge();
    await e.signIn();
    e.upstream.push(
      { status: 502, contentType: 'text/html', body: '<html>Bad gateway</html>', retryAfter: null },
      { status: 503, contentType: 'text/plain', body: 'busy', retryAfter: '7' },
      { status: 429, contentType: 'text/plain', body: 'Too many requests', retryAfter: '3' },
    );
    const call = () => e.request('/api/customer/graphql', { method: 'POST', headers: csrf, body: query });
    for (const [status, retryAfter] of [
      [503, '5'],
      [503, '7'],
      [429, '3'],
    ] as const) {
      const response = await call();
      expect([response.status, response.headers.get('retry-after'), await response.json()]).toEqual([
        status,
        retryAfter,
        { error: 'upstream_unavailable' },
      ]);
    }
    expect((await (await e.request('/auth/session')).json()).authenticated).toBe(true);
  });

  it('a second upstream 401 after a forced refresh is a reauth: 401, the cookie cleared', async () => {
    const e = edge();
    await e.signIn();
    const unauthorized = {
      status: 401,
      contentType: 'application/json',
      body: '{"errors":"User does not have access"}',
      retryAfter: null,
    };
    e.upstream.push(unauthorized, unauthorized);
    e.grants.push({
      kind: 'success',
      accessToken: 'shcat_second',
      refreshToken: 'shcrt_second',
      expiresInSeconds: 3600,
    });
    const response = await e.request('/api/customer/graphql', { method: 'POST', headers: csrf, body: query });
    expect(response.status).toBe(401);
    expect(e.upstreamTokens).toEqual(['shcat_signed-in', 'shcat_second']);
    expect(e.cookies.has('csess')).toBe(false);
  });
});

describe('POST /auth/refresh', () => {
  it('403 without X-CSRF, 401 without a session, 400 for a bad "force", 413 over 1 KB', async () => {
    const e = edge();
    expect((await e.request('/auth/refresh', { method: 'POST' })).status).toBe(403);
    expect((await e.request('/auth/refresh', { method: 'POST', headers: csrf })).status).toBe(401);
    await e.signIn();
    const bad = await e.request('/auth/refresh', { method: 'POST', headers: csrf, body: '{"force":"yes"}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'bad_request', message: '"force" must be a boolean' });
    expect((await e.request('/auth/refresh', { method: 'POST', headers: csrf, body: 'x'.repeat(2048) })).status).toBe(
      413,
    );
  });

  it('200 { expiresAt } after a forced refresh; a dead grant is 401 and ends the session', async () => {
    const e = edge();
    await e.signIn();
    // 30 s left: inside the 60 s buffer, so the next plain refresh is due whatever the clock reads.
    e.grants.push({ kind: 'success', accessToken: 'shcat_f', refreshToken: 'shcrt_f', expiresInSeconds: 30 });
    const forced = await e.request('/auth/refresh', { method: 'POST', headers: csrf, body: '{"force":true}' });
    expect(forced.status).toBe(200);
    const { expiresAt } = (await forced.json()) as { expiresAt: number };
    expect(forced.headers.get('x-session-expires-at')).toBe(String(expiresAt));

    e.grants.push({ kind: 'dead_grant', status: 400, errorCode: 'invalid_grant' });
    const dead = await e.request('/auth/refresh', { method: 'POST', headers: csrf, body: '{}' });
    expect(dead.status).toBe(401);
    expect(((await dead.json()) as { error: string }).error).toBe('reauth_required');
    expect((await (await e.request('/auth/session')).json()).authenticated).toBe(false);
  });
});

describe('sign-out and the session view', () => {
  it('logout: 403 from another origin; 303 to Shopify with the id_token hint, then signed out; 303 / without a session', async () => {
    const e = edge();
    await e.signIn();
    const crossSite = await e.request('/auth/logout', { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    const out = await e.request('/auth/logout', { method: 'POST', headers: { origin: APP } });
    expect(out.status).toBe(303);
    const endSession = new URL(out.headers.get('location')!);
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${ISSUER}/logout`);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${APP}/`);
    expect(e.cookies.has('csess')).toBe(false);
    const again = await e.request('/auth/logout', { method: 'POST', headers: { origin: APP } });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('/');
  });

  it('session: signed out is 200 with no expiry header; a stale cookie is cleared', async () => {
    const e = edge();
    const view = await e.request('/auth/session');
    expect(view.status).toBe(200);
    expect(view.headers.get('x-session-expires-at')).toBeNull();
    expect(view.headers.get('cache-control')).toBe('no-store');
    expect(await view.json()).toEqual({
      authenticated: false,
      customer: null,
      expiresAt: null,
      graphqlApiUrl: 'https://shopify.com/123/account/customer/api/2026-10/graphql',
      refreshBufferSeconds: 60,
      demo: false,
    });
    await e.signIn();
    const signedOutElsewhere = e.cookies.get('csess')!;
    await e.request('/auth/logout', { method: 'POST', headers: { origin: APP } });
    e.cookies.set('csess', signedOutElsewhere);
    const stale = await e.request('/auth/session');
    expect((await stale.json()).authenticated).toBe(false);
    expect(stale.headers.getSetCookie().some((line) => /^csess=;/.test(line) || /csess=.*Max-Age=0/i.test(line))).toBe(
      true,
    );
  });
});
