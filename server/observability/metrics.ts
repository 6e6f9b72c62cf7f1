import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The final outcome of one refresh operation (after retries); the label of `bff_token_refresh_total`. */
export type RefreshOutcome = 'success' | 'reauth' | 'misconfiguration' | 'transient';

export interface Metrics {
  /** Serve `registry.metrics()` at `/metrics` with `registry.contentType`. */
  readonly registry: Registry;
  readonly tokenRefreshTotal: Counter<'outcome'>;
  readonly tokenRefreshDurationSeconds: Histogram;
  readonly refreshCoalescedTotal: Counter;
  /** Incremented by the API proxy, one per upstream GraphQL response (`status` = HTTP status or `error`). */
  readonly upstreamRequestsTotal: Counter<'status'>;
  /** 1 while the failure-spike detector is raised, else 0. */
  readonly refreshFailureSpike: Gauge;
  /**
   * 1 while the session store is in an outage (from its first failed call until it has answered
   * without a failure for the guard's quiet period: the `store.unavailable` … `store.recovered` lines), else 0.
   */
  readonly sessionStoreUnavailable: Gauge<'store'>;
  /** Session store calls that failed or did not answer in time (the guard's failures). */
  readonly sessionStoreFailuresTotal: Counter<'store'>;
}

export interface MetricsOptions {
  /** Also collect Node process metrics (CPU, heap, event loop lag). Default false. */
  collectDefaultMetrics?: boolean;
}

// Hooks run when a gauge is scraped. A WeakMap keeps them off the gauge object and lets both be collected.
const collectHooks = new WeakMap<object, () => void>();

/**
 * Runs `hook` every time `gauge` is collected (each `/metrics` scrape), if the gauge came from
 * `createMetrics`. The spike detector uses it so its gauge clears once the failures age out of the
 * window even when no refresh happens any more, without the app having to remember to call it.
 */
export function onGaugeCollect(gauge: Gauge, hook: () => void): void {
  collectHooks.set(gauge, hook);
}

/**
 * Creates the BFF's metrics on a registry of their own — never prom-client's global one — so every app
 * instance (and every test) starts from zero and two apps in one process never clash on names.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.collectDefaultMetrics === true) collectDefaultMetrics({ register: registry });

  const tokenRefreshTotal = new Counter({
    name: 'bff_token_refresh_total',
    help: 'Token refresh operations by final outcome (retries of one operation count once).',
    labelNames: ['outcome'] as const,
    registers,
  });
  // Zero-initialise every outcome so dashboards and rate() see the series before the first failure.
  for (const outcome of ['success', 'reauth', 'misconfiguration', 'transient'] satisfies RefreshOutcome[]) {
    tokenRefreshTotal.inc({ outcome }, 0);
  }

  return {
    registry,
    tokenRefreshTotal,
    tokenRefreshDurationSeconds: new Histogram({
      name: 'bff_token_refresh_duration_seconds',
      help: 'Duration of one refresh operation against the token endpoint, retries and backoff included.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    }),
    refreshCoalescedTotal: new Counter({
      name: 'bff_refresh_coalesced_total',
      help: 'Requests that joined a refresh already in flight for their session instead of starting one.',
      registers,
    }),
    upstreamRequestsTotal: new Counter({
      name: 'bff_upstream_requests_total',
      help: 'Upstream Customer Account API requests by HTTP status.',
      labelNames: ['status'] as const,
      registers,
    }),
    refreshFailureSpike: new Gauge({
      name: 'bff_refresh_failure_spike',
      help: '1 while the token refresh failure ratio is above the alert threshold, else 0.',
      registers,
      collect() {
        collectHooks.get(this)?.();
      },
    }),
    sessionStoreUnavailable: new Gauge({
      name: 'bff_session_store_unavailable',
      help: '1 while the session store is in an outage (first failure until it answers again for 10 s), else 0.',
      labelNames: ['store'] as const,
      registers,
    }),
    sessionStoreFailuresTotal: new Counter({
      name: 'bff_session_store_failures_total',
      help: 'Session store calls that failed or did not answer in time.',
      labelNames: ['store'] as const,
      registers,
    }),
  };
}
