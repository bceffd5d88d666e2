#!/usr/bin/env bash
# Web benchmark: wrk against gunicorn on loopback, each page as a ratio to a static file.
#
#   bench/web.sh                 10 s per URL, 50 connections
#   DURATION=30 CONNECTIONS=50 WORKERS=2 bench/web.sh
#
# Builds a throwaway SQLite archive holding the sample issue, serves it with
# gunicorn as scripts/serve does, warms each page once (the page cache), then
# measures the issue page, the search page and a static file served by
# WhiteNoise in the same process. Installs Debian's wrk when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
WORKERS=${WORKERS:-2}
THREADS=${THREADS:-2}

command -v wrk >/dev/null || scripts/apt-ensure wrk

. bench/sample-server.sh
start_sample_server web-bench "$WORKERS"
declare -A urls=(
    [static]="$base/static/archive/site.css"
    [issue]="$base/issues/2023-1/"
    [search]="$base/search/?q=%E6%A0%87%E5%87%86"
    [search_uncached]="$base/search/?q=%E8%81%94%E7%9B%9F+%E4%BC%9A%E8%AE%AE&page=RANDOM"
)

# p99 latency from wrk --latency output, in milliseconds.
p99_ms() {
    awk '$1 == "99%" { v = $2; u = v; gsub(/[0-9.]/, "", u); gsub(/[a-z]/, "", v);
        print (u == "us" ? v / 1000 : (u == "s" ? v * 1000 : (u == "m" ? v * 60000 : v))) }'
}

declare -A rps p99
for name in static issue search search_uncached; do
    url=${urls[$name]}
    if [ "$name" = search_uncached ]; then
        # A different page number per request defeats the page cache: ranking runs every time.
        cat >"$tmp/random.lua" <<'LUA'
counter = 0
request = function()
    counter = counter + 1
    return wrk.format("GET", string.gsub(wrk.path, "RANDOM", tostring(counter % 2 + 1)) .. "&n=" .. counter)
end
LUA
        out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$tmp/random.lua" "$url")
    else
        curl -fs -o /dev/null "$url"
        out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")
    fi
    if echo "$out" | grep -q "Non-2xx"; then
        echo "bench/web.sh: $name answered errors:" >&2
        echo "$out" >&2
        exit 1
    fi
    rps[$name]=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
    p99[$name]=$(echo "$out" | p99_ms)
done

printf '\nwrk %s s, %s connections, gunicorn %s sync workers, %s cores\n' \
    "$DURATION" "$CONNECTIONS" "$WORKERS" "$(nproc)"
printf '%-26s %12s %10s %14s %12s\n' "url" "req/s" "p99 ms" "req/s ratio" "p99 ratio"
for name in static issue search search_uncached; do
    awk -v n="$name" -v r="${rps[$name]}" -v p="${p99[$name]}" \
        -v sr="${rps[static]}" -v sp="${p99[static]}" \
        'BEGIN { printf "%-26s %12.0f %10.1f %14.2f %12.1f\n", n, r, p, r / sr, p / sp }'
done
awk -v r="${rps[issue]}" -v s="${rps[static]}" 'BEGIN {
    ratio = r / s
    printf "\ncached issue page at %.2f of the static file'"'"'s throughput (floor 0.50): %s\n",
        ratio, (ratio >= 0.5 ? "met" : "NOT met") }'
