import { describe, expect, it } from 'vitest';
import { appWith } from '../../testing.ts';
import { bodyLimit } from './index.ts';

describe('bodyLimit', () => {
  const app = appWith(bodyLimit(8), async (c, next) => {
    await c.req.text(); // the handler reads the body, as a real one does
    await next();
  });

  it('lets through a body at the cap', async () => {
    expect((await app.request('/', { method: 'POST', body: '12345678' })).status).toBe(200);
  });

  it('refuses one byte more with PAYLOAD_TOO_LARGE, declared or streamed', async () => {
    const declared = await app.request('/', { method: 'POST', body: '123456789' });
    expect([declared.status, await declared.json()]).toEqual([599, { code: 'PAYLOAD_TOO_LARGE' }]);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('12345'));
        controller.enqueue(new TextEncoder().encode('6789'));
        controller.close();
      },
    });
    const streamed = await app.request('/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(599);
  });
});
