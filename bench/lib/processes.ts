/**
 * The bench's server processes: each `bench/child.ts <role>` runs one server (emulator, BFF, fast
 * upstream, bare proxy) on its own event loop, driven over IPC, so the load generator, the BFF and the
 * "Shopify" upstream never share a thread — as in production.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ChildRequest } from '../child.ts';

export interface Child {
  call<T>(request: ChildRequest): Promise<T>;
  /** CPU time (user + system) the child has used since it started, in µs. */
  cpuUs(): Promise<number>;
  /**
   * Asks the child to close its servers and exit, and waits (at most 10 s) until it has: a child run
   * with `--cpu-prof` writes its profile as it exits, which the bench's own exit would otherwise cut short.
   * Never rejects.
   */
  stop(): Promise<void>;
  process: ChildProcess;
}

// Every child ever started, so that a scenario that throws half-way leaves no server running.
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) child.kill();
});

/** Kills `child` when the bench exits, if it is still running then. */
export function trackProcess(child: ChildProcess): void {
  started.add(child);
  child.once('exit', () => started.delete(child));
}

/**
 * Starts `bench/child.ts <role>` and resolves once it is ready for IPC calls. `execArgv` e.g. `--cpu-prof`.
 * `root`: another checkout to run it from (its own child and build, see `prepareCheckout`); default this one.
 */
export function spawnChild(role: string, execArgv: string[] = [], root?: URL): Promise<Child> {
  const script = root === undefined ? new URL('../child.ts', import.meta.url) : new URL('bench/child.ts', root);
  const child = fork(script, [role], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
  });
  trackProcess(child);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const call = <T>(request: ChildRequest) =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${role}: the process has exited`));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...request });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const error = new Error(`${role}: exited with code ${code}`);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
      reject(error);
    });
    child.on('message', (message: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      if (message.id === 0) {
        resolve({
          process: child,
          call,
          cpuUs: async () => (await call<{ cpuUs: number }>({ type: 'cpu' })).cpuUs,
          stop: async () => {
            const exited = new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              setTimeout(done, 10_000).unref();
            });
            await call({ type: 'stop' }).catch(() => {});
            await exited;
          },
        });
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(new Error(`${role}: ${message.error}`));
    });
  });
}

/** Stops every listed child (in parallel); never rejects. */
export async function stopAll(children: Iterable<Child | null>): Promise<void> {
  await Promise.all([...children].map((child) => child?.stop()));
}
