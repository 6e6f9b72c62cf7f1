// The admin API and the injected faults, over HTTP; the loopback guard through the helper and
// `app.request()` with a fabricated remote address.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from './admin.ts';
import { startEmulator, type StartedEmulator } from './server.ts';
import { admin, graphql, login, PUBLIC_CLIENT, refresh } from './testkit.ts';

let emu: StartedEmulator;
let issuer: string;
let graphqlUrl: string;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, clients: [PUBLIC_CLIENT], config: { accessTokenTtlSeconds: 600 } });
  issuer = `${emu.url}/authentication/${emu.shopId}`;
  graphqlUrl = `${emu.url}/${emu.shopId}/account/customer/api/2026-10/graphql`;
});
beforeEach(async () => {
  await admin(emu.url, '/reset', 'POST');
});
afterAll(() => emu.close());

const fault = async (spec: Record<string, unknown>) =>
  expect((await admin(emu.url, '/faults', 'POST', spec)).status).toBe(200);
const stats = async () => (await admin(emu.url, '/stats')).json();

describe('loopback guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.7', false],
    ['::ffff:10.0.0.7', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });

  it('answers 403 to a remote peer and to a request without a socket', async () => {
    const remote = { incoming: { socket: { remoteAddress: '192.0.2.1' } } };
    expect((await emu.emulator.app.request('/__emulator/stats', {}, remote as never)).status).toBe(403);
    expect((await emu.emulator.app.request('/__emulator/stats')).status).toBe(403);
  });
});

