import type { HttpBindings } from '@hono/node-server';
import type { SessionRecord } from '../sessions/types.ts';

/** The caller's session, as the session middleware found it and as a handler leaves it (after a refresh). */
export interface LiveSession {
  sid: string;
  record: SessionRecord;
}

/**
 * The one Hono environment of the BFF: the Node request behind each call (absent under
 * `app.request()` in tests) and what the edge middleware works out once per request.
 */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    /** Set by the `requestId` middleware: this request's id, answered in `X-Request-Id` and sent upstream. */
    requestId: string;
    /** The customer's address: the socket peer, or the `X-Forwarded-For` entry `TRUST_PROXY` allows. `null` in-process. */
    clientAddress: string | null;
    /**
     * Set by the `session` middleware: the live session, or `null` where a session is optional and
     * there is none. A handler that refreshed replaces the record, so the middleware stamps the newest.
     */
    session: LiveSession | null;
    /** Set by the `bodyLimit` middleware: the whole request body as text, within the route's cap. */
    body: string;
  };
}
