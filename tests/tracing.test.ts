/**
 * Issue 15, tracing: with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a small OTLP/HTTP receiver in this
 * test, a call that refreshes exports one trace: the request's span, whose parent is the incoming
 * `traceparent`, and below it the session read, the lock wait, the refresh (its attempts as events,
 * its outcome as an attribute), the store write and the upstream call; Shopify (the emulator, which
 * lists the correlation headers it received) gets `traceparent` naming the span that called it. Not one
 * exported byte holds a token, a code, a cookie or a session id (or its hash).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionIdHash } from '../server/observability/ids.ts';
import { createBrowser, type Browser } from './helpers/browser.ts';
import { clearFaults, COOKIE_NAME, expireSoon, sidOf } from './helpers/session-support.ts';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { graphql, startStack, type Stack } from './helpers/stack.ts';

/** An exported span as OTLP/HTTP JSON has it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  events?: Array<{ name: string; attributes: Array<{ key: string; value: Record<string, unknown> }> }>;
  status?: { code?: number };
}

const SERVER = 2;
const CLIENT = 3;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

/** The test's OTLP receiver: keeps every body it is sent, as bytes. */
let receiver: OtlpReceiver;
let exported: Buffer[];
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  exported = receiver.bodies;
  stack = await startStack({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'bff-under-test' },
    // Backoff sleeps injected away: a retried refresh costs one loopback round trip.
    bff: { tokenManager: { sleep: async () => {} } },
  });
  browser = createBrowser();
  await stack.signIn(browser, 'alice@example.com');
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

/** Every span exported so far (after a flush), with the resource's service name. */
async function exportedSpans(): Promise<Array<OtlpSpan & { service: string }>> {
  await stack.bff.flushTraces();
  return exported.flatMap((body) => {
    const { resourceSpans } = JSON.parse(body.toString()) as {
      resourceSpans: Array<{
        resource: { attributes: OtlpSpan['attributes'] };
        scopeSpans: Array<{ spans: OtlpSpan[] }>;
      }>;
    };
    return resourceSpans.flatMap(({ resource, scopeSpans }) => {
      const service = String(resource.attributes.find((a) => a.key === 'service.name')?.value['stringValue']);
      return scopeSpans.flatMap(({ spans }) => spans.map((span) => ({ ...span, service })));
    });
  });
}

const attributesOf = (list: OtlpSpan['attributes'] = []): Record<string, unknown> =>
  Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));

/** The parent span id a `traceparent` header names, checked to be of `TRACE_ID`. */
function parentIn(traceparent: string | null): string {
  const [version, traceId, parentId, flags] = (traceparent ?? '').split('-');
  expect([version, traceId, flags]).toEqual(['00', TRACE_ID, '01']);
  return parentId!;
}

