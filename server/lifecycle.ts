import { logEvent } from './observability/events.ts';
import type { Logger } from './observability/logger.ts';
import type { ShutdownReport } from './server.ts';

export interface ShutdownSignalOptions {
  logger: Logger;
  /** How long requests and refreshes in flight may take (`SHUTDOWN_TIMEOUT_SECONDS`). */
  timeoutMs: number;
  shutdown: (timeoutMs: number) => Promise<ShutdownReport>;
  /** Runs after the BFF has shut down (the demo closes its emulator here). */
  afterShutdown?: () => Promise<void>;
  /** Injected by tests; `process.exit` otherwise. */
  exit?: (code: number) => void;
}

/**
 * SIGTERM or SIGINT starts a graceful shutdown and exits 0 once everything in flight is done (1 if the
 * bound cut something off). A second signal exits at once with 1: an operator who presses Ctrl-C twice
 * means it.
 *
 * Why wait at all: with single-use refresh tokens, a refresh cut off after Shopify rotated the token,
 * but before the new one was written, loses the customer's session.
 */
export function exitGracefullyOnSignals(options: ShutdownSignalOptions): void {
  const { logger, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logEvent(logger, 'warn', 'bff.shutdown.forced', { signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    shuttingDown = true;
    logEvent(
      logger,
      'info',
      'bff.shutdown.started',
      { signal, timeoutMs },
      'shutting down: finishing requests and refreshes',
    );
    options
      .shutdown(timeoutMs)
      .then(async (report) => {
        await options.afterShutdown?.();
        if (report.drained) logEvent(logger, 'info', 'bff.shutdown.completed', report, 'shut down cleanly');
        else logEvent(logger, 'warn', 'bff.shutdown.timed_out', report, 'shutdown bound reached: exiting anyway');
        exit(report.drained ? 0 : 1);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        logEvent(logger, 'error', 'bff.shutdown.failed', { err: { message } }, 'shutdown failed');
        exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
