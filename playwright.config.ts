import { defineConfig } from '@playwright/test';

/** The demo's admin API token in the browser tests, for those that count a customer's sessions (fixtures.ts). */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef0123';

/**
 * Browser tests: Debian's Chromium (never a downloaded browser), one worker (2 cores), against the
 * real launcher — emulator + BFF serving the built storefront (run `npx vite build` first; `npm test`
 * does). Vitest owns `*.test.ts`; Playwright only `*.spec.ts`.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 45_000,
  expect: { timeout: 5_000 },
  retries: 0,
  // The JSON report feeds the one-line total that `npm test` prints last.
  reporter: [[process.env.CI ? 'line' : 'list'], ['json', { outputFile: 'artifacts/playwright.json' }]],
  outputDir: 'artifacts/test-results',
  use: {
    baseURL: 'http://localhost:3100',
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
  webServer: {
    // The compiled launcher (`npm run build` first; `npm test` does): the tests drive what production runs.
    command: 'node dist/node/scripts/start.js',
    env: {
      PORT: '3100',
      EMULATOR_PORT: '3101',
      SESSION_STORE: 'sqlite::memory:',
      LOG_LEVEL: 'warn',
      ADMIN_TOKEN: E2E_ADMIN_TOKEN,
    },
    url: 'http://localhost:3100/healthz',
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
