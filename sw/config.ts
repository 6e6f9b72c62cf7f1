/**
 * The SW's configuration travels in its own script URL (`/sw.js?api=…&buffer=…`), which the browser
 * keeps with the registration: a SW restarted after termination knows it synchronously, with nothing
 * held in memory or storage — and a fetch handler must decide synchronously whether to respond.
 */
import type { SwConfigParam } from '../client/messages.ts';

export interface SwConfig {
  /** The store's real Customer Account API GraphQL URL (origin + path), or `null` if not given. */
  readonly graphqlApiUrl: URL | null;
  readonly bufferSeconds: number;
}

const API: SwConfigParam = 'api';
const BUFFER: SwConfigParam = 'buffer';
const DEFAULT_BUFFER_SECONDS = 60;

/** Reads the config from the SW script's query string; bad values fall back to safe defaults. */
export function parseSwConfig(search: URLSearchParams): SwConfig {
  let graphqlApiUrl: URL | null = null;
  const api = search.get(API);
  if (api !== null) {
    try {
      const url = new URL(api);
      if (url.protocol === 'https:' || url.protocol === 'http:') graphqlApiUrl = url;
    } catch {
      graphqlApiUrl = null;
    }
  }
  const raw = search.get(BUFFER) ?? '';
  const buffer = Number(raw);
  const bufferSeconds = /^\d+$/.test(raw) && buffer <= 3600 ? buffer : DEFAULT_BUFFER_SECONDS;
  return { graphqlApiUrl, bufferSeconds };
}
