/**
 * `npm run doctor` as an operator runs it (`node scripts/doctor.ts`, a child process with its own
 * environment), on the demo's configuration and on broken ones: each problem is named on its own line.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CLIENT } from '../emulator/config.ts';
import { startEmulator, type StartedEmulator } from '../emulator/server.ts';
import { estimatedEntropyBits, redactStoreUrl } from '../server/doctor.ts';
import { freePort } from './helpers/stack.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function doctor(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/doctor.ts'],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, lines: stdout.trim().split('\n') });
      },
    );
  });
}

const line = (lines: string[], check: string): string => lines.find((l) => l.slice(5).startsWith(`${check}:`)) ?? '';

let emulator: StartedEmulator;
let malformed: Server;
let malformedOrigin: string;
let dir: string;
let demo: Record<string, string>;
const password = randomBytes(32).toString('base64url');

beforeAll(async () => {
  // The demo as `npm start` runs it: the emulator with the demo client, the BFF's defaults.
  emulator = await startEmulator({ port: 0, clients: [{ ...DEFAULT_DEMO_CLIENT }] });
  malformed = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"https://example.com/not-shopify"}');
  });
  await new Promise<void>((resolve) => malformed.listen(0, '127.0.0.1', resolve));
  malformedOrigin = `http://localhost:${(malformed.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'doctor-test-'));
  demo = {
    SHOPIFY_STOREFRONT_ORIGIN: emulator.url,
    SHOPIFY_CLIENT_ID: DEFAULT_DEMO_CLIENT.clientId,
    SESSION_PASSWORD: password,
    SESSION_STORE: `sqlite:${join(dir, 'nested', 'sessions.db')}`,
  };
});

afterAll(async () => {
  await emulator.close();
  await new Promise((resolve) => malformed.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run doctor', () => {
  it("passes on the demo's configuration, one line per check, and prints no secret", async () => {
    const { code, lines } = await doctor(demo);
    expect(code).toBe(0);
    expect(lines.slice(0, -1).map((l) => l.slice(0, 5).trim() + ' ' + l.slice(5).split(':')[0])).toEqual([
      'ok configuration',
      'ok session password',
      'ok app origin',
      'ok shopify discovery',
      'ok authorize url',
      'ok session store',
    ]);
    expect(lines.at(-1)).toBe('doctor: all checks passed');
    expect(line(lines, 'authorize url')).toContain(`${emulator.url}/authentication/`);
    expect(line(lines, 'authorize url')).toContain('redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fauth%2Fcallback');
    expect(lines.join('\n')).not.toContain(password);
  });

  it.each([
    ['no client id', { SHOPIFY_CLIENT_ID: '' }, 'configuration', 'SHOPIFY_CLIENT_ID is required'],
    [
      'a short password',
      { SESSION_PASSWORD: 'short-password' },
      'configuration',
      'SESSION_PASSWORD #0 is shorter than 32 characters',
    ],
    ['a long but weak password', { SESSION_PASSWORD: 'a'.repeat(40) }, 'session password', '#0 looks weak (~0 bits)'],
    ['unreachable discovery', { SHOPIFY_STOREFRONT_ORIGIN: 'UNREACHABLE' }, 'shopify discovery', 'unreachable'],
    ['malformed discovery', { SHOPIFY_STOREFRONT_ORIGIN: 'MALFORMED' }, 'shopify discovery', 'not Shopify-shaped'],
    ['unreachable Redis', { SESSION_STORE: 'REDIS' }, 'session store', 'ECONNREFUSED'],
    ['an unregistered redirect URI', { APP_ORIGIN: 'http://localhost:3999' }, 'authorize url', 'Shopify refused'],
  ])('names the problem with %s', async (_name, override, check, problem) => {
    const closedPort = String(await freePort());
    const env = Object.fromEntries(
      Object.entries({ ...demo, ...override }).map(([key, value]) => [
        key,
        value
          .replace('UNREACHABLE', `http://localhost:${closedPort}`)
          .replace('MALFORMED', malformedOrigin)
          .replace('REDIS', `redis://:hunter2-redis-password@127.0.0.1:${closedPort}`),
      ]),
    );
    const { code, lines } = await doctor(env);
    expect(code).toBe(1);
    const failed = lines.filter((l) => l.startsWith('FAIL'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(`FAIL ${check}: `);
    expect(failed[0]).toContain(problem);
    expect(failed[0]).toContain('→ fix: ');
    expect(lines.at(-1)).toBe('doctor: 1 check(s) failed');
    expect(lines.join('\n')).not.toContain('hunter2');
  });
});

describe('doctor helpers', () => {
  it('estimates entropy from the password itself', () => {
    expect(estimatedEntropyBits('a'.repeat(64))).toBe(0);
    expect(estimatedEntropyBits('ab'.repeat(32))).toBe(64);
    expect(estimatedEntropyBits(randomBytes(32).toString('base64url'))).toBeGreaterThan(128);
  });

  it('hides a Redis password', () => {
    expect(redactStoreUrl('redis://user:secret@redis.internal:6380/0')).toBe('redis://user:***@redis.internal:6380/0');
    expect(redactStoreUrl('sqlite:.data/sessions.db')).toBe('sqlite:.data/sessions.db');
  });
});
