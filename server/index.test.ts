/**
 * `createCustomerSessionBff` in-process (`app.request()`, no socket): validation before anything is
 * opened, what it owns at the root and under a base path, its edge middleware kept off the host's
 * routes, the host's logger, and `close()`. The full flows over real HTTP are in tests/mounted-*.test.ts.
 */
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from './errors.ts';
import { createCustomerSessionBff, type CustomerSessionBff, type CustomerSessionBffOptions } from './index.ts';
import { createCapturingDestination, createLogger } from './observability/logger.ts';

const OPTIONS: CustomerSessionBffOptions = {
  // Nothing listens there: discovery fails fast, which these tests never need.
  shopify: { storefrontOrigin: 'http://127.0.0.1:9', clientId: 'index-test' },
  appOrigin: 'https://shop.example.com',
  session: { password: 'index-test-password-0123456789abcdef', store: 'sqlite::memory:' },
  logger: { level: 'silent' },
};

const opened: CustomerSessionBff[] = [];
afterEach(async () => {
  for (const bff of opened.splice(0)) await bff.close();
});
const mount = (options: Partial<CustomerSessionBffOptions> = {}) => {
  const bff = createCustomerSessionBff({ ...OPTIONS, ...options });
  opened.push(bff);
  const host = new Hono();
  host.get('/', (c) => c.text('host home'));
  host.route('/', bff.app);
  host.notFound((c) => c.text('host 404', 404));
  return { bff, host };
};

describe('createCustomerSessionBff', () => {
  it('validates every option before it opens anything', () => {
    let error: unknown;
    try {
      // A store it could not open: never reached, the options are refused first.
      createCustomerSessionBff({
        ...OPTIONS,
        basePath: 'account/',
        session: { password: 'short', store: 'sqlite:/nonexistent-folder/sessions.db' },
      });
    } catch (caught) {
      error = caught;
    }
    expect(isAppError(error, 'CONFIG')).toBe(true);
    expect((error as Error).message).toBe(
      'basePath must start with "/", got "account/"\nsession.password #0 is shorter than 32 characters',
    );
  });

  it('under a base path: owns everything below it and nothing else', () => {
    const { bff } = mount({ basePath: '/account-session' });
    expect(bff.basePath).toBe('/account-session');
    expect(bff.redirectUri).toBe('https://shop.example.com/account-session/auth/callback');
    for (const path of ['/account-session', '/account-session/auth/login', '/account-session/nope']) {
      expect([path, bff.owns(path)]).toEqual([path, true]);
    }
    for (const path of ['/', '/auth/login', '/account-session-2/x', '/account']) {
      expect([path, bff.owns(path)]).toEqual([path, false]);
    }
  });

  it('at the root: owns its own routes only, the optional ones when on', () => {
    const { bff } = mount();
    expect(bff.redirectUri).toBe('https://shop.example.com/auth/callback');
    for (const path of ['/auth/login', '/api/customer/graphql', '/healthz', '/readyz']) {
      expect([path, bff.owns(path)]).toEqual([path, true]);
    }
    for (const path of ['/', '/account', '/metrics', '/admin/customers/x/sessions', '/demo/expire-soon', '/authx']) {
      expect([path, bff.owns(path)]).toEqual([path, false]);
    }
    const full = mount({ metricsBearerToken: 'm'.repeat(16), adminToken: 'a'.repeat(32) }).bff;
    expect(['/metrics', '/admin/customers/x/sessions', '/admin/orders'].map((path) => full.owns(path))).toEqual([
      true,
      true,
      false,
    ]);
  });

  it("mounted at the root, keeps its security headers off the host's pages and serves no demo or metrics", async () => {
    const { host } = mount();
    const home = await host.request('/');
    expect(await home.text()).toBe('host home');
    expect(home.headers.get('content-security-policy')).toBeNull();
    const health = await host.request('/healthz');
    expect(await health.json()).toEqual({ ok: true });
    expect(health.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    for (const path of ['/metrics', '/demo/expire-soon', '/account.html', '/sw.js']) {
      expect([path, (await host.request(path)).status]).toEqual([path, 404]);
    }
  });

  it("mounted at the root, leaves the host's other /api and /auth-less routes alone: no CSRF check, no BFF headers", async () => {
    const { bff, host } = mount();
    host.post('/api/cart', (c) => c.text('host cart'));
    host.get('/api/products', (c) => c.text('host products'));
    for (const [method, path, body] of [
      ['POST', '/api/cart', 'host cart'],
      ['GET', '/api/products', 'host products'],
    ] as const) {
      const answer = await host.request(path, { method });
      expect([path, answer.status, await answer.text()]).toEqual([path, 200, body]);
      expect(answer.headers.get('content-security-policy')).toBeNull();
    }
    expect(['/api/cart', '/api', '/api/customer/graphql'].map((path) => bff.owns(path))).toEqual([false, false, true]);
    // The BFF's own call still needs its header.
    expect((await host.request('/api/customer/graphql', { method: 'POST' })).status).toBe(403);
  });

  it('serves /metrics when asked, behind its bearer token when one is set', async () => {
    const open = mount({ basePath: '/bff', metrics: true }).host;
    expect((await open.request('/bff/metrics')).status).toBe(200);
    const guarded = mount({ basePath: '/bff', metricsBearerToken: 'm'.repeat(16) }).host;
    expect((await guarded.request('/bff/metrics')).status).toBe(401);
    const scrape = await guarded.request('/bff/metrics', { headers: { authorization: `Bearer ${'m'.repeat(16)}` } });
    expect(scrape.status).toBe(200);
  });

  it("logs through the host's own logger, tagged as the BFF's", async () => {
    const lines = createCapturingDestination();
    const { host } = mount({ basePath: '/bff', logger: createLogger({ destination: lines, level: 'debug' }) });
    const response = await host.request('/bff/auth/callback?state=x&code=y');
    expect(response.status).toBe(400);
    const failed = lines.events().find((event) => event['event'] === 'auth.login.failed');
    expect(failed).toMatchObject({ service: 'bff', reason: 'unknown_state' });
  });

  it('close(): readiness says so at once, then the store is closed; a second call is the same close', async () => {
    const { bff, host } = mount({ basePath: '/bff' });
    opened.pop();
    const closing = bff.close();
    expect(bff.close()).toBe(closing);
    const ready = await host.request('/bff/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { shutdown: 'draining' } });
    await closing;
  });
});
