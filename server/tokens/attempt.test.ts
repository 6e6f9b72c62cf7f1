import { describe, expect, it } from 'vitest';
import { createCapturingDestination, createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { attemptRefresh, refreshWithRetries } from './attempt.ts';
import { DEFAULT_RETRY } from './policy.ts';
import { createScriptedRefreshGrant, type ScriptStep } from './testing.ts';
import type { RefreshResult } from './types.ts';

const success: RefreshResult = { kind: 'success', accessToken: 'a', refreshToken: 'r', expiresInSeconds: 60 };
const TRANSIENT: RefreshResult = { kind: 'transient', status: null, errorCode: null, retryAfterSeconds: null };

describe('attemptRefresh', () => {
  it("passes the grant's answer through, with the refresh token and a live signal", async () => {
    const seen: Array<[string, boolean]> = [];
    const outcome = await attemptRefresh(
      async (token, signal) => {
        seen.push([token, signal.aborted]);
        return success;
      },
      'shcrt_x',
      1_000,
    );
    expect(outcome).toEqual({ result: success, timedOut: false });
    expect(seen).toEqual([['shcrt_x', false]]);
  });

  it('aborts the attempt after the timeout and answers transient, timed out', async () => {
    const signals: AbortSignal[] = [];
    const outcome = await attemptRefresh(
      (_token, signal) => {
        signals.push(signal);
        return new Promise<RefreshResult>(() => {});
      },
      'shcrt_x',
      5,
    );
    expect(outcome).toEqual({ result: TRANSIENT, timedOut: true });
    expect(signals[0]?.aborted).toBe(true);
  });

  it('answers transient, not timed out, for a grant that breaks its never-throw promise', async () => {
    const outcome = await attemptRefresh(async () => Promise.reject(new Error('boom')), 'shcrt_x', 1_000);
    expect(outcome).toEqual({ result: TRANSIENT, timedOut: false });
  });
});

describe('refreshWithRetries', () => {
  function run(steps: ScriptStep[]) {
    const destination = createCapturingDestination();
    const metrics = createMetrics();
    const recorded: string[] = [];
    const sleeps: number[] = [];
    const scripted = createScriptedRefreshGrant(steps);
    const outcome = refreshWithRetries(
      {
        refreshGrant: scripted.grant,
        settings: { retry: DEFAULT_RETRY, cooldownMs: 10_000 },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 0.5,
        now: () => 0,
        log: createLogger({ destination }),
        metrics,
        spike: { record: (kind) => recorded.push(kind) },
      },
      'shcrt_x',
      'session-hash',
    );
    const outcomes = async () =>
      (await metrics.tokenRefreshTotal.get()).values.filter((v) => v.value > 0).map((v) => v.labels.outcome);
    return { outcome, scripted, sleeps, recorded, outcomes, events: () => destination.events() };
  }

  it('retries a transient failure after the backoff and counts the run once, by its success', async () => {
    const t = run([TRANSIENT, success]);
    expect(await t.outcome).toEqual({ kind: 'success', fresh: success, attempts: 2, startedAtMs: 0 });
    expect(t.sleeps).toEqual([187.5]);
    expect(t.recorded).toEqual(['success']);
    expect(await t.outcomes()).toEqual(['success']);
    expect(t.events()).toEqual([
      expect.objectContaining({ event: 'token.refresh.failed', session: 'session-hash', attempt: 1, willRetry: true }),
    ]);
  });

  it('stops at a dead grant, logged as a warning and counted as reauth', async () => {
    const t = run([{ kind: 'dead_grant', status: 400, errorCode: 'invalid_grant' }]);
    expect(await t.outcome).toEqual({ kind: 'failed', next: { action: 'sign_out' } });
    expect(t.scripted.calls).toHaveLength(1);
    expect(t.recorded).toEqual(['dead_grant']);
    expect(await t.outcomes()).toEqual(['reauth']);
    expect(t.events()).toEqual([expect.objectContaining({ level: 40, class: 'dead_grant', willRetry: false })]);
  });

  it('stops at a misconfiguration, logged as an error, to cool down', async () => {
    const t = run([{ kind: 'misconfiguration', status: 403, errorCode: null }]);
    expect(await t.outcome).toEqual({ kind: 'failed', next: { action: 'cool_down', retryAfterSeconds: 10 } });
    expect(t.recorded).toEqual(['misconfiguration']);
    expect(t.events()).toEqual([expect.objectContaining({ level: 50, class: 'misconfiguration' })]);
  });
});
