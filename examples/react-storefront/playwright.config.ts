import { defineConfig } from '@playwright/test';
import { APP_ORIGIN, CLIENT_ID, EMULATOR_ORIGIN, EMULATOR_PORT, STOREFRONT_PORT } from './tests/stack.ts';

/**
 * The example's browser tests: Debian's Chromium (never a downloaded browser), one worker (2 cores),
 * against two separate processes started here, in order: the repository's Shopify emulator, then the
 * example's own built server (`npm run build` first; scripts/test.sh does), as a merchant runs it.
 */
export default defineConfig({
  testDir: 'tests',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 45_000,
  expect: { timeout: 5_000 },
  retries: 0,
  // The JSON report is for a caller that sums totals (the repository's `npm test`).
  reporter: [[process.env.CI ? 'line' : 'list'], ['json', { outputFile: 'artifacts/playwright.json' }]],
  outputDir: 'test-results',
  use: {
    baseURL: APP_ORIGIN,
    serviceWorkers: 'allow',
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      // Test tooling only: the repository's emulator stands in for Shopify, with this storefront registered
      // as a public client (PKCE + its JavaScript origin).
      command: 'node ../../emulator/main.ts',
      env: {
        EMULATOR_PORT: String(EMULATOR_PORT),
        EMULATOR_CLIENTS: JSON.stringify([
          {
            clientId: CLIENT_ID,
            type: 'public',
            redirectUris: [`${APP_ORIGIN}/account-session/auth/callback`],
            javascriptOrigins: [APP_ORIGIN],
            logoutUris: [`${APP_ORIGIN}/`],
          },
        ]),
      },
      url: `${EMULATOR_ORIGIN}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node dist/server/server.js',
      env: {
        PORT: String(STOREFRONT_PORT),
        APP_ORIGIN,
        SHOPIFY_STOREFRONT_ORIGIN: EMULATOR_ORIGIN,
        SHOPIFY_CLIENT_ID: CLIENT_ID,
        SESSION_PASSWORD: 'example-storefront-test-password-0123456789',
        SESSION_STORE: 'sqlite::memory:',
        LOG_LEVEL: 'warn',
      },
      url: `${APP_ORIGIN}/account-session/healthz`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
