/**
 * The servers of the proxy-cost benchmark, each run in its own process by `bench/child.ts`:
 *
 * - the **fast upstream**: answers the Customer Account API GraphQL POST with a canned JSON body and
 *   serves Shopify-shaped discovery documents pointing at itself. It spends almost nothing per call, so
 *   whatever a proxy in front of it costs shows. It is also the OTLP/HTTP receiver of a BFF that traces
 *   (`POST /v1/traces`): it counts the spans it is sent and throws them away.
 * - the **bare proxy**: `node:http` plus an undici `Pool`, a fixed token, no session, no checks: the floor
 *   of what a Node proxy of this call costs, the baseline the BFF is measured against.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export const FAST_UPSTREAM_ANSWER = JSON.stringify({
  data: {
    customer: {
      id: 'gid://shopify/Customer/7000000001',
      displayName: 'Alice Liddell',
      emailAddress: { emailAddress: 'alice@example.com' },
    },
  },
  extensions: {
    cost: {
      requestedQueryCost: 2,
      actualQueryCost: 2,
      throttleStatus: { maximumAvailable: 7500, currentlyAvailable: 7498, restoreRate: 100 },
    },
  },
});
export const FAST_UPSTREAM_SHOP = '90000000099';
export const GRAPHQL_PATH = `/${FAST_UPSTREAM_SHOP}/account/customer/api/2026-10/graphql`;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://localhost:${(server.address() as AddressInfo).port}`)),
  );

/** What the fast upstream received as an OTLP receiver. */
export interface TraceSinkStats {
  exports: number;
  spans: number;
}

/** Starts the fast upstream; resolves to its origin. */
export async function startFastUpstream(): Promise<{
  url: string;
  traceSink(): TraceSinkStats;
  close(): Promise<void>;
}> {
  let origin = '';
  const sink: TraceSinkStats = { exports: 0, spans: 0 };
  const issuer = () => `${origin}/authentication/${FAST_UPSTREAM_SHOP}`;
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === GRAPHQL_PATH) {
      void readBody(request).then(() => {
        const status = request.headers.authorization ? 200 : 401;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(status === 200 ? FAST_UPSTREAM_ANSWER : '{"errors":"User does not have access"}');
      });
      return;
    }
    if (request.method === 'POST' && request.url === '/v1/traces') {
      void readBody(request).then((body) => {
        const { resourceSpans = [] } = JSON.parse(body.toString()) as {
          resourceSpans?: Array<{ scopeSpans: Array<{ spans: unknown[] }> }>;
        };
        sink.exports += 1;
        for (const { scopeSpans } of resourceSpans) for (const { spans } of scopeSpans) sink.spans += spans.length;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
      return;
    }
    const json = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/.well-known/openid-configuration') {
      return json({
        issuer: issuer(),
        authorization_endpoint: `${issuer()}/oauth/authorize`,
        token_endpoint: `${issuer()}/oauth/token`,
        end_session_endpoint: `${issuer()}/logout`,
        jwks_uri: `${issuer()}/.well-known/jwks.json`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (request.url === '/.well-known/customer-account-api') return json({ graphql_api: `${origin}${GRAPHQL_PATH}` });
    response.writeHead(404).end();
  });
  server.keepAliveTimeout = 30_000;
  origin = await listen(server);
  return {
    url: origin,
    traceSink: () => ({ ...sink }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Starts the bare proxy to `upstream`'s GraphQL endpoint with a fixed `token`; resolves to its origin. */
export async function startBareProxy(
  upstream: string,
  token: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const pool = new Pool(upstream, { connections: 32 });
  const server = createServer((request, response) => {
    void readBody(request)
      .then((body) =>
        pool.request({
          path: GRAPHQL_PATH,
          method: 'POST',
          headers: { authorization: token, 'content-type': 'application/json' },
          body,
        }),
      )
      .then(async (answer) => {
        const text = await answer.body.text();
        response.writeHead(answer.statusCode, { 'content-type': 'application/json' });
        response.end(text);
      })
      .catch(() => {
        response.writeHead(502).end();
      });
  });
  server.keepAliveTimeout = 30_000;
  const url = await listen(server);
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}
