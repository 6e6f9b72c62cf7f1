/**
 * Runs the emulator on a real socket (`@hono/node-server`). With port 0 the public origin is built from
 * the port actually bound, so discovery documents name a reachable URL.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type HttpBindings } from '@hono/node-server';
import { createEmulator, type Emulator } from './app.ts';
import type { EmulatorOptions } from './config.ts';

export interface StartedEmulator {
  /** The origin, e.g. `http://localhost:3001`. */
  url: string;
  shopId: string;
  emulator: Emulator;
  close(): Promise<void>;
}

/**
 * Starts the emulator. `port` 0 picks a free port; `hostname` defaults to 127.0.0.1 (loopback only).
 * The public origin uses the name `localhost`, which browsers treat as a secure context.
 * Throws `ConfigError` for bad options, or the listen error (e.g. EADDRINUSE).
 */
export async function startEmulator(
  options: EmulatorOptions & { port?: number; hostname?: string },
): Promise<StartedEmulator> {
  const { port = 0, hostname = '127.0.0.1', ...emulatorOptions } = options;
  // The origin depends on the bound port, so listen first and attach the app once it exists.
  let handler: ((request: Request, env: HttpBindings) => Response | Promise<Response>) | null = null;
  let server: Server | null = null;
  const boundPort = await new Promise<number>((resolve, reject) => {
    const s = serve(
      {
        fetch: (request, env) =>
          handler === null ? new Response('starting', { status: 503 }) : handler(request, env as HttpBindings),
        port,
        hostname,
        // Leave the process's global Request/Response alone: tests share the process with the emulator.
        overrideGlobalObjects: false,
      },
      (info: AddressInfo) => resolve(info.port),
    ) as Server;
    server = s;
    s.once('error', reject);
  });
  const httpServer = server! as Server;
  try {
    const emulator = await createEmulator({
      ...emulatorOptions,
      publicOrigin: emulatorOptions.publicOrigin ?? `http://localhost:${boundPort}`,
    });
    handler = (request, env) => emulator.app.fetch(request, env);
    return {
      url: emulator.origin,
      shopId: emulator.shopId,
      emulator,
      close: () =>
        new Promise<void>((resolve) => {
          emulator.close();
          httpServer.close(() => resolve());
          // Keep-alive and held (timeout-fault) connections would otherwise delay close indefinitely.
          httpServer.closeAllConnections();
        }),
    };
  } catch (err) {
    httpServer.close();
    throw err;
  }
}
