import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sessionIdHash } from './ids.ts';
import { createCapturingDestination, createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';

describe('sessionIdHash', () => {
  it('is the first 12 hex characters of SHA-256 of the sid', () => {
    const sid = 'sid-abcdef';
    expect(sessionIdHash(sid)).toBe(createHash('sha256').update(sid).digest('hex').slice(0, 12));
    expect(sessionIdHash(sid)).toMatch(/^[0-9a-f]{12}$/);
    expect(sessionIdHash('other')).not.toBe(sessionIdHash(sid));
  });
});

describe('createLogger', () => {
  it('writes one JSON line per event with the event field', () => {
    const destination = createCapturingDestination();
    createLogger({ destination }).info({ event: 'auth.logout', session: 'abc' });
    expect(destination.events()).toEqual([
      expect.objectContaining({ event: 'auth.logout', session: 'abc', level: 30 }),
    ]);
  });

  it('honours the level option', () => {
    const destination = createCapturingDestination();
    const log = createLogger({ destination, level: 'warn' });
    log.info({ event: 'auth.logout' });
    log.warn({ event: 'token.refresh.failed' });
    expect(destination.events().map((line) => line.event)).toEqual(['token.refresh.failed']);
  });

  it('redacts secrets that reach a log line by mistake, at the top level and one level down', () => {
    const destination = createCapturingDestination();
    createLogger({ destination }).info({
      event: 'oops',
      sid: 'SID-SECRET',
      code: 'shcac_CODE',
      record: { accessToken: 'shcat_A', refreshToken: 'shcrt_R', idToken: 'ID.JWT', sid: 'SID-SECRET' },
      response: { access_token: 'shcat_B', refresh_token: 'shcrt_S', id_token: 'ID2.JWT' },
      query: { code: 'shcac_CODE2' },
    });
    const line = destination.lines.join('');
    for (const secret of ['SID-SECRET', 'shcac_', 'shcat_', 'shcrt_', 'JWT']) expect(line).not.toContain(secret);
    expect(destination.events()[0]).toMatchObject({
      record: { accessToken: '[redacted]' },
      response: { id_token: '[redacted]' },
    });
  });
});

describe('createMetrics', () => {
  it('uses a registry of its own per call', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.refreshCoalescedTotal.inc(3);
    expect((await a.refreshCoalescedTotal.get()).values[0]?.value).toBe(3);
    expect((await b.refreshCoalescedTotal.get()).values[0]?.value).toBe(0);
  });

  it('exposes the agreed metric names, with every refresh outcome pre-initialised', async () => {
    const metrics = createMetrics();
    metrics.upstreamRequestsTotal.inc({ status: '200' });
    const text = await metrics.registry.metrics();
    for (const name of [
      'bff_token_refresh_total',
      'bff_token_refresh_duration_seconds',
      'bff_refresh_coalesced_total',
      'bff_upstream_requests_total',
      'bff_refresh_failure_spike',
      'bff_session_store_unavailable',
      'bff_session_store_failures_total',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    for (const outcome of ['success', 'reauth', 'misconfiguration', 'transient']) {
      expect(text).toContain(`bff_token_refresh_total{outcome="${outcome}"} 0`);
    }
    expect(text).toContain('bff_upstream_requests_total{status="200"} 1');
    expect(text).not.toContain('process_cpu');
  });

  it('collects default process metrics only when asked', async () => {
    const text = await createMetrics({ collectDefaultMetrics: true }).registry.metrics();
    expect(text).toContain('process_cpu');
  });
});
