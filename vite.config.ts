import { defineConfig } from 'vitest/config';

// One config for the page + service-worker build (owned by client/ and sw/) and for the unit and
// integration tests (vitest). Browser tests run under Playwright (playwright.config.ts).
export default defineConfig({
  test: {
    include: ['{server,emulator,client,sw,tests,bench}/**/*.test.ts'],
    environment: 'node',
    // Two cores: integration suites start real servers, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
