import { createServer } from 'node:net';
import { startEmulator } from '../../emulator/server.ts';
import type { EmulatorConfig, LoggedRequest } from '../../emulator/app.ts';
import { DEFAULT_STOREFRONT_API_TOKEN } from '../../emulator/config.ts';
import { loadConfig, type BffConfig } from '../../server/config.ts';
import { createCapturingDestination, createLogger } from '../../server/observability/logger.ts';
import { demoRoutes } from '../../server/demo/routes.ts';
import { startBff, type BffOptions } from '../../server/server.ts';
import type { Browser } from './browser.ts';

export const PASSWORD = 'integration-test-password-0123456789abcdef';
export const OLD_PASSWORD = 'integration-test-retired-password-0123456789';
export const CLIENT_SECRET = 'shhh-confidential-client-secret';

/** A free loopback port: the emulator must know the BFF's redirect URI before the BFF starts. */
/** Calls the emulator's test-only admin API (`/__emulator/...`): GET without a body, POST with one. */
export function emulatorAdmin(emulatorUrl: string) {
  return async (path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${emulatorUrl}/__emulator${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`emulator ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface StackOptions {
  clientType?: 'public' | 'confidential';
  sessionStore?: string;
  sessionPasswords?: string[];
  emulatorConfig?: Partial<EmulatorConfig>;
  bff?: BffOptions;
  env?: Record<string, string>;
}

/** The emulator and the BFF on real loopback sockets, as `npm start` runs them, with captured BFF logs. */
export async function startStack(options: StackOptions = {}) {
  const clientType = options.clientType ?? 'public';
  const port = await freePort();
  const appOrigin = `http://localhost:${port}`;
  const clientId = `test-${clientType}`;
  const emulator = await startEmulator({
    port: 0,
    config: options.emulatorConfig,
    clients: [
      {
        clientId,
        type: clientType,
        ...(clientType === 'confidential' ? { clientSecret: CLIENT_SECRET } : {}),
        redirectUris: [`${appOrigin}/auth/callback`],
        javascriptOrigins: [appOrigin],
        logoutUris: [`${appOrigin}/`],
      },
    ],
  });
  const config: BffConfig = loadConfig({
    PORT: String(port),
    APP_ORIGIN: appOrigin,
    SHOPIFY_STOREFRONT_ORIGIN: emulator.url,
    EMULATOR_ADMIN_ORIGIN: emulator.url,
    SHOPIFY_CLIENT_ID: clientId,
    ...(clientType === 'confidential' ? { SHOPIFY_CLIENT_SECRET: CLIENT_SECRET } : {}),
    // The cart routes, on the emulator's Storefront API (its default token).
    SHOPIFY_STOREFRONT_API_TOKEN: DEFAULT_STOREFRONT_API_TOKEN,
    SESSION_PASSWORD: (options.sessionPasswords ?? [PASSWORD]).join(','),
    SESSION_STORE: options.sessionStore ?? 'sqlite::memory:',
    ...options.env,
  });
  const logs = createCapturingDestination();
  const logger = createLogger({ destination: logs, level: 'debug' });
  const start = (overrides: Partial<BffConfig> = {}) =>
    startBff({ ...config, ...overrides }, { logger, demoRoutes, ...options.bff });
  let bff = await start();

  const admin = emulatorAdmin(emulator.url);

  return {
    appOrigin,
    emulator,
    config,
    logs,
    get bff() {
      return bff;
    },
    /** Stops the BFF and starts a new one on the same port and store (a deploy, a crash). */
    async restartBff(overrides: Partial<BffConfig> = {}) {
      await bff.close();
      bff = await start(overrides);
    },
    stats: () =>
      admin('/stats') as Promise<{
        token: { authorization_code: number; refresh_token: number };
        refresh: { succeeded: number; failed: number; reused: number };
        graphql: { ok: number; unauthorized: number };
      }>,
    setEmulatorConfig: (patch: Partial<EmulatorConfig>) => admin('/config', patch),
    /** What the emulator received (method, path, correlation headers) since the last clear, on `path` when given. */
    async upstreamRequests(path?: string): Promise<LoggedRequest[]> {
      const { requests } = (await admin('/requests')) as { requests: LoggedRequest[] };
      return path === undefined ? requests : requests.filter((request) => request.path === path);
    },
    async clearUpstreamRequests(): Promise<void> {
      const response = await fetch(`${emulator.url}/__emulator/requests`, { method: 'DELETE' });
      if (!response.ok) throw new Error(`emulator DELETE /requests: ${response.status}`);
    },
    fault: (fault: Record<string, unknown>) => admin('/faults', fault),
    revoke: (email: string) => admin(`/customers/${encodeURIComponent(email)}/revoke`, {}),
    /** Signs in through the real redirects (BFF → emulator authorize → BFF callback). */
    async signIn(browser: Browser, email: string, returnTo = '/account') {
      const query = new URLSearchParams({ returnTo, login_hint: email, login_hint_mode: 'submit' });
      return browser.navigate(`${appOrigin}/auth/login?${query}`, {
        stopAt: (url) => url.origin === appOrigin && !url.pathname.startsWith('/auth/'),
      });
    },
    async close() {
      await bff.close();
      await emulator.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export const CUSTOMER_QUERY = '{ customer { id displayName emailAddress { emailAddress } } }';

/** A GraphQL call through the BFF as the service worker makes it. */
export function graphql(
  browser: Browser,
  appOrigin: string,
  query = CUSTOMER_QUERY,
  headers: Record<string, string> = {},
) {
  return browser.request(`${appOrigin}/api/customer/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1', ...headers },
    body: JSON.stringify({ query }),
  });
}
