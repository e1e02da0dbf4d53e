#!/usr/bin/env bash
# Rebuild the vendored browser libraries from the npm registry (maintainers only; the
# package ships the built files, so users and CI never need npm).
#   cd frontend && ./vendor.sh
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
dest=../src/cibscan/web/vendor
cp node_modules/sigma/dist/sigma.min.js "$dest/"
cp node_modules/graphology/dist/graphology.umd.min.js "$dest/"
{
  echo "sigma $(node -p 'require("sigma/package.json").version') (MIT) — https://github.com/jacomyal/sigma.js"
  cat node_modules/sigma/LICENSE.txt
  echo
  echo "graphology $(node -p 'require("graphology/package.json").version') (MIT) — https://github.com/graphology/graphology"
  cat node_modules/graphology/LICENSE.txt
} > "$dest/LICENSES.txt"
sha256sum "$dest"/*.js
