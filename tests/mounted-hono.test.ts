/**
 * Issue 12: the BFF mounted under `/account-session` in a storefront's existing Hono app, which keeps
 * its own routes, 404 and error handler. Served by @hono/node-server as such an app would be.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_PATH, hostAnswer, mountedBffSuite, startMounted, type Mounted } from './helpers/mounted.ts';

let mounted: Mounted;
let hostErrors = 0;

beforeAll(async () => {
  mounted = await startMounted(async (bff, port) => {
    const app = new Hono();
    for (const path of ['/', '/account']) app.get(path, (c) => c.html(hostAnswer(path).body));
    app.get('/boom', () => {
      throw new Error('a bug in the host');
    });
    app.route('/', bff.app);
    app.notFound((c) => c.text(hostAnswer(c.req.path).body, 404));
    app.onError((_error, c) => {
      hostErrors += 1;
      return c.text('host: error', 500);
    });
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }) as Server;
    await once(server, 'listening');
    return {
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  });
});
afterAll(() => mounted?.close());

mountedBffSuite(() => mounted);

describe('the host Hono app around the BFF', () => {
  it("keeps answering its own routes and 404s, without the BFF's security headers", async () => {
    for (const path of ['/', '/account']) {
      const response = await fetch(`${mounted.appOrigin}${path}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(hostAnswer(path).body);
      // The BFF's `frame-ancestors 'none'` and friends stay on its own routes.
      expect(response.headers.get('content-security-policy')).toBeNull();
      expect(response.headers.get('x-frame-options')).toBeNull();
    }
    // Only under the base path is anything the BFF's.
    for (const path of ['/nope', '/healthz', '/auth/login', '/api/customer/graphql']) {
      const response = await fetch(`${mounted.appOrigin}${path}`);
      expect([path, response.status, await response.text()]).toEqual([path, 404, 'host: not found']);
    }
    const bffRoute = await fetch(mounted.bffUrl('/healthz'));
    expect(bffRoute.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it("answers the BFF's errors itself; the host's error handler sees only the host's", async () => {
    const refused = await fetch(mounted.bffUrl('/api/customer/graphql'), { method: 'POST', body: '{}' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'csrf' });
    expect(hostErrors).toBe(0);
    const boom = await fetch(`${mounted.appOrigin}/boom`);
    expect([boom.status, await boom.text()]).toEqual([500, 'host: error']);
    expect(hostErrors).toBe(1);
  });

  it(`leaves an unknown path under ${BASE_PATH} to the host's 404`, async () => {
    const response = await fetch(mounted.bffUrl('/nope'));
    expect([response.status, await response.text()]).toEqual([404, 'host: not found']);
    expect(mounted.bff.owns(`${BASE_PATH}/nope`)).toBe(true);
    expect(mounted.bff.owns('/account')).toBe(false);
  });
});
