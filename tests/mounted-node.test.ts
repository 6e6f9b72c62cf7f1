/**
 * Issue 12: the BFF mounted under `/account-session` in a plain `node:http` server whose own handler
 * answers everything else (`bff.nodeListener(handler)`), and as an Express-style middleware (`next`).
 * The GraphQL calls take the BFF's Node fast path here.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_PATH, hostAnswer, mountedBffSuite, startMounted, type Mounted } from './helpers/mounted.ts';

const host: RequestListener = (request, response) => {
  const { status, body } = hostAnswer(new URL(request.url ?? '/', 'http://host').pathname);
  response.writeHead(status, { 'content-type': status === 200 ? 'text/html; charset=utf-8' : 'text/plain' });
  response.end(body);
};

async function listen(server: Server, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let mounted: Mounted;
beforeAll(async () => {
  mounted = await startMounted((bff, port) => listen(createServer(bff.nodeListener(host)), port));
});
afterAll(() => mounted?.close());

mountedBffSuite(() => mounted);

describe('the plain Node server around the BFF', () => {
  it("keeps answering its own paths through its handler, without the BFF's headers", async () => {
    for (const path of ['/', '/account', '/nope', '/healthz', '/auth/login', `${BASE_PATH}-other/x`]) {
      const response = await fetch(`${mounted.appOrigin}${path}`);
      const expected = hostAnswer(path);
      expect([path, response.status, await response.text()]).toEqual([path, expected.status, expected.body]);
      expect(response.headers.get('content-security-policy')).toBeNull();
    }
  });

  it(`answers an unknown path under ${BASE_PATH} itself`, async () => {
    const response = await fetch(mounted.bffUrl('/nope'));
    expect([response.status, await response.json()]).toEqual([404, { error: 'not_found' }]);
  });

  describe('as Express-style middleware', () => {
    let express: { url: string; close(): Promise<void> };
    let passedOn: string[];
    beforeAll(async () => {
      passedOn = [];
      const middleware = mounted.bff.nodeListener();
      express = await listen(
        createServer((request, response) =>
          middleware(request, response, () => {
            passedOn.push(request.url ?? '');
            host(request, response);
          }),
        ),
      );
    });
    afterAll(() => express?.close());

    it('calls next() for what is not its own, and answers its own paths', async () => {
      const page = await fetch(`${express.url}/account`);
      expect([page.status, await page.text()]).toEqual([200, hostAnswer('/account').body]);
      const health = await fetch(`${express.url}${BASE_PATH}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { ok: true }]);
      expect(passedOn).toEqual(['/account']);
    });
  });

  it('without a fallback, answers 404 for what is not its own', async () => {
    const bare = await listen(createServer(mounted.bff.nodeListener()));
    try {
      const response = await fetch(`${bare.url}/account`);
      expect([response.status, await response.json()]).toEqual([404, { error: 'not_found' }]);
    } finally {
      await bare.close();
    }
  });
});
