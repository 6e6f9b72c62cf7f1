import { createHash } from 'node:crypto';

/**
 * A short, stable, one-way label for a session id, safe to put in logs and traces.
 *
 * The sid is a bearer secret (whoever holds it holds the session), so it is never logged; 12 hex
 * characters (48 bits) are enough to correlate one session's lines without letting anyone rebuild it.
 */
export const sessionIdHash = (sid: string): string =>
  createHash('sha256').update(sid, 'utf8').digest('hex').slice(0, 12);