describe('a call that refreshes, under a caller’s traceparent', () => {
  it('exports one trace: the request, its session read, lock wait, refresh, store write and upstream call', async () => {
    await expireSoon(browser, stack.appOrigin);
    await clearFaults(stack);
    await stack.fault({ endpoint: 'token', kind: 'status', status: 503 });
    await stack.clearUpstreamRequests();

    const response = await graphql(browser, stack.appOrigin, undefined, {
      traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`,
      'x-request-id': 'traced-1',
    });
    expect(response.status).toBe(200);

    const spans = (await exportedSpans()).filter((span) => span.traceId === TRACE_ID);
    for (const span of spans) expect(span.service).toBe('bff-under-test');
    const requests = spans.filter((span) => span.kind === SERVER);
    expect(requests.map((span) => [span.name, span.parentSpanId])).toEqual([
      ['POST /api/customer/graphql', CALLER_SPAN_ID],
    ]);
    const request = requests[0]!;
    expect(attributesOf(request.attributes)).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/customer/graphql',
      'http.response.status_code': 200,
      'bff.request_id': 'traced-1',
    });

    const children = spans.filter((span) => span.parentSpanId === request.spanId);
    const named = (name: string) => children.filter((span) => span.name === name);
    expect(named('session.read').map((span) => attributesOf(span.attributes))).toEqual([{ 'bff.session.found': true }]);
    expect(named('token.refresh.lock_wait').map((span) => attributesOf(span.attributes))).toEqual([
      { 'bff.lock.acquired': true },
    ]);
    expect(named('session.write').map((span) => attributesOf(span.attributes))).toEqual([
      { 'bff.session.write': 'written' },
    ]);

    const [refresh, ...moreRefreshes] = named('token.refresh');
    expect(moreRefreshes).toEqual([]);
    expect(attributesOf(refresh!.attributes)).toEqual({
      'bff.refresh.forced': false,
      'bff.refresh.outcome': 'success',
      'bff.refresh.attempts': 2,
    });
    expect(refresh!.events!.map((event) => [event.name, attributesOf(event.attributes)])).toEqual([
      [
        'token.refresh.attempt',
        {
          'bff.refresh.attempt': 1,
          'bff.refresh.class': 'transient',
          'http.response.status_code': 503,
          'bff.refresh.will_retry': true,
        },
      ],
      ['token.refresh.attempt', { 'bff.refresh.attempt': 2, 'bff.refresh.class': 'success' }],
    ]);

    const [upstream, ...moreUpstream] = named('shopify.customer_api');
    expect(moreUpstream).toEqual([]);
    expect(upstream!.kind).toBe(CLIENT);
    expect(attributesOf(upstream!.attributes)).toMatchObject({
      'http.request.method': 'POST',
      'server.address': new URL(stack.emulator.url).hostname,
      'http.response.status_code': 200,
    });

    // Shopify got the trace: the GraphQL call names the upstream span, both token calls the refresh's.
    const received = await stack.upstreamRequests();
    const graphqlPath = new URL(stack.emulator.emulator.endpoints.graphql).pathname;
    const tokenPath = new URL(stack.emulator.emulator.endpoints.token).pathname;
    expect(received.filter((r) => r.path === graphqlPath).map((r) => parentIn(r.traceparent))).toEqual([
      upstream!.spanId,
    ]);
    expect(received.filter((r) => r.path === tokenPath).map((r) => parentIn(r.traceparent))).toEqual([
      refresh!.spanId,
      refresh!.spanId,
    ]);
  });

  it('a request with no traceparent, or a malformed one, starts a trace of its own', async () => {
    for (const traceparent of [undefined, '00-not-a-trace-01', `00-${'0'.repeat(32)}-${CALLER_SPAN_ID}-01`]) {
      const before = new Set((await exportedSpans()).map((span) => span.spanId));
      const id = `root-${before.size}`;
      const headers: Record<string, string> = { 'x-request-id': id };
      if (traceparent !== undefined) headers['traceparent'] = traceparent;
      const response = await fetch(`${stack.appOrigin}/auth/session`, { headers });
      expect(response.status).toBe(200);
      const requests = (await exportedSpans()).filter(
        (span) => !before.has(span.spanId) && attributesOf(span.attributes)['bff.request_id'] === id,
      );
      expect(requests.map((span) => [span.name, span.kind, span.parentSpanId ?? ''])).toEqual([
        ['GET /auth/session', SERVER, ''],
      ]);
      expect(requests[0]!.traceId).not.toBe('0'.repeat(32));
    }
  });

  it('a call the fast path hands over to Hono is one span, with the status Hono answered', async () => {
    const response = await fetch(`${stack.appOrigin}/api/customer/graphql`, {
      method: 'POST',
      headers: { 'x-csrf': '1', 'x-request-id': 'no-session-2', cookie: `${COOKIE_NAME}=garbage` },
      body: '{"query":"{ customer { id } }"}',
    });
    expect(response.status).toBe(401);
    const spans = (await exportedSpans()).filter(
      (span) => attributesOf(span.attributes)['bff.request_id'] === 'no-session-2',
    );
    expect(spans.map((span) => [span.name, attributesOf(span.attributes)['http.response.status_code']])).toEqual([
      ['POST /api/customer/graphql', 401],
    ]);
  });
});

describe('secrets', () => {
  it('no exported byte holds a token, a code, a cookie, a session id or its hash', async () => {
    await exportedSpans();
    expect(exported.length).toBeGreaterThan(0);
    const cookie = browser.cookies(stack.appOrigin).get(COOKIE_NAME)!;
    const sid = await sidOf(cookie);
    const text = Buffer.concat(exported).toString();
    const secrets = {
      'an access token': 'shcat_',
      'a refresh token': 'shcrt_',
      'an authorization code': 'shcac_',
      'the session cookie': cookie,
      'the session id': sid,
      "the session id's hash": sessionIdHash(sid),
    };
    for (const [what, secret] of Object.entries(secrets)) {
      expect(text.includes(secret), `an exported span holds ${what}`).toBe(false);
    }
    expect(/eyJ[\w-]+\./.test(text), 'an exported span holds a JWT').toBe(false);
    // The sign-in's callback was traced too, by its path alone: its query carries the code.
    expect(text).toContain('/auth/callback');
  });
});
