#!/usr/bin/env bash
# The example storefront, end to end, as a merchant would get it: packs the repository's package (its
# build must exist: `npm run build` at the root, which `npm test` runs first), installs the example from
# its own lockfile plus that tarball, type-checks and builds it, then runs its Playwright tests in
# Chromium against its own built server and the repository's emulator. Needs no network but the npm
# registry (and none at all once npm's cache holds the packages).
set -euo pipefail
example="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$example/../.." && pwd)"
started=$SECONDS

# The repository's Node (its `node` devDependency) when run outside npm, which puts it on PATH itself.
if [ -x "$repo/node_modules/.bin/node" ]; then export PATH="$repo/node_modules/.bin:$PATH"; fi

for built in dist/lib/server/index.js dist/lib/sw/index.js dist/client/customer-session-sw.js; do
  if [ ! -f "$repo/$built" ]; then
    echo "examples/react-storefront: $built is missing: run \`npm run build\` at the repository root first" >&2
    exit 1
  fi
done

cd "$example"
rm -rf .pack && mkdir .pack
# --ignore-scripts: `prepack` would build the package again.
tarball="$(cd "$repo" && npm pack --ignore-scripts --pack-destination "$example/.pack" 2>/dev/null | tail -n 1)"
echo "example: packed $tarball"

npm ci --prefer-offline --no-audit --no-fund --loglevel=error
# The package goes in from the tarball just packed, and is never recorded: a `file:` dependency would put
# the tarball's hash in package-lock.json, and `npm ci` would then install a stale copy from npm's cache
# (or fail) as soon as the package changed.
npm install --no-save --prefer-offline --no-audit --no-fund --loglevel=error "./.pack/$tarball"
if ! cmp -s node_modules/shopify-customer-session/dist/lib/server/index.js "$repo/dist/lib/server/index.js"; then
  echo "examples/react-storefront: the installed package is not the one just built" >&2
  exit 1
fi
echo "example: installed ($((SECONDS - started)) s)"

npm run --silent typecheck
npm run --silent build

# Two free ports for the storefront and the emulator (other test suites may hold the fixed defaults).
read -r STOREFRONT_PORT EMULATOR_PORT < <(node -e "
  const net = require('node:net');
  const servers = [net.createServer(), net.createServer()];
  let ready = 0;
  for (const s of servers) s.listen(0, '127.0.0.1', () => {
    if (++ready === 2) { console.log(servers.map((x) => x.address().port).join(' ')); servers.forEach((x) => x.close()); }
  });")
export STOREFRONT_PORT EMULATOR_PORT

# This folder's own Playwright (the repository has one too, which may come first on PATH under `npm test`).
./node_modules/.bin/playwright test
echo "example: done in $((SECONDS - started)) s"
