import { describe, expect, it } from 'vitest';
import { appWith } from '../../testing.ts';
import { forwarded } from './index.ts';

// The reader's rules (which header to believe from which peer) are tested in reader.test.ts; this is the
// middleware around it. Under app.request() there is no socket: the address is null, nothing is believed.
describe('forwarded', () => {
  it('sets clientAddress (null in-process) and believes no X-Forwarded-Proto without a socket', async () => {
    const app = appWith(forwarded({ hops: 1 }, 'https://shop.example.com'), async (c, next) => {
      c.header('x-client', String(c.get('clientAddress')));
      await next();
    });
    const response = await app.request('/account', {
      headers: { 'x-forwarded-proto': 'http', 'x-forwarded-for': '6.6.6.6' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-client')).toBe('null');
  });
});
