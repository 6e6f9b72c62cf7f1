/**
 * The stack every engine's scenarios run against: the compiled launcher (emulator + BFF, what
 * production runs), with a small HTTP proxy in front of the BFF that the browsers talk to. The proxy
 * is the same for every engine, so the scenarios need nothing engine-specific from it:
 * - it counts the requests it forwards (`POST /auth/refresh` from every page and service worker;
 *   `GET /auth/login` navigations, with the time each arrived);
 * - `offline()` makes the network fail for real: it stops listening and drops every open connection,
 *   so every fetch (pages' and the SW's) fails as with no network — without any engine's offline
 *   switch (Firefox over BiDi and WebKit over WebDriver have none that reaches a service worker);
 * - while a fallback mode is set (`setFallback`, by the one scenario running), the engine lacks a
 *   feature: every page starts with a script that removes `navigator.locks` (and, in `no-locks-no-sw`,
 *   `navigator.serviceWorker`) before the storefront's code runs, and in `no-locks` `sw.js` starts by
 *   removing the SW's `navigator.locks`. (A switch on the proxy rather than a cookie: Chromium fetches a
 *   SW's script without cookies.) The client must then take its fallbacks: the broadcast-channel
 *   package's leader election in pages, no lock of its own in the SW. Test-only, and outside the
 *   product: nothing of it is in the build or the BFF.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, createServer, Agent, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';
/** `no-locks-no-sw`: pages without Web Locks nor service workers; `no-locks`: pages and SW without Web Locks. */
export type FallbackMode = 'no-locks-no-sw' | 'no-locks';

/** Where the browsers go (the proxy), the BFF behind it, and the emulator (Shopify). */
export interface StackPorts {
  readonly app: number;
  readonly bff: number;
  readonly emulator: number;
}

export const DEFAULT_PORTS: StackPorts = { app: 3200, bff: 3210, emulator: 3201 };

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly atMs: number;
  /** Served while a fallback mode was set. */
  readonly fallback: boolean;
}

export interface EmulatorStats {
  readonly token: { readonly authorization_code: number; readonly refresh_token: number };
  readonly refresh: { readonly succeeded: number; readonly failed: number; readonly reused: number };
}

export interface Stack {
  /** `http://localhost:<app>`: the storefront as the browsers see it. */
  readonly app: string;
  readonly emulatorAdmin: string;
  /** Every request the proxy forwarded so far (a scenario takes the ones after its own start). */
  readonly seen: readonly SeenRequest[];
  /** From now on, pages (and `sw.js`) come without the features of `mode` (null: as they are). */
  setFallback(mode: FallbackMode | null): void;
  /** Requests the proxy could not forward while online (each one a failure the browser saw). */
  readonly upstreamErrors: readonly string[];
  count(method: string, pathname: string, since?: number): number;
  offline(): Promise<void>;
  online(): Promise<void>;
  emulatorStats(): Promise<EmulatorStats>;
  revoke(email: string): Promise<void>;
  stop(): Promise<void>;
}

/** Runs first in every page while a fallback mode is set (a classic script: before the modules). */
const PAGE_SCRIPTS: Readonly<Record<FallbackMode, string>> = {
  'no-locks-no-sw':
    '<script>delete Navigator.prototype.locks; delete Navigator.prototype.serviceWorker; ' +
    'document.documentElement.dataset.enginesFallback = "no-locks-no-sw";</script>',
  'no-locks':
    '<script>delete Navigator.prototype.locks; document.documentElement.dataset.enginesFallback = "no-locks";</script>',
};
/** Put before `sw.js`'s first statement (its imports are hoisted, but do not read `navigator.locks`). */
const SW_PREFIXES: Readonly<Partial<Record<FallbackMode, string>>> = {
  'no-locks': 'delete WorkerNavigator.prototype.locks;\n',
};

/**
 * A probe service worker, answered by the proxy itself under `/__engines/` (its own scope, so it never
 * controls the storefront's pages): registered as a module worker that imports a module, it answers
 * a message with what its global scope has.
 */
