/**
 * Which service worker routes this page's customer API calls, and how the ready-made one is started:
 * - `register`: this library registers the ready-made SW (`sw.js`, built from `sw/main.ts`) with its
 *   configuration in its script URL (see `sw/config.ts`);
 * - `external`: the storefront registers a SW of its own that calls `installCustomerSession`
 *   (`sw/index.ts`); this library only talks to whatever SW controls the page, never registering or
 *   unregistering one;
 * - `none`: no SW; this page's own coordinator does everything (every call takes the direct path).
 */
import type { SessionView, SwConfigParam } from '../messages.ts';

export type ServiceWorkerMode = 'register' | 'external' | 'none';

const SW_API: SwConfigParam = 'api';
const SW_BUFFER: SwConfigParam = 'buffer';
const SW_BASE: SwConfigParam = 'base';

/** The ready-made SW's default URL: at the site root, so its scope can be the whole site. */
export const DEFAULT_SERVICE_WORKER_URL = '/sw.js';

/**
 * The mode and script URL from the client's options. `serviceWorkerUrl: null` (the older way to say
 * "no SW") still means `none`; a script URL matters only to `register`.
 */
export function workerSetup(options: {
  readonly serviceWorker?: ServiceWorkerMode;
  readonly serviceWorkerUrl?: string | null;
}): { readonly mode: ServiceWorkerMode; readonly url: string } {
  const mode = options.serviceWorker ?? 'register';
  if (mode === 'register' && options.serviceWorkerUrl === null) return { mode: 'none', url: '' };
  return { mode, url: mode === 'register' ? (options.serviceWorkerUrl ?? DEFAULT_SERVICE_WORKER_URL) : '' };
}

/**
 * The ready-made SW's script URL with its configuration: Shopify's GraphQL URL (when discovered), the
 * BFF's refresh buffer and the base path (only when not the root, so a root install keeps today's URL).
 */
export function workerScriptUrl(url: string, view: SessionView, basePath: string): string {
  const params = new URLSearchParams();
  if (view.graphqlApiUrl !== '') params.set(SW_API, view.graphqlApiUrl);
  params.set(SW_BUFFER, String(view.refreshBufferSeconds));
  if (basePath !== '') params.set(SW_BASE, basePath);
  return `${url}${url.includes('?') ? '&' : '?'}${params.toString()}`;
}
