import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, rateDecision } from './index.ts';

describe('rate limiting', () => {
  it('rateDecision: allowed up to the limit, Retry-After is the rest of the window in whole seconds', () => {
    expect(rateDecision(3, 3, 1)).toEqual({ allowed: true, retryAfterSeconds: 1 });
    expect(rateDecision(4, 3, 12_300)).toEqual({ allowed: false, retryAfterSeconds: 13 });
  });

  it('the memory limiter counts per key and per window', async () => {
    const clock = { nowMs: 60_000 };
    const limiter = createMemoryRateLimiter(2, 60_000, () => clock.nowMs);
    const hits = async (key: string, n: number) => {
      const verdicts = [];
      for (let i = 0; i < n; i += 1) verdicts.push((await limiter.hit(key)).allowed);
      return verdicts;
    };
    expect(await hits('1.2.3.4', 3)).toEqual([true, true, false]);
    expect(await hits('5.6.7.8', 1)).toEqual([true]);
    clock.nowMs += 30_000;
    expect(await limiter.hit('1.2.3.4')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    clock.nowMs += 30_000;
    expect(await hits('1.2.3.4', 1)).toEqual([true]);
  });
});
