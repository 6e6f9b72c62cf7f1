import { describe, expect, it } from 'vitest';
import { stampBusMessage } from '../core/policy.ts';
import { describeMessage } from './events.ts';

describe('describeMessage', () => {
  it('words a refresh under way', () =>
    expect(
      describeMessage(
        stampBusMessage({ type: 'refreshing' }, { kind: 'sw', id: 'sw1', label: 'service worker' }, 1),
        false,
      ),
    ).toEqual({ kind: 'refreshing', source: 'service worker', text: 'refreshing tokens…' }));
});
