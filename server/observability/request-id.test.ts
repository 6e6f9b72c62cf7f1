import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { logEvent } from './events.ts';
import { createCapturingDestination, createLogger } from './logger.ts';
import { currentRequestId, isWellFormedRequestId, requestIdFrom, requestIdOf, runWithRequestId } from './request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('isWellFormedRequestId', () => {
  it.each([
    'a',
    'req-42',
    '0af7651916cd43dd8448eb211c80319c',
    '01HZX3QK5T8M2R7Y9W4V6B1N0P',
    'svc.edge:17_x',
    'x'.repeat(64),
  ])('keeps %s', (value) => {
    expect(isWellFormedRequestId(value)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['65 characters', 'x'.repeat(65)],
    ['a space', 'req 42'],
    ['a repeated header as Node joins it', 'a, b'],
    ['a newline', 'req\n{"event":"forged"}'],
    ['a quote', 'req"42'],
    ['non-ASCII', 'réq'],
    ['a slash', 'a/b'],
    ['not a string', ['a', 'b']],
    ['absent', undefined],
  ])('refuses %s', (_name, value) => {
    expect(isWellFormedRequestId(value)).toBe(false);
  });
});

describe('requestIdFrom', () => {
  it('keeps a well-formed id and replaces anything else with a fresh UUID', () => {
    expect(requestIdFrom('req-42')).toBe('req-42');
    for (const bad of [undefined, null, '', 'a b', ['x', 'y'], 'x'.repeat(65)]) {
      expect(requestIdFrom(bad)).toMatch(UUID);
    }
    expect(requestIdFrom(undefined)).not.toBe(requestIdFrom(undefined));
  });
});

describe('requestIdOf', () => {
  it('works the id out once per Node request and keeps it', () => {
    const incoming = { headers: { 'x-request-id': 'no good' } } as unknown as IncomingMessage;
    const first = requestIdOf(incoming);
    expect(first).toMatch(UUID);
    expect(requestIdOf(incoming)).toBe(first);
    const kept = { headers: { 'x-request-id': 'lb-7' } } as unknown as IncomingMessage;
    expect(requestIdOf(kept)).toBe('lb-7');
  });
});

describe('runWithRequestId', () => {
  it('makes the id current across awaits and timers, and only inside', async () => {
    expect(currentRequestId()).toBeNull();
    const seen = await runWithRequestId('req-1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentRequestId();
    });
    expect(seen).toBe('req-1');
    expect(currentRequestId()).toBeNull();
  });

  it('puts requestId on every line logEvent writes inside, and none outside', async () => {
    const destination = createCapturingDestination();
    const logger = createLogger({ destination }).child({ component: 'tokens' });
    logEvent(logger, 'info', 'auth.logout', { session: 'abc', deleted: true, client: null });
    await Promise.all([
      runWithRequestId('req-a', async () => {
        await Promise.resolve();
        logEvent(logger, 'info', 'token.refresh.lock_timeout', { session: 'abc', waitMs: 1 });
      }),
      runWithRequestId('req-b', async () => {
        logEvent(logger, 'warn', 'token.refresh.write_failed', { session: 'def' });
      }),
    ]);
    const lines = destination.events().map(({ event, requestId }) => ({ event, requestId }));
    expect(lines).toEqual([
      { event: 'auth.logout', requestId: undefined },
      { event: 'token.refresh.write_failed', requestId: 'req-b' },
      { event: 'token.refresh.lock_timeout', requestId: 'req-a' },
    ]);
  });
});
