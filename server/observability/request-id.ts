import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header a request id arrives in, is answered in, and is sent to Shopify in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an incoming `X-Request-Id` may be to be kept: 1–64 characters of letters, digits and `.`, `_`,
 * `:`, `-`. That covers UUIDs, ULIDs, hex trace ids and the usual load-balancer formats, while
 * anything that could forge a log line or a header (spaces, quotes, control characters, commas of a
 * repeated header) or bloat every line it is written into is refused and replaced.
 */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,64}$/;

export const isWellFormedRequestId = (value: unknown): value is string =>
  typeof value === 'string' && WELL_FORMED.test(value);

/**
 * The id of one request: the incoming header's value when well-formed, otherwise a fresh UUID. A header
 * sent twice (Node gives the values joined by `, `, or an array) is not well-formed.
 */
export function requestIdFrom(header: string | string[] | null | undefined): string {
  return isWellFormedRequestId(header) ? header : randomUUID();
}

const ID = Symbol('request id');
type Carrier = IncomingMessage & { [ID]?: string };

/**
 * The id of a Node request, worked out once and kept on it: the GraphQL fast path and the Hono app it
 * may hand the request over to must answer, log and call upstream with the same id.
 */
export function requestIdOf(incoming: IncomingMessage): string {
  const carrier = incoming as Carrier;
  return (carrier[ID] ??= requestIdFrom(incoming.headers[REQUEST_ID_HEADER]));
}

// The request a piece of code runs for, however deep: the token manager, the store guard and the
// Shopify client are shared by every request and are handed no per-request logger.
const current = new AsyncLocalStorage<string>();

/** Runs `fn` as part of the request `requestId`: every log line it writes carries the id (`logEvent`). */
export const runWithRequestId = <T>(requestId: string, fn: () => T): T => current.run(requestId, fn);

/** The id of the request the caller runs for, or `null` outside any request (start-up, timers of none). */
export const currentRequestId = (): string | null => current.getStore() ?? null;
