#!/usr/bin/env bash
# Lighthouse scores of the public archive, against Debian's chromium.
#
#   bench/lighthouse.sh            every page must score at least MIN_SCORE (95) in
#                                  accessibility; the issue page with 10 photos and
#                                  3 tables (bench/rich_issue.py) must keep, on a
#                                  phone profile, performance >= 90 and accessibility
#                                  100, printed beside the text-only issue of the same run
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
.venv/bin/python bench/rich_issue.py "$tmp/rich" >/dev/null
.venv/bin/jianbao import -q "$tmp/rich/2023-02.md"
article=$(curl -fs "$base/issues/2023-1/" | grep -o '/articles/[0-9]*/' | head -1)
status=0
for path in "/" "/issues/2023-1/" "/issues/2023-2/" "$article" "/alliances/" "/search/?q=%E6%A0%87%E5%87%86"; do
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

# The phone profile (Lighthouse's default form factor), performance and accessibility.
phone() {  # PATH -> "performance accessibility"
    curl -fs -o /dev/null "$base$1"  # the page cache is warm, as for a reader
    CHROME_PATH=$CHROME "$lighthouse" "$base$1" --quiet --form-factor=mobile \
        --only-categories=performance,accessibility \
        --chrome-flags="--headless=new --no-sandbox" --output=json --output-path="$tmp/phone.json" \
        || { echo "lighthouse failed on $1" >&2; exit 1; }
    python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["categories"]
print(round(c["performance"]["score"] * 100), round(c["accessibility"]["score"] * 100))' \
        "$tmp/phone.json"
}
read -r text_perf text_a11y < <(phone /issues/2023-1/)
read -r rich_perf rich_a11y < <(phone /issues/2023-2/)
printf '\n%-34s %12s %14s\n' "phone profile" performance accessibility
printf '%-34s %12s %14s\n' "text-only issue (2023-1)" "$text_perf" "$text_a11y"
printf '%-34s %12s %14s\n' "10 photos, 3 tables (2023-2)" "$rich_perf" "$rich_a11y"
echo "rich / text performance: $(python3 -c "print(round($rich_perf / max($text_perf, 1), 2))")"
[ "$rich_perf" -ge 90 ] || { echo "rich issue: performance $rich_perf is below 90" >&2; status=1; }
[ "$rich_a11y" -eq 100 ] || { echo "rich issue: accessibility $rich_a11y is below 100" >&2; status=1; }
exit $status
