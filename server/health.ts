import type { Handler } from 'hono';
import type { AppDeps } from './deps.ts';
import type { AppEnv } from './http/env.ts';

/** A readiness check that has not answered by then counts as failed: a probe must answer quickly. */
const READY_CHECK_MS = 2_000;

/** `promise`'s value, or `null` if it has not settled within `ms` (a rejection still rejects). */
async function withinMs<T>(ms: number, promise: Promise<T>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz`, liveness: the process answers. Nothing else is checked, so a Shopify or store outage
 * never gets the BFF restarted by its orchestrator (a restart would not help and would drop refreshes).
 */
export const livenessHandler = (): Handler<AppEnv> =>
  function liveness(c) {
    return c.json({ ok: true });
  };

/**
 * `GET /readyz`, readiness: whether this instance can serve customers now. Each part is named, never
 * described with a URL or an error message (an operator's probe may be public).
 */
export const readinessHandler = ({ store, shopify, lifecycle }: AppDeps): Handler<AppEnv> =>
  async function readiness(c) {
    const [storeStatus, shopifyStatus] = await Promise.all([
      withinMs(
        READY_CHECK_MS,
        store.ping().then(() => 'ok' as const),
      ).then(
        (status) => status ?? 'unavailable',
        () => 'unavailable' as const,
      ),
      withinMs(READY_CHECK_MS, shopify.discoveryStatus()).then((status) => status ?? 'unreachable'),
    ]);
    const checks = { store: storeStatus, shopify: shopifyStatus, shutdown: lifecycle.draining ? 'draining' : 'ok' };
    const ready = Object.values(checks).every((status) => status === 'ok');
    return c.json({ ready, checks }, ready ? 200 : 503);
  };
