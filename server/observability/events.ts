/**
 * The catalogue of every structured log line the BFF writes: the event name and the fields it carries.
 * `logEvent` is the only way to write one, so the compiler checks each call site against this list, and
 * a field that could hold a secret has to be added here first, where a reviewer sees it.
 *
 * Fields never hold a token, a code or a session id: a session appears as `session`, a 12-hex hash
 * (`sessionIdHash`). The logger's redaction stays as a second line of defence.
 *
 * A line written while a request is being served also carries `requestId`, the id that request is
 * answered with (`X-Request-Id`), whichever shared component (token manager, store guard) writes it.
 */
import type { LoginFailure, ReauthReason } from '../errors.ts';
import type { RefreshFailureClass } from '../tokens/types.ts';
import type { Logger } from './logger.ts';
import { currentRequestId } from './request-id.ts';

/** The customer's address (the socket peer, or what a trusted proxy forwarded); `null` in-process. */
type Client = { client: string | null };
type SpikeFields = {
  counts: Record<string, number>;
  total: number;
  failureRatio: number;
  thresholdRatio: number;
  windowMs: number;
};
type ShutdownFields = { drained: boolean; requestsLeft: number; refreshesLeft: number; durationMs: number };

export interface LogEvents {
  'auth.login.succeeded': { session: string } & Client;
  'auth.login.failed': LoginFailure & Client;
  'auth.logout': { session: string; deleted: boolean } & Client;
  'auth.silent.skipped': Client;
  'auth.silent.not_signed_in': { answer: string } & Client;
  'cart.buyer_identity.attached': { session: string; attached: boolean; remembered: boolean; userErrors: number };
  'cart.buyer_identity.detached': { session: string; detached: boolean };
  'session.end_pending': { session: string; err: { message: string } };
  'session.end_completed': { session: string; attempts: number };
  'token.refresh.succeeded': {
    session: string;
    durationMs: number;
    coalescedWaiters: number;
    attempts: number;
    forced: boolean;
  };
  'token.refresh.failed': {
    session: string;
    class: RefreshFailureClass;
    status: number | null;
    errorCode: string | null;
    attempt: number;
    willRetry: boolean;
    timedOut?: boolean;
  };
  'token.refresh.lock_timeout': { session: string; waitMs: number };
  'token.refresh.write_failed': { session: string };
  'token.refresh.write_recovered': { session: string; attempts: number; heldMs: number };
  'token.refresh.write_abandoned': {
    session: string;
    reason: 'gone' | 'theirs' | 'error';
    heldMs: number;
    err?: { message: string };
  };
  'token.refresh.lock_release_failed': { session: string };
  'token.refresh.failure_spike': SpikeFields;
  'token.refresh.failure_spike_cleared': SpikeFields;
  'session.reauth_required': { session: string; reason: ReauthReason };
  'session.touch_failed': { session: string; err: { message: string } };
  'shopify.discovery_failed': { message: string };
  'http.client_aborted': { path: string } & Client;
  'http.unhandled_error': { path: string; err: { name: string; message: string } } & Client;
  'store.unavailable': { store: 'sqlite' | 'redis'; err: { message: string }; connection?: string };
  'store.recovered': { store: 'sqlite' | 'redis'; failedCalls: number; downMs: number };
  'store.file_restored': { path: string };
  'admin.sessions_revoked': { customer: string; revoked: number; all: boolean };
  'bff.started': { url: string; host: string; port: number };
  'bff.shutdown.started': { signal: string; timeoutMs: number };
  'bff.shutdown.completed': ShutdownFields;
  'bff.shutdown.timed_out': ShutdownFields;
  'bff.shutdown.forced': { signal: string };
  'bff.shutdown.failed': { err: { message: string } };
  'tracing.problem': { message: string };
}

export type LogEvent = keyof LogEvents;
export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

/**
 * Writes one structured line: `{ event, requestId?, ...fields }`, and `message` as pino's `msg` when
 * given. The request id is read here rather than bound into a child logger per request: the token
 * manager, the store and the Shopify client are shared by every request and hold one logger each, and
 * a host's own pino logger (mounted mode) gets the id the same way.
 */
export function logEvent<E extends LogEvent>(
  logger: Logger,
  level: LogLevelName,
  event: E,
  fields: LogEvents[E],
  message?: string,
): void {
  // pino's generic overloads cannot see through `LogEvents[E]`; the object is plain JSON either way.
  const requestId = currentRequestId();
  const line: Record<string, unknown> = requestId === null ? { event, ...fields } : { event, requestId, ...fields };
  logger[level](line, message);
}
