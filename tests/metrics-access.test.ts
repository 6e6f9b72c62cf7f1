import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/stack.ts';

const TOKEN = 'scraper-secret-0123456789';

describe('GET /metrics with METRICS_BEARER_TOKEN', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { METRICS_BEARER_TOKEN: TOKEN } });
  });
  afterAll(() => stack.close());

  it.each([
    ['no credentials', {}],
    ['a wrong token', { authorization: 'Bearer scraper-secret-0123456780' }],
    ['a token of another length', { authorization: `Bearer ${TOKEN}x` }],
    ['the token without the Bearer scheme', { authorization: TOKEN }],
  ])('refuses %s', async (_name, headers: Record<string, string>) => {
    const response = await fetch(`${stack.appOrigin}/metrics`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({ error: 'unauthorized' });
  });

  it('serves the scraper that presents the token', async () => {
    const response = await fetch(`${stack.appOrigin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('bff_token_refresh_total{outcome="success"} 0');
  });
});
