/**
 * The package as a storefront gets it: `npm pack`, then `npm install <tarball>` into a fresh project.
 * Checks what is in the tarball (exactly what the exports reach: no test, emulator, demo or source
 * file), that the exports map passes publint, that `./server` runs in Node, that `./client`, `./react`
 * and `./sw` bundle for the browser, that the classic SW script sets `self.customerSession`, and that
 * a consumer type-checks against the shipped declarations (and fails to on a wrong option).
 *
 * Needs the build (`npm run build`, which `npm test` runs first).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { publint } from 'publint';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const run = promisify(execFile);
// Installing and type-checking take seconds each on two shared cores.
vi.setConfig({ testTimeout: 90_000 });
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
  devDependencies: Record<string, string>;
};
const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund'], { cwd, env: { ...process.env, npm_config_loglevel: 'error' } });

let work: string;
let project: string;
let installed: string;
let shipped: string[];

beforeAll(async () => {
  if (!existsSync(join(repoRoot, 'dist/lib/server/index.js'))) {
    throw new Error('dist/lib is missing: run `npm run build` first');
  }
  work = mkdtempSync(join(tmpdir(), 'package-test-'));
  // --ignore-scripts: the build is already there (prepack would build it again).
  const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], repoRoot);
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  shipped = packed!.files.map((file) => file.path).sort();

  project = join(work, 'storefront');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'storefront', private: true, type: 'module' }));
  // What a TypeScript storefront adds beside the package: React (an optional peer) and the types.
  const dev = pkg.devDependencies;
  await npm(
    [
      'install',
      '--prefer-offline',
      join(work, packed!.filename),
      `react@${dev.react}`,
      `react-dom@${dev['react-dom']}`,
      `@types/react@${dev['@types/react']}`,
      `@types/node@${dev['@types/node']}`,
    ],
    project,
  );
  installed = join(project, 'node_modules', pkg.name);
}, 180_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** Every file a module reaches through relative imports (`from './x.js'`, `import('./x.js')`), itself included. */
function reachable(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(installed, file), 'utf8');
    for (const [, spec] of code.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec!));
      // A declaration's `./x.ts` (or `./x.js`) import means `./x.d.ts`.
      visit(file.endsWith('.d.ts') ? target.replace(/(\.d)?\.[jt]s$/, '.d.ts') : target);
    }
  };
  entries.forEach(visit);
  return seen;
}

