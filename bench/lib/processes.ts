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
  /** Asks the child to close its servers and exit; never rejects. */
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

/** Starts `bench/child.ts <role>` and resolves once it is ready for IPC calls. `execArgv` e.g. `--cpu-prof`. */
export function spawnChild(role: string, execArgv: string[] = []): Promise<Child> {
  const child = fork(new URL('../child.ts', import.meta.url), [role], {
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
            await call({ type: 'stop' }).catch(() => {});
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
