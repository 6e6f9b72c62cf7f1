import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadDotEnv } from './config.ts';
import { isAppError } from './errors.ts';

const base = {
  SHOPIFY_STOREFRONT_ORIGIN: 'https://shop.example.com',
  SHOPIFY_CLIENT_ID: 'client-1',
  SESSION_PASSWORD: 'a'.repeat(32),
};

const configError = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    if (isAppError(error, 'CONFIG')) return error.message;
    throw error;
  }
  throw new Error('expected a CONFIG error');
};

describe('loadConfig', () => {
  it('fills defaults', () => {
    expect(loadConfig(base)).toEqual({
      port: 3000,
      host: '127.0.0.1',
      appOrigin: 'http://localhost:3000',
      storefrontOrigin: 'https://shop.example.com',
      clientId: 'client-1',
      clientSecret: null,
      sessionPasswords: ['a'.repeat(32)],
      sessionStore: 'sqlite:.data/sessions.db',
      sessionStorePrefix: 'bff:',
      refreshBufferSeconds: 60,
      sessionIdleTimeoutSeconds: 7 * 24 * 3600,
      sessionAbsoluteTimeoutSeconds: 30 * 24 * 3600,
      logLevel: 'info',
      trustProxy: null,
      shutdownTimeoutSeconds: 10,
      loginRateLimitPerMinute: 30,
      http: {
        headersTimeoutSeconds: 10,
        requestTimeoutSeconds: 30,
        keepAliveTimeoutSeconds: 5,
        maxConnections: 4_000,
        maxConnectionsPerIp: 256,
      },
      emulatorAdminOrigin: null,
      metricsBearerToken: null,
      adminToken: null,
    });
  });

  it('reads a rotation list, newest first, and a confidential client', () => {
    const config = loadConfig({
      ...base,
      SESSION_PASSWORD: `${'n'.repeat(32)}, ${'o'.repeat(40)}`,
      SHOPIFY_CLIENT_SECRET: 's3cret',
    });
    expect(config.sessionPasswords).toEqual(['n'.repeat(32), 'o'.repeat(40)]);
    expect(config.clientSecret).toBe('s3cret');
  });

  it('reads HOST, LOG_LEVEL, TRUST_PROXY and SHUTDOWN_TIMEOUT_SECONDS', () => {
    const config = loadConfig({
      ...base,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
      SHUTDOWN_TIMEOUT_SECONDS: '30',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      logLevel: 'warn',
      trustProxy: { addresses: ['loopback', '10.0.0.0/8'] },
      shutdownTimeoutSeconds: 30,
    });
    expect(loadConfig({ ...base, HOST: 'bff.internal', TRUST_PROXY: '2' })).toMatchObject({
      host: 'bff.internal',
      trustProxy: { hops: 2 },
    });
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBeNull();
    // Behind a trusted proxy every connection comes from the proxy: no per-address cap.
    expect(loadConfig({ ...base, TRUST_PROXY: '1', MAX_CONNECTIONS_PER_IP: '10' }).http.maxConnectionsPerIp).toBeNull();
    expect(loadConfig({ ...base, MAX_CONNECTIONS_PER_IP: '10' }).http.maxConnectionsPerIp).toBe(10);
  });

  it('allows plain http only on loopback', () => {
    expect(loadConfig({ ...base, SHOPIFY_STOREFRONT_ORIGIN: 'http://127.0.0.1:3001' }).storefrontOrigin).toBe(
      'http://127.0.0.1:3001',
    );
    expect(configError({ ...base, SHOPIFY_STOREFRONT_ORIGIN: 'http://shop.example.com' })).toMatch(
      /SHOPIFY_STOREFRONT_ORIGIN must use https/,
    );
    expect(configError({ ...base, APP_ORIGIN: 'http://shop.example.com' })).toMatch(/APP_ORIGIN must use https/);
  });

  it.each([
    [{ SHOPIFY_STOREFRONT_ORIGIN: '' }, /SHOPIFY_STOREFRONT_ORIGIN is required/],
    [{ SHOPIFY_STOREFRONT_ORIGIN: 'not a url' }, /must be a URL/],
    [{ SHOPIFY_STOREFRONT_ORIGIN: 'https://shop.example.com/path' }, /origin with no path/],
    [{ SHOPIFY_CLIENT_ID: ' ' }, /SHOPIFY_CLIENT_ID is required/],
    [{ SESSION_PASSWORD: '' }, /SESSION_PASSWORD is required/],
    [{ SESSION_PASSWORD: `${'a'.repeat(32)},short` }, /^SESSION_PASSWORD #1 is shorter than 32 characters$/],
    [{ SESSION_STORE: 'postgres://x' }, /SESSION_STORE must be/],
    [{ SESSION_STORE_PREFIX: 'has space' }, /SESSION_STORE_PREFIX must be/],
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ REFRESH_BUFFER_SECONDS: '-1' }, /REFRESH_BUFFER_SECONDS must be a whole number from 0/],
    [{ SESSION_IDLE_TIMEOUT_SECONDS: '1.5' }, /SESSION_IDLE_TIMEOUT_SECONDS/],
    [{ EMULATOR_ADMIN_ORIGIN: 'https://emulator.example.com' }, /EMULATOR_ADMIN_ORIGIN must be on localhost/],
    [{ METRICS_BEARER_TOKEN: 'short' }, /METRICS_BEARER_TOKEN must be at least 16 characters/],
    [{ ADMIN_TOKEN: 'too-short-for-an-admin' }, /^ADMIN_TOKEN must be at least 32 characters$/],
    [
      { LOG_LEVEL: 'verbose' },
      /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"$/,
    ],
    [{ HOST: 'not a host!' }, /^HOST must be an IP address/],
    [{ TRUST_PROXY: 'true' }, /^TRUST_PROXY must be a hop count \(1-10\) or a list of addresses/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY must be/],
    [{ TRUST_PROXY: '0' }, /^TRUST_PROXY as a hop count must be from 1 to 10, got "0"$/],
    [{ SHUTDOWN_TIMEOUT_SECONDS: '601' }, /^SHUTDOWN_TIMEOUT_SECONDS must be a whole number from 0 to 600, got "601"$/],
    [
      { HTTP_HEADERS_TIMEOUT_SECONDS: '0' },
      /^HTTP_HEADERS_TIMEOUT_SECONDS must be a whole number from 1 to 300, got "0"$/,
    ],
    [
      { HTTP_HEADERS_TIMEOUT_SECONDS: '20', HTTP_REQUEST_TIMEOUT_SECONDS: '10' },
      /^HTTP_REQUEST_TIMEOUT_SECONDS must be at least HTTP_HEADERS_TIMEOUT_SECONDS$/,
    ],
    [{ MAX_CONNECTIONS_PER_IP: 'lots' }, /^MAX_CONNECTIONS_PER_IP must be a whole number/],
  ])('refuses %j with one clear line', (override, message) => {
    expect(configError({ ...base, ...override })).toMatch(message);
  });
});

describe('loadDotEnv', () => {
  it('fills variables from .env when the file exists, and the environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-test-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'DOTENV_TEST_A=from-file\nDOTENV_TEST_B=from-file\n');
    process.env.DOTENV_TEST_B = 'from-environment';
    try {
      loadDotEnv(join(dir, 'missing.env'));
      expect(process.env.DOTENV_TEST_A).toBeUndefined();
      loadDotEnv(file);
      expect(process.env.DOTENV_TEST_A).toBe('from-file');
      expect(process.env.DOTENV_TEST_B).toBe('from-environment');
    } finally {
      delete process.env.DOTENV_TEST_A;
      delete process.env.DOTENV_TEST_B;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.env.example', () => {
  it('lists every variable the BFF reads', () => {
    const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/\b(?:env\.|env,\s*')([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]));
    // Read through helpers rather than `env.X`; EMULATOR_ADMIN_ORIGIN is set by `npm start` itself.
    for (const name of ['SESSION_PASSWORD', 'HOST', 'LOG_LEVEL', 'TRUST_PROXY']) read.add(name);
    read.delete('EMULATOR_ADMIN_ORIGIN');
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
    expect(read.size).toBe(23);
  });
});
