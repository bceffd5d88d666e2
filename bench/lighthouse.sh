#!/usr/bin/env bash
# Lighthouse accessibility scores of the public archive, against Debian's chromium.
#
#   bench/lighthouse.sh            every page must score at least MIN_SCORE (95)
#
# Not part of the test suite: it needs the npm package `lighthouse`, which it
# installs under var/lighthouse/ on first use. When npm or the package is not
# available it says so and exits 0, so it never blocks a machine without them.
set -euo pipefail
cd "$(dirname "$0")/.."

MIN_SCORE=${MIN_SCORE:-95}
PREFIX=${LIGHTHOUSE_PREFIX:-var/lighthouse}
CHROME=${CHROME_PATH:-/usr/bin/chromium}
lighthouse="$PREFIX/node_modules/.bin/lighthouse"

skip() { echo "bench/lighthouse.sh: skipped: $*"; exit 0; }
[ -x "$CHROME" ] || skip "no chromium at $CHROME"
if [ ! -x "$lighthouse" ]; then
    command -v npm >/dev/null || skip "npm is not installed"
    mkdir -p "$PREFIX"
    npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error lighthouse@13 >&2 \
        || skip "npm could not install lighthouse"
fi

. bench/sample-server.sh
start_sample_server lighthouse 2
article=$(curl -fs "$base/issues/2023-1/" | grep -o '/articles/[0-9]*/' | head -1)
status=0
for path in "/" "/issues/2023-1/" "$article" "/alliances/" "/search/?q=%E6%A0%87%E5%87%86"; do
    CHROME_PATH=$CHROME "$lighthouse" "$base$path" --quiet --only-categories=accessibility \
        --chrome-flags="--headless=new --no-sandbox" --output=json --output-path="$tmp/lh.json" \
        || { echo "lighthouse failed on $path" >&2; status=1; continue; }
    python3 - "$tmp/lh.json" "$path" "$MIN_SCORE" <<'PY' || status=1
import json, sys
report = json.load(open(sys.argv[1]))
score = round(report["categories"]["accessibility"]["score"] * 100)
failed = [a["id"] for a in report["audits"].values() if a.get("score") == 0]
print(f"{sys.argv[2]:<40} accessibility {score}" + (f"  failing: {', '.join(failed)}" if failed else ""))
sys.exit(score < int(sys.argv[3]))
PY
done
exit $status
