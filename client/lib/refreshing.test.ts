import { describe, expect, it } from 'vitest';
import type { BusMessage, BusSender } from '../messages.ts';
import { stampBusMessage, type BusPayload } from '../core/policy.ts';
import { refreshingAfter } from './refreshing.ts';

const sw: BusSender = { kind: 'sw', id: 'sw1', label: 'service worker' };
const tab: BusSender = { kind: 'page', id: 'tab1', label: 'tab' };
const from = (sender: BusSender, payload: BusPayload): BusMessage => stampBusMessage(payload, sender, 1);

describe('refreshingAfter', () => {
  it('a refreshing message starts one, by its sender', () =>
    expect(refreshingAfter(null, from(sw, { type: 'refreshing' }))).toBe(sw));
  it.each([
    ['refreshed', { type: 'refreshed', expiresAtMs: 5 }],
    ['a failed refresh', { type: 'refresh-failed', error: 'upstream_unavailable' }],
    ['an offline refresh', { type: 'refresh-failed', error: 'offline' }],
    ['a logout', { type: 'logout', reason: 'reauth_required' }],
  ] as const)('%s ends it', (_name, payload) => expect(refreshingAfter(sw, from(sw, payload))).toBeNull());
  it("another context's lock timeout does not end it (the refresher is still at work)", () =>
    expect(refreshingAfter(sw, from(tab, { type: 'refresh-failed', error: 'lock_timeout' }))).toBe(sw));
  it.each([
    ['hello', { type: 'hello' }],
    ['login', { type: 'login', customerId: 'c1' }],
    ['expiry', { type: 'expiry', expiresAtMs: 5 }],
  ] as const)('%s changes nothing', (_name, payload) => {
    expect(refreshingAfter(sw, from(tab, payload))).toBe(sw);
    expect(refreshingAfter(null, from(tab, payload))).toBeNull();
  });
});
