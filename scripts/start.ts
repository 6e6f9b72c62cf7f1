/**
 * `npm start`: the storefront demo. With no real Shopify store configured (SHOPIFY_STOREFRONT_ORIGIN
 * unset) it starts the embedded emulator first and registers the BFF with it as a client; the BFF
 * then talks to the emulator over HTTP only, exactly as it would to Shopify.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFromEnv, DEFAULT_STOREFRONT_API_TOKEN } from '../emulator/config.ts';
import { startEmulator } from '../emulator/server.ts';
import { loadConfig, loadDotEnv } from '../server/config.ts';
import { isAppError } from '../server/errors.ts';
import { exitGracefullyOnSignals } from '../server/lifecycle.ts';
import { demoRoutes } from '../server/demo/routes.ts';
import { startBff } from '../server/server.ts';

const DATA_DIR = resolve('.data');

/** The demo's session password: generated once, owner-only, so signed-in customers survive restarts. */
function demoSessionPassword(): string {
  const file = resolve(DATA_DIR, 'session-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
  const password = randomBytes(32).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  console.log(
    `generated a session password for the demo in ${file} (owner-only); set SESSION_PASSWORD to use your own`,
  );
  return password;
}

async function main(): Promise<void> {
  loadDotEnv();
  const env = { ...process.env };
  const port = Number(env.PORT ?? 3000);
  let closeEmulator: (() => Promise<void>) | null = null;

  if (!env.SHOPIFY_STOREFRONT_ORIGIN) {
    const appOrigin = env.APP_ORIGIN || `http://localhost:${port}`;
    const clientId = env.SHOPIFY_CLIENT_ID || 'demo-storefront';
    const clientSecret = env.SHOPIFY_CLIENT_SECRET || undefined;
    const emulator = await startEmulator({
      port: Number(env.EMULATOR_PORT ?? 3001),
      config: configFromEnv(env.EMULATOR_CONFIG),
      clients: [
        {
          clientId,
          type: clientSecret ? 'confidential' : 'public',
          ...(clientSecret ? { clientSecret } : {}),
          redirectUris: [`${appOrigin}/auth/callback`],
          javascriptOrigins: [appOrigin],
          logoutUris: [`${appOrigin}/`],
        },
      ],
    });
    closeEmulator = emulator.close;
    console.log(
      `Shopify emulator on ${emulator.url} (shop ${emulator.shopId}; admin API at ${emulator.url}/__emulator/stats)`,
    );
    Object.assign(env, {
      SHOPIFY_STOREFRONT_ORIGIN: emulator.url,
      EMULATOR_ADMIN_ORIGIN: emulator.url,
      SHOPIFY_CLIENT_ID: clientId,
      // The emulator's Storefront API serves carts with its own token.
      SHOPIFY_STOREFRONT_API_TOKEN: DEFAULT_STOREFRONT_API_TOKEN,
      SESSION_PASSWORD: env.SESSION_PASSWORD || demoSessionPassword(),
    });
  }

  const config = loadConfig(env);
  const staticRoot = resolve('dist/client');
  if (!existsSync(staticRoot))
    console.warn('dist/client is missing: run `npm run build` to serve the storefront pages');
  const bff = await startBff(config, { staticRoot: existsSync(staticRoot) ? staticRoot : null, demoRoutes });
  console.log(`storefront demo on ${config.appOrigin}`);

  exitGracefullyOnSignals({
    logger: bff.deps.logger,
    timeoutMs: config.shutdownTimeoutSeconds * 1000,
    shutdown: (timeoutMs) => bff.shutdown(timeoutMs),
    afterShutdown: async () => closeEmulator?.(),
  });
}

main().catch((error: unknown) => {
  console.error(isAppError(error, 'CONFIG') ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