const PROBE_FILES: Readonly<Record<string, string>> = {
  '/__engines/probe-sw.js': [
    "import { imported } from './probe-dep.js';",
    "self.addEventListener('install', () => self.skipWaiting());",
    "self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));",
    "self.addEventListener('message', (event) => event.source.postMessage({ module: imported,",
    "  locks: typeof self.navigator.locks?.request === 'function',",
    "  broadcastChannel: typeof BroadcastChannel === 'function' }));",
  ].join('\n'),
  '/__engines/probe-dep.js': 'export const imported = true;',
};

async function waitHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the launcher exited (${child.exitCode}) before ${url} answered`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function startStack(ports: StackPorts = DEFAULT_PORTS): Promise<Stack> {
  const app = `http://localhost:${ports.app}`;
  const launcher = spawn(process.execPath, ['dist/node/scripts/start.js'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(ports.bff),
      HOST: '127.0.0.1',
      APP_ORIGIN: app,
      EMULATOR_PORT: String(ports.emulator),
      SESSION_STORE: 'sqlite::memory:',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  launcher.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  try {
    await waitHttp(`http://127.0.0.1:${ports.bff}/healthz`, 30_000, launcher);
  } catch (error) {
    launcher.kill('SIGTERM');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }

  const seen: SeenRequest[] = [];
  // A new upstream connection per request: reusing idle ones races the BFF's keep-alive timeout (a
  // request sent on a socket the BFF is closing fails, and a failed precache fetch fails the SW's install).
  const agent = new Agent({ keepAlive: false });
  const upstreamErrors: string[] = [];
  let fallback: FallbackMode | null = null;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const probe = PROBE_FILES[req.url ?? ''];
    if (probe !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-cache' });
      res.end(probe);
      return;
    }
    const mode = fallback;
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', atMs: Date.now(), fallback: mode !== null });
    const pathname = (req.url ?? '/').split('?')[0];
    const prefix =
      mode === null || req.method !== 'GET'
        ? null
        : pathname === '/sw.js'
          ? (SW_PREFIXES[mode] ?? null)
          : (req.headers.accept ?? '').includes('text/html')
            ? PAGE_SCRIPTS[mode]
            : null;
    const headers = { ...req.headers };
    if (prefix !== null) delete headers['accept-encoding'];
    const upstream = httpRequest(
      { host: '127.0.0.1', port: ports.bff, method: req.method, path: req.url, headers, agent },
      (answer) => {
        const type = String(answer.headers['content-type'] ?? '');
        const html = type.startsWith('text/html');
        if (prefix !== null && answer.statusCode === 200 && (html || type.includes('javascript'))) {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const body = html ? text.replace('<head>', `<head>${prefix}`) : `${prefix}${text}`;
            const out = { ...answer.headers };
            delete out['content-length'];
            res.writeHead(answer.statusCode ?? 502, out);
            res.end(body);
          });
          answer.on('error', () => res.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      upstreamErrors.push(`${req.method} ${req.url}: ${error.message}`);
      res.destroy();
    });
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports.app, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen();
  const emulatorAdmin = `http://127.0.0.1:${ports.emulator}/__emulator`;

  return {
    app,
    emulatorAdmin,
    seen,
    upstreamErrors,
    setFallback(mode) {
      fallback = mode;
    },
    count(method, pathname, since = 0) {
      return seen.filter((r) => r.atMs >= since && r.method === method && r.url.split('?')[0] === pathname).length;
    },
    async offline() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    online: listen,
    async emulatorStats() {
      const response = await fetch(`${emulatorAdmin}/stats`);
      if (!response.ok) throw new Error(`emulator stats: ${response.status}`);
      return (await response.json()) as EmulatorStats;
    },
    async revoke(email) {
      const response = await fetch(`${emulatorAdmin}/customers/${encodeURIComponent(email)}/revoke`, {
        method: 'POST',
      });
      if (!response.ok) throw new Error(`emulator revoke: ${response.status}`);
    },
    async stop() {
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
      launcher.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (launcher.exitCode === null) launcher.kill('SIGKILL');
    },
  };
}
