/**
 * Slow clients cannot starve the BFF: 2,000 connections that send a request slowly (or never finish
 * it) from 40 addresses are cut to the per-address cap and timed out, while a signed-in customer from
 * another address is served throughout. Linux routes all of 127.0.0.0/8 to loopback, so each
 * "attacker" is its own address.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { emailIn } from './helpers/session-support.ts';
import { graphql, startStack, type Stack } from './helpers/stack.ts';

const ATTACKERS = 40;
const PER_ATTACKER = 50;
const CAP = 20;

let stack: Stack;
let browser: Browser;
const sockets: Socket[] = [];

beforeAll(async () => {
  stack = await startStack({
    env: { MAX_CONNECTIONS_PER_IP: String(CAP), HTTP_HEADERS_TIMEOUT_SECONDS: '2', HTTP_REQUEST_TIMEOUT_SECONDS: '3' },
  });
  browser = createBrowser();
  await stack.signIn(browser, 'alice@example.com');
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await stack?.close();
});

/** Opens a connection from `localAddress` that starts a request and never finishes it. */
function slowClient(localAddress: string, port: number, kind: 'headers' | 'body'): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => {
      socket.write(
        kind === 'headers'
          ? 'POST /api/customer/graphql HTTP/1.1\r\nHost: localhost\r\n' // no blank line: headers never end
          : 'POST /api/customer/graphql HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\nX-CSRF: 1\r\n\r\n{"q',
      );
      resolve(socket);
    });
    socket.on('error', () => resolve(socket));
    socket.resume(); // read what the server says (a 408), so its close is seen
    socket.setTimeout(15_000, () => socket.destroy());
    sockets.push(socket);
  });
}

describe('2,000 slow connections', () => {
  it('are capped per address and timed out, and a signed-in customer is served all along', async () => {
    const port = Number(new URL(stack.appOrigin).port);
    const opening: Array<Promise<Socket>> = [];
    for (let a = 0; a < ATTACKERS; a += 1) {
      for (let i = 0; i < PER_ATTACKER; i += 1) {
        opening.push(slowClient(`127.0.0.${a + 2}`, port, i % 2 === 0 ? 'headers' : 'body'));
      }
    }
    const held = await Promise.all(opening);

    // The customer, from 127.0.0.1, while the slow ones hold what they could get.
    for (let call = 0; call < 10; call += 1) {
      const answer = await graphql(browser, stack.appOrigin);
      expect([answer.status, emailIn(await answer.text())]).toEqual([200, 'alice@example.com']);
    }
    // Past the cap, connections were closed at once: the server holds at most CAP per address (and the
    // customer's few). Counted by the server: a client may believe a connection the kernel has not yet
    // handed to the server is open.
    expect(await stack.bff.connections()).toBeLessThanOrEqual(ATTACKERS * CAP + 10);
    const stillOpen = () => held.filter((socket) => !socket.destroyed && socket.readyState === 'open').length;
    // And the ones that stayed are cut by the header and request timeouts.
    await expect.poll(stillOpen, { timeout: 10_000, interval: 250 }).toBe(0);
    const after = await graphql(browser, stack.appOrigin);
    expect(after.status).toBe(200);
  });
});
