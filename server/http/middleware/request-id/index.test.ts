import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { logEvent } from '../../../observability/events.ts';
import { createCapturingDestination, createLogger } from '../../../observability/logger.ts';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../env.ts';
import { appWith } from '../../testing.ts';
import { requestId } from './index.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestId', () => {
  it('answers a well-formed incoming X-Request-Id as it came', async () => {
    const response = await appWith(requestId()).request('/', { headers: { 'x-request-id': 'lb:7.a_b-c' } });
    expect(response.headers.get('x-request-id')).toBe('lb:7.a_b-c');
  });

  it('replaces a missing or malformed one with a fresh UUID', async () => {
    const app = appWith(requestId());
    const cases: Record<string, string>[] = [{}, { 'x-request-id': 'has space' }, { 'x-request-id': 'x'.repeat(65) }];
    for (const headers of cases) {
      const id = (await app.request('/', { headers })).headers.get('x-request-id');
      expect(id).toMatch(UUID);
    }
  });

  it('sets c.var.requestId, logs inside it, and answers it on an error too', async () => {
    const destination = createCapturingDestination();
    const logger = createLogger({ destination });
    const app = new Hono<AppEnv>();
    app.use('*', requestId());
    app.get('/ok', (c) => {
      logEvent(logger, 'info', 'store.file_restored', { path: '/x' });
      return c.text(c.get('requestId'));
    });
    app.get('/fails', () => {
      throw new AppError('BAD_REQUEST', 'no');
    });
    app.onError((error, c) => {
      logEvent(logger, 'warn', 'http.unhandled_error', {
        path: c.req.path,
        client: null,
        err: { name: 'x', message: error.message },
      });
      return c.json({ error: 'bad_request' }, 400);
    });
    const ok = await app.request('/ok', { headers: { 'x-request-id': 'req-ok' } });
    expect(await ok.text()).toBe('req-ok');
    const failed = await app.request('/fails', { headers: { 'x-request-id': 'req-fails' } });
    expect([failed.status, failed.headers.get('x-request-id')]).toEqual([400, 'req-fails']);
    expect(destination.events().map((line) => [line.event, line.requestId])).toEqual([
      ['store.file_restored', 'req-ok'],
      ['http.unhandled_error', 'req-fails'],
    ]);
  });
});
