/**
 * The fast path under a base path: `POST <basePath>/api/customer/graphql` is answered on Node's own
 * request and response; every other request (no base path, no `X-CSRF`, another route) is handed to
 * the Hono listener untouched. Over a real socket, with a session put straight into the store and
 * Shopify's discovery and GraphQL endpoint canned.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromOptions } from '../config.ts';
import { createCapturingDestination, createLogger } from '../observability/logger.ts';
import { createBff, type Bff } from '../server.ts';
import { newSessionId } from '../sessions/cookie.ts';
import { createSealer } from '../sessions/seal.ts';
import { withGraphqlFastPath } from './fast-path.ts';

const STOREFRONT = 'https://shop.example.com';
const ISSUER = 'https://shopify.com/authentication/123';
const PASSWORD = 'fast-path-test-password-0123456789abcdef';
const BASE_PATH = '/account-session';

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
const discovery = (async (input: RequestInfo | URL) => {
  const url = String(input instanceof Request ? input.url : input);
  if (url === `${STOREFRONT}/.well-known/openid-configuration`) {
    return json({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      token_endpoint: `${ISSUER}/oauth/token`,
      end_session_endpoint: `${ISSUER}/logout`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
    });
  }
  if (url === `${STOREFRONT}/.well-known/customer-account-api`) {
    return json({ graphql_api: 'https://shopify.com/123/account/customer/api/2026-10/graphql' });
  }
  return new Response('not found', { status: 404 });
}) as typeof fetch;

let bff: Bff;
let server: Server;
let origin: string;
let cookie: string;
const handedToHono: string[] = [];

beforeAll(async () => {
  const config = configFromOptions({
    shopify: { storefrontOrigin: STOREFRONT, clientId: 'fast-path' },
    appOrigin: 'http://localhost:3000',
    basePath: BASE_PATH,
    session: { password: PASSWORD, store: 'sqlite::memory:' },
  });
  bff = createBff(config, {
    logger: createLogger({ destination: createCapturingDestination() }),
    fetchImpl: discovery,
    upstream: {
      call: async () => ({
        status: 200,
        contentType: 'application/json',
        body: '{"data":{"ok":true}}',
        retryAfter: null,
      }),
      close: async () => {},
    },
    mounted: true,
  });
  const sid = newSessionId();
  const now = Date.now();
  await bff.deps.store.create(sid, {
    accessToken: 'shcat_a',
    refreshToken: 'shcrt_a',
    idToken: 'id',
    expiresAtMs: now + 3_600_000,
    customerId: 'gid://shopify/Customer/1',
    email: 'alice@example.com',
    version: 1,
    createdAtMs: now,
    lastSeenAtMs: now,
  });
  // Sealed as the session cookie seals it.
  cookie = `${bff.deps.cookie.name}=${await createSealer([PASSWORD]).seal({ sid }, 3_600)}`;
  server = createServer(
    withGraphqlFastPath(bff.deps, (request, response) => {
      handedToHono.push(`${request.method} ${request.url}`);
      response.writeHead(418).end();
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await bff?.close();
});

const post = (path: string, headers: Record<string, string> = { 'x-csrf': '1', cookie }) =>
  fetch(`${origin}${path}`, { method: 'POST', headers, body: '{"query":"{ customer { id } }"}' });

describe('the GraphQL fast path under a base path', () => {
  it('answers POST <basePath>/api/customer/graphql itself', async () => {
    const response = await post(`${BASE_PATH}/api/customer/graphql?op=x`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"data":{"ok":true}}');
    expect(response.headers.get('x-session-expires-at')).toMatch(/^\d+$/);
    expect(handedToHono).toEqual([]);
  });

  it('hands everything else to Hono as it came', async () => {
    expect((await post('/api/customer/graphql')).status).toBe(418);
    expect((await post(`${BASE_PATH}/api/customer/graphql`, { cookie })).status).toBe(418);
    expect((await post(`${BASE_PATH}/auth/refresh`)).status).toBe(418);
    expect(handedToHono).toEqual([
      'POST /api/customer/graphql',
      `POST ${BASE_PATH}/api/customer/graphql`,
      `POST ${BASE_PATH}/auth/refresh`,
    ]);
  });
});
