/**
 * Two outputs, one `vite build`:
 * 1. the storefront (index.html, the React app, its CSS) into dist/client, as any Vite app;
 * 2. then its service worker, src/sw.ts, as ONE self-contained classic script, dist/client/sw.js, with
 *    the precache manifest written in where the source says `self.__WB_MANIFEST` (Workbox's injection
 *    point): every file of step 1 with a hash of its content as its revision.
 *
 * That is what workbox-build's `injectManifest` (or vite-plugin-pwa) would do, in about forty lines and
 * no extra package. The SW is built in IIFE lib mode so that it imports nothing at run time: it can be
 * registered as a classic script, which every browser runs (module service workers are newer, and
 * Firefox only has them since 147).
 */
import react from '@vitejs/plugin-react';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = join(root, 'dist/client');
const SW_SOURCE = join(root, 'src/sw.ts');
const SW_FILE = 'sw.js';
const INJECTION_POINT = 'self.__WB_MANIFEST';

const listFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });

/** Workbox's precache entries for everything built so far (the SW and source maps excepted). */
function precacheManifest(): { url: string; revision: string }[] {
  return listFiles(outDir)
    .map((path) => relative(outDir, path).split('\\').join('/'))
    .filter((file) => file !== SW_FILE && !file.endsWith('.map'))
    .sort()
    .map((file) => ({
      url: `/${file}`,
      revision: createHash('sha256')
        .update(readFileSync(join(outDir, file)))
        .digest('hex')
        .slice(0, 16),
    }));
}

/** After the storefront is written: builds src/sw.ts into dist/client/sw.js with the manifest in it. */
function workboxServiceWorker(): Plugin {
  return {
    name: 'workbox-service-worker',
    apply: 'build',
    async closeBundle() {
      const manifest = precacheManifest();
      const inject: Plugin = {
        name: 'inject-precache-manifest',
        transform(code, id) {
          if (id !== SW_SOURCE) return null;
          if (!code.includes(INJECTION_POINT)) return this.error(`${INJECTION_POINT} not found in src/sw.ts`);
          // `map: null`: the manifest is written in place, on one line; nothing else moves.
          return { code: code.replaceAll(INJECTION_POINT, JSON.stringify(manifest)), map: null };
        },
      };
      await build({
        configFile: false,
        root,
        publicDir: false,
        logLevel: 'warn',
        plugins: [inject],
        // Workbox's modules keep their development logging behind this check.
        define: { 'process.env.NODE_ENV': JSON.stringify('production') },
        build: {
          outDir,
          emptyOutDir: false,
          sourcemap: true,
          minify: true,
          lib: { entry: SW_SOURCE, name: 'storefrontServiceWorker', formats: ['iife'], fileName: () => SW_FILE },
          // The customer session's Web Locks fallback is a dynamic import(), which a service worker may not
          // use anyway (Chromium, Firefox and Safari all have Web Locks there): left out, as in the
          // package's own classic build.
          rolldownOptions: { external: ['broadcast-channel'] },
        },
      });
      this.info(`${SW_FILE}: ${manifest.length} precached files`);
    },
  };
}

export default defineConfig({
  plugins: [react(), workboxServiceWorker()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    // Rolldown's slow-plugin report is noise on a busy 2-core machine.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