describe('config', () => {
  it('GET answers the whole config; start options are the baseline', async () => {
    expect(await (await admin(emu.url, '/config')).json()).toEqual({
      accessTokenTtlSeconds: 600,
      refreshTokenTtlSeconds: 2592000,
      refreshTokenReuse: 'revoke-family',
      loginRequiredAs: 'error',
      reuseGraceSeconds: 30,
      tokenLatencyMs: 0,
      graphqlLatencyMs: 0,
      graphqlBucketSize: 7500,
      graphqlRestoreRatePerSecond: 100,
    });
  });

  it('POST applies a valid patch and answers the whole config', async () => {
    const res = await admin(emu.url, '/config', 'POST', {
      refreshTokenReuse: 'grace',
      reuseGraceSeconds: 5,
      tokenLatencyMs: 10,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      refreshTokenReuse: 'grace',
      reuseGraceSeconds: 5,
      tokenLatencyMs: 10,
      accessTokenTtlSeconds: 600,
    });
  });

  it.each([
    ['unknown key', { accessTokenTTL: 5 }],
    ['bad enum', { refreshTokenReuse: 'sometimes' }],
    ['zero ttl', { accessTokenTtlSeconds: 0 }],
    ['fractional ttl', { accessTokenTtlSeconds: 1.5 }],
    ['negative latency', { tokenLatencyMs: -1 }],
    ['string number', { graphqlLatencyMs: '5' }],
    ['array', [1]],
    ['not JSON', '{'],
  ])('%s → 400 and nothing changes', async (_name, body) => {
    const res = await admin(emu.url, '/config', 'POST', body);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_request');
    expect((await (await admin(emu.url, '/config')).json()).accessTokenTtlSeconds).toBe(600);
  });

  it('partially bad patches are rejected whole', async () => {
    expect((await admin(emu.url, '/config', 'POST', { tokenLatencyMs: 5, reuseGraceSeconds: -1 })).status).toBe(400);
    expect((await (await admin(emu.url, '/config')).json()).tokenLatencyMs).toBe(0);
  });

  it('graphqlLatencyMs delays GraphQL answers', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    await admin(emu.url, '/config', 'POST', { graphqlLatencyMs: 120 });
    const started = performance.now();
    expect((await graphql(graphqlUrl, tokens.access_token, '{ customer { id } }')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('faults', () => {
  it('status on token: default 401 is the empty-error transient; counted; then normal service resumes', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    await fault({ endpoint: 'token', kind: 'status', status: 401, count: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await refresh(issuer, tokens.refresh_token);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: '', error_description: 'Access token request error.' });
    }
    expect((await refresh(issuer, tokens.refresh_token)).status).toBe(200);
    expect((await stats()).token.refresh_token).toBe(3);
    expect((await stats()).faults.injected).toBe(2);
  });

  it('status with a given body and headers; 5xx default is HTML', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    await fault({ endpoint: 'token', kind: 'status', status: 200, body: { error: 'invalid_grant' } });
    await fault({ endpoint: 'token', kind: 'status', status: 429, body: 'slow down', headers: { 'retry-after': '3' } });
    await fault({ endpoint: 'token', kind: 'status', status: 503 });
    const ok = await refresh(issuer, tokens.refresh_token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ error: 'invalid_grant' });
    const limited = await refresh(issuer, tokens.refresh_token);
    expect([limited.status, limited.headers.get('retry-after'), await limited.text()]).toEqual([429, '3', 'slow down']);
    const down = await refresh(issuer, tokens.refresh_token);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toMatch(/text\/html/);
    expect((await refresh(issuer, tokens.refresh_token)).status).toBe(200);
  });

  it('status on graphql: default 401 is the no-access body', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    await fault({ endpoint: 'graphql', kind: 'status', status: 401 });
    const res = await graphql(graphqlUrl, tokens.access_token, '{ customer { id } }');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: 'User does not have access' });
  });

  it('timeout holds the response for timeoutMs, then drops the connection', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    await fault({ endpoint: 'token', kind: 'timeout', timeoutMs: 150 });
    const started = performance.now();
    await expect(refresh(issuer, tokens.refresh_token)).rejects.toThrow(TypeError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect((await refresh(issuer, tokens.refresh_token)).status).toBe(200);
  });

  it('reset drops the connection at once, on graphql too', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    await fault({ endpoint: 'graphql', kind: 'reset' });
    await expect(graphql(graphqlUrl, tokens.access_token, '{ customer { id } }')).rejects.toThrow(TypeError);
    expect((await graphql(graphqlUrl, tokens.access_token, '{ customer { id } }')).status).toBe(200);
  });

  it('phase "after" processes the refresh, then loses the response: the client holds a used token', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    await fault({ endpoint: 'token', kind: 'reset', phase: 'after' });
    await expect(refresh(issuer, tokens.refresh_token)).rejects.toThrow(TypeError);
    const retry = await refresh(issuer, tokens.refresh_token);
    expect(retry.status).toBe(400);
    expect((await retry.json()).error).toBe('invalid_grant');
    expect((await stats()).refresh).toEqual({ succeeded: 1, failed: 1, reused: 1 });
  });

  it('GET lists pending faults; DELETE clears them', async () => {
    await fault({ endpoint: 'token', kind: 'status', status: 502, count: 3 });
    expect((await (await admin(emu.url, '/faults')).json()).faults).toMatchObject([
      { endpoint: 'token', status: 502, remaining: 3 },
    ]);
    expect((await admin(emu.url, '/faults', 'DELETE')).status).toBe(200);
    expect((await (await admin(emu.url, '/faults')).json()).faults).toEqual([]);
  });

  it.each([
    ['bad endpoint', { endpoint: 'authorize', kind: 'reset' }],
    ['bad kind', { endpoint: 'token', kind: 'explode' }],
    ['bad status', { endpoint: 'token', kind: 'status', status: 99 }],
    ['bad count', { endpoint: 'token', kind: 'reset', count: 0 }],
    ['bad timeout', { endpoint: 'token', kind: 'timeout', timeoutMs: -5 }],
    ['bad headers', { endpoint: 'token', kind: 'status', headers: { a: 1 } }],
    ['unknown key', { endpoint: 'token', kind: 'reset', when: 'now' }],
  ])('%s → 400', async (_name, body) => {
    expect((await admin(emu.url, '/faults', 'POST', body)).status).toBe(400);
  });
});

