#!/usr/bin/env bash
# Refresh the vendored front-end (NHS.UK frontend, htmx) from the npm registry.
# Developers run this by hand when upgrading; users never need Node.
set -euo pipefail
NHSUK_VERSION=${NHSUK_VERSION:-10.6.1}
HTMX_VERSION=${HTMX_VERSION:-2.0.11}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "nhsuk-frontend@$NHSUK_VERSION" "htmx.org@$HTMX_VERSION" >/dev/null
dist=node_modules/nhsuk-frontend/dist/nhsuk
out="$root/static/vendor"
mkdir -p "$out/nhsuk-frontend/assets/images" "$out/htmx"
python3 - "$dist/nhsuk-frontend.min.css" "$out/nhsuk-frontend/nhsuk-frontend.min.css" <<'PY'
import re, sys
css = open(sys.argv[1]).read()
css = re.sub(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}", "", css)
css = css.replace("url(/assets/images/", "url(assets/images/")
assert "https://" not in css, "external URL left in CSS"
open(sys.argv[2], "w").write(css)
PY
cp "$dist/nhsuk-frontend.min.js" "$out/nhsuk-frontend/"
cp "$dist"/assets/images/*.svg "$dist/assets/images/favicon.ico" "$out/nhsuk-frontend/assets/images/"
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE "$out/htmx/"
echo "vendored nhsuk-frontend $NHSUK_VERSION and htmx $HTMX_VERSION into $out"
