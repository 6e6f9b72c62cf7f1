/**
 * Scenario 4, mass expiry: 10,000 sessions whose access tokens all entered the refresh buffer at once
 * (a wave of sign-ins an hour earlier, or a BFF that was down while the tokens aged), then one call on
 * each. Every one of them must refresh exactly once and keep working. The emulator is Shopify here, in its strictest mode
 * (a reused refresh token revokes the whole grant), so a duplicate refresh would sign a customer out.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { BENCH_CLIENT_ID, CUSTOMER_EMAIL, USER_AGENT } from '../lib/constants.ts';
import { eachOnce, failures, percentile, proxiedCall, type Answer } from '../lib/load.ts';
import { exactly, fmt, noCalls, ratio, total, type Scenario } from '../lib/report.ts';
import { startEmulatorStack, type EmulatorStack } from '../lib/stacks.ts';
import type { TokenPair } from '../child.ts';

const CONCURRENCY = 64;
// The sign-ins straight at the emulator: enough to keep its process busy on both cores.
const SIGN_IN_CONCURRENCY = 16;
// Inside the BFF's 60 s refresh buffer, far enough from the end that no token really expires meanwhile.
const EXPIRES_IN_SECONDS = 30;

const base64url = (bytes: Buffer): string => bytes.toString('base64url');
const p99 = (answers: Answer[]): number =>
  percentile(
    answers.map((a) => a.ms),
    99,
  );

/**
 * `count` real grants from the emulator, signed in the way the BFF signs in (authorization code with
 * PKCE for the registered public client) but without the BFF: its tokens go straight into the store.
 * The emulator only refreshes tokens it issued, and each session needs a grant of its own — a shared
 * one would be revoked by the first refresh of another session.
 */
