import type { HttpBindings } from '@hono/node-server';

/**
 * The one Hono environment of the BFF: the Node request behind each call (absent under
 * `app.request()` in tests) and what the edge middleware works out once per request.
 */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    /** The customer's address: the socket peer, or the `X-Forwarded-For` entry `TRUST_PROXY` allows. `null` in-process. */
    clientAddress: string | null;
  };
}
