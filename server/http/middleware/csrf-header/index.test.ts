import { describe, expect, it } from 'vitest';
import { appWith } from '../../testing.ts';
import { csrfHeader } from './index.ts';

describe('csrfHeader', () => {
  const app = appWith(csrfHeader());

  it('lets through exactly `X-CSRF: 1`', async () => {
    expect((await app.request('/', { method: 'POST', headers: { 'x-csrf': '1' } })).status).toBe(200);
  });

  it.each([[{}], [{ 'x-csrf': '0' }], [{ 'x-csrf': 'true' }], [{ 'x-csrf': '' }]])(
    'refuses %j with CSRF',
    async (headers) => {
      const response = await app.request('/', { method: 'POST', headers });
      expect([response.status, await response.json()]).toEqual([599, { code: 'CSRF' }]);
    },
  );
});
