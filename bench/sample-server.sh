# Sourced by the bench scripts: a throwaway SQLite archive holding the sample
# issue, served by gunicorn on a free loopback port as scripts/serve does.
#
#   start_sample_server NAME WORKERS    sets $tmp (removed on exit) and $base

start_sample_server() {
    local name=$1 workers=$2 port
    tmp=$(mktemp -d "/tmp/jianbao-$name.XXXXXX")
    server=""
    trap stop_sample_server EXIT

    export JIANBAO_VAR_DIR=$tmp
    unset DATABASE_URL
    .venv/bin/jianbao migrate --noinput -v0
    .venv/bin/jianbao collectstatic --noinput -v0
    .venv/bin/jianbao import samples/2023-01.md >/dev/null 2>&1

    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    .venv/bin/gunicorn jianbao.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" \
        --log-level warning >"$tmp/gunicorn.log" 2>&1 &
    server=$!
    for _ in $(seq 50); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/robots.txt" && break
        sleep 0.2
    done
    base="http://127.0.0.1:$port"
}

stop_sample_server() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
