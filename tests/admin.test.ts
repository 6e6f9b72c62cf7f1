/**
 * The admin API (on with `ADMIN_TOKEN`): list a customer's sessions, sign one out, sign them out
 * everywhere. A revoked session's next API call is a 401, which the service worker turns into a
 * sign-out of every tab. Run on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { graphql, startStack, type Stack } from './helpers/stack.ts';

const ADMIN_TOKEN = 'admin-token-for-the-tests-0123456789abcdef';
const ALICE = encodeURIComponent('gid://shopify/Customer/7000000001');

describe.each([
  ['SQLite', 'sqlite::memory:'],
  ['Redis', 'redis://127.0.0.1:6379'],
])('the admin API on %s', (_name, sessionStore) => {
  let stack: Stack;
  const admin = (method: string, path: string, token: string | null = ADMIN_TOKEN) =>
    fetch(`${stack.appOrigin}/admin${path}`, {
      method,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
  const signedIn = async (email: string): Promise<Browser> => {
    const browser = createBrowser();
    await stack.signIn(browser, email);
    return browser;
  };
  const callStatus = async (browser: Browser) => (await graphql(browser, stack.appOrigin)).status;

  beforeAll(async () => {
    stack = await startStack({
      sessionStore,
      env: { ADMIN_TOKEN, SESSION_STORE_PREFIX: `admin-${Date.now()}-${Math.random().toString(36).slice(2)}:` },
    });
  });
  afterAll(() => stack?.close());

  it('refuses a missing or wrong token with 401', async () => {
    expect((await admin('GET', `/customers/${ALICE}/sessions`, null)).status).toBe(401);
    const wrong = await admin('GET', `/customers/${ALICE}/sessions`, `${ADMIN_TOKEN}x`);
    expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
  });

  it('lists, signs one out, then signs the customer out everywhere; nobody else is touched', async () => {
    const [phone, laptop, bob] = [
      await signedIn('alice@example.com'),
      await signedIn('alice@example.com'),
      await signedIn('bob@example.com'),
    ];
    const listing = await admin('GET', `/customers/${ALICE}/sessions`);
    expect(listing.headers.get('cache-control')).toBe('no-store');
    const body = (await listing.json()) as {
      customerId: string;
      sessions: Array<{ id: string; createdAt: number; lastSeenAt: number }>;
    };
    expect(body.customerId).toBe('gid://shopify/Customer/7000000001');
    expect(body.sessions).toHaveLength(2);
    for (const session of body.sessions) {
      expect(session.id).toMatch(/^[0-9a-f]{12}$/);
      expect(Object.keys(session).sort()).toEqual(['createdAt', 'id', 'lastSeenAt']);
    }
    expect(JSON.stringify(body)).not.toMatch(/shc(at|rt|ac)_|eyJ/);

    // The numeric id works too. One session out: its next call is a 401, the other goes on.
    const one = await admin('DELETE', `/customers/7000000001/sessions/${body.sessions[0]!.id}`);
    expect(await one.json()).toEqual({ revoked: 1 });
    const statuses = [await callStatus(phone), await callStatus(laptop)].sort();
    expect(statuses).toEqual([200, 401]);

    const all = await admin('DELETE', `/customers/${ALICE}/sessions`);
    expect(await all.json()).toEqual({ revoked: 1 });
    expect([await callStatus(phone), await callStatus(laptop)]).toEqual([401, 401]);
    expect(await callStatus(bob)).toBe(200);
    expect(stack.logs.events().filter((line) => line.event === 'admin.sessions_revoked')).toHaveLength(2);
  });

  it('answers 400 for a malformed customer or session id, 404 for a session that is not there', async () => {
    expect((await admin('GET', '/customers/alice/sessions')).status).toBe(400);
    expect((await admin('DELETE', `/customers/${ALICE}/sessions/not-an-id`)).status).toBe(400);
    const missing = await admin('DELETE', `/customers/${ALICE}/sessions/0123456789ab`);
    expect([missing.status, await missing.json()]).toEqual([404, { error: 'not_found' }]);
  });
});

describe('without ADMIN_TOKEN', () => {
  it('the admin API does not exist (404)', async () => {
    const stack = await startStack();
    try {
      const response = await fetch(`${stack.appOrigin}/admin/customers/${ALICE}/sessions`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(response.status).toBe(404);
    } finally {
      await stack.close();
    }
  });
});
