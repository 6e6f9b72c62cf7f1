import { describe, expect, it } from 'vitest';
import { parseSwConfig, resolveSwConfig } from './config.ts';

const parse = (query: string) => parseSwConfig(new URLSearchParams(query));

describe('parseSwConfig', () => {
  it('reads the API URL and buffer', () => {
    const config = parse(
      `api=${encodeURIComponent('https://shopify.com/1/account/customer/api/2026-04/graphql')}&buffer=90`,
    );
    expect(config.graphqlApiUrl?.href).toBe('https://shopify.com/1/account/customer/api/2026-04/graphql');
    expect(config.bufferSeconds).toBe(90);
  });
  it('defaults to no API URL and a 60 s buffer', () =>
    expect(parse('')).toEqual({ graphqlApiUrl: null, bufferSeconds: 60, basePath: '' }));
  it('reads the base path', () => expect(parse('base=%2Faccount-session%2F').basePath).toBe('/account-session'));
  it.each(['account-session', '//evil.test', '/a/../b'])('ignores base=%s (the root)', (value) =>
    expect(parse(`base=${encodeURIComponent(value)}`).basePath).toBe(''),
  );
  it('ignores a malformed API URL', () => expect(parse('api=not%20a%20url').graphqlApiUrl).toBeNull());
  it('ignores a non-http API URL', () => expect(parse('api=javascript%3Aalert(1)').graphqlApiUrl).toBeNull());
  it.each(['-1', 'abc', '99999', ''])('ignores buffer=%s', (value) =>
    expect(parse(`buffer=${value}`).bufferSeconds).toBe(60),
  );
});

describe('resolveSwConfig', () => {
  const api = 'https://shopify.com/1/account/customer/api/2026-04/graphql';
  it('defaults: the root, no API URL, a 60 s buffer', () =>
    expect(resolveSwConfig({})).toEqual({ graphqlApiUrl: null, bufferSeconds: 60, basePath: '' }));
  it('takes every option, the API URL as a string or a URL', () => {
    const config = resolveSwConfig({
      basePath: '/account-session',
      graphqlApiUrl: new URL(api),
      refreshBufferSeconds: 0,
    });
    expect(config).toEqual({ graphqlApiUrl: new URL(api), bufferSeconds: 0, basePath: '/account-session' });
    expect(resolveSwConfig({ graphqlApiUrl: api }).graphqlApiUrl?.href).toBe(api);
  });
  it.each([
    ['a relative base path', { basePath: 'account-session' }, /basePath/],
    ['a non-http API URL', { graphqlApiUrl: 'javascript:alert(1)' }, /graphqlApiUrl/],
    ['a relative API URL', { graphqlApiUrl: '/graphql' }, /graphqlApiUrl/],
    ['a negative buffer', { refreshBufferSeconds: -1 }, /refreshBufferSeconds/],
    ['a fractional buffer', { refreshBufferSeconds: 1.5 }, /refreshBufferSeconds/],
    ['a buffer over an hour', { refreshBufferSeconds: 3601 }, /refreshBufferSeconds/],
  ])('throws a TypeError for %s', (_name, options, message) => expect(() => resolveSwConfig(options)).toThrow(message));
});
