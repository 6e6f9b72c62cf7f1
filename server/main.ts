import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, loadDotEnv } from './config.ts';
import { isAppError } from './errors.ts';
import { exitGracefullyOnSignals } from './lifecycle.ts';
import { logEvent } from './observability/events.ts';
import { demoRoutes } from './demo/routes.ts';
import { startBff } from './server.ts';

// `npm run serve` (the build) and `npm run bff` (the sources): the BFF alone, configured from the
// environment (see README). Bad configuration stops the process with one line.
try {
  loadDotEnv();
  const config = loadConfig(process.env);
  const staticRoot = resolve('dist/client');
  const bff = await startBff(config, { staticRoot: existsSync(staticRoot) ? staticRoot : null, demoRoutes });
  logEvent(
    bff.deps.logger,
    'info',
    'bff.started',
    { url: config.appOrigin, host: config.host, port: bff.port },
    `BFF listening on ${config.host}:${bff.port} for ${config.appOrigin}`,
  );
  exitGracefullyOnSignals({
    logger: bff.deps.logger,
    timeoutMs: config.shutdownTimeoutSeconds * 1000,
    shutdown: (timeoutMs) => bff.shutdown(timeoutMs),
  });
} catch (error) {
  if (isAppError(error, 'CONFIG')) {
    console.error(`configuration error: ${error.message}`);
    process.exit(1);
  }
  if (error instanceof Error && 'code' in error && (error.code === 'EADDRINUSE' || error.code === 'EACCES')) {
    console.error(`cannot listen: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
