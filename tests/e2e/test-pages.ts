/**
 * Test-only pages on the app's origin, without shipping them: a page script under tests/e2e/pages/ is
 * bundled in memory with Vite (once per worker) and answered, with its HTML and any extra file, by a
 * Playwright route of the browser context under `/__e2e/<name>/`. Nothing reaches dist/client or the
 * BFF, which answers 404 there; everything else (the BFF, the built storefront, the classic
 * `customer-session-sw.js`) comes from the real server. Chromium sends a service worker's script, its
 * `importScripts` and the navigations it lets through to the context's routes too, so a test SW can
 * be served this way.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from '@playwright/test';
import { build } from 'vite';
import { APP } from './fixtures.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const pagesDir = fileURLToPath(new URL('./pages/', import.meta.url));

export interface TestPages {
  /** The folder the pages are served under, e.g. `/__e2e/react/` (the page itself is that URL). */
  readonly base: string;
  /** The page's script, a file in tests/e2e/pages/, bundled with what it imports. */
  readonly entry: string;
  /** Other files served as they are, by name under `base`, from tests/e2e/pages/. */
  readonly files?: Readonly<Record<string, string>>;
}

const bundles = new Map<string, Promise<ReadonlyMap<string, string>>>();

/** The entry's bundle (file name → code), built once: React in its development build, for StrictMode. */
function bundle(entry: string): Promise<ReadonlyMap<string, string>> {
  let built = bundles.get(entry);
  if (built === undefined) {
    built = build({
      configFile: false,
      root: repoRoot,
      publicDir: false,
      logLevel: 'warn',
      define: { 'process.env.NODE_ENV': JSON.stringify('development') },
      build: {
        write: false,
        minify: false,
        sourcemap: false,
        lib: { entry: `${pagesDir}${entry}`, formats: ['es'], fileName: () => 'page.js' },
      },
    }).then((result) => {
      const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
      return new Map(outputs.flatMap((file) => (file.type === 'chunk' ? [[file.fileName, file.code] as const] : [])));
    });
    bundles.set(entry, built);
  }
  return built;
}

const html = (script: string): string =>
  `<!doctype html><html lang="en" data-session="unknown"><head><meta charset="utf-8"><title>e2e</title></head>` +
  `<body><main id="root"></main><script type="module" src="${script}"></script></body></html>`;

/** Serves `pages` to every tab (and service worker) of `context`; returns the page's URL path. */
export async function serveTestPages(context: BrowserContext, pages: TestPages): Promise<string> {
  const code = await bundle(pages.entry);
  await context.route(`${APP}${pages.base}**`, async (route) => {
    const name = new URL(route.request().url()).pathname.slice(pages.base.length);
    const headers = { 'cache-control': 'no-cache' };
    if (name === '') return route.fulfill({ contentType: 'text/html', headers, body: html(`${pages.base}page.js`) });
    const script =
      code.get(name) ?? (pages.files?.[name] ? await readFile(`${pagesDir}${pages.files[name]}`, 'utf8') : null);
    if (script === null) return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    return route.fulfill({ contentType: 'text/javascript', headers, body: script });
  });
  return pages.base;
}
