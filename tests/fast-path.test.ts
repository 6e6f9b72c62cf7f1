/**
 * The GraphQL fast path (`server/api/fast-path.ts`) answers `POST /api/customer/graphql` on Node's own
 * request and response; the Hono route answers the same call in-process. Every answer must be the
 * same either way: here each case is sent over a real socket (the fast path) and to the Hono app
 * directly (`bff.fetch`, no socket), and the two answers are compared.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { CUSTOMER_QUERY, startStack, type Stack } from './helpers/stack.ts';

const PATH = '/api/customer/graphql';
const QUERY = JSON.stringify({ query: CUSTOMER_QUERY });
/** Headers whose value legitimately differs between two answers. */
const VARYING = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

let stack: Stack;
let browser: Browser;
let cookie: string;

beforeAll(async () => {
  stack = await startStack();
  browser = createBrowser();
  await stack.signIn(browser, 'alice@example.com');
  cookie = [...browser.cookies(stack.appOrigin)].map(([name, value]) => `${name}=${value}`).join('; ');
});
afterAll(() => stack.close());

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const answerOf = async (response: Response): Promise<Answer> => ({
  status: response.status,
  headers: Object.fromEntries([...response.headers].filter(([name]) => !VARYING.has(name))),
  body: await response.text(),
});

/** The same request over the socket (fast path) and in-process to the Hono app. */
async function both(init: { headers?: Record<string, string>; body?: string; path?: string }) {
  const url = `${stack.appOrigin}${init.path ?? PATH}`;
  // One id for both, so the answers can be compared header for header (the id included).
  const headers = { 'x-request-id': 'fast-path-vs-hono', ...init.headers };
  const request = () => new Request(url, { method: 'POST', headers, body: init.body });
  const overSocket = await answerOf(await fetch(request()));
  const inProcess = await answerOf(await stack.bff.fetch(request()));
  return { overSocket, inProcess };
}

const signedIn = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'x-csrf': '1',
  cookie,
  ...extra,
});

describe('the fast path answers exactly as the Hono route', () => {
  it('a successful call: status, every header but the transport ones, and the customer', async () => {
    const { overSocket, inProcess } = await both({ headers: signedIn(), body: QUERY });
    expect(overSocket.status).toBe(200);
    expect(overSocket.headers).toEqual(inProcess.headers);
    expect(overSocket.headers).toMatchObject({
      'cache-control': 'no-store',
      'content-security-policy': "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'x-request-id': 'fast-path-vs-hono',
    });
    expect(Number(overSocket.headers['x-session-expires-at'])).toBeGreaterThan(Date.now());
    // The emulator's cost figures move between two calls; the customer must not.
    expect(JSON.parse(overSocket.body).data).toEqual(JSON.parse(inProcess.body).data);
  });

  it.each([
    ['no X-CSRF header', () => ({ headers: { 'content-type': 'application/json', cookie }, body: QUERY }), 403],
    ['no session cookie', () => ({ headers: { 'content-type': 'application/json', 'x-csrf': '1' }, body: QUERY }), 401],
    ['a cookie that is not ours', () => ({ headers: signedIn({ cookie: 'csess=Fe26.2*forged' }), body: QUERY }), 401],
    ['a body that is not JSON', () => ({ headers: signedIn(), body: '{"query":' }), 400],
    ['a query that is not a string', () => ({ headers: signedIn(), body: '{"query":7}' }), 400],
    ['a declared body over 64 KB', () => ({ headers: signedIn(), body: 'x'.repeat(64 * 1024 + 1) }), 413],
    ['a query string on the path', () => ({ headers: signedIn(), body: QUERY, path: `${PATH}?from=test` }), 200],
  ])('%s: the same answer', async (_name, init, status) => {
    // `init` is a function: the cookie only exists once beforeAll has signed in.
    const { overSocket, inProcess } = await both(init());
    expect(overSocket.status).toBe(status);
    expect(overSocket.headers).toEqual(inProcess.headers);
    if (status === 200) return;
    expect(overSocket.body).toEqual(inProcess.body);
    // A failed call vouches for no session, whichever path answered it.
    expect(overSocket.headers['x-session-expires-at']).toBeUndefined();
  });

  it('a chunked body past the cap is refused with 413 and the answer still arrives', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(PATH, stack.appOrigin);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: signedIn() },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      // No Content-Length: 70 chunks of 1 KB, streamed.
      for (let i = 0; i < 70; i += 1) req.write('x'.repeat(1024));
      req.end();
    });
    expect(answer).toEqual({
      status: 413,
      body: JSON.stringify({ error: 'payload_too_large', message: 'body exceeds 65536 bytes' }),
    });
  });

  it('an upstream that drops the connection: 503 upstream_unavailable with Retry-After, the session kept', async () => {
    await stack.fault({ endpoint: 'graphql', kind: 'reset', count: 1 });
    const response = await fetch(`${stack.appOrigin}${PATH}`, { method: 'POST', headers: signedIn(), body: QUERY });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toEqual({ error: 'upstream_unavailable' });
    const again = await fetch(`${stack.appOrigin}${PATH}`, { method: 'POST', headers: signedIn(), body: QUERY });
    expect(again.status).toBe(200);
  });

  it('a client that goes away mid-upload is no server error: nothing logged at error level, the next call served', async () => {
    const errorsBefore = stack.logs.events().filter((line) => Number(line.level) >= 50).length;
    for (const path of [PATH, '/auth/refresh']) {
      await new Promise<void>((resolve) => {
        const url = new URL(path, stack.appOrigin);
        const req = httpRequest({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...signedIn(), 'content-length': '2000' },
        });
        req.on('error', () => resolve());
        req.write('{"query":"');
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stack.logs.events().filter((line) => Number(line.level) >= 50).length).toBe(errorsBefore);
    const next = await fetch(`${stack.appOrigin}${PATH}`, { method: 'POST', headers: signedIn(), body: QUERY });
    expect(next.status).toBe(200);
  });
});
