import { describe, expect, it } from 'vitest';
import { createLedger, type SoakSession } from './soak-ledger.ts';
import {
  DEFAULT_OPTIONS,
  classifyAnswer,
  duplicateRefreshes,
  footprintFlat,
  parseSoakArgs,
  planTimeline,
} from './soak-plan.ts';

describe('parseSoakArgs', () => {
  it('defaults to 10 minutes, 1,000 sessions', () => {
    expect(parseSoakArgs([])).toEqual(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS).toMatchObject({ minutes: 10, sessions: 1_000 });
  });

  it('reads --minutes N, --minutes=N, --quick, --sessions and --rate', () => {
    expect(parseSoakArgs(['--minutes', '3']).minutes).toBe(3);
    expect(parseSoakArgs(['--minutes=2.5']).minutes).toBe(2.5);
    expect(parseSoakArgs(['--quick']).minutes).toBe(1);
    expect(parseSoakArgs(['--sessions', '200', '--rate', '40'])).toMatchObject({ sessions: 200, ratePerSecond: 40 });
  });

  it.each([
    [['--minutes'], '--minutes must be a number from 0.5 to 600, got ""'],
    [['--minutes', '0'], '--minutes must be a number from 0.5 to 600, got "0"'],
    [['--minutes', 'ten'], '--minutes must be a number from 0.5 to 600, got "ten"'],
    [['--minutes', ' '], '--minutes must be a number from 0.5 to 600, got " "'],
    [['--sessions', '10.5'], '--sessions must be a number from 20 to 10000, got "10.5"'],
    [['--sessions', '100.5'], '--sessions must be a whole number, got "100.5"'],
    [['--rate', '0'], '--rate must be a number from 1 to 1000, got "0"'],
    [['--hours', '1'], 'unknown argument "--hours"'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseSoakArgs(argv)).toThrow(message);
  });
});

describe('planTimeline', () => {
  it.each([0.5, 1, 10, 60])(
    '%s min: samples and episodes in order, none overlapping, all inside the traffic',
    (minutes) => {
      const t = planTimeline(minutes);
      expect(t.trafficMs).toBe(minutes * 60_000);
      const diskFullEnds = t.diskFullAtMs + t.diskFullForMs;
      expect(t.startSampleAtMs).toBeLessThan(t.diskFullAtMs);
      expect(t.middleSampleAtMs).toBeLessThan(t.redisKillAtMs);
      expect(t.revocationsAtMs).toHaveLength(3);
      expect(t.endSampleAtMs).toBeLessThan(t.trafficMs);
      expect(t.faultEveryMs).toBeGreaterThanOrEqual(2_000);
      expect(t.faultEveryMs).toBeLessThanOrEqual(10_000);
      if (minutes >= 1) {
        expect(diskFullEnds).toBeLessThanOrEqual(t.revocationsAtMs[0]!);
        expect(diskFullEnds).toBeLessThanOrEqual(t.middleSampleAtMs);
        expect(t.redisKillAtMs + t.redisDownForMs).toBeLessThan(t.revocationsAtMs[1]!);
      }
    },
  );

  it('holds the disk full for 8 % of the run, from 5 s to 30 s', () => {
    expect(planTimeline(0.5).diskFullForMs).toBe(5_000);
    expect(planTimeline(5).diskFullForMs).toBe(24_000);
    expect(planTimeline(10).diskFullForMs).toBe(30_000);
  });
});

describe('classifyAnswer', () => {
  it.each([
    [200, '{"data":{}}', 'ok'],
    [401, '{"error":"reauth_required","loginUrl":"/auth/login"}', 'reauth'],
    [503, '{"error":"upstream_unavailable"}', 'upstream_unavailable'],
    [503, '{"error":"session_store_unavailable"}', 'session_store_unavailable'],
    [429, '{"error":"upstream_unavailable"}', 'too_many_requests'],
    [429, '{"error":"rate_limited"}', 'too_many_requests'],
    [0, '', 'network'],
    [401, '{"errors":"User does not have access"}', 'other'],
    [503, '<html>Service Unavailable</html>', 'other'],
    [500, '{"error":"internal"}', 'other'],
    [403, '{"error":"csrf"}', 'other'],
  ] as const)('%i %s → %s', (status, body, kind) => {
    expect(classifyAnswer(status, body)).toBe(kind);
  });
});

describe('footprintFlat', () => {
  const MB = 2 ** 20;
  const start = { rssBytes: 100 * MB, fds: 40 };
  it('allows 10 % plus 16 MB more RSS, and max(16, 25 %) more descriptors', () => {
    expect(footprintFlat(start, { rssBytes: 126 * MB, fds: 56 })).toEqual({ rss: true, fds: true });
    expect(footprintFlat(start, { rssBytes: 126 * MB + 1, fds: 57 })).toEqual({ rss: false, fds: false });
    expect(footprintFlat({ rssBytes: 1, fds: 200 }, { rssBytes: 1, fds: 250 }).fds).toBe(true);
    expect(footprintFlat({ rssBytes: 1, fds: 200 }, { rssBytes: 1, fds: 251 }).fds).toBe(false);
  });
  it('a smaller footprint at the end is flat', () => {
    expect(footprintFlat(start, { rssBytes: 1, fds: 1 })).toEqual({ rss: true, fds: true });
  });
});

