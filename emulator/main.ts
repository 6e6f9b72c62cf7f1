/**
 * `npm run emulator`: the emulator on EMULATOR_PORT (default 3001) with the clients of EMULATOR_CLIENTS
 * (a JSON array of client registrations; the demo client for http://localhost:3000 when unset) and the
 * behaviour of EMULATOR_CONFIG (a JSON object, e.g. what `npm run probe:shopify` found for a real store).
 */
import { clientsFromEnv, configFromEnv, ConfigError } from './config.ts';
import { startEmulator } from './server.ts';

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 3001;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('EMULATOR_PORT must be a port number');
  return port;
}

try {
  const started = await startEmulator({
    port: portFromEnv(process.env.EMULATOR_PORT),
    clients: clientsFromEnv(process.env.EMULATOR_CLIENTS),
    config: configFromEnv(process.env.EMULATOR_CONFIG),
    ...(process.env.EMULATOR_PUBLIC_ORIGIN ? { publicOrigin: process.env.EMULATOR_PUBLIC_ORIGIN } : {}),
  });
  console.log(`Shopify emulator listening on ${started.url} (shop ${started.shopId})`);
  const stop = () => void started.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`emulator failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
