/**
 * OpenTelemetry tracing: a span per request, child spans for the session read, the lock wait, the
 * refresh (its attempts as events), the store write and the upstream calls, `traceparent` honoured on
 * the way in and sent to Shopify on the way out.
 *
 * Off unless the configuration turns it on (`config.tracing`, from the standard `OTEL_*` variables, see
 * `tracingFromEnv` in config.ts). Off, every helper here is one comparison with `null` and a plain call:
 * the API's no-op tracer would still build a span object and a context per span, on the proxy's hot
 * path. On, spans go to the process's global tracer provider: the BFF's own (an OTLP/HTTP exporter,
 * started by `startTracing`), or the one a host storefront registered with its own SDK.
 *
 * What a span may hold: names and attributes written here and at the call sites, all of them fixed
 * words, numbers, status codes, Shopify's OAuth error code, the request id and URL paths without their
 * query. Never a token, a code, a cookie or a session id (not even its hash: a trace is not a log line
 * an operator greps, and the request id already ties a trace to the logs).
 */
import {
  context,
  diag,
  DiagLogLevel,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { isAppError } from '../errors.ts';
import { logEvent } from './events.ts';
import type { Logger } from './logger.ts';
import { currentRequestId, REQUEST_ID_HEADER } from './request-id.ts';

/** What the BFF's own tracer provider exports to, and how it samples (config.ts reads it from `OTEL_*`). */
export interface TracingExport {
  /** The OTLP/HTTP traces URL (JSON is posted to it). */
  url: string;
  /** Sent with every export (`OTEL_EXPORTER_OTLP_HEADERS`): often a collector's API key, so never logged. */
  headers: Record<string, string>;
  serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`, parsed. */
  resourceAttributes: Record<string, string>;
  sampler: { root: 'always_on' | 'always_off' | 'traceidratio'; parentBased: boolean; ratio: number };
}

/**
 * Tracing on: `export` set, the BFF registers its own provider (unless the process already has one,
 * which is then used); `export` null, spans go to the provider a host registered (mounted, `tracing: true`).
 */
export interface TracingConfig {
  export: TracingExport | null;
}

const TRACER_NAME = 'shopify-customer-session';

// `null`: tracing is off in this process. Process-wide, like OpenTelemetry's own global provider.
let tracer: Tracer | null = null;

export const tracingOn = (): boolean => tracer !== null;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const errorType = (error: unknown): string =>
  isAppError(error) ? error.code : error instanceof Error ? error.name : 'Error';

/** Ends `span` when `work` settles, marking it failed (by error code or class, never its message) if it threw. */
async function ending<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const type = errorType(error);
    span.setAttribute('error.type', type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    throw error;
  } finally {
    span.end();
  }
}

/** Runs `work` in a child span of the current one (an internal or client span); just runs it when off. */
export function inSpan<T>(
  name: string,
  work: () => Promise<T>,
  attributes?: Attributes,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  if (tracer === null) return work();
  return tracer.startActiveSpan(name, { kind, attributes }, (span) => ending(span, work));
}

/** Adds attributes to the current span (the one `inSpan` runs in); nothing when off. */
export function spanAttributes(attributes: Attributes): void {
  if (tracer !== null) trace.getActiveSpan()?.setAttributes(attributes);
}

/** Adds an event to the current span; nothing when off. */
export function spanEvent(name: string, attributes: Attributes): void {
  if (tracer !== null) trace.getActiveSpan()?.addEvent(name, attributes);
}

/**
 * The headers that tie a call to Shopify to the request it is made for: `X-Request-Id` when the caller
 * runs for a request, and, tracing, the trace context (`traceparent`, and `tracestate` when there is one).
 */
export function correlationHeaders(): Record<string, string> {
  const requestId = currentRequestId();
  const headers: Record<string, string> = requestId === null ? {} : { [REQUEST_ID_HEADER]: requestId };
  if (tracer !== null) propagation.inject(context.active(), headers);
  return headers;
}

type HeaderCarrier = Headers | Record<string, string | string[] | undefined>;

const headersGetter: TextMapGetter<HeaderCarrier> = {
  get: (carrier, key) => (carrier instanceof Headers ? (carrier.get(key) ?? undefined) : carrier[key]),
  keys: (carrier) => (carrier instanceof Headers ? [...carrier.keys()] : Object.keys(carrier)),
};

const REQUEST_SPAN = Symbol('request span');

/** What a request span is started from, and how it learns the answer once `work` is done. */
export interface TracedRequest {
  method: string;
  /** The URL's path, without its query (a callback's query holds the authorization code). */
  path: string;
  headers: HeaderCarrier;
  requestId: string;
  /** The Node request when there is one: a request handed from the fast path to Hono keeps one span. */
  carrier?: object;
}

/**
 * Runs `work` as one request: a server span whose parent is the incoming `traceparent` (when there is a
 * valid one), named by method and route. `answered` gives the status code (and the route, when known)
 * once `work` is done. A request that already has its span (the fast path handing over to Hono) runs
 * in it as it is. Just runs `work` when off.
 */
export function inRequestSpan<T>(
  request: TracedRequest,
  work: () => Promise<T>,
  answered: () => { status: number; route?: string },
): Promise<T> {
  if (tracer === null) return work();
  const carrier = request.carrier as { [REQUEST_SPAN]?: Span } | undefined;
  if (carrier?.[REQUEST_SPAN] !== undefined) return work();
  const parent = propagation.extract(context.active(), request.headers, headersGetter);
  return tracer.startActiveSpan(
    request.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'url.path': request.path,
        'bff.request_id': request.requestId,
      },
    },
    parent,
    async (span) => {
      if (carrier !== undefined) carrier[REQUEST_SPAN] = span;
      try {
        return await work();
      } finally {
        const { status, route } = answered();
        span.setAttribute('http.response.status_code', status);
        if (route !== undefined) {
          span.setAttribute('http.route', route);
          span.updateName(`${request.method} ${route}`);
        }
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: String(status) });
        span.end();
      }
    },
  );
}

/**
 * The running tracing of this process: `flush` exports what is buffered (on close, and in tests). It
 * never rejects and gives up after `FLUSH_TIMEOUT_MS`: an unreachable collector must not fail or stall
 * a shutdown (the spans are lost, and `tracing.problem` says why).
 */
export interface Tracing {
  flush(): Promise<void>;
}

const FLUSH_TIMEOUT_MS = 2_000;

const OFF: Tracing = { flush: async () => {} };
let started: Promise<Tracing> | null = null;

/**
 * Turns tracing on for this process, once (every BFF in it shares it). With `config.export`, registers
 * an OTLP/HTTP exporter behind a batching processor as the global provider, with W3C trace context
 * propagation and an AsyncLocalStorage context manager, unless a provider is registered already (a
 * host's SDK), which is then used as it is. The SDK is loaded only here: off, it is never imported.
 * Its own problems (an export that fails) are logged as `tracing.problem`, at most once a minute.
 */
export function startTracing(config: TracingConfig | null, logger: Logger): Promise<Tracing> {
  if (config === null) return Promise.resolve(OFF);
  started ??= registerProvider(config, logger);
  return started;
}

async function registerProvider(config: TracingConfig, logger: Logger): Promise<Tracing> {
  const hostProvider = (): Tracing => {
    tracer = trace.getTracer(TRACER_NAME);
    return OFF;
  };
  if (config.export === null) return hostProvider();
  const settings = config.export;
  const [
    {
      TracerProvider,
      BatchSpanProcessor,
      ParentBasedSampler,
      AlwaysOnSampler,
      AlwaysOffSampler,
      TraceIdRatioBasedSampler,
    },
    { OTLPTraceExporter },
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { resourceFromAttributes },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  const root =
    settings.sampler.root === 'always_on'
      ? new AlwaysOnSampler()
      : settings.sampler.root === 'always_off'
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(settings.sampler.ratio);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...settings.resourceAttributes, 'service.name': settings.serviceName }),
    sampler: settings.sampler.parentBased ? new ParentBasedSampler({ root }) : root,
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: settings.url, headers: settings.headers }) }),
    ],
  });
  if (!trace.setGlobalTracerProvider(provider)) {
    await provider.shutdown();
    return hostProvider();
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const report = (message: string) => logEvent(logger, 'warn', 'tracing.problem', { message: message.slice(0, 300) });
  let lastProblemAt = -Infinity;
  const problem = (message: string) => {
    if (performance.now() - lastProblemAt < 60_000) return;
    lastProblemAt = performance.now();
    report(message);
  };
  diag.setLogger(
    {
      error: problem,
      warn: problem,
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  tracer = trace.getTracer(TRACER_NAME);
  return {
    // The SDK rejects with a list of errors: the processors' own, or that one did not finish in time.
    flush: () =>
      provider
        .forceFlush({ timeoutMillis: FLUSH_TIMEOUT_MS })
        .catch((errors: unknown) => report(`spans not exported: ${[errors].flat().map(messageOf).join('; ')}`)),
  };
}
