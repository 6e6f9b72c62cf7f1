#!/usr/bin/env bash
# `npm test`: everything, in the order that fails fastest — types, build, unit + integration, browser —
# then one line with the totals. npm runs this on the Node from node_modules/.bin (the `node`
# devDependency), whatever the machine's own Node is.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "node $(node --version) ($(command -v node))"
bash scripts/ensure-services.sh
npm run typecheck
# The production build first: integration tests start the compiled server, as production runs it.
npm run build
mkdir -p artifacts
npx vitest run --reporter=default --reporter=json --outputFile.json=artifacts/vitest.json
npx playwright test
# The shared browser scenarios (tests/engines/) in every engine: Chromium (Playwright), Firefox ESR
# (WebDriver BiDi) and WebKitGTK (WebDriver). A failure still gets the totals below, which then fail.
rm -f artifacts/engines.json
node tests/engines/run.ts --engine chromium --engine firefox --engine webkit || true
# The example storefront, installed from the packed tarball, with its own Playwright tests (Chromium).
example_report=examples/react-storefront/artifacts/playwright.json
rm -f "$example_report"
bash examples/react-storefront/scripts/test.sh || true
node scripts/test-summary.mjs artifacts/vitest.json artifacts/playwright.json artifacts/engines.json "$example_report"
