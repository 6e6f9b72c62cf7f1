import { describe, expect, it } from 'vitest';
import { parseSwConfig } from './config.ts';

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
    expect(parse('')).toEqual({ graphqlApiUrl: null, bufferSeconds: 60 }));
  it('ignores a malformed API URL', () => expect(parse('api=not%20a%20url').graphqlApiUrl).toBeNull());
  it('ignores a non-http API URL', () => expect(parse('api=javascript%3Aalert(1)').graphqlApiUrl).toBeNull());
  it.each(['-1', 'abc', '99999', ''])('ignores buffer=%s', (value) =>
    expect(parse(`buffer=${value}`).bufferSeconds).toBe(60),
  );
});
