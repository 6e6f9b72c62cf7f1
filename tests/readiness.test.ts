/**
 * `/readyz` against real dependencies: a private Redis that goes away and comes back, Shopify's
 * discovery before and after it can be reached, and an instance that is shutting down.
 */
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../emulator/server.ts';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/observability/logger.ts';
import { startBff, type StartedBff } from '../server/server.ts';
import { startRedisServer } from './helpers/processes.ts';
import { createBrowser } from './helpers/browser.ts';
import { PASSWORD, freePort, graphql, startStack } from './helpers/stack.ts';

interface Readiness {
  ready: boolean;
  checks: { store: string; shopify: string; shutdown: string };
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function readiness(origin: string): Promise<{ status: number } & Readiness> {
  const response = await fetch(`${origin}/readyz`);
  return { status: response.status, ...((await response.json()) as Readiness) };
}

const READY = { status: 200, ready: true, checks: { store: 'ok', shopify: 'ok', shutdown: 'ok' } };

async function bffAt(storefrontOrigin: string): Promise<StartedBff> {
  const config = loadConfig({
    PORT: '0',
    SHOPIFY_STOREFRONT_ORIGIN: storefrontOrigin,
    SHOPIFY_CLIENT_ID: 'readiness',
    SESSION_PASSWORD: PASSWORD,
    SESSION_STORE: 'sqlite::memory:',
  });
  const bff = await startBff(config, { logger: createLogger({ level: 'silent' }) });
  cleanups.push(() => bff.close());
  return bff;
}

describe('/readyz', () => {
  it('turns 503 naming the store when Redis goes away, and 200 when it is back', async () => {
    const port = await freePort();
    let redis = await startRedisServer(port);
    cleanups.push(() => redis.stop());
    const stack = await startStack({ sessionStore: `redis://127.0.0.1:${port}` });
    cleanups.push(() => stack.close());
    const origin = stack.appOrigin;
    expect(await readiness(origin)).toEqual(READY);

    await redis.stop();
    expect(await readiness(origin)).toEqual({
      status: 503,
      ready: false,
      checks: { store: 'unavailable', shopify: 'ok', shutdown: 'ok' },
    });

    redis = await startRedisServer(port);
    await expect.poll(() => readiness(origin), { timeout: 10_000, interval: 200 }).toEqual(READY);
  });

  it('a BFF started against a Redis that is not there comes up not ready, and ready once Redis appears', async () => {
    const port = await freePort();
    const stack = await startStack({ sessionStore: `redis://127.0.0.1:${port}` });
    cleanups.push(() => stack.close());
    expect(await readiness(stack.appOrigin)).toEqual({
      status: 503,
      ready: false,
      checks: { store: 'unavailable', shopify: 'ok', shutdown: 'ok' },
    });
    const redis = await startRedisServer(port);
    cleanups.push(() => redis.stop());
    await expect.poll(() => readiness(stack.appOrigin), { timeout: 10_000, interval: 200 }).toEqual(READY);
  });

  it('turns 503 naming Shopify while discovery cannot be reached, and 200 once it can', async () => {
    const port = await freePort();
    const bff = await bffAt(`http://localhost:${port}`);
    const down = await readiness(bff.url);
    expect(down).toEqual({
      status: 503,
      ready: false,
      checks: { store: 'ok', shopify: 'unreachable', shutdown: 'ok' },
    });
    expect(JSON.stringify(down)).not.toContain(String(port)); // names the part, not where it lives

    const emulator = await startEmulator({ port, clients: [] });
    cleanups.push(() => emulator.close());
    expect(await readiness(bff.url)).toEqual(READY);
  });

  it('says "invalid" when the storefront origin does not serve Shopify discovery documents', async () => {
    const notShopify = createServer((_request, response) => response.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => notShopify.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => notShopify.close(resolve)));
    const bff = await bffAt(`http://localhost:${(notShopify.address() as { port: number }).port}`);
    expect((await readiness(bff.url)).checks.shopify).toBe('invalid');
  });

  it('answers 503 "draining" once a graceful shutdown has begun, while the calls in flight finish', async () => {
    const stack = await startStack();
    cleanups.push(() => stack.close());
    const browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    expect(await readiness(stack.appOrigin)).toEqual(READY);
    await stack.setEmulatorConfig({ graphqlLatencyMs: 500 });
    const inFlight = graphql(browser, stack.appOrigin);
    await expect.poll(() => stack.bff.requestsInFlight()).toBe(1);

    const shutdown = stack.bff.shutdown(5_000);
    // New connections are refused now; ask the app itself, as a request on an open connection would.
    const response = await stack.bff.fetch(new Request(`${stack.appOrigin}/readyz`));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      ready: false,
      checks: { store: 'ok', shopify: 'ok', shutdown: 'draining' },
    });
    expect((await inFlight).status).toBe(200);
    expect(await shutdown).toMatchObject({ drained: true, requestsLeft: 0, refreshesLeft: 0 });
  });
});