describe('customers, stats and reset', () => {
  it('revoke kills every token of that customer only; grants counts live grants', async () => {
    const a1 = await login(issuer, 'alice@example.com');
    const a2 = await login(issuer, 'alice@example.com');
    const bob = await login(issuer, 'bob@example.com');
    expect(await (await admin(emu.url, '/customers/alice@example.com/grants')).json()).toEqual({ liveGrants: 2 });
    const res = await admin(emu.url, '/customers/alice@example.com/revoke', 'POST');
    expect(await res.json()).toEqual({ revokedGrants: 2 });
    expect((await refresh(issuer, a1.refresh_token)).status).toBe(400);
    expect((await graphql(graphqlUrl, a2.access_token, '{ customer { id } }')).status).toBe(401);
    expect((await graphql(graphqlUrl, bob.access_token, '{ customer { id } }')).status).toBe(200);
    expect(await (await admin(emu.url, '/customers/alice@example.com/grants')).json()).toEqual({ liveGrants: 0 });
  });

  it('unknown customers → 404', async () => {
    expect((await admin(emu.url, '/customers/nobody@example.com/revoke', 'POST')).status).toBe(404);
    expect((await admin(emu.url, '/customers/nobody@example.com/grants')).status).toBe(404);
  });

  it('stats have the documented shape', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    await graphql(graphqlUrl, tokens.access_token, '{ customer { id } }');
    await graphql(graphqlUrl, 'nope', '{ customer { id } }');
    await refresh(issuer, tokens.refresh_token);
    expect(await stats()).toMatchObject({
      token: { authorization_code: 1, refresh_token: 1 },
      refresh: { succeeded: 1, failed: 0, reused: 0 },
      graphql: { ok: 1, unauthorized: 1 },
      endSession: 0,
    });
  });

  it('reset: baseline config, no faults, no tokens, zero counters; keys stay', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    const jwksBefore = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();
    await admin(emu.url, '/config', 'POST', { accessTokenTtlSeconds: 5 });
    await fault({ endpoint: 'token', kind: 'reset' });
    expect((await admin(emu.url, '/reset', 'POST')).status).toBe(200);
    expect((await (await admin(emu.url, '/config')).json()).accessTokenTtlSeconds).toBe(600);
    expect((await (await admin(emu.url, '/faults')).json()).faults).toEqual([]);
    expect((await graphql(graphqlUrl, tokens.access_token, '{ customer { id } }')).status).toBe(401);
    expect((await stats()).token.authorization_code).toBe(0);
    expect(await (await fetch(`${issuer}/.well-known/jwks.json`)).json()).toEqual(jwksBefore);
    expect((await login(issuer, 'alice@example.com')).access_token).toMatch(/^shcat_/);
  });
});

it('customer paths accept a percent-encoded e-mail', async () => {
  await login(issuer, 'bob@example.com');
  expect(await (await admin(emu.url, `/customers/${encodeURIComponent('bob@example.com')}/grants`)).json()).toEqual({
    liveGrants: 1,
  });
});

it('there is no way to read tokens through the admin API', async () => {
  await login(issuer, 'alice@example.com');
  expect((await admin(emu.url, '/tokens?email=alice@example.com')).status).toBe(404);
});

describe('GET /__emulator/requests', () => {
  it('lists each request with its correlation headers only, oldest first; reset and DELETE empty it', async () => {
    const tokens = await login(issuer, 'alice@example.com');
    expect((await admin(emu.url, '/requests', 'DELETE')).status).toBe(200);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await fetch(graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: tokens.access_token,
        'x-request-id': 'req-42',
        traceparent,
      },
      body: JSON.stringify({ query: '{ customer { id } }' }),
    });
    await refresh(issuer, tokens.refresh_token);
    const { requests } = (await (await admin(emu.url, '/requests')).json()) as { requests: unknown[] };
    expect(requests).toEqual([
      { method: 'POST', path: new URL(graphqlUrl).pathname, requestId: 'req-42', traceparent },
      { method: 'POST', path: `/authentication/${emu.shopId}/oauth/token`, requestId: null, traceparent: null },
    ]);
    expect(JSON.stringify(requests)).not.toMatch(/shcat_|shcrt_/);
    await admin(emu.url, '/reset', 'POST');
    expect(await (await admin(emu.url, '/requests')).json()).toEqual({ requests: [] });
  });
});
