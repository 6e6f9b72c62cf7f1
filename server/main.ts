import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig } from './config.ts';
import { isAppError } from './errors.ts';
import { startBff } from './server.ts';

// `npm run bff`: the BFF alone, configured from the environment (see README). Bad configuration
// stops the process with one line.
try {
  const config = loadConfig(process.env);
  const staticRoot = resolve('dist/client');
  const bff = await startBff(config, {
    staticRoot: existsSync(staticRoot) ? staticRoot : null,
    hostname: process.env.HOST ?? '127.0.0.1',
  });
  bff.deps.logger.info(
    { event: 'bff.started', url: config.appOrigin, port: bff.port },
    `BFF listening on ${config.appOrigin}`,
  );
  const stop = () => void bff.close().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (isAppError(error, 'CONFIG')) {
    console.error(`configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
