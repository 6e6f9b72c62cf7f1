/**
 * The offline app shell: a small hand-rolled precache (Workbox's precaching would triple the SW's
 * size for the same three jobs: fetch a list at install, drop old caches at activate, answer offline).
 * The build writes the manifest into sw.js, so a new build is a new SW byte-for-byte.
 */

export interface PrecacheManifest {
  /** A hash of every precached file's content: names the cache. */
  readonly version: string;
  /** Same-origin URLs to precache, pages as navigations see them (`/`, `/account`). */
  readonly urls: readonly string[];
}

export const CACHE_PREFIX = 'shell-';

/** Parses the manifest the build injected; an unbuilt SW (unit tests, dev) gets an empty one. */
export function parsePrecacheManifest(json: string): PrecacheManifest {
  try {
    const value: unknown = JSON.parse(json);
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { version?: unknown }).version === 'string' &&
      Array.isArray((value as { urls?: unknown }).urls) &&
      (value as { urls: unknown[] }).urls.every((u) => typeof u === 'string' && u.startsWith('/'))
    ) {
      return value as PrecacheManifest;
    }
  } catch {
    // Not JSON: the placeholder of an unbuilt SW.
  }
  return { version: 'dev', urls: [] };
}

export const cacheName = (manifest: PrecacheManifest): string => `${CACHE_PREFIX}${manifest.version}`;

/** The cache key of a shell path: `/account.html` and `/account` are one page, `/index.html` is `/`. */
export function shellKey(pathname: string): string {
  const withoutHtml = pathname.endsWith('.html') ? pathname.slice(0, -'.html'.length) : pathname;
  return withoutHtml === '/index' ? '/' : withoutHtml;
}

/** Every path that `shellKey` maps onto a precached URL (what the router may answer offline). */
export function shellPaths(manifest: PrecacheManifest): Set<string> {
  const paths = new Set<string>();
  for (const url of manifest.urls) {
    paths.add(url);
    if (!url.startsWith('/assets/') && !/\.[a-z0-9]+$/i.test(url)) {
      paths.add(url === '/' ? '/index.html' : `${url}.html`);
    }
  }
  return paths;
}

/** Caches of older builds, to delete once this one activates. */
export const staleCaches = (names: readonly string[], current: string): string[] =>
  names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== current);
