/** How the session panel words a bus message (pure: unit-tested). */
import type { BusMessage } from '../messages.ts';
import { formatTime } from './dom.ts';

export interface EventLine {
  readonly kind: BusMessage['type'];
  readonly source: string;
  readonly text: string;
}

export function describeMessage(message: BusMessage, own: boolean): EventLine {
  const source = own ? `${message.from.label} (this tab)` : message.from.label;
  const base = { kind: message.type, source };
  switch (message.type) {
    case 'hello':
      return { ...base, text: message.from.kind === 'sw' ? 'service worker started' : 'tab opened' };
    case 'login':
      return { ...base, text: 'signed in' };
    case 'logout':
      return {
        ...base,
        text:
          message.reason === 'reauth_required'
            ? 'session ended (refresh token dead): signing out every tab'
            : 'signed out',
      };
    case 'refreshing':
      return { ...base, text: 'refreshing tokens…' };
    case 'refreshed':
      return { ...base, text: `refreshed tokens, now valid until ${formatTime(message.expiresAtMs)}` };
    case 'expiry':
      return {
        ...base,
        text:
          message.expiresAtMs === null ? 'session has no expiry' : `expiry moved to ${formatTime(message.expiresAtMs)}`,
      };
    case 'refresh-failed':
      return { ...base, text: `refresh failed (${message.error.replace('_', ' ')}): still signed in` };
  }
}
