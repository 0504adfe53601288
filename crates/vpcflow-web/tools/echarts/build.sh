#!/usr/bin/env bash
# Rebuilds the dashboard's vendored ECharts bundle. Run only when bumping the version on purpose; cargo and CI never
# run it. Needs Node.js and the npm registry:
#
#   crates/vpcflow-web/tools/echarts/build.sh
#
# It installs the exact versions in package-lock.json, bundles entry.js with esbuild into one minified IIFE, copies
# ECharts' LICENSE and NOTICE beside it and writes SHA256SUMS. Commit the four files under assets/vendor/.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts=false
VERSION=$(node -p "require('./node_modules/echarts/package.json').version")
OUT=../../assets/vendor
mkdir -p "$OUT"
rm -f "$OUT"/echarts-*.min.js
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --outfile="$OUT/echarts-$VERSION.custom.min.js" \
  --banner:js="/*! Apache ECharts $VERSION, a trimmed build (entry.js). Apache-2.0: see ECHARTS-LICENSE, ECHARTS-NOTICE, ECHARTS-LICENSE-d3. */"
cp node_modules/echarts/LICENSE "$OUT/ECHARTS-LICENSE"
cp node_modules/echarts/NOTICE "$OUT/ECHARTS-NOTICE"
cp node_modules/echarts/licenses/LICENSE-d3 "$OUT/ECHARTS-LICENSE-d3"
(cd "$OUT" && sha256sum "echarts-$VERSION.custom.min.js" ECHARTS-LICENSE ECHARTS-NOTICE ECHARTS-LICENSE-d3 > SHA256SUMS)
ls -l "$OUT"
