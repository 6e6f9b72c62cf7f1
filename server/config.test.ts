import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configFromOptions,
  loadConfig,
  loadConfigFromEnv,
  loadDotEnv,
  type CustomerSessionBffOptions,
} from './config.ts';
import { createCapturingDestination, createLogger } from './observability/logger.ts';
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
      basePath: '',
      storefrontOrigin: 'https://shop.example.com',
      clientId: 'client-1',
      clientSecret: null,
      storefrontApi: null,
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
      metricsEnabled: true,
      silentSignIn: false,
      tracing: null,
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

  it('the Storefront API (carts): off without a token, on the storefront origin by default, or at a given https URL', () => {
    expect(loadConfig(base).storefrontApi).toBeNull();
    expect(loadConfig({ ...base, SHOPIFY_STOREFRONT_API_TOKEN: ' sf-token ' }).storefrontApi).toEqual({
      url: 'https://shop.example.com/api/2026-10/graphql.json',
      token: 'sf-token',
    });
    expect(
      loadConfig({
        ...base,
        SHOPIFY_STOREFRONT_API_TOKEN: 'sf-token',
        SHOPIFY_STOREFRONT_API_URL: 'https://shop.myshopify.com/api/2026-07/graphql.json',
      }).storefrontApi,
    ).toEqual({ url: 'https://shop.myshopify.com/api/2026-07/graphql.json', token: 'sf-token' });
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
    [{ SILENT_SIGN_IN: 'yes' }, /^SILENT_SIGN_IN must be 1 or 0, got "yes"$/],
    [
      { SHOPIFY_STOREFRONT_API_URL: 'https://shop.example.com/api/2026-10/graphql.json' },
      /^SHOPIFY_STOREFRONT_API_URL needs SHOPIFY_STOREFRONT_API_TOKEN \(the store's private Storefront API token\)$/,
    ],
    [
      { SHOPIFY_STOREFRONT_API_TOKEN: 't', SHOPIFY_STOREFRONT_API_URL: 'http://shop.example.com/api/graphql.json' },
      /^SHOPIFY_STOREFRONT_API_URL must use https \(plain http is allowed only on localhost\), got "http:\/\/shop.example.com\/api\/graphql.json"$/,
    ],
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

describe('loadConfigFromEnv', () => {
  it('is loadConfig, and reads process.env when given nothing', () => {
    expect(loadConfigFromEnv(base)).toEqual(loadConfig(base));
    const saved = { ...process.env };
    Object.assign(process.env, base, { REFRESH_BUFFER_SECONDS: '42' });
    try {
      expect(loadConfigFromEnv().refreshBufferSeconds).toBe(42);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('names every bad variable at once, one a line, in one CONFIG error', () => {
    expect(
      configError({
        ...base,
        PORT: 'eighty',
        SESSION_PASSWORD: 'short',
        SESSION_STORE: 'postgres://x',
        ADMIN_TOKEN: 'too-short',
        LOG_LEVEL: 'loud',
      }),
    ).toBe(
      [
        'PORT must be a whole number from 0 to 65535, got "eighty"',
        'SESSION_PASSWORD #0 is shorter than 32 characters',
        'SESSION_STORE must be sqlite:<path>, sqlite::memory:, redis://host:port, rediss://host:port or redis-cluster://host:port,host:port, got "postgres://x"',
        'ADMIN_TOKEN must be at least 32 characters',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      ].join('\n'),
    );
  });

  it('checks a rule that combines two variables only when both are good on their own', () => {
    expect(configError({ ...base, HTTP_HEADERS_TIMEOUT_SECONDS: 'x', HTTP_REQUEST_TIMEOUT_SECONDS: '5' })).toBe(
      'HTTP_HEADERS_TIMEOUT_SECONDS must be a whole number from 1 to 300, got "x"',
    );
    expect(configError({ ...base, SESSION_STORE: 'memcached://h', SESSION_STORE_TLS_CA_FILE: '/nowhere.pem' })).toMatch(
      /^SESSION_STORE must be [^\n]+$/,
    );
  });
});

describe('tracing (the standard OTEL_* variables)', () => {
  const tracing = (env: Record<string, string>) => loadConfig({ ...base, ...env }).tracing;

  it('is off without an endpoint, and off again when disabled', () => {
    expect(tracing({})).toBeNull();
    expect(tracing({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBeNull();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('posts to <endpoint>/v1/traces, or to the traces endpoint as it is, parent-based and always on by default', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      export: {
        url: 'http://collector:4318/v1/traces',
        headers: {},
        serviceName: 'shopify-customer-session-bff',
        resourceAttributes: {},
        sampler: { root: 'always_on', parentBased: true, ratio: 1 },
      },
    });
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/base/' })?.export?.url).toBe(
      'https://otel.example.com/base/v1/traces',
    );
    expect(
      tracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example.com/custom/traces',
      })?.export?.url,
    ).toBe('https://otel.example.com/custom/traces');
  });

  it('reads the headers, the service, the resource and the sampler', () => {
    expect(
      tracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, x-team = shop',
        OTEL_SERVICE_NAME: 'bff-eu',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=production',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      })?.export,
    ).toEqual({
      url: 'http://collector:4318/v1/traces',
      headers: { 'x-api-key': 'abc==', 'x-team': 'shop' },
      serviceName: 'bff-eu',
      resourceAttributes: { 'deployment.environment.name': 'production' },
      sampler: { root: 'traceidratio', parentBased: true, ratio: 0.25 },
    });
  });

  it.each([
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got "collector:4318"',
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' },
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL, got "grpc://collector:4317"',
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'OTEL_EXPORTER_OTLP_PROTOCOL must be http/json or http/protobuf (spans are sent as OTLP/HTTP JSON), got "grpc"',
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'sometimes' },
      /^OTEL_TRACES_SAMPLER must be one of always_on, /,
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER_ARG: '2' },
      'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got "2"',
    ],
    [{ OTEL_SDK_DISABLED: 'maybe' }, 'OTEL_SDK_DISABLED must be true or false, got "maybe"'],
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER must be otlp or none, got "jaeger"'],
  ])('refuses %j with one clear line', (env, message) => {
    const got = configError({ ...base, ...env });
    if (typeof message === 'string') expect(got).toBe(message);
    else expect(got).toMatch(message);
  });

  it('never shows an endpoint that carries credentials', () => {
    const message = configError({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://user:s3cret@collector:4317' });
    expect(message).toBe(
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got a URL with credentials in it (not shown)',
    );
  });

  it('names a bad header by its position and key, never its value (a credential)', () => {
    const message = configError({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret-%zz,novalue',
    });
    expect(message).toBe('OTEL_EXPORTER_OTLP_HEADERS entry 1 (x-api-key) is not valid percent-encoding');
    expect(
      configError({
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'a=1,secret-value',
      }),
    ).toBe('OTEL_EXPORTER_OTLP_HEADERS entry 2 must be key=value');
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
    const read = new Set(
      [...source.matchAll(/\b(?:env\.|env,\s*'|env:\s*')([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]),
    );
    // Read through helpers rather than `env.X`; EMULATOR_ADMIN_ORIGIN is set by `npm start` itself.
    for (const name of ['SESSION_PASSWORD', 'HOST', 'LOG_LEVEL', 'TRUST_PROXY']) read.add(name);
    read.delete('EMULATOR_ADMIN_ORIGIN');
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
    expect(read.size).toBe(37);
  });
});

describe('configFromOptions (createCustomerSessionBff)', () => {
  const options: CustomerSessionBffOptions = {
    shopify: { storefrontOrigin: 'https://shop.example.com', clientId: 'client-1' },
    appOrigin: 'https://shop.example.com',
    session: { password: 'a'.repeat(32) },
  };

  /** The CONFIG message for `options` with `patch` applied (one level deep for the nested sections). */
  const optionsError = (patch: Record<string, unknown>): string => {
    const merged: Record<string, unknown> = { ...options };
    for (const [key, value] of Object.entries(patch)) {
      const current = merged[key];
      merged[key] =
        typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object'
          ? { ...current, ...value }
          : value;
    }
    try {
      configFromOptions(merged as unknown as CustomerSessionBffOptions);
    } catch (error) {
      if (isAppError(error, 'CONFIG')) return error.message;
      throw error;
    }
    throw new Error('expected a CONFIG error');
  };

  it("fills the standalone server's defaults; /metrics off, the root path", () => {
    expect(configFromOptions(options)).toEqual({
      ...loadConfig({ ...base, APP_ORIGIN: 'https://shop.example.com' }),
      port: 0,
      http: { ...loadConfig(base).http, maxConnectionsPerIp: null },
      basePath: '',
      metricsEnabled: false,
    });
  });

  it('reads every option', () => {
    const logs = createCapturingDestination();
    const config = configFromOptions({
      shopify: { storefrontOrigin: 'http://127.0.0.1:3001', clientId: ' client-2 ', clientSecret: 's3cret' },
      appOrigin: 'http://localhost:8080',
      basePath: '/account-session',
      session: {
        password: ['n'.repeat(32), 'o,'.repeat(20)],
        store: 'redis://bff:pw@127.0.0.1:6379/2',
        storePrefix: 'shop:',
        idleTimeoutSeconds: 3600,
        absoluteTimeoutSeconds: '7200' as unknown as number,
      },
      refreshBufferSeconds: 120,
      loginRateLimitPerMinute: 5,
      trustProxy: ['loopback', '10.0.0.0/8'],
      logger: { level: 'debug', destination: logs },
      metricsBearerToken: 'm'.repeat(16),
      adminToken: 'x'.repeat(32),
      shutdownTimeoutSeconds: 3,
    });
    expect(config).toMatchObject({
      appOrigin: 'http://localhost:8080',
      basePath: '/account-session',
      storefrontOrigin: 'http://127.0.0.1:3001',
      clientId: 'client-2',
      clientSecret: 's3cret',
      // A list rotates; a password is taken whole (the environment's comma list does not apply).
      sessionPasswords: ['n'.repeat(32), 'o,'.repeat(20)],
      sessionStore: 'redis://bff:pw@127.0.0.1:6379/2',
      sessionStoreRedis: { kind: 'node', db: 2, username: 'bff' },
      sessionStorePrefix: 'shop:',
      sessionIdleTimeoutSeconds: 3600,
      sessionAbsoluteTimeoutSeconds: 7200,
      refreshBufferSeconds: 120,
      loginRateLimitPerMinute: 5,
      trustProxy: { addresses: ['loopback', '10.0.0.0/8'] },
      logLevel: 'debug',
      metricsEnabled: true,
      metricsBearerToken: 'm'.repeat(16),
      adminToken: 'x'.repeat(32),
      shutdownTimeoutSeconds: 3,
      emulatorAdminOrigin: null,
    });
    expect(configFromOptions({ ...options, trustProxy: 2 }).trustProxy).toEqual({ hops: 2 });
    expect(configFromOptions({ ...options, trustProxy: 'loopback' }).trustProxy).toEqual({ addresses: ['loopback'] });
    expect(configFromOptions({ ...options, metrics: true }).metricsEnabled).toBe(true);
    expect(configFromOptions({ ...options, metrics: false, metricsBearerToken: 'm'.repeat(16) }).metricsEnabled).toBe(
      false,
    );
    // The host's own logger is taken as it is; its level is its own business.
    expect(configFromOptions({ ...options, logger: createLogger({ level: 'warn' }) }).logLevel).toBe('info');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['basePath: not a string', { basePath: 42 }, 'basePath must be a string such as "/account-session"'],
    ['basePath: no leading slash', { basePath: 'account' }, 'basePath must start with "/", got "account"'],
    [
      'basePath: a trailing slash',
      { basePath: '/account/' },
      'basePath must not end with "/" ("" serves at the root), got "/account/"',
    ],
    ['basePath: "/"', { basePath: '/' }, 'basePath must not end with "/" ("" serves at the root), got "/"'],
    ['basePath: ".."', { basePath: '/a/../b' }, 'basePath must not contain empty, "." or ".." segments, got "/a/../b"'],
    ['basePath: "//"', { basePath: '/a//b' }, 'basePath must not contain empty, "." or ".." segments, got "/a//b"'],
    ['basePath: a query', { basePath: '/a?x=1' }, 'basePath must be a path without a query or fragment, got "/a?x=1"'],
    ['basePath: a fragment', { basePath: '/a#x' }, 'basePath must be a path without a query or fragment, got "/a#x"'],
    [
      'basePath: other characters',
      { basePath: '/a b' },
      'basePath may hold only letters, digits and - . _ ~ between its slashes, got "/a b"',
    ],
    [
      'appOrigin missing',
      { appOrigin: undefined },
      'appOrigin is required (where browsers reach the storefront, e.g. https://shop.example.com)',
    ],
    [
      'appOrigin over plain http',
      { appOrigin: 'http://shop.example.com' },
      'appOrigin must use https (plain http is allowed only on localhost), got "http://shop.example.com"',
    ],
    [
      'shopify.storefrontOrigin with a path',
      { shopify: { storefrontOrigin: 'https://shop.example.com/x' } },
      'shopify.storefrontOrigin must be an origin with no path, got "https://shop.example.com/x"',
    ],
    [
      'shopify.storefrontOrigin missing',
      { shopify: { storefrontOrigin: '' } },
      'shopify.storefrontOrigin is required (where /.well-known/openid-configuration is served)',
    ],
    ['shopify.clientId blank', { shopify: { clientId: ' ' } }, 'shopify.clientId is required'],
    ['shopify.clientSecret not text', { shopify: { clientSecret: 42 } }, 'shopify.clientSecret must be a string'],
    ['session.password short', { session: { password: 'short' } }, 'session.password #0 is shorter than 32 characters'],
    [
      'session.password empty',
      { session: { password: [] } },
      'session.password is required (at least 32 characters; a list rotates, newest first)',
    ],
    [
      'session.password twice',
      { session: { password: ['a'.repeat(32), 'a'.repeat(32)] } },
      'session.password #1 is listed twice',
    ],
    [
      'session.password not text',
      { session: { password: 42 } },
      'session.password must be a string or a list of strings',
    ],
    [
      'session.store unknown',
      { session: { store: 'postgres://bff:hunter2@x' } },
      'session.store must be sqlite:<path>, sqlite::memory:, redis://host:port, rediss://host:port or redis-cluster://host:port,host:port, got "postgres://bff:***@x"',
    ],
    [
      'session.storePrefix',
      { session: { storePrefix: 'has space' } },
      'session.storePrefix must be 1-64 characters of A-Z a-z 0-9 _ . : -, got "has space"',
    ],
    [
      'session.storeTlsCaFile without TLS',
      { session: { store: 'redis://h:6379', storeTlsCaFile: '/ca.pem' } },
      'session.storeTlsCaFile is set but session.store does not use TLS (rediss:// or rediss-cluster://)',
    ],
    [
      'session.idleTimeoutSeconds',
      { session: { idleTimeoutSeconds: 1.5 } },
      'session.idleTimeoutSeconds must be a whole number from 60 to 31536000, got "1.5"',
    ],
    [
      'session.absoluteTimeoutSeconds',
      { session: { absoluteTimeoutSeconds: 59 } },
      'session.absoluteTimeoutSeconds must be a whole number from 60 to 31536000, got "59"',
    ],
    [
      'refreshBufferSeconds',
      { refreshBufferSeconds: -1 },
      'refreshBufferSeconds must be a whole number from 0 to 3600, got "-1"',
    ],
    [
      'loginRateLimitPerMinute',
      { loginRateLimitPerMinute: null },
      'loginRateLimitPerMinute must be a whole number from 1 to 100000, got "null"',
    ],
    [
      'shutdownTimeoutSeconds',
      { shutdownTimeoutSeconds: 601 },
      'shutdownTimeoutSeconds must be a whole number from 0 to 600, got "601"',
    ],
    [
      'trustProxy: true',
      { trustProxy: true },
      'trustProxy must be a hop count (1-10) or a list of addresses, CIDRs, loopback, linklocal or uniquelocal, got "true"',
    ],
    ['trustProxy: 0 hops', { trustProxy: 0 }, 'trustProxy as a hop count must be from 1 to 10, got "0"'],
    [
      'trustProxy: a bad CIDR',
      { trustProxy: ['10.0.0.0/33'] },
      'trustProxy must be a hop count (1-10) or a list of addresses, CIDRs, loopback, linklocal or uniquelocal, got "10.0.0.0/33"',
    ],
    [
      'logger: not a logger',
      { logger: 'debug' },
      'logger must be a pino-compatible logger or options such as { level: "info" }',
    ],
    [
      'logger.level',
      { logger: { level: 'verbose' } },
      'logger.level must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
    ['metrics', { metrics: 'yes' }, 'metrics must be true or false'],
    ['silentSignIn', { silentSignIn: 1 }, 'silentSignIn must be true or false'],
    ['metricsBearerToken', { metricsBearerToken: 'short' }, 'metricsBearerToken must be at least 16 characters'],
    ['adminToken', { adminToken: 'too-short-for-an-admin' }, 'adminToken must be at least 32 characters'],
    [
      "the standalone demo's controls",
      { demo: { emulatorAdminOrigin: 'http://127.0.0.1:3001' } },
      'unknown option "demo"',
    ],
    ['an unknown option', { sessionPassword: 'x'.repeat(32) }, 'unknown option "sessionPassword"'],
    ['an unknown nested option', { session: { pasword: 'x' } }, 'unknown option "session.pasword"'],
  ])('%s: exactly its own message', (_name, patch, message) => {
    expect(optionsError(patch)).toBe(message);
  });

  it('lists every problem at once, one a line, in the order of the options', () => {
    expect(
      optionsError({
        shopify: { clientId: '' },
        appOrigin: 'http://evil.example',
        basePath: 'account-session/',
        session: { password: 'short', store: 'postgres://x' },
        refreshBufferSeconds: 9_999,
        adminToken: 'short',
      }),
    ).toBe(
      [
        'shopify.clientId is required',
        'appOrigin must use https (plain http is allowed only on localhost), got "http://evil.example"',
        'basePath must start with "/", got "account-session/"',
        'session.password #0 is shorter than 32 characters',
        'session.store must be sqlite:<path>, sqlite::memory:, redis://host:port, rediss://host:port or redis-cluster://host:port,host:port, got "postgres://x"',
        'refreshBufferSeconds must be a whole number from 0 to 3600, got "9999"',
        'adminToken must be at least 32 characters',
      ].join('\n'),
    );
  });

  it('names each missing section once nothing at all is given', () => {
    expect(optionsError({ shopify: undefined, appOrigin: undefined, session: undefined })).toBe(
      [
        'shopify must be an object',
        'session must be an object',
        'shopify.storefrontOrigin is required (where /.well-known/openid-configuration is served)',
        'shopify.clientId is required',
        'appOrigin is required (where browsers reach the storefront, e.g. https://shop.example.com)',
        'session.password is required (at least 32 characters; a list rotates, newest first)',
      ].join('\n'),
    );
  });

  it('never echoes a password, a secret or a token', () => {
    const message = optionsError({
      shopify: { clientSecret: 42 },
      session: { password: ['SECRET-password-that-is-long-enough-1', 'SECRET-short'] },
      metricsBearerToken: 'SECRET-m',
      adminToken: 'SECRET-a',
    });
    expect(message.split('\n')).toHaveLength(4);
    expect(message).not.toContain('SECRET-');
  });

  describe('tracing', () => {
    const withEnv = <T>(env: Record<string, string>, read: () => T): T => {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        return read();
      } finally {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      }
    };

    it("follows the process's OTEL_* variables by default; true without an endpoint uses the host's provider", () => {
      expect(withEnv({}, () => configFromOptions(options).tracing)).toBeNull();
      expect(withEnv({}, () => configFromOptions({ ...options, tracing: true }).tracing)).toEqual({ export: null });
      const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
      expect(withEnv(endpoint, () => configFromOptions(options).tracing?.export?.url)).toBe(
        'http://collector:4318/v1/traces',
      );
      expect(withEnv(endpoint, () => configFromOptions({ ...options, tracing: false }).tracing)).toBeNull();
    });

    it('refuses a tracing option that is not a boolean, and bad OTEL_* variables by name', () => {
      expect(() => configFromOptions({ ...options, tracing: 'yes' as unknown as boolean })).toThrow(
        /^tracing must be true or false$/,
      );
      expect(() => withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'nowhere' }, () => configFromOptions(options))).toThrow(
        /^OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL, got "nowhere"$/,
      );
    });
  });
});
