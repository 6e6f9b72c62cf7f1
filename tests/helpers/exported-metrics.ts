import { createMetrics } from '../../server/observability/metrics.ts';

/**
 * Every series name a BFF's `/metrics` can hold (Node's process metrics included, as served when
 * metrics are on), a histogram's `_bucket`, `_count` and `_sum` too: what an alert rule or a dashboard
 * query may read.
 */
export async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await createMetrics({ collectDefaultMetrics: true }).registry.getMetricsAsJSON()) {
    names.add(metric.name);
    // prom-client types `type` as an enum it does not export at run time; the value is the string.
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_count', '_sum']) names.add(metric.name + suffix);
  }
  return names;
}