describe('the tarball', () => {
  it('holds exactly what the exports reach: their modules, declarations and maps, plus the manifest, README, LICENSE', () => {
    const targets = Object.values(pkg.exports);
    const js = targets.flatMap((target) => (typeof target === 'string' ? [target] : [target.default]));
    const dts = targets.flatMap((target) => (typeof target === 'string' ? [] : [target.types]));
    const strip = (path: string) => path.replace(/^\.\//, '');
    const modules = reachable(js.map(strip));
    const declarations = reachable(dts.map(strip));
    const expected = new Set(['LICENSE', 'README.md', ...modules, ...declarations]);
    for (const file of modules)
      if (file.endsWith('.js') && existsSync(join(installed, `${file}.map`))) expected.add(`${file}.map`);
    expect(shipped).toEqual([...expected].sort());
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain(`in the tarball (${shipped.length} files;`);
  });

  it('has no test, emulator, demo, bench, example or TypeScript source file', () => {
    const unwanted = shipped.filter(
      (path) =>
        /(^|\/)(tests?|emulator|demo|bench|examples)\//.test(path) ||
        /\.(test|spec|property\.test)\.[jt]s/.test(path) ||
        (path.endsWith('.ts') && !path.endsWith('.d.ts')),
    );
    expect(unwanted).toEqual([]);
  });

  it('passes publint (the exports map, types first, files published, ESM throughout)', async () => {
    const { messages } = await publint({ pkgDir: installed, pack: false, strict: true });
    expect(messages.map((m) => `${m.type} ${m.code} ${m.path.join('.')}`)).toEqual([]);
  });
});

describe('installed in a fresh project', () => {
  it('./server runs in Node: a BFF mounted under a base path answers its health check', async () => {
    const script = `
      import { createCustomerSessionBff, loadConfigFromEnv, startBff } from '${pkg.name}/server';
      const bff = createCustomerSessionBff({
        shopify: { storefrontOrigin: 'https://shop.example.com', clientId: 'installed' },
        appOrigin: 'https://shop.example.com',
        basePath: '/account-session',
        session: { password: 'p'.repeat(32), store: 'sqlite::memory:' },
        logger: { level: 'silent' },
      });
      await bff.storeReady;
      const health = await bff.app.request('/account-session/healthz');
      console.log(JSON.stringify({
        status: health.status,
        redirectUri: bff.redirectUri,
        owns: [bff.owns('/account-session/auth/login'), bff.owns('/products')],
        others: [typeof loadConfigFromEnv, typeof startBff],
      }));
      await bff.close();
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      status: 200,
      redirectUri: 'https://shop.example.com/account-session/auth/callback',
      owns: [true, false],
      others: ['function', 'function'],
    });
  });

  it('./client, ./react and ./sw bundle for the browser, with no Node built-in', async () => {
    writeFileSync(
      join(project, 'page.js'),
      `import { createCustomerClient } from '${pkg.name}/client';
       import { CustomerSessionProvider, useCustomerQuery } from '${pkg.name}/react';
       const client = createCustomerClient({ basePath: '/account-session', serviceWorker: 'external' });
       console.log(client, CustomerSessionProvider, useCustomerQuery);`,
    );
    writeFileSync(
      join(project, 'sw.js'),
      `import { installCustomerSession } from '${pkg.name}/sw';
       installCustomerSession(self, { basePath: '/account-session' });`,
    );
    const result = await build({
      configFile: false,
      root: project,
      logLevel: 'silent',
      build: {
        write: false,
        minify: false,
        rolldownOptions: { input: { page: join(project, 'page.js'), sw: join(project, 'sw.js') } },
      },
    });
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
    const code = outputs.map((chunk) => (chunk.type === 'chunk' ? chunk.code : '')).join('\n');
    expect(
      outputs
        .filter((chunk) => chunk.type === 'chunk' && chunk.isEntry)
        .map((c) => c.name)
        .sort(),
    ).toEqual(['page', 'sw']);
    expect(code).toContain('function createCustomerClient(');
    expect(code).toContain('function installCustomerSession(');
    expect(code).not.toMatch(/from ['"]node:/);
  });

  it('customer-session-sw.js is a classic script that sets self.customerSession', () => {
    const file = join(installed, pkg.exports['./customer-session-sw.js'] as string);
    const scope: Record<string, unknown> = {};
    scope.self = scope;
    runInNewContext(readFileSync(file, 'utf8'), scope);
    expect(typeof (scope.customerSession as { installCustomerSession?: unknown }).installCustomerSession).toBe(
      'function',
    );
  });

  describe('a TypeScript consumer', () => {
    const compile = async (files: Record<string, string>, compilerOptions: Record<string, unknown>) => {
      const dir = mkdtempSync(join(project, 'tsc-'));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { strict: true, noEmit: true, target: 'ES2022', skipLibCheck: false, ...compilerOptions },
          files: Object.keys(files),
        }),
      );
      return run(process.execPath, [tsc, '-p', dir]).then(
        () => ({ ok: true, output: '' }),
        (error: { stdout: string }) => ({ ok: false, output: error.stdout }),
      );
    };
    const page = `
      import { Hono } from 'hono';
      import type { RequestListener } from 'node:http';
      import { createCustomerSessionBff, type CustomerSessionBffOptions } from '${pkg.name}/server';
      import { createCustomerClient, type CustomerClient } from '${pkg.name}/client';
      import { useCustomerQuery, useCustomerSession } from '${pkg.name}/react';

      const options: CustomerSessionBffOptions = {
        shopify: { storefrontOrigin: 'https://shop.example.com', clientId: 'id' },
        appOrigin: 'https://shop.example.com',
        basePath: '/account-session',
        session: { password: 'p'.repeat(32), store: 'redis://127.0.0.1:6379' },
      };
      const bff = createCustomerSessionBff(options);
      const host = new Hono();
      host.route('/', bff.app);
      export const listener: RequestListener = bff.nodeListener();

      export const client: CustomerClient = createCustomerClient({ basePath: '/account-session', serviceWorker: 'external' });
      void client.signIn({ returnTo: '/account', locale: 'fr', countryCode: 'CA', loginHint: 'a@example.com' });

      export function useOrders(): string {
        const session = useCustomerSession();
        const { data, loading } = useCustomerQuery<{ customer: { id: string } }>('{ customer { id } }');
        return data?.customer.id ?? (loading ? 'loading' : session.status);
      }
    `;
    const sw = `
      import { installCustomerSession } from '${pkg.name}/sw';
      declare const self: ServiceWorkerGlobalScope;
      const handle = installCustomerSession(self, { basePath: '/account-session', refreshBufferSeconds: 60 });
      handle.uninstall();
    `;
    const pageLibs = { lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: ['node'] };
    const swLibs = { lib: ['ES2023', 'WebWorker'], types: [] };

    it.each([
      ['NodeNext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
      ['Bundler', { module: 'ESNext', moduleResolution: 'Bundler' }],
    ])('type-checks against the shipped declarations (module resolution %s)', async (_name, resolution) => {
      expect(await compile({ 'page.ts': page }, { ...pageLibs, ...resolution })).toEqual({ ok: true, output: '' });
      expect(await compile({ 'sw.ts': sw }, { ...swLibs, ...resolution })).toEqual({ ok: true, output: '' });
    });

    it('and the declarations are real: a wrong option fails to compile, naming it', async () => {
      const wrong = `
        import { createCustomerClient } from '${pkg.name}/client';
        import { createCustomerSessionBff } from '${pkg.name}/server';
        createCustomerClient({ serviceWorker: 'sometimes' });
        createCustomerSessionBff({ shopify: { storefrontOrigin: 'https://shop.example.com', clientId: 'id' },
          appOrigin: 'https://shop.example.com', session: { password: 'p'.repeat(32) }, basePath: 42 });
      `;
      const { ok, output } = await compile(
        { 'wrong.ts': wrong },
        { ...pageLibs, module: 'NodeNext', moduleResolution: 'NodeNext' },
      );
      expect(ok).toBe(false);
      expect(output).toMatch(/wrong\.ts\(4,\d+\): error TS2322: Type '"sometimes"' is not assignable/);
      expect(output).toMatch(/wrong\.ts\(6,\d+\): error TS2322: Type 'number' is not assignable to type 'string/);
    });
  });
});
