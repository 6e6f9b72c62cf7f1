/**
 * `/__emulator/*`: the test, benchmark and demo control surface. Loopback only, and it never exposes a
 * token or code: only counts.
 */
import { Hono } from 'hono';
import { ConfigError, parseConfigPatch } from './config.ts';
import { findCustomerByEmail } from './customers.ts';
import { parseFault } from './faults.ts';
import { socketOf, type EmulatorContext, type EmulatorEnv } from './http.ts';
import type { Runtime } from './runtime.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** True only for the loopback addresses a local test or benchmark connects from. */
export function isLoopbackAddress(address: string | null | undefined): boolean {
  return typeof address === 'string' && LOOPBACK.has(address);
}

async function jsonBody(c: EmulatorContext): Promise<unknown> {
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw new ConfigError('body must be JSON');
  }
}

export interface AdminActions {
  reset(): void;
}

export function adminRoutes(rt: Runtime, actions: AdminActions): Hono<EmulatorEnv> {
  const app = new Hono<EmulatorEnv>();

  // No socket (an in-process `app.request()`) counts as remote: deny unless proven local.
  app.use('*', async function loopbackOnly(c, next) {
    if (!isLoopbackAddress(socketOf(c)?.remoteAddress)) return c.json({ error: 'forbidden' }, 403);
    await next();
  });

  app.get('/stats', (c) => c.json(rt.store.stats));
  app.get('/config', (c) => c.json(rt.config));
  app.post('/config', async (c) => {
    Object.assign(rt.config, parseConfigPatch(await jsonBody(c)));
    return c.json(rt.config);
  });
  app.get('/faults', (c) => c.json({ faults: rt.faults.pending() }));
  app.post('/faults', async (c) => {
    rt.faults.add(parseFault(await jsonBody(c)));
    return c.json({ faults: rt.faults.pending() });
  });
  app.delete('/faults', (c) => {
    rt.faults.clear();
    return c.json({ faults: [] });
  });
  app.get('/requests', (c) => c.json({ requests: rt.requests.list() }));
  app.delete('/requests', (c) => {
    rt.requests.clear();
    return c.json({ requests: [] });
  });
  app.post('/customers/:email/revoke', (c) => {
    const customer = findCustomerByEmail(c.req.param('email'));
    if (customer === null) return c.json({ error: 'unknown_customer' }, 404);
    return c.json({ revokedGrants: rt.store.revokeCustomer(customer.id) });
  });
  app.get('/customers/:email/grants', (c) => {
    const customer = findCustomerByEmail(c.req.param('email'));
    if (customer === null) return c.json({ error: 'unknown_customer' }, 404);
    return c.json({ liveGrants: rt.store.liveGrantCount(customer.id) });
  });
  app.post('/reset', (c) => {
    actions.reset();
    return c.json({ ok: true, config: rt.config });
  });
  return app;
}
