import { Pool, type Dispatcher } from 'undici';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { inSpan, spanAttributes, correlationHeaders } from '../observability/tracing.ts';
import { AppError } from '../errors.ts';
import { parseRetryAfterSeconds } from './classify-refresh.ts';
import { USER_AGENT } from './client.ts';

/** What came back from the Customer Account API, ready to hand to the page. */
export interface UpstreamAnswer {
  status: number;
  contentType: string;
  body: string;
  /** The upstream's `Retry-After`, as sent (on a 429 or 5xx). */
  retryAfter: string | null;
}

export interface GraphqlUpstreamOptions {
  /** Sent as `Origin`, as a browser calling the API would. */
  appOrigin: string;
  timeoutMs?: number;
  /** Keep-alive connections per upstream origin. */
  connections?: number;
}

const MAX_UPSTREAM_BODY_BYTES = 8 * 1024 * 1024;

/** An undici answer as an `UpstreamAnswer`; rejects a declared body over 8 MB unread. */
export async function readAnswer(response: Dispatcher.ResponseData): Promise<UpstreamAnswer> {
  const declared = Number(response.headers['content-length'] ?? 0);
  if (declared > MAX_UPSTREAM_BODY_BYTES) {
    response.body.destroy();
    throw new Error(`upstream body too large (${declared} bytes)`);
  }
  const contentType = response.headers['content-type'];
  const retryAfter = response.headers['retry-after'];
  return {
    status: response.statusCode,
    contentType: typeof contentType === 'string' ? contentType : 'application/json',
    body: await response.body.text(),
    retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
  };
}

/** Retry-After for a Shopify failure that names none. */
const UPSTREAM_RETRY_AFTER_SECONDS = 5;

/** A Shopify API that did not answer (network, timeout): UPSTREAM_UNAVAILABLE, try again in 2 s. */
export const noAnswer = (api: string, cause: unknown): AppError =>
  new AppError('UPSTREAM_UNAVAILABLE', `the ${api} did not answer`, { retryAfterSeconds: 2 }, { cause });

/**
 * Shopify's own trouble (a 5xx or a 429) as the BFF's contract: UPSTREAM_UNAVAILABLE with Shopify's
 * Retry-After, a JSON answer the pages understand, never Shopify's HTML error page. `null` otherwise.
 */
export function upstreamTrouble(api: string, answer: UpstreamAnswer): AppError | null {
  if (answer.status < 500 && answer.status !== 429) return null;
  return new AppError('UPSTREAM_UNAVAILABLE', `the ${api} answered ${answer.status}`, {
    retryAfterSeconds: parseRetryAfterSeconds(answer.retryAfter) ?? UPSTREAM_RETRY_AFTER_SECONDS,
    ...(answer.status === 429 ? { rateLimited: true as const } : {}),
  });
}

/**
 * The Customer Account API GraphQL call, over a keep-alive undici pool per origin: Node 20's global
 * fetch costs ~3.5× the CPU per proxied request (TOOLCHAIN.md), and this is the BFF's hot path.
 */
export function createGraphqlUpstream({ appOrigin, timeoutMs = 15_000, connections = 32 }: GraphqlUpstreamOptions) {
  const pools = new Map<string, { pool: Pool; span: Attributes }>();
  const poolFor = (url: URL) => {
    let entry = pools.get(url.origin);
    if (!entry) {
      entry = {
        pool: new Pool(url.origin, { connections, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }),
        span: { 'http.request.method': 'POST', 'server.address': url.hostname },
      };
      pools.set(url.origin, entry);
    }
    return entry;
  };

  async function send(pool: Pool, url: URL, accessToken: string, body: string): Promise<UpstreamAnswer> {
    const response = await pool.request({
      path: url.pathname + url.search,
      method: 'POST',
      headers: {
        authorization: accessToken,
        'content-type': 'application/json',
        accept: 'application/json',
        origin: appOrigin,
        'user-agent': USER_AGENT,
        ...correlationHeaders(),
      },
      body,
      // No per-call AbortSignal: the pool's headersTimeout and bodyTimeout bound the call, and a timer
      // object per request is measurable on this path (bench/README.md).
    });
    spanAttributes({ 'http.response.status_code': response.statusCode });
    return readAnswer(response);
  }

  return {
    /**
     * POSTs a GraphQL document with the raw access token (Shopify wants no `Bearer` prefix), the id of the
     * request it runs for as `X-Request-Id` so one call can be found on both sides, and, tracing, a
     * `shopify.customer_api` span and its `traceparent`.
     * Rejects on a network error or timeout; any HTTP status resolves.
     */
    call(url: URL, accessToken: string, body: string): Promise<UpstreamAnswer> {
      const { pool, span } = poolFor(url);
      return inSpan('shopify.customer_api', () => send(pool, url, accessToken, body), span, SpanKind.CLIENT);
    },

    async close(): Promise<void> {
      await Promise.all([...pools.values()].map(({ pool }) => pool.close()));
      pools.clear();
    },
  };
}

export type GraphqlUpstream = ReturnType<typeof createGraphqlUpstream>;
