import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type LogLevel, type Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));
const clientRoot = join(repoRoot, 'client');
const publicDir = join(clientRoot, 'public');

/** The SW's code (sw.js and every chunk it imports) must stay under this, gzipped. */
const SW_BUDGET_BYTES = 20 * 1024;
/**
 * Classic-script builds of the SW code, for the package (each one IIFE, no `import`):
 * - `installCustomerSession` for a storefront's own SW (`importScripts`), setting `self.customerSession`;
 * - the ready-made SW for a storefront without one (sw/ready-made.ts), registered by the client.
 */
const CLASSIC_SW_BUILDS = [
  { entry: 'sw/index.ts', file: 'customer-session-sw.js', global: 'customerSession' },
  // Exports nothing; an IIFE still needs a global name (it holds an empty object).
  { entry: 'sw/ready-made.ts', file: 'customer-session-ready-sw.js', global: 'customerSessionReadySw' },
] as const;
const SW_MANIFEST_PLACEHOLDER = /([`"'])__SW_PRECACHE_MANIFEST__\1/;
/** Loaded only where Web Locks are missing (client/core/lock.ts): never in code a context loads up front. */
const LAZY_PACKAGE = `${join('node_modules', 'broadcast-channel')}/`;
const coreRoot = `${join(clientRoot, 'core')}/`;

const listFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });

/** `index.html` → `/`, `account.html` → `/account` (how the BFF serves pages), else `/<file>`. */
const shellUrl = (fileName: string): string =>
  fileName === 'index.html' ? '/' : fileName.endsWith('.html') ? `/${fileName.slice(0, -5)}` : `/${fileName}`;

/** `<!-- include: app/partials/x.html -->` in a page is replaced by that file: one header for every page. */
function htmlPartials(): Plugin {
  const INCLUDE = /^[ \t]*<!-- include: ([\w./-]+\.html) -->\n/gm;
  return {
    name: 'html-partials',
    transformIndexHtml: (html) =>
      html.replace(INCLUDE, (_line, path: string) => readFileSync(join(clientRoot, path), 'utf8')),
  };
}

/**
 * After the main build: `CLASSIC_SW_BUILDS` in dist/client, each `sw/…` as one classic script (an
 * IIFE), for storefronts whose own SW is a classic script and loads it with `importScripts`, or that
 * register the ready-made one. broadcast-channel stays out (external): the script's one `import()` is
 * the Web Locks fallback, which a SW may not use anyway — there it rejects, and the coordinator goes
 * on without a lock of its own (client/core/lock.ts). Same size budget as sw.js.
 */
function classicSwBuild(): Plugin {
  let logLevel: LogLevel = 'info';
  return {
    name: 'classic-sw-build',
    apply: 'build',
    configResolved(config) {
      logLevel = config.logLevel ?? 'info';
    },
    async closeBundle() {
      for (const { entry, file, global } of CLASSIC_SW_BUILDS) {
        const checks: Plugin = {
          name: 'classic-sw-checks',
          generateBundle(_options, bundle) {
            const script = bundle[file];
            if (script?.type !== 'chunk') return this.error(`${file} missing from the bundle`);
            if (script.moduleIds.some((id) => id.includes(LAZY_PACKAGE))) {
              return this.error(`${file} contains broadcast-channel: it must stay external`);
            }
            const bytes = gzipSync(script.code).length;
            const summary = `${file}: ${(bytes / 1024).toFixed(1)} KB gzip (budget ${SW_BUDGET_BYTES / 1024} KB)`;
            if (bytes > SW_BUDGET_BYTES) return this.error(`${summary}: over budget`);
            this.info(summary);
          },
        };
        await build({
          configFile: false,
          root: repoRoot,
          publicDir: false,
          logLevel,
          plugins: [checks],
          build: {
            outDir: join(repoRoot, 'dist/client'),
            emptyOutDir: false,
            sourcemap: true,
            minify: true,
            lib: { entry: join(repoRoot, entry), name: global, formats: ['iife'], fileName: () => file },
            rolldownOptions: { external: ['broadcast-channel'] },
          },
        });
      }
    },
  };
}

/**
 * Writes the precache manifest (every page, built asset and public file, plus a content hash that
 * versions the cache) into sw.js, then enforces the SW size budget — the build fails over it — and
 * that the broadcast-channel fallback stays out of the SW's statically loaded code.
 */
function swPrecacheManifest(): Plugin {
  return {
    name: 'sw-precache-manifest',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const sw = bundle['sw.js'];
      if (sw === undefined || sw.type !== 'chunk') return this.error('sw.js missing from the bundle');

      const hash = createHash('sha256');
      const urls: string[] = [];
      for (const file of Object.values(bundle).sort((a, b) => a.fileName.localeCompare(b.fileName))) {
        if (file.fileName === 'sw.js' || file.fileName.endsWith('.map')) continue;
        urls.push(shellUrl(file.fileName));
        hash.update(file.fileName).update(file.type === 'chunk' ? file.code : file.source);
      }
      for (const path of listFiles(publicDir).sort()) {
        const fileName = relative(publicDir, path).split('\\').join('/');
        urls.push(`/${fileName}`);
        hash.update(fileName).update(readFileSync(path));
      }
      const manifest = { version: hash.digest('hex').slice(0, 12), urls };
      if (!SW_MANIFEST_PLACEHOLDER.test(sw.code)) return this.error('precache placeholder not found in sw.js');
      sw.code = sw.code.replace(SW_MANIFEST_PLACEHOLDER, JSON.stringify(JSON.stringify(manifest)));

      const seen = new Set<string>();
      const swFiles = (name: string): string[] => {
        const chunk = bundle[name];
        if (seen.has(name) || chunk === undefined || chunk.type !== 'chunk') return [];
        seen.add(name);
        return [name, ...chunk.imports.flatMap(swFiles)];
      };
      const swStatic = swFiles('sw.js');
      for (const name of swStatic) {
        const chunk = bundle[name];
        if (chunk?.type === 'chunk' && chunk.moduleIds.some((id) => id.includes(LAZY_PACKAGE))) {
          return this.error(
            `${name} (loaded by sw.js up front) contains broadcast-channel: it must stay a lazy import()`,
          );
        }
      }
      const bytes = swStatic.reduce((sum, name) => {
        const chunk = bundle[name];
        return sum + (chunk?.type === 'chunk' ? gzipSync(chunk.code).length : 0);
      }, 0);
      const summary = `service worker: ${(bytes / 1024).toFixed(1)} KB gzip (budget ${SW_BUDGET_BYTES / 1024} KB), ${urls.length} precached URLs`;
      if (bytes > SW_BUDGET_BYTES) return this.error(`${summary}: over budget`);
      this.info(summary);
    },
  };
}

// One config for the page + service-worker build (owned by client/ and sw/) and for the unit and
// integration tests (vitest). Browser tests run under Playwright (playwright.config.ts).
export default defineConfig({
  // Pages live in client/, so the build emits dist/client/index.html and dist/client/account.html.
  root: clientRoot,
  publicDir,
  plugins: [htmlPartials(), swPrecacheManifest(), classicSwBuild()],
  build: {
    outDir: join(repoRoot, 'dist/client'),
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      input: {
        index: join(clientRoot, 'index.html'),
        account: join(clientRoot, 'account.html'),
        // The SW: an ES module SW at the site root (scope `/`), registered by client/lib.
        sw: join(repoRoot, 'sw/main.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
        // The code shared by the SW and the pages is client/core/ (the coordination core): name it so.
        // (Vite's own virtual helpers, ids starting with \0, may join it.)
        chunkFileNames: (chunk) => {
          const files = chunk.moduleIds.filter((id) => !id.startsWith('\0'));
          return files.length > 0 && files.every((id) => id.startsWith(coreRoot))
            ? 'assets/core-[hash].js'
            : 'assets/[name]-[hash].js';
        },
      },
    },
  },
  test: {
    // The Vite root is client/ (above): the tests keep the repository root.
    root: repoRoot,
    include: ['{server,emulator,client,sw,tests,bench}/**/*.test.ts'],
    environment: 'node',
    // Two cores: integration suites start real servers, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
