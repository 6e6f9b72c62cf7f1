/**
 * `npm run probe:shopify` against the emulator over real HTTP: for each reuse mode the probe must name the
 * exact emulator configuration it runs under, read back the access-token lifetime, and never let a token,
 * a code or the client secret into its report or its output. The probe's clock is the emulator's, and its
 * sleep only moves that clock, so a grace window is measured without waiting.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientRegistration, EmulatorConfig } from '../emulator/config.ts';
import { startEmulator, type StartedEmulator } from '../emulator/server.ts';
import { defaultGraceSchedule, parseProbeCli } from '../scripts/probe/config.ts';
import { runShopifyProbe, type ShopifyProbeOptions } from '../scripts/probe/probe.ts';
import {
  ProbeError,
  formatSummary,
  type CallShape,
  type ProbeMeasurements,
  type ProbeReport,
} from '../scripts/probe/report.ts';
import { decideVerdict } from '../scripts/probe/verdict.ts';

const CLI = new URL('../scripts/probe-shopify.ts', import.meta.url).pathname;
const CLIENT_SECRET = 'probe-test-confidential-secret-42';
const ALICE = 'alice@example.com';
// What the emulator issues (shcat_ access, shcrt_ refresh, shcac_ code) and any JWT (the id_token).
const SECRET_SHAPES = [/shc(at|rt|ac)_/, /eyJ[\w-]+\.eyJ[\w-]+/];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Harness {
  emulator: StartedEmulator;
  appOrigin: string;
  port: number;
  client: ClientRegistration;
  /** The emulator's and the probe's clock (epoch ms). */
  clock: { nowMs: number };
  /** Every token and code that crossed the wire, for the secret scan. */
  seen: Set<string>;
}

async function startHarness(
  options: { config?: Partial<EmulatorConfig>; clientType?: 'public' | 'confidential' } = {},
): Promise<Harness> {
  const clientType = options.clientType ?? 'public';
  const port = await freePort();
  const appOrigin = `http://localhost:${port}`;
  const client: ClientRegistration = {
    clientId: `probe-${clientType}`,
    type: clientType,
    ...(clientType === 'confidential' ? { clientSecret: CLIENT_SECRET } : {}),
    redirectUris: [`${appOrigin}/auth/callback`],
    javascriptOrigins: [appOrigin],
    logoutUris: [`${appOrigin}/`],
  };
  const clock = { nowMs: Date.now() };
  const emulator = await startEmulator({ port: 0, clients: [client], config: options.config, now: () => clock.nowMs });
  cleanups.push(() => emulator.close());
  return { emulator, appOrigin, port, client, clock, seen: new Set() };
}

/** The browser step, scripted: the emulator's `login_hint_mode=submit` redirects straight to the callback. */
async function signInByScript(url: string, seen: Set<string>, email = ALICE): Promise<void> {
  const authorize = new URL(url);
  authorize.searchParams.set('login_hint', email);
  authorize.searchParams.set('login_hint_mode', 'submit');
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const location = redirect.headers.get('location');
  if (redirect.status !== 302 || location === null) throw new Error(`authorize answered ${redirect.status}`);
  seen.add(new URL(location).searchParams.get('code') ?? '');
  await (await fetch(location)).text();
}

/** `fetch` that remembers every token the emulator hands out. */
const recordingFetch =
  (seen: Set<string>): typeof fetch =>
  async (input, init) => {
    const response = await fetch(input, init);
    const text = await response.clone().text();
    for (const [, token] of text.matchAll(/"(?:access_token|refresh_token|id_token)":"([^"]+)"/g))
      seen.add(token ?? '');
    return response;
  };

function probeOptions(h: Harness, overrides: Partial<ShopifyProbeOptions> = {}): ShopifyProbeOptions {
  return {
    storefrontOrigin: h.emulator.url,
    clientId: h.client.clientId,
    clientSecret: h.client.clientSecret ?? null,
    appOrigin: h.appOrigin,
    listenPort: h.port,
    callbackTimeoutMs: 5_000,
    graceScheduleSeconds: defaultGraceSchedule(120),
    onAuthorizeUrl: (url) => signInByScript(url, h.seen),
    fetchImpl: recordingFetch(h.seen),
    now: () => h.clock.nowMs,
    sleep: async (delayMs) => {
      h.clock.nowMs += delayMs;
    },
    ...overrides,
  };
}

async function liveGrants(h: Harness): Promise<number> {
  const response = await fetch(`${h.emulator.url}/__emulator/customers/${ALICE}/grants`);
  return ((await response.json()) as { liveGrants: number }).liveGrants;
}

