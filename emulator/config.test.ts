// Pure validation of options, clients and env configuration.
import { describe, expect, it } from 'vitest';
import { createEmulator } from './app.ts';
import {
  clientsFromEnv,
  configFromEnv,
  ConfigError,
  DEFAULT_DEMO_CLIENT,
  parseClients,
  parseConfigPatch,
} from './config.ts';
import { PUBLIC_CLIENT } from './testkit.ts';

describe('parseConfigPatch', () => {
  it('accepts every documented key', () => {
    const patch = {
      accessTokenTtlSeconds: 60,
      refreshTokenTtlSeconds: 120,
      refreshTokenReuse: 'grace',
      reuseGraceSeconds: 0,
      tokenLatencyMs: 0,
      graphqlLatencyMs: 5,
      graphqlBucketSize: 10,
      graphqlRestoreRatePerSecond: 0.5,
    };
    expect(parseConfigPatch(patch)).toEqual(patch);
  });

  it.each([[null], [[]], ['x'], [{ nope: 1 }], [{ reuseGraceSeconds: Number.NaN }], [{ graphqlBucketSize: 0 }]])(
    'rejects %j',
    (input) => {
      expect(() => parseConfigPatch(input)).toThrow(ConfigError);
    },
  );
});

describe('clients', () => {
  it('EMULATOR_CLIENTS unset or blank → the demo client for http://localhost:3000', () => {
    expect(clientsFromEnv(undefined)).toEqual([DEFAULT_DEMO_CLIENT]);
    expect(clientsFromEnv('  ')).toEqual([
      {
        clientId: 'demo-storefront',
        type: 'public',
        redirectUris: ['http://localhost:3000/auth/callback'],
        javascriptOrigins: ['http://localhost:3000'],
        logoutUris: ['http://localhost:3000/'],
      },
    ]);
  });

  it('parses a JSON array of registrations', () => {
    const json = JSON.stringify([
      PUBLIC_CLIENT,
      { ...PUBLIC_CLIENT, clientId: 'c2', type: 'confidential', clientSecret: 'sssssssss' },
    ]);
    expect(clientsFromEnv(json).map((c) => c.type)).toEqual(['public', 'confidential']);
  });

  it.each([
    ['not JSON', '['],
    ['not an array', '{}'],
    ['public with a secret', JSON.stringify([{ ...PUBLIC_CLIENT, clientSecret: 'sssssssss' }])],
    ['confidential without a secret', JSON.stringify([{ ...PUBLIC_CLIENT, type: 'confidential' }])],
    ['origin with a path', JSON.stringify([{ ...PUBLIC_CLIENT, javascriptOrigins: ['http://localhost:3000/'] }])],
    ['no redirect URI', JSON.stringify([{ ...PUBLIC_CLIENT, redirectUris: [] }])],
    ['bad redirect URI', JSON.stringify([{ ...PUBLIC_CLIENT, redirectUris: ['javascript:alert(1)'] }])],
    ['duplicate ids', JSON.stringify([PUBLIC_CLIENT, PUBLIC_CLIENT])],
  ])('rejects %s', (_name, value) => {
    expect(() => clientsFromEnv(value)).toThrow(ConfigError);
  });

  it('parseClients rejects a bad type', () => {
    expect(() => parseClients([{ ...PUBLIC_CLIENT, type: 'spa' }])).toThrow(ConfigError);
  });
});

describe('createEmulator options', () => {
  it.each([
    ['non-numeric shop id', { shopId: 'shop' }],
    ['origin with a path', { publicOrigin: 'http://localhost:3001/x' }],
    ['not a URL', { publicOrigin: 'localhost' }],
    ['bad config', { config: { tokenLatencyMs: -1 } }],
  ])('rejects %s', async (_name, options) => {
    await expect(createEmulator({ clients: [PUBLIC_CLIENT], ...options })).rejects.toThrow(ConfigError);
  });

  it('defaults: shop 90000000001 on http://localhost:3001', async () => {
    const emulator = await createEmulator({ clients: [PUBLIC_CLIENT] });
    expect(emulator.endpoints.graphql).toBe('http://localhost:3001/90000000001/account/customer/api/2026-10/graphql');
    const res = await emulator.app.request('/.well-known/openid-configuration');
    expect((await res.json()).issuer).toBe('http://localhost:3001/authentication/90000000001');
  });
});

describe('configFromEnv (EMULATOR_CONFIG)', () => {
  it('reads a patch, and nothing when unset', () => {
    expect(configFromEnv(undefined)).toEqual({});
    expect(configFromEnv('')).toEqual({});
    expect(configFromEnv('{"refreshTokenReuse":"grace","reuseGraceSeconds":5}')).toEqual({
      refreshTokenReuse: 'grace',
      reuseGraceSeconds: 5,
    });
  });

  it('refuses bad JSON and bad values with one line naming the variable', () => {
    expect(() => configFromEnv('{')).toThrow(new ConfigError('EMULATOR_CONFIG is not valid JSON'));
    expect(() => configFromEnv('{"refreshTokenReuse":"sometimes"}')).toThrow(
      new ConfigError('EMULATOR_CONFIG: refreshTokenReuse must be one of reject, revoke-family, grace'),
    );
  });
});
