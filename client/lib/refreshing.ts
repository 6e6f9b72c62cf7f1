/**
 * Whether some context (this tab, another tab, the SW) is refreshing the tokens right now, as the bus
 * tells it: a `refreshing` starts one, its outcome (`refreshed`, a `refresh-failed` of the refresher,
 * `logout`) ends it. The refresher may die before it says anything: the client bounds the state with
 * a timer of its own.
 */
import type { BusMessage, BusSender } from '../messages.ts';

/** The context now refreshing after `message` (`null`: nobody), given the one refreshing before. */
export function refreshingAfter(current: BusSender | null, message: BusMessage): BusSender | null {
  switch (message.type) {
    case 'refreshing':
      return message.from;
    case 'refreshed':
    case 'logout':
      return null;
    case 'refresh-failed':
      // A lock timeout is reported by a context that waited, not by the one refreshing.
      return message.error === 'lock_timeout' ? current : null;
    case 'hello':
    case 'login':
    case 'expiry':
      return current;
  }
}
