/**
 * Injected failures for the token and GraphQL endpoints: the next `count` calls answer a chosen status,
 * hang and then drop the connection, or drop it at once. They stand in for Shopify outages, which is
 * what the BFF must survive without logging anyone out.
 */
import { ConfigError } from './config.ts';
import { delay, htmlPage, socketOf, type EmulatorContext } from './http.ts';

export type FaultEndpoint = 'token' | 'graphql';
export type FaultKind = 'status' | 'timeout' | 'reset';
/**
 * `before` fails the call without processing it. `after` processes it first (a refresh rotates the
 * token) and then fails: the lost-response case, where the client never learns its new token.
 */
export type FaultPhase = 'before' | 'after';

export interface Fault {
  endpoint: FaultEndpoint;
  kind: FaultKind;
  phase: FaultPhase;
  status: number;
  /** Verbatim body and its content type, or `null` for the default body of the status. */
  body: { text: string; contentType: string } | null;
  headers: Record<string, string>;
  timeoutMs: number;
  remaining: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Validates the body of `POST /__emulator/faults`; throws `ConfigError`. */
export function parseFault(input: unknown): Fault {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('fault must be a JSON object');
  }
  const raw = input as Record<string, unknown>;
  const known = ['endpoint', 'kind', 'phase', 'status', 'body', 'headers', 'timeoutMs', 'count'];
  const unknown = Object.keys(raw).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new ConfigError(`unknown fault key: ${unknown}`);
  if (raw.endpoint !== 'token' && raw.endpoint !== 'graphql') {
    throw new ConfigError('endpoint must be "token" or "graphql"');
  }
  if (raw.kind !== 'status' && raw.kind !== 'timeout' && raw.kind !== 'reset') {
    throw new ConfigError('kind must be "status", "timeout" or "reset"');
  }
  const phase = raw.phase ?? 'before';
  if (phase !== 'before' && phase !== 'after') throw new ConfigError('phase must be "before" or "after"');
  const status = raw.status ?? 500;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new ConfigError('status must be an integer in [200, 599]');
  }
  let body: Fault['body'] = null;
  if (typeof raw.body === 'string') {
    body = { text: raw.body, contentType: looksLikeJson(raw.body) ? 'application/json' : 'text/plain; charset=utf-8' };
  } else if (raw.body !== undefined && raw.body !== null) {
    body = { text: JSON.stringify(raw.body), contentType: 'application/json' };
  }
  const headers: Record<string, string> = {};
  if (raw.headers !== undefined) {
    if (typeof raw.headers !== 'object' || raw.headers === null || Array.isArray(raw.headers)) {
      throw new ConfigError('headers must be an object of strings');
    }
    for (const [name, value] of Object.entries(raw.headers)) {
      if (typeof value !== 'string') throw new ConfigError('headers must be an object of strings');
      headers[name] = value;
    }
  }
  const timeoutMs = raw.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 600_000) {
    throw new ConfigError('timeoutMs must be an integer in [0, 600000]');
  }
  const count = raw.count ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1_000_000) {
    throw new ConfigError('count must be an integer in [1, 1000000]');
  }
  return {
    endpoint: raw.endpoint,
    kind: raw.kind,
    phase,
    status,
    body,
    headers,
    timeoutMs,
    remaining: count,
  };
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** FIFO queue per endpoint: the first queued fault is used until its count runs out. */
export class FaultQueue {
  private queue: Fault[] = [];

  add(fault: Fault): void {
    this.queue.push(fault);
  }

  clear(): void {
    this.queue = [];
  }

  pending(): Fault[] {
    return this.queue.map((f) => ({ ...f, headers: { ...f.headers } }));
  }

  take(endpoint: FaultEndpoint): Fault | null {
    const index = this.queue.findIndex((f) => f.endpoint === endpoint);
    if (index === -1) return null;
    const fault = this.queue[index]!;
    if (--fault.remaining === 0) this.queue.splice(index, 1);
    return fault;
  }
}

function defaultBody(fault: Fault): { body: string; contentType: string } {
  const json = (value: unknown) => ({ body: JSON.stringify(value), contentType: 'application/json' });
  if (fault.status === 401) {
    // The token endpoint's transient failure per SHOPIFY.md; GraphQL's 401 is its "no access" body.
    return fault.endpoint === 'token'
      ? json({ error: '', error_description: 'Access token request error.' })
      : json({ errors: 'User does not have access' });
  }
  if (fault.status === 400 && fault.endpoint === 'token') {
    return json({ error: 'invalid_grant', error_description: 'Injected fault.' });
  }
  if (fault.status >= 500) {
    return {
      body: htmlPage(`${fault.status}`, `<h1>${fault.status}</h1><p>Something went wrong.</p>`),
      contentType: 'text/html; charset=utf-8',
    };
  }
  if (fault.status === 429) return { body: 'Too Many Requests', contentType: 'text/plain; charset=utf-8' };
  return json({ error: 'emulated_fault' });
}

/**
 * Produces the faulty answer. For `timeout` and `reset` the Node socket is destroyed so the client sees
 * a network error; the returned response is never delivered. Without a socket (`app.request()`), the
 * closest thing a fetch handler can express is a 502.
 */
export async function faultResponse(c: EmulatorContext, fault: Fault, shutdown: AbortSignal): Promise<Response> {
  if (fault.kind === 'status') {
    const { body, contentType } =
      fault.body === null ? defaultBody(fault) : { body: fault.body.text, contentType: fault.body.contentType };
    return new Response(body, {
      status: fault.status,
      headers: { 'content-type': contentType, 'cache-control': 'no-store', ...fault.headers },
    });
  }
  if (fault.kind === 'timeout') await delay(fault.timeoutMs, shutdown);
  const socket = socketOf(c);
  socket?.destroy();
  return new Response('connection dropped (emulated fault)', { status: 502 });
}
