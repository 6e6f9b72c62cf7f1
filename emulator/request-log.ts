/**
 * The correlation headers of the last requests the emulator served, for tests that check what the BFF
 * sends upstream (`X-Request-Id`, `traceparent`). Only those two headers and the method and path are
 * kept: never a query string, a body or an authorization header, so nothing secret can be read back.
 * Shopify keeps no such list; it is a test seam, served at `GET /__emulator/requests`.
 */
import type { MiddlewareHandler } from 'hono';
import type { EmulatorEnv } from './http.ts';

export interface LoggedRequest {
  method: string;
  /** The path alone, without the query. */
  path: string;
  requestId: string | null;
  traceparent: string | null;
}

/** Enough for any one test's calls; the oldest go first so a long benchmark run stays bounded. */
const MAX_ENTRIES = 1_000;

export class RequestLog {
  private entries: LoggedRequest[] = [];

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  /** Oldest first (a copy). */
  list(): LoggedRequest[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries = [];
  }
}

/** Records every request but the admin API's own. */
export const recordRequests = (log: RequestLog): MiddlewareHandler<EmulatorEnv> =>
  async function recordRequests(c, next) {
    if (!c.req.path.startsWith('/__emulator/')) {
      log.record({
        method: c.req.method,
        path: c.req.path,
        requestId: c.req.header('x-request-id') ?? null,
        traceparent: c.req.header('traceparent') ?? null,
      });
    }
    await next();
  };
