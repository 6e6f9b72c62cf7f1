/**
 * Issue 11, a managed Redis: the BFF and the doctor on a private redis-server that only speaks TLS (a
 * throwaway CA, trusted through SESSION_STORE_TLS_CA_FILE) and only lets ACL users in. The store user
 * has exactly the rights `redisAclRules` lists; a wrong CA, password or user each fail with a line that
 * names the cause, and no password ever shows in a log line, `/readyz` or the doctor's output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatResults, runDoctor } from '../server/doctor.ts';
import { createBrowser } from './helpers/browser.ts';
import { MANAGED_USERS, makeTlsFiles, startManagedRedis, type ManagedRedis } from './helpers/redis-servers.ts';
import { emailIn, expireSoon } from './helpers/session-support.ts';
import { PASSWORD, graphql, startStack, type Stack } from './helpers/stack.ts';

const PREFIX = 'test:managed:';
const PASSWORDS = Object.values(MANAGED_USERS);
const dir = mkdtempSync(join(tmpdir(), 'redis-managed-'));
let redis: ManagedRedis;
let otherCaFile: string;
const stacks: Stack[] = [];

beforeAll(async () => {
  redis = await startManagedRedis(dir, 'test:');
  otherCaFile = (await makeTlsFiles(join(dir, 'other'), 'other')).caFile;
}, 20_000);

afterAll(async () => {
  try {
    await Promise.all(stacks.map((stack) => stack.close()));
  } finally {
    // The redis-server is a child process of ours: it must not outlive the file, whatever failed.
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function stackOn(sessionStore: string, caFile: string | null) {
  const stack = await startStack({
    sessionStore,
    env: { SESSION_STORE_PREFIX: PREFIX, ...(caFile === null ? {} : { SESSION_STORE_TLS_CA_FILE: caFile }) },
  });
  stacks.push(stack);
  return stack;
}

const readiness = async (origin: string) => {
  const response = await fetch(`${origin}/readyz`);
  return { status: response.status, body: await response.text() };
};

function expectNoPassword(texts: string[]): void {
  expect(texts.length).toBeGreaterThan(0);
  for (const text of texts) for (const password of PASSWORDS) expect(text).not.toContain(password);
}

describe('the BFF on a managed Redis (TLS, ACL)', () => {
  it('signs in, calls the API and refreshes as the store user over TLS; ready; no password anywhere', async () => {
    const stack = await stackOn(redis.url('store'), redis.tls.caFile);
    const browser = createBrowser();
    await stack.signIn(browser, 'alice@example.com');
    expect(emailIn(await (await graphql(browser, stack.appOrigin)).text())).toBe('alice@example.com');
    const before = await stack.stats();
    await expireSoon(browser, stack.appOrigin);
    const answers = await Promise.all([1, 2, 3].map(() => graphql(browser, stack.appOrigin)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect((await stack.stats()).token.refresh_token - before.token.refresh_token).toBe(1);
    const ready = await readiness(stack.appOrigin);
    expect(ready.status).toBe(200);
    expectNoPassword([...stack.logs.lines, ready.body, ...browser.seen.map((seen) => JSON.stringify(seen))]);
  });

  it('comes up not ready naming the store, never the password, with a CA that did not sign the certificate or a wrong password', async () => {
    const [wrongCa, wrongPassword] = await Promise.all([
      stackOn(redis.url('store'), otherCaFile),
      stackOn(redis.url('store', 'not-the-password'), redis.tls.caFile),
    ]);
    // The log line names the connection's own error, not only the command's "stream isn't writeable".
    for (const [stack, connection] of [
      [wrongCa, /certificate/],
      [wrongPassword, /^WRONGPASS /],
    ] as const) {
      const ready = await readiness(stack.appOrigin);
      expect(ready).toEqual({
        status: 503,
        body: JSON.stringify({ ready: false, checks: { store: 'unavailable', shopify: 'ok', shutdown: 'ok' } }),
      });
      const unavailable = stack.logs.events().filter((event) => event['event'] === 'store.unavailable');
      expect(unavailable).toEqual([
        expect.objectContaining({ store: 'redis', connection: expect.stringMatching(connection) }),
      ]);
      expectNoPassword([...stack.logs.lines, ready.body]);
    }
  });

  it('as a user without the rights, a sign-in fails and the log names NOPERM and the command', async () => {
    const stack = await stackOn(redis.url('powerless'), redis.tls.caFile);
    const browser = createBrowser();
    const { response } = await stack.signIn(browser, 'alice@example.com');
    expect(response.status).toBe(503);
    const unavailable = stack.logs.events().filter((event) => event['event'] === 'store.unavailable');
    expect(unavailable).toEqual([
      expect.objectContaining({
        err: expect.objectContaining({ message: "NOPERM this user has no permissions to run the 'eval' command" }),
      }),
    ]);
    expectNoPassword([...stack.logs.lines, ...browser.seen.map((seen) => JSON.stringify(seen))]);
  });
});

describe('npm run doctor on a managed Redis', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    const stack = await stackOn(redis.url('store'), redis.tls.caFile);
    env = {
      SHOPIFY_STOREFRONT_ORIGIN: stack.emulator.url,
      SHOPIFY_CLIENT_ID: stack.config.clientId,
      APP_ORIGIN: stack.appOrigin,
      SESSION_PASSWORD: PASSWORD,
      SESSION_STORE: redis.url('store'),
      SESSION_STORE_PREFIX: PREFIX,
      SESSION_STORE_TLS_CA_FILE: redis.tls.caFile,
    };
  });

  const storeLine = async (overrides: Record<string, string | undefined>) => {
    const output = formatResults(await runDoctor({ ...env, ...overrides }, { timeoutMs: 2_000 }));
    expectNoPassword([output]);
    return output.split('\n').find((line) => line.slice(5).startsWith('session store:')) ?? output;
  };
  const shown = (user: 'store' | 'powerless') => `rediss://${user}:***@127.0.0.1:${redis.port}`;

  it('writes and reads a probe record as the store user, showing the URL without its password', async () => {
    expect(await storeLine({})).toBe(`ok   session store: ${shown('store')} is reachable and writable`);
  });

  it.each<[string, () => Record<string, string | undefined>, string, string]>([
    [
      "Node's own CAs (no SESSION_STORE_TLS_CA_FILE)",
      () => ({ SESSION_STORE_TLS_CA_FILE: undefined }),
      'self-signed certificate in certificate chain',
      'set SESSION_STORE_TLS_CA_FILE to the PEM of the CA that signed',
    ],
    [
      'a CA that did not sign the certificate',
      () => ({ SESSION_STORE_TLS_CA_FILE: otherCaFile }),
      'self-signed certificate in certificate chain',
      'set SESSION_STORE_TLS_CA_FILE to the PEM of the CA that signed',
    ],
    [
      'a wrong password',
      () => ({ SESSION_STORE: redis.url('store', 'not-the-password') }),
      'WRONGPASS invalid username-password pair or user is disabled.',
      'the URL has the right user and password',
    ],
    [
      'a user without the rights',
      () => ({ SESSION_STORE: redis.url('powerless') }),
      "NOPERM this user has no permissions to run the 'eval' command",
      `ACL SETUSER powerless on ~${PREFIX}* resetchannels -@all +ping +info +quit +hmget`,
    ],
  ])('fails with %s, naming the cause and the fix', async (_name, overrides, cause, fix) => {
    const line = await storeLine(overrides());
    expect(line).toMatch(/^FAIL session store: rediss:\/\/(store|powerless):\*\*\*@127\.0\.0\.1:\d+: /);
    expect(line).toContain(cause);
    expect(line).toContain(`→ fix: `);
    expect(line).toContain(fix);
  });
});
