import { describe, expect, it } from 'vitest';
import { createSingleFlight } from './single-flight.ts';
import { deferred } from './testing.ts';

describe('createSingleFlight', () => {
  it('has nothing to join before a flight starts', () => {
    expect(createSingleFlight<string>().join('a')).toBeNull();
  });

  it('shares one promise per key, counting the joins for the flight and for onJoin', async () => {
    let joins = 0;
    const flights = createSingleFlight<string>(() => {
      joins += 1;
    });
    const gate = deferred<string>();
    let waitersSeen = -1;
    const started = flights.start('a', async (waiters) => {
      const value = await gate.promise;
      waitersSeen = waiters();
      return value;
    });
    const joined = [flights.join('a'), flights.join('a')];
    expect(flights.join('b')).toBeNull();
    gate.resolve('done');
    expect(await Promise.all([started, ...joined])).toEqual(['done', 'done', 'done']);
    expect(waitersSeen).toBe(2);
    expect(joins).toBe(2);
  });

  it('forgets a flight once it settles, resolved or rejected', async () => {
    const flights = createSingleFlight<string>();
    const ok = flights.start('a', async () => 'ok');
    const failed = flights.start('b', async () => Promise.reject(new Error('no')));
    expect(flights.size).toBe(2);
    await ok;
    await expect(failed).rejects.toThrow('no');
    expect(flights.size).toBe(0);
    expect(flights.join('a')).toBeNull();
  });

  it('drains flights started while draining, and never rejects', async () => {
    const flights = createSingleFlight<string>();
    const first = deferred<string>();
    const second = deferred<string>();
    const failedFirst = flights.start('a', async () => {
      await first.promise;
      // A request still running starts another flight while the first one ends.
      void flights.start('b', () => second.promise);
      throw new Error('first failed');
    });
    let drained = false;
    const drain = flights.drain().then(() => {
      drained = true;
    });
    first.resolve('go');
    await expect(failedFirst).rejects.toThrow('first failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    expect(flights.size).toBe(1);
    second.resolve('b');
    await drain;
    expect(drained).toBe(true);
    expect(flights.size).toBe(0);
  });
});
