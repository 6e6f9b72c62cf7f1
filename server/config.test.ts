import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadDotEnv } from './config.ts';
import { isAppError } from './errors.ts';
import { makeTlsFiles } from '../tests/helpers/redis-servers.ts';

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
      sessionStoreRedis: null,
      sessionStoreTlsCa: null,
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

describe('SESSION_STORE and SESSION_STORE_TLS_CA_FILE (Redis)', () => {
  it('reads one node, TLS, and a cluster of seed nodes with an ACL user', () => {
    expect(loadConfig({ ...base, SESSION_STORE: 'redis://127.0.0.1:6379' }).sessionStoreRedis).toEqual({
      kind: 'node',
      url: 'redis://127.0.0.1:6379',
      tls: false,
      username: null,
      db: 0,
    });
    expect(loadConfig({ ...base, SESSION_STORE: 'rediss-cluster://bff:pw@h1:7000,h2:7001' })).toMatchObject({
      sessionStore: 'rediss-cluster://bff:pw@h1:7000,h2:7001',
      sessionStoreRedis: {
        kind: 'cluster',
        tls: true,
        nodes: [
          { host: 'h1', port: 7000 },
          { host: 'h2', port: 7001 },
        ],
        username: 'bff',
        password: 'pw',
      },
      sessionStoreTlsCa: null,
    });
  });

  it.each([
    ['redis://bff:hunter2@h/x', 'SESSION_STORE may have only a database number as its path, got "redis://bff:***@h/x"'],
    [
      'memcached://bff:hunter2@h',
      'SESSION_STORE must be sqlite:<path>, sqlite::memory:, redis://host:port, rediss://host:port or redis-cluster://host:port,host:port, got "memcached://bff:***@h"',
    ],
    [
      'redis-cluster://bff:hunter2@h:1,,h:2',
      'SESSION_STORE has a node that is not host:port: "redis-cluster://bff:***@h:1,,h:2"',
    ],
  ])('refuses %s with one line that hides the password', (store, message) => {
    expect(configError({ ...base, SESSION_STORE: store })).toBe(message);
  });

  describe('with a CA file', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'config-ca-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the PEM once, for rediss:// and rediss-cluster:// only', async () => {
      const { caFile } = await makeTlsFiles(dir);
      const pem = readFileSync(caFile, 'utf8');
      for (const store of ['rediss://h:6380', 'rediss-cluster://h:1,h:2']) {
        expect(loadConfig({ ...base, SESSION_STORE: store, SESSION_STORE_TLS_CA_FILE: caFile }).sessionStoreTlsCa).toBe(
          pem,
        );
      }
      for (const store of ['redis://h:6379', 'redis-cluster://h:1', 'sqlite::memory:']) {
        expect(configError({ ...base, SESSION_STORE: store, SESSION_STORE_TLS_CA_FILE: caFile })).toBe(
          'SESSION_STORE_TLS_CA_FILE is set but SESSION_STORE does not use TLS (rediss:// or rediss-cluster://)',
        );
      }
    });

    it.each([
      ['missing.pem', null, 'SESSION_STORE_TLS_CA_FILE cannot be read: DIR/missing.pem (ENOENT)'],
      [
        'key.pem',
        '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
        'SESSION_STORE_TLS_CA_FILE must hold PEM certificates, found none in DIR/key.pem',
      ],
      [
        'broken.pem',
        '-----BEGIN CERTIFICATE-----\nnot-base64-der\n-----END CERTIFICATE-----\n',
        'SESSION_STORE_TLS_CA_FILE holds a certificate that does not parse: DIR/broken.pem',
      ],
    ])('refuses %s with one line', (name, content, message) => {
      const file = join(dir, name);
      if (content !== null) writeFileSync(file, content);
      const store = 'rediss://h:6380';
      expect(configError({ ...base, SESSION_STORE: store, SESSION_STORE_TLS_CA_FILE: file })).toBe(
        message.replace('DIR', dir),
      );
    });
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
    expect(read.size).toBe(24);
  });
});