function expectNoSecrets(text: string, seen: Set<string>): void {
  for (const secret of [...seen, CLIENT_SECRET]) expect(text.includes(secret), 'a secret leaked').toBe(false);
  for (const shape of SECRET_SHAPES) expect(text).not.toMatch(shape);
}

describe('the verdict names the emulator mode the store behaves like', () => {
  it('reject: the reuse is refused with invalid_grant and the newest token still works', async () => {
    const h = await startHarness({ config: { refreshTokenReuse: 'reject' } });
    const report = await runShopifyProbe(probeOptions(h));

    expect(report.verdict.refreshTokenReuse).toBe('reject');
    expect(report.verdict.emulatorConfig).toEqual({ refreshTokenReuse: 'reject', accessTokenTtlSeconds: 3600 });
    const m = report.measurements;
    expect(m.rotation).toBe('rotated');
    expect(m.refreshCarries).toEqual({ refreshToken: true, idToken: false });
    expect(m.reuse).toMatchObject({
      outcome: 'refused',
      refusal: { outcome: 'dead_grant', status: 400, error: 'invalid_grant' },
      currentTokenAfterwards: 'success',
    });
    expect(m.grace).toBeNull();
    expect(m.unknownRefreshToken).toMatchObject({ outcome: 'dead_grant', status: 400, error: 'invalid_grant' });
    expect(report.calls.map((call) => call.step)).toEqual([
      'code',
      'refresh',
      'reuse-immediately',
      'check-current',
      'unknown-token',
    ]);
    expect(await liveGrants(h)).toBe(1); // R1 (now R2) survived
  });

  it('revoke-family: the reuse kills the newest token too', async () => {
    const h = await startHarness({ config: { refreshTokenReuse: 'revoke-family' } });
    const report = await runShopifyProbe(probeOptions(h));

    expect(report.verdict.refreshTokenReuse).toBe('revoke-family');
    expect(report.verdict.emulatorConfig).toEqual({ refreshTokenReuse: 'revoke-family', accessTokenTtlSeconds: 3600 });
    expect(report.measurements.reuse).toMatchObject({ outcome: 'refused', currentTokenAfterwards: 'dead_grant' });
    expect(await liveGrants(h)).toBe(0);
  });

  it('grace: the bracket holds the configured window and the verdict takes its lower bound', async () => {
    const h = await startHarness({ config: { refreshTokenReuse: 'grace', reuseGraceSeconds: 2 } });
    const report = await runShopifyProbe(probeOptions(h));

    const grace = report.measurements.grace;
    expect(report.measurements.reuse).toEqual({ outcome: 'accepted', sameRefreshTokenAsRotation: false });
    expect(grace).toMatchObject({ lastWorkingDelaySeconds: 2, firstFailingDelaySeconds: 5, afterWindow: 'reject' });
    expect(grace?.lastWorkingDelaySeconds).toBeLessThanOrEqual(2);
    expect(grace?.firstFailingDelaySeconds).toBeGreaterThan(2);
    expect(report.verdict.emulatorConfig).toEqual({
      refreshTokenReuse: 'grace',
      reuseGraceSeconds: 2,
      accessTokenTtlSeconds: 3600,
    });
    expect(await liveGrants(h)).toBe(1); // the grant outlived the probe
  });

  it('grace longer than the longest delay: an open bracket, a lower bound and a note', async () => {
    const h = await startHarness({ config: { refreshTokenReuse: 'grace', reuseGraceSeconds: 30 } });
    const report = await runShopifyProbe(probeOptions(h, { graceScheduleSeconds: [1, 5] }));

    expect(report.measurements.grace).toMatchObject({ lastWorkingDelaySeconds: 5, firstFailingDelaySeconds: null });
    expect(report.verdict.emulatorConfig).toMatchObject({ refreshTokenReuse: 'grace', reuseGraceSeconds: 5 });
    expect(report.verdict.notes.join('\n')).toContain('at least');
  });

  it('reads back the access-token lifetime', async () => {
    const h = await startHarness({ config: { refreshTokenReuse: 'reject', accessTokenTtlSeconds: 1234 } });
    const report = await runShopifyProbe(probeOptions(h));

    expect(report.measurements.accessTokenTtlSeconds).toEqual({ codeGrant: 1234, refreshes: [1234] });
    expect(report.verdict.emulatorConfig.accessTokenTtlSeconds).toBe(1234);
  });
});