describe('duplicateRefreshes', () => {
  const base = { episodesRefreshed: 10, episodesUnresolved: 2, forced: 5, succeeded: 15, reused: 0 };
  it('is 0 while every refresh belongs to an episode or a forced refresh', () => {
    expect(duplicateRefreshes(base)).toBe(0);
    expect(duplicateRefreshes({ ...base, succeeded: 17 })).toBe(0);
  });
  it('counts refreshes beyond the allowance, and every spent token presented again', () => {
    expect(duplicateRefreshes({ ...base, succeeded: 18 })).toBe(1);
    expect(duplicateRefreshes({ ...base, reused: 2 })).toBe(2);
  });
});

describe('the ledger', () => {
  const session = (overrides: Partial<SoakSession> = {}): SoakSession => ({
    id: 1,
    store: 'redis',
    email: 'alice@example.com',
    customerId: 'gid://shopify/Customer/7000000001',
    cookie: 'sealed',
    revoked: false,
    state: 'live',
    busy: false,
    episodeOpen: false,
    ...overrides,
  });
  const answer = (id: string) => JSON.stringify({ data: { customer: { id } } });
  const now = 1_000_000;

  it('a reauth for a session not revoked on purpose is a lost session, once', () => {
    const ledger = createLedger();
    const s = session();
    const reauth = { status: 401, body: '{"error":"reauth_required"}', expiresAtMs: null };
    expect(ledger.record(s, 'graphql', reauth, now, 12.5)).toBe('reauth');
    ledger.record(s, 'graphql', reauth, now, 13);
    expect(s.state).toBe('lost');
    expect(ledger.lost).toEqual([{ session: 1, store: 'redis', atSeconds: 12.5, how: 'graphql answered 401 reauth' }]);
    expect(ledger.answers.reauth).toBe(2);
  });

  it('a reauth for a session revoked on purpose ends it, and is no loss', () => {
    const ledger = createLedger();
    const s = session({ revoked: true });
    ledger.record(s, 'session', { status: 200, body: '{"authenticated":false}', expiresAtMs: null }, now, 1);
    expect([s.state, ledger.lost.length, ledger.tally.revokedEnded, ledger.tally.reauthRevoked]).toEqual([
      'ended',
      0,
      1,
      1,
    ]);
  });

  it('an answer about another customer is counted', () => {
    const ledger = createLedger();
    const s = session();
    ledger.record(
      s,
      'graphql',
      { status: 200, body: answer('gid://shopify/Customer/7000000002'), expiresAtMs: now },
      now,
      1,
    );
    ledger.record(
      s,
      'graphql',
      { status: 200, body: '{"errors":[{"message":"Throttled"}]}', expiresAtMs: now },
      now,
      1,
    );
    ledger.record(s, 'graphql', { status: 200, body: answer(s.customerId), expiresAtMs: now }, now, 1);
    expect([ledger.tally.wrongCustomer, ledger.tally.noCustomer, ledger.answers.ok]).toEqual([1, 1, 3]);
  });

  it('an episode is opened once and closed by the first answer carrying a fresh expiry', () => {
    const ledger = createLedger();
    const s = session();
    ledger.openEpisode(s);
    ledger.openEpisode(s);
    ledger.record(s, 'graphql', { status: 200, body: answer(s.customerId), expiresAtMs: now + 30_000 }, now, 1);
    expect([ledger.tally.episodesOpened, ledger.tally.episodesRefreshed, s.episodeOpen]).toEqual([1, 0, true]);
    ledger.record(s, 'graphql', { status: 503, body: '{"error":"upstream_unavailable"}', expiresAtMs: null }, now, 1);
    ledger.record(s, 'graphql', { status: 200, body: answer(s.customerId), expiresAtMs: now + 86_400_000 }, now, 1);
    expect([ledger.tally.episodesRefreshed, s.episodeOpen, ledger.unresolvedEpisodes([s])]).toEqual([1, false, 0]);
  });

  it('counts the answers of one store while a window is open, and only then', () => {
    const ledger = createLedger();
    const ok = { status: 200, body: answer('gid://shopify/Customer/7000000001'), expiresAtMs: null };
    ledger.openWindow('redis-restart', 'redis');
    ledger.record(session(), 'graphql', ok, now, 1);
    ledger.record(session({ store: 'sqlite' }), 'graphql', ok, now, 1);
    ledger.closeWindow('redis-restart');
    ledger.record(session(), 'graphql', ok, now, 1);
    expect(ledger.windowCounts('redis-restart')?.ok).toBe(1);
    expect(ledger.windowCounts('disk-full')).toBeNull();
    expect([ledger.byStore.redis.ok, ledger.byStore.sqlite.ok]).toEqual([2, 1]);
  });
});
