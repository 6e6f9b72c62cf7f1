/**
 * Real processes for the production tests: the compiled BFF (`dist/node`, as `npm run serve` runs it)
 * and a private `redis-server` that a test may stop and start again without touching the shared one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from './stack.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const BUILT_BFF = `${repoRoot}dist/node/server/main.js`;

export interface ChildServer {
  process: ChildProcess;
  /** Every stdout line so far (the BFF logs JSON, one event per line). */
  lines: string[];
  /** stderr, whole. */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  /** Parsed log lines carrying `event`. */
  events(event?: string): Array<Record<string, unknown>>;
}

function watch(child: ChildProcess): ChildServer {
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line !== ''));
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    process: child,
    lines,
    stderr: () => stderr,
    exited,
    events(event) {
      return lines
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        })
        .filter((line) => event === undefined || line.event === event);
    },
  };
}

async function until(what: string, check: () => boolean, timeoutMs: number, server: ChildServer): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void server.exited.then(() => {
    ended = true;
  });
  while (!check()) {
    if (ended) throw new Error(`${what}: the process ended first. stderr: ${server.stderr()}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms. stderr: ${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts `node dist/node/server/main.js` with exactly `env` (plus PATH) and resolves once it logged
 * `bff.started`. The build must exist: `npm test` runs `npm run build` before the suites.
 */
export async function startBuiltBff(env: Record<string, string>): Promise<ChildServer & { url: string }> {
  if (!existsSync(BUILT_BFF)) throw new Error(`${BUILT_BFF} is missing: run \`npm run build\` first`);
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, [BUILT_BFF], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = watch(child);
  await until('bff.started', () => server.events('bff.started').length > 0, 15_000, server);
  return { ...server, url: `http://127.0.0.1:${port}` };
}

/**
 * A `redis-server` of this test's own on `port`; `stop()` kills it like a crash. With `dataDir`, every
 * write is appended and fsynced there first (as a managed Redis keeps data across a restart), so a
 * server started again on the same folder has the same keys.
 */
export async function startRedisServer(
  port: number,
  options: { dataDir?: string } = {},
): Promise<ChildServer & { stop(): Promise<void> }> {
  const persistence =
    options.dataDir === undefined
      ? ['--save', '', '--appendonly', 'no']
      : ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.dataDir];
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', ...persistence, '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const server = watch(child);
  const deadline = Date.now() + 10_000;
  while (!(await pingRedis(port))) {
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start: ${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    ...server,
    async stop() {
      child.kill('SIGKILL');
      await server.exited;
    },
  };
}

function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}