describe('nothing secret leaves the probe', () => {
  it('the report and the summary hold no token, code, id_token or client secret (confidential client, grace)', async () => {
    const h = await startHarness({
      clientType: 'confidential',
      config: { refreshTokenReuse: 'grace', reuseGraceSeconds: 2 },
    });
    const progress: string[] = [];
    const report = await runShopifyProbe(probeOptions(h, { onProgress: (line) => progress.push(line) }));

    expect(report.clientType).toBe('confidential');
    expect(report.verdict.refreshTokenReuse).toBe('grace');
    expect(h.seen.size).toBeGreaterThan(10); // the scan has something to look for: a code and many tokens
    expectNoSecrets([JSON.stringify(report), ...formatSummary(report), ...progress].join('\n'), h.seen);
  });

  it('a refused code exchange fails with one line and no secret', async () => {
    const h = await startHarness();
    const fault = await fetch(`${h.emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'token', kind: 'status', status: 400 }),
    });
    expect(fault.status).toBe(200);

    const failure = await runShopifyProbe(probeOptions(h)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProbeError);
    expect(failure).toMatchObject({
      code: 'EXCHANGE_FAILED',
      message: 'the code exchange failed: refused: 400 invalid_grant',
    });
    expect(h.seen.size).toBe(1); // the code
    expectNoSecrets(String((failure as ProbeError).message), h.seen);
  });
});

describe('a probe that cannot sign in stops with one line', () => {
  it('a sign-in Shopify declines fails with SIGN_IN_FAILED', async () => {
    const h = await startHarness();
    const failure = await runShopifyProbe(
      probeOptions(h, { onAuthorizeUrl: (url) => signInByScript(url, h.seen, 'nobody@example.com') }),
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'SIGN_IN_FAILED', message: 'Shopify declined the sign-in: access_denied' });
  });

  it('no callback in time fails with CALLBACK_TIMEOUT', async () => {
    const h = await startHarness();
    const failure = await runShopifyProbe(probeOptions(h, { callbackTimeoutMs: 200, onAuthorizeUrl: () => {} })).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'CALLBACK_TIMEOUT', message: 'no sign-in callback within 0.2 s' });
  });
});

describe('the verdict, from hand-made measurements', () => {
  const refusal = (outcome: CallShape['outcome'], status: number, error: string): CallShape => ({
    outcome,
    status,
    contentType: 'application/json',
    fields: ['error'],
    error,
    errorDescription: null,
    wwwAuthenticate: null,
    expiresInSeconds: null,
    refreshTokenLifetime: null,
  });
  const measured = (overrides: Partial<ProbeMeasurements>) =>
    decideVerdict({
      rotation: 'rotated',
      reuse: null,
      grace: null,
      accessTokenTtlSeconds: { codeGrant: 3600, refreshes: [3600] },
      refreshTokenLifetimeFields: [],
      ...overrides,
    });

  it('no rotation: no reuse mode', () => {
    expect(measured({ rotation: 'same-token' }).emulatorConfig).toEqual({ accessTokenTtlSeconds: 3600 });
  });

  it('a transient answer to the reuse (empty-code 401): no reuse mode, run again', () => {
    const verdict = measured({
      reuse: { outcome: 'refused', refusal: refusal('transient', 401, ''), currentTokenAfterwards: 'success' },
    });
    expect(verdict.refreshTokenReuse).toBeNull();
    expect(verdict.notes[0]).toContain('run the probe again');
  });

  it('an announced refresh-token lifetime becomes refreshTokenTtlSeconds', () => {
    const verdict = measured({
      reuse: {
        outcome: 'refused',
        refusal: refusal('dead_grant', 400, 'invalid_grant'),
        currentTokenAfterwards: 'dead_grant',
      },
      refreshTokenLifetimeFields: [{ field: 'refresh_token_expires_in', seconds: 86_400 }],
    });
    expect(verdict.emulatorConfig).toEqual({
      refreshTokenReuse: 'revoke-family',
      accessTokenTtlSeconds: 3600,
      refreshTokenTtlSeconds: 86_400,
    });
  });
});

describe('configuration', () => {
  const env = { SHOPIFY_STOREFRONT_ORIGIN: 'https://shop.example.com', SHOPIFY_CLIENT_ID: 'client' };

  it('defaults: the BFF redirect URI on :3000, a public client, a grace schedule ending at the max wait', () => {
    expect(parseProbeCli([], env)).toEqual({
      settings: {
        storefrontOrigin: 'https://shop.example.com',
        clientId: 'client',
        clientSecret: null,
        appOrigin: 'http://localhost:3000',
        listenPort: 3000,
        callbackTimeoutMs: 600_000,
        graceScheduleSeconds: [1, 2, 5, 10, 15, 30, 60, 120],
        loginHint: null,
      },
      outPath: 'probe-report.json',
    });
    expect(parseProbeCli(['--out=x.json', '--login-hint', 'a@example.com'], env)).toMatchObject({
      settings: { loginHint: 'a@example.com' },
      outPath: 'x.json',
    });
    expect(parseProbeCli(['--help'], {})).toBe('help');
  });

  const cases: { bad: string; env: Record<string, string>; argv: string[]; message: string }[] = [
    {
      bad: 'no storefront',
      env: {},
      argv: [],
      message: 'SHOPIFY_STOREFRONT_ORIGIN is required (where /.well-known/openid-configuration is served)',
    },
    {
      bad: 'an https APP_ORIGIN without PROBE_LISTEN_PORT',
      env: { ...env, APP_ORIGIN: 'https://tunnel.example.com' },
      argv: [],
      message: 'APP_ORIGIN is https: set PROBE_LISTEN_PORT to the local port your tunnel forwards to',
    },
    {
      bad: 'a plain-http store',
      env: { ...env, SHOPIFY_STOREFRONT_ORIGIN: 'http://shop.example.com' },
      argv: [],
      message:
        'SHOPIFY_STOREFRONT_ORIGIN must use https (plain http is allowed only on localhost), got "http://shop.example.com"',
    },
    {
      bad: 'a descending schedule',
      env: { ...env, PROBE_GRACE_SCHEDULE_SECONDS: '5,2' },
      argv: [],
      message:
        'PROBE_GRACE_SCHEDULE_SECONDS must be ascending whole seconds up to PROBE_MAX_WAIT_SECONDS (120), got "5,2"',
    },
    {
      bad: 'a zero max wait',
      env: { ...env, PROBE_MAX_WAIT_SECONDS: '0' },
      argv: [],
      message: 'PROBE_MAX_WAIT_SECONDS must be a whole number from 1 to 86400, got "0"',
    },
    { bad: 'a flag without its value', env, argv: ['--out'], message: '--out needs a value' },
    { bad: 'an unknown flag', env, argv: ['--verbose'], message: 'unknown argument "--verbose" (see --help)' },
  ];
  it.each(cases)('$bad → CONFIG', ({ env: badEnv, argv, message }) => {
    expect(() => parseProbeCli(argv, badEnv)).toThrow(expect.objectContaining({ code: 'CONFIG', message }));
  });
});

interface CliRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as `npm run probe:shopify` does; `signIn` gets the URL it prints. */
async function runCli(
  cwd: string,
  env: Record<string, string>,
  signIn?: (url: string) => Promise<void>,
): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, '--out', 'report.json'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let signedIn: Promise<void> | null = null;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const url = /^(http\S+\/oauth\/authorize\?\S+)$/m.exec(stdout)?.[1];
    if (url !== undefined && signIn !== undefined && signedIn === null) signedIn = signIn(url);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [exitCode] = (await once(child, 'close')) as [number | null];
  await signedIn;
  return { exitCode, stdout, stderr };
}

describe('the CLI', () => {
  it('signs in through the printed URL, exits 0, writes the report and prints no secret', async () => {
    const h = await startHarness({ clientType: 'confidential' });
    const dir = await mkdtemp(join(tmpdir(), 'probe-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));

    const run = await runCli(
      dir,
      {
        SHOPIFY_STOREFRONT_ORIGIN: h.emulator.url,
        SHOPIFY_CLIENT_ID: h.client.clientId,
        SHOPIFY_CLIENT_SECRET: CLIENT_SECRET,
        APP_ORIGIN: h.appOrigin,
      },
      (url) => signInByScript(url, h.seen),
    );

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as ProbeReport;
    expect(report.verdict.emulatorConfig).toEqual({ refreshTokenReuse: 'revoke-family', accessTokenTtlSeconds: 3600 });
    expect(report.clientType).toBe('confidential');
    expect(run.stdout).toContain('verdict: revoke-family');
    expect(h.seen.size).toBe(1); // the code, seen on its way to the CLI; its tokens are caught by their shapes
    expectNoSecrets(`${run.stdout}\n${JSON.stringify(report)}`, h.seen);
  });

  it('a missing variable exits 1 with one line naming it', async () => {
    const h = await startHarness();
    const run = await runCli(tmpdir(), { SHOPIFY_STOREFRONT_ORIGIN: h.emulator.url, APP_ORIGIN: h.appOrigin });

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('probe:shopify: SHOPIFY_CLIENT_ID is required\n');
  });
});
