/**
 * The SW's configuration, from one of two places, checked by the same rules:
 * - the ready-made `sw.js` reads it from its own script URL (`/sw.js?api=…&buffer=…&base=…`), which the
 *   browser keeps with the registration: a SW restarted after termination knows it synchronously, with
 *   nothing held in memory or storage — and a fetch handler must decide synchronously whether to
 *   respond. A page could register the script with anything: bad values fall back to safe defaults.
 * - a storefront's own SW passes it to `installCustomerSession` in code: bad values are a programming
 *   error and throw, so they show up the first time the SW is installed in development.
 */
import type { SwConfigParam } from '../client/messages.ts';
import { parseBasePath } from '../client/core/policy.ts';

export interface SwConfig {
  /** The store's real Customer Account API GraphQL URL (origin + path), or `null` if not given. */
  readonly graphqlApiUrl: URL | null;
  readonly bufferSeconds: number;
  /** Where the BFF is mounted on this origin (`''`: the site root). */
  readonly basePath: string;
}

/** What a storefront's own SW passes to `installCustomerSession` (every field optional). */
export interface CustomerSessionOptions {
  /** Where the BFF is mounted on this origin, e.g. `/account-session` (default `''`, the site root). */
  readonly basePath?: string;
  /**
   * The store's real Customer Account API GraphQL URL
   * (`https://shopify.com/<shop id>/account/customer/api/<version>/graphql`): calls written against
   * Shopify directly are then sent to the BFF too. Default: none (only the BFF's own path is routed).
   */
  readonly graphqlApiUrl?: string | URL | null;
  /** The BFF's refresh buffer in whole seconds, 0 to 3600 (default 60, the BFF's default). */
  readonly refreshBufferSeconds?: number;
}

const API: SwConfigParam = 'api';
const BUFFER: SwConfigParam = 'buffer';
const BASE: SwConfigParam = 'base';
const DEFAULT_BUFFER_SECONDS = 60;
const MAX_BUFFER_SECONDS = 3600;

/** An http(s) URL, or `null` for anything else (a `javascript:` URL, garbage). */
function httpUrl(value: string | URL): URL | null {
  const href = typeof value === 'string' ? value : value.href;
  if (!URL.canParse(href)) return null;
  const url = new URL(href);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
}

const isBufferSeconds = (value: number): boolean =>
  Number.isSafeInteger(value) && value >= 0 && value <= MAX_BUFFER_SECONDS;

/** Reads the config from the SW script's query string; bad values fall back to safe defaults. */
export function parseSwConfig(search: URLSearchParams): SwConfig {
  const api = search.get(API);
  const raw = search.get(BUFFER) ?? '';
  const buffer = Number(raw);
  return {
    graphqlApiUrl: api === null ? null : httpUrl(api),
    bufferSeconds: /^\d+$/.test(raw) && isBufferSeconds(buffer) ? buffer : DEFAULT_BUFFER_SECONDS,
    basePath: parseBasePath(search.get(BASE) ?? '') ?? '',
  };
}

/**
 * Checks the options a storefront's SW passes in code.
 * @throws TypeError naming the first option that is not valid.
 */
export function resolveSwConfig(options: CustomerSessionOptions): SwConfig {
  const basePath = parseBasePath(options.basePath ?? '');
  if (basePath === null) throw new TypeError('basePath must be a plain path such as /account-session');
  const given = options.graphqlApiUrl ?? null;
  const graphqlApiUrl = given === null ? null : httpUrl(given);
  if (given !== null && graphqlApiUrl === null) throw new TypeError('graphqlApiUrl must be an http(s) URL');
  const bufferSeconds = options.refreshBufferSeconds ?? DEFAULT_BUFFER_SECONDS;
  if (!isBufferSeconds(bufferSeconds)) {
    throw new TypeError(`refreshBufferSeconds must be a whole number of seconds from 0 to ${MAX_BUFFER_SECONDS}`);
  }
  return { graphqlApiUrl, bufferSeconds, basePath };
}
