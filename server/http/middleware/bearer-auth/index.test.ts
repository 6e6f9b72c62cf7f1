import { describe, expect, it } from 'vitest';
import { appWith } from '../../testing.ts';
import { bearerAuth } from './index.ts';

describe('bearerAuth', () => {
  it('is open without a configured token', async () => {
    expect((await appWith(bearerAuth(null)).request('/')).status).toBe(200);
  });

  it('wants exactly `Authorization: Bearer <token>`, else 401 with WWW-Authenticate: Bearer', async () => {
    const app = appWith(bearerAuth('token-0123456789abcdef'));
    expect((await app.request('/', { headers: { authorization: 'Bearer token-0123456789abcdef' } })).status).toBe(200);
    for (const authorization of ['', 'Bearer token-0123456789abcdeX', 'Basic token-0123456789abcdef', 'Bearer token']) {
      const response = await app.request('/', { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toEqual({ error: 'unauthorized' });
    }
  });
});
