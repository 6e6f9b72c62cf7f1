#!/usr/bin/env bash
# `npm test`: everything, in the order that fails fastest — types, unit + integration, build, browser.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-services.sh
npm run typecheck
npx vitest run
npx vite build
npx playwright test
