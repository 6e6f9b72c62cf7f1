#!/usr/bin/env bash
# `npm test`: everything, in the order that fails fastest — types, unit + integration, build, browser —
# then one line with the totals.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-services.sh
npm run typecheck
mkdir -p artifacts
npx vitest run --reporter=default --reporter=json --outputFile.json=artifacts/vitest.json
npx vite build
npx playwright test
node scripts/test-summary.mjs artifacts/vitest.json artifacts/playwright.json