async function emulatorGrants(stack: EmulatorStack, count: number): Promise<TokenPair[]> {
  const { authorize, token } = stack.endpoints;
  const appOrigin = stack.appOrigin;
  const pool = new Pool(stack.emulatorUrl, { connections: SIGN_IN_CONCURRENCY });
  const redirectUri = `${appOrigin}/auth/callback`;
  const grantOne = async (): Promise<TokenPair> => {
    const verifier = base64url(randomBytes(32));
    const query = new URLSearchParams({
      client_id: BENCH_CLIENT_ID,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email customer-account-api:full',
      state: base64url(randomBytes(16)),
      code_challenge: base64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
      login_hint: CUSTOMER_EMAIL,
      login_hint_mode: 'submit',
    });
    const redirect = await pool.request({ path: `${authorize.pathname}?${query}`, method: 'GET' });
    await redirect.body.dump();
    const location = redirect.headers.location;
    const code = typeof location === 'string' ? new URL(location).searchParams.get('code') : null;
    if (code === null) throw new Error(`authorize answered ${redirect.statusCode} without a code`);
    const answer = await pool.request({
      path: token.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: appOrigin, 'user-agent': USER_AGENT },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: BENCH_CLIENT_ID,
        redirect_uri: redirectUri,
        code,
        code_verifier: verifier,
      }).toString(),
    });
    const tokens = (await answer.body.json()) as { access_token?: string; refresh_token?: string };
    if (tokens.access_token === undefined || tokens.refresh_token === undefined) {
      throw new Error(`token endpoint answered ${answer.statusCode} without tokens`);
    }
    return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
  };
  const grants: TokenPair[] = [];
  let started = 0;
  try {
    await Promise.all(
      Array.from({ length: SIGN_IN_CONCURRENCY }, async () => {
        while (started < count) {
          started += 1;
          grants.push(await grantOne());
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return grants;
}

export const massExpiry: Scenario = {
  id: 'mass-expiry',
  title: '4. Mass expiry',
  async run({ quick }) {
    const sessions = quick ? 1_000 : 10_000;
    const dir = mkdtempSync(join(tmpdir(), 'bench-expiry-'));
    const stack = await startEmulatorStack({ store: `sqlite:${join(dir, 'sessions.db')}` });
    try {
      const bff = stack.bffs[0]!;
      const signInStartedAt = performance.now();
      const grants = await emulatorGrants(stack, sessions);
      const signInSeconds = (performance.now() - signInStartedAt) / 1000;
      const cookies = await bff.child.call<string[]>({
        type: 'mint-sessions',
        tokens: grants,
        expiresInSeconds: EXPIRES_IN_SECONDS,
      });
      const calls = cookies.map((cookie) => proxiedCall(bff.url, cookie));

      const before = await stack.admin.stats();
      const expiring = await eachOnce(calls, CONCURRENCY);
      const afterExpiry = await stack.admin.stats();
      // The same sessions again, nothing due now: the baseline rate, and the proof that none was lost.
      const settled = await eachOnce(calls, CONCURRENCY);
      const afterSettled = await stack.admin.stats();

      const refreshes = afterExpiry.token.refresh_token - before.token.refresh_token;
      const reused = afterSettled.refresh.reused - before.refresh.reused;
      const lateRefreshes = afterSettled.token.refresh_token - afterExpiry.token.refresh_token;
      const failedRefreshing = failures(expiring.answers);
      const lostByStatus = failures(settled.answers);
      const lost = total(lostByStatus);
      const refreshRate = refreshes / expiring.seconds;
      const callRate = sessions / settled.seconds;
      const speed = sessions / expiring.seconds / callRate;
      return {
        setup:
          `The emulator (revoke-family, no token latency) and one BFF on a SQLite file. ${fmt(sessions)} grants are ` +
          `signed in straight at the emulator (authorization code with PKCE, ${SIGN_IN_CONCURRENCY} at a time: ` +
          `${fmt(signInSeconds)} s, ${fmt(sessions / signInSeconds)} per second), and their tokens minted into the ` +
          `BFF's store with ${EXPIRES_IN_SECONDS} s left, inside the 60 s refresh buffer. Then one call on every ` +
          `session, ${CONCURRENCY} at a time, and a second pass over all of them once nothing is due.`,
        figures: [
          {
            caption: `${fmt(sessions)} sessions inside the refresh buffer at once, one call on each`,
            table: {
              header: ['pass', 'calls/s', 'vs nothing due', 'refreshes', 'refreshes/s', 'failed calls', 'p99 ms'],
              rows: [
                [
                  'nothing due (baseline, second pass)',
                  callRate,
                  ratio(1),
                  lateRefreshes,
                  '—',
                  lost,
                  p99(settled.answers),
                ],
                [
                  'every session due (first pass)',
                  sessions / expiring.seconds,
                  ratio(speed),
                  refreshes,
                  refreshRate,
                  total(failedRefreshing),
                  p99(expiring.answers),
                ],
              ],
            },
            reading:
              `${fmt(sessions)} sessions came due together and the BFF refreshed ${fmt(refreshRate)} of them per ` +
              `second, calling the Customer Account API for each right after: ${ratio(speed)}× the rate of the same ` +
              `calls once nothing was due. It took ${fmt(refreshes)} refreshes for ${fmt(sessions)} sessions ` +
              `(${fmt(refreshes - sessions)} duplicates), the emulator saw ${fmt(reused)} reused refresh tokens, and ` +
              `${fmt(lost)} sessions failed the second pass: no customer was signed out. A refresh costs the token ` +
              `endpoint's round trip and a compare-and-set write of the re-sealed record, which is why the first pass ` +
              `is slower (both passes visit every session, so both pay scenario 3's unseal-cache misses alike); the emulator answers instantly here, so with Shopify's real latency the rate is bounded by ` +
              `concurrency ÷ latency instead.`,
          },
        ],
        headlines: [{ figure: 'calls/s with every session due vs none due', value: speed, target: null, met: null }],
        invariants: [
          // Fewer refreshes than sessions shows here too (negative), and as failed calls.
          exactly('duplicate refreshes', refreshes + lateRefreshes - sessions, 0),
          exactly('refresh tokens reused', reused, 0),
          noCalls('sessions lost (a failed call on the second pass)', lostByStatus),
          noCalls('failed calls', failedRefreshing),
        ],
      };
    } finally {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
