import { describe, expect, it } from 'vitest';
import { appWith } from '../../testing.ts';
import { securityHeaders } from './index.ts';

describe('securityHeaders', () => {
  it('puts the four headers on every answer', async () => {
    const response = await appWith(securityHeaders()).request('/');
    expect(
      Object.fromEntries(
        ['x-content-type-options', 'referrer-policy', 'x-frame-options', 'content-security-policy'].map((name) => [
          name,
          response.headers.get(name),
        ]),
      ),
    ).toEqual({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
      'content-security-policy': "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    });
  });
});
