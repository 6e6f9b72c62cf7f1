import { describe, expect, it } from 'vitest';
import { isBusMessage } from './guard.ts';

const from = { kind: 'page', id: 'abc123', label: 'tab abc123 /account' };
const base = { v: 1, from, atMs: 1_700_000_000_000 };

describe('isBusMessage', () => {
  it.each([
    { ...base, type: 'hello' },
    { ...base, type: 'login', customerId: 'gid://shopify/Customer/1' },
    { ...base, type: 'logout', reason: 'reauth_required' },
    { ...base, type: 'logout', reason: 'signed_out' },
    { ...base, type: 'refreshing' },
    { ...base, type: 'refreshed', expiresAtMs: 1_700_000_060_000 },
    { ...base, type: 'expiry', expiresAtMs: null },
    { ...base, type: 'expiry', expiresAtMs: 1_700_000_060_000 },
    { ...base, type: 'refresh-failed', error: 'upstream_unavailable' },
    { ...base, from: { ...from, kind: 'sw' }, type: 'hello' },
  ])('accepts %j', (message) => expect(isBusMessage(message)).toBe(true));

  it.each([
    ['null', null],
    ['a string', 'logout'],
    ['another version', { ...base, v: 2, type: 'hello' }],
    ['no version', { from, atMs: base.atMs, type: 'hello' }],
    ['an unknown type', { ...base, type: 'explode' }],
    ['a bad sender kind', { ...base, from: { ...from, kind: 'iframe' }, type: 'hello' }],
    ['an empty sender id', { ...base, from: { ...from, id: '' }, type: 'hello' }],
    ['a missing timestamp', { v: 1, from, type: 'hello' }],
    ['a login without customer', { ...base, type: 'login' }],
    ['a logout with an unknown reason', { ...base, type: 'logout', reason: 'bored' }],
    ['a refreshed without expiry', { ...base, type: 'refreshed' }],
    ['a refreshed with a string expiry', { ...base, type: 'refreshed', expiresAtMs: '5' }],
    ['a refresh-failed with an unknown error', { ...base, type: 'refresh-failed', error: 'nope' }],
    ['the broadcast-channel package wrapper', { time: 1, type: 'hello', data: { ...base, type: 'hello' } }],
  ])('rejects %s', (_name, message) => expect(isBusMessage(message)).toBe(false));
});
