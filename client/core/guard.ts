/**
 * The receive-point guard for bus messages (the SW's and the pages'): everything arriving on the BroadcastChannel is
 * untrusted input (another version of the app, another tab's bug) until this says otherwise.
 */
import type { BusMessage, BusSender, BusVersion, SignedOutReason } from '../messages.ts';

const VERSION: BusVersion = 1;
const REASONS: readonly SignedOutReason[] = ['reauth_required', 'signed_out'];
const REFRESH_ERRORS = ['upstream_unavailable', 'offline', 'lock_timeout'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isMs = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

function isSender(value: unknown): value is BusSender {
  return (
    isRecord(value) &&
    (value['kind'] === 'sw' || value['kind'] === 'page') &&
    typeof value['id'] === 'string' &&
    value['id'].length > 0 &&
    value['id'].length <= 64 &&
    typeof value['label'] === 'string' &&
    value['label'].length <= 200
  );
}

/** True when `data` is a well-formed bus message of the version this code speaks. */
export function isBusMessage(data: unknown): data is BusMessage {
  if (!isRecord(data) || data['v'] !== VERSION || !isSender(data['from']) || !isMs(data['atMs'])) {
    return false;
  }
  switch (data['type']) {
    case 'hello':
    case 'refreshing':
      return true;
    case 'login':
      return typeof data['customerId'] === 'string' && data['customerId'].length > 0;
    case 'logout':
      return REASONS.includes(data['reason'] as SignedOutReason);
    case 'refreshed':
      return isMs(data['expiresAtMs']);
    case 'expiry':
      return data['expiresAtMs'] === null || isMs(data['expiresAtMs']);
    case 'refresh-failed':
      return (REFRESH_ERRORS as readonly unknown[]).includes(data['error']);
    default:
      return false;
  }
}
