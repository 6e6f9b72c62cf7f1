/**
 * Issue 15, tracing in a host that has its own OpenTelemetry SDK: mounted with `tracing: true` and no
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, the BFF registers nothing of its own; its spans go to the host's
 * provider, under the host's span for the request.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Hono } from 'hono';
import { afterAll, expect, it } from 'vitest';
import { createCustomerSessionBff } from '../server/index.ts';
import { createCapturingDestination } from '../server/observability/logger.ts';
import { PASSWORD } from './helpers/stack.ts';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const bff = createCustomerSessionBff({
  // Never called here: /auth/session without a cookie answers from the BFF alone.
  shopify: { storefrontOrigin: 'https://shop.example.com', clientId: 'host-traced' },
  appOrigin: 'https://shop.example.com',
  basePath: '/account-session',
  session: { password: PASSWORD, store: 'sqlite::memory:' },
  logger: { destination: createCapturingDestination() },
  tracing: true,
});
afterAll(() => bff.close());

it("sends the BFF's spans to the host's provider, under the host's request span", async () => {
  await bff.storeReady;
  const host = new Hono();
  const hostTracer = trace.getTracer('host-app');
  host.use('*', (_c, next) => hostTracer.startActiveSpan('host request', (span) => next().finally(() => span.end())));
  host.route('/', bff.app);

  const response = await host.request('https://shop.example.com/account-session/auth/session', {
    headers: { 'x-request-id': 'host-1' },
  });
  expect(response.status).toBe(200);

  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const hostSpan = spans.find((span) => span.name === 'host request');
  const bffSpan = spans.find((span) => span.attributes['bff.request_id'] === 'host-1');
  expect(bffSpan?.name).toBe('GET /account-session/auth/session');
  expect(bffSpan?.parentSpanContext?.spanId).toBe(hostSpan?.spanContext().spanId);
  expect(bffSpan?.spanContext().traceId).toBe(hostSpan?.spanContext().traceId);
  expect(bffSpan?.attributes['http.response.status_code']).toBe(200);
});
