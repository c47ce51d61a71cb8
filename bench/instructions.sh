#!/usr/bin/env bash
# Instructions a request costs shopd, counted by callgrind: repeatable on a noisy machine,
# where req/s are not (the same binary and inputs give the same count, whatever else runs).
#
#   bash bench/instructions.sh [--backend postgres|sqlite] [--size N] [--requests R] [--path P] BIN...
#
# Loads one catalogue (N products, seed 42; default 10 000) with the first binary, then runs
# each binary on it under `valgrind --tool=callgrind`, warms it with 300 requests, and counts
# the user-space instructions of R more (default 1,000), sent one after another on one
# keep-alive connection, of GET P (default /products/ID, ID being the first product listed).
# Kernel time (the sockets) is not counted: this measures shopd's own code, allocator
# included. Prints one line a binary: instructions a request. The PostgreSQL is bench/run.sh's
# (postgres://postgres@127.0.0.1:5432; it creates and drops the database shopd_instructions).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=postgres SIZE=10000 REQUESTS=1000 REQ_PATH=/products/ID
PG_BASE=postgres://postgres@127.0.0.1:5432
while [ $# -gt 0 ]; do
    case $1 in
        --backend) BACKEND=$2; shift 2 ;;
        --size) SIZE=$2; shift 2 ;;
        --requests) REQUESTS=$2; shift 2 ;;
        --path) REQ_PATH=$2; shift 2 ;;
        -*) echo "instructions: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || { sed -n 2,13p "$0" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "instructions: needs valgrind" >&2; exit 1; }
WORK=$(mktemp -d)
PORT=18591
VPID=
cleanup() {
    [ -n "$VPID" ] && kill "$VPID" 2>/dev/null || true
    wait 2>/dev/null || true
    [ "$BACKEND" = postgres ] &&
        psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS shopd_instructions WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

case $BACKEND in
    postgres)
        URL=$PG_BASE/shopd_instructions
        psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS shopd_instructions WITH (FORCE)" \
            -c "CREATE DATABASE shopd_instructions" >/dev/null ;;
    sqlite) URL=sqlite://$WORK/shop.db ;;
    *) echo "instructions: --backend is postgres or sqlite" >&2; exit 2 ;;
esac
DATABASE_URL=$URL RUST_LOG=warn,sqlx=error "$(realpath "$1")" seed --products "$SIZE" --products-seed 42 >&2

# R requests of GET PATH on one connection, each checked to be a 200.
send() { # count path
    python3 - "$PORT" "$2" "$1" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for _ in range(int(sys.argv[3])):
    c.request("GET", sys.argv[2])
    r = c.getresponse()
    r.read()
    assert r.status == 200, (r.status, sys.argv[2])
EOF
}

for bin in "$@"; do
    DATABASE_URL=$URL JWT_SECRET=instructions-jwt-secret-long-enough-for-hs256 RUST_LOG=warn \
        valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" \
        "$(realpath "$bin")" serve --addr "127.0.0.1:$PORT" >"$WORK/shopd.log" 2>&1 &
    VPID=$!
    for _ in $(seq 1 200); do
        curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
        sleep 0.5
    done
    id=$(curl -fsS "http://127.0.0.1:$PORT/products?limit=1" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["products"][0]["_id"])')
    path=${REQ_PATH/ID/$id}
    send 300 "$path"
    callgrind_control -z "$VPID" >/dev/null 2>&1
    send "$REQUESTS" "$path"
    callgrind_control -d "$VPID" >/dev/null 2>&1
    kill "$VPID"
    wait "$VPID" 2>/dev/null || true
    VPID=
    total=$(sed -n 's/^totals: //p' "$WORK/cg.out.1")
    printf '%s\t%s\t%s instructions a request\n' "$bin" "$REQ_PATH" "$((total / REQUESTS))"
    rm -f "$WORK"/cg.out*
done
