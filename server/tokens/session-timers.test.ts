import { describe, expect, it } from 'vitest';
import { createSessionTimers, FORCE_MIN_INTERVAL_MS } from './session-timers.ts';

function setup(cooldownMs = 10_000) {
  const clock = { nowMs: 1_800_000_000_000 };
  const timers = createSessionTimers({ now: () => clock.nowMs, cooldownMs });
  return { timers, clock };
}

describe('cooldown', () => {
  it('counts down on the injected clock and ends when it runs out', () => {
    const { timers, clock } = setup();
    expect(timers.cooldownLeftMs('a')).toBe(0);
    timers.startCooldown('a');
    expect(timers.cooldownLeftMs('a')).toBe(10_000);
    clock.nowMs += 9_000;
    expect(timers.cooldownLeftMs('a')).toBe(1_000);
    clock.nowMs += 1_000;
    expect(timers.cooldownLeftMs('a')).toBe(0);
  });

  it('is per session', () => {
    const { timers } = setup();
    timers.startCooldown('a');
    expect(timers.cooldownLeftMs('b')).toBe(0);
  });

  it('restarts from now when started again', () => {
    const { timers, clock } = setup();
    timers.startCooldown('a');
    clock.nowMs += 4_000;
    timers.startCooldown('a');
    expect(timers.cooldownLeftMs('a')).toBe(10_000);
  });

  it('ends on endCooldown and on a successful refresh', () => {
    const { timers } = setup();
    timers.startCooldown('a');
    timers.endCooldown('a');
    expect(timers.cooldownLeftMs('a')).toBe(0);
    timers.startCooldown('b');
    timers.noteRefreshed('b');
    expect(timers.cooldownLeftMs('b')).toBe(0);
  });

  it('never starts with a 0 ms cooldown', () => {
    const { timers } = setup(0);
    timers.startCooldown('a');
    expect(timers.cooldownLeftMs('a')).toBe(0);
    expect(timers.size).toBe(0);
  });
});

describe('refreshed recently', () => {
  it(`holds for ${FORCE_MIN_INTERVAL_MS} ms after a refresh, on the injected clock`, () => {
    const { timers, clock } = setup();
    expect(timers.refreshedRecently('a')).toBe(false);
    timers.noteRefreshed('a');
    clock.nowMs += FORCE_MIN_INTERVAL_MS - 1;
    expect(timers.refreshedRecently('a')).toBe(true);
    expect(timers.refreshedRecently('b')).toBe(false);
    clock.nowMs += 1;
    expect(timers.refreshedRecently('a')).toBe(false);
  });

  it('survives the end of a cooldown, and a cooldown survives it', () => {
    const { timers } = setup();
    timers.noteRefreshed('a');
    timers.startCooldown('a');
    expect(timers.refreshedRecently('a')).toBe(true);
    timers.endCooldown('a');
    expect(timers.refreshedRecently('a')).toBe(true);
  });
});

describe('one sweep for both timers', () => {
  it('drops sessions that never come back once all their timers have lapsed', () => {
    const { timers, clock } = setup();
    for (let i = 0; i < 100; i += 1) timers.startCooldown(`cooling-${i}`);
    for (let i = 0; i < 100; i += 1) timers.noteRefreshed(`refreshed-${i}`);
    expect(timers.size).toBe(200);
    clock.nowMs += Math.max(10_000, FORCE_MIN_INTERVAL_MS);
    timers.startCooldown('next');
    expect(timers.size).toBe(1);
    clock.nowMs += 10_000;
    timers.noteRefreshed('last');
    expect(timers.size).toBe(1);
  });

  it('keeps a session while either of its timers runs', () => {
    const { timers, clock } = setup(5_000);
    timers.noteRefreshed('a');
    timers.startCooldown('a');
    clock.nowMs += 5_000;
    timers.startCooldown('b');
    clock.nowMs += 4_999; // a: cooldown lapsed, refresh still recent; b: cooling for 1 ms more
    timers.noteRefreshed('c');
    expect(timers.size).toBe(3);
    expect(timers.cooldownLeftMs('a')).toBe(0);
    expect(timers.refreshedRecently('a')).toBe(true);
    expect(timers.cooldownLeftMs('b')).toBe(1);
  });
});
