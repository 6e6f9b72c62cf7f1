/**
 * A slow token endpoint holds no call hostage: while the current access token is still usable, a call
 * waits at most a second for the refresh in flight, then goes on with that token (the refresh goes on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser } from './helpers/browser.ts';
import { emailIn, expireSoon } from './helpers/session-support.ts';
import { graphql, startStack, type Stack } from './helpers/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ emulatorConfig: { refreshTokenReuse: 'revoke-family' } });
});
afterAll(() => stack?.close());

describe('a slow token endpoint', () => {
  it('answers calls with the current token while the refresh is still running, then serves the new one', async () => {
    const browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    const oldExpiresAt = await expireSoon(browser, stack.appOrigin); // 30 s left: due, still usable
    await stack.setEmulatorConfig({ tokenLatencyMs: 3_000 });

    const answers = await Promise.all(Array.from({ length: 5 }, () => graphql(browser, stack.appOrigin)));
    // Every call has its answer while Shopify is still working on the one refresh.
    const during = await stack.stats();
    expect(during.token.refresh_token).toBe(1);
    expect(during.refresh.succeeded).toBe(0);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(emailIn(await answer.text())).toBe('alice@example.com');
      expect(Number(answer.headers.get('x-session-expires-at'))).toBe(oldExpiresAt);
    }

    await expect.poll(async () => (await stack.stats()).refresh.succeeded, { timeout: 10_000 }).toBe(1);
    const after = await graphql(browser, stack.appOrigin);
    expect(after.status).toBe(200);
    expect(Number(after.headers.get('x-session-expires-at'))).toBeGreaterThan(oldExpiresAt + 3_000_000);
    expect((await stack.stats()).token.refresh_token).toBe(1);
  });

  it('POST /auth/refresh waits for the refresh it asked for', async () => {
    const browser = createBrowser();
    await stack.signIn(browser, 'bob@example.com');
    const oldExpiresAt = await expireSoon(browser, stack.appOrigin);
    await stack.setEmulatorConfig({ tokenLatencyMs: 1_500 });
    const before = (await stack.stats()).refresh.succeeded;
    const response = await browser.request(`${stack.appOrigin}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { expiresAt: number }).expiresAt).toBeGreaterThan(oldExpiresAt + 3_000_000);
    expect((await stack.stats()).refresh.succeeded).toBe(before + 1);
  });
});
