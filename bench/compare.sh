#!/usr/bin/env bash
# Two builds of shopd side by side, for the before/after figures of a change:
#
#   bash bench/compare.sh BEFORE_BIN AFTER_BIN [--size N] [--runs R] [--duration S] [--backends "sqlite postgres"] [--orders]
#
# Each binary gets its own databases (a build may have migrations the other lacks), both
# loaded with the same generated catalogue (N products, seed 42; default 100 000). Then, per
# backend and scenario, the two are run in turn, R times each (default 3), so that a noisy
# machine hurts both alike; the table shows the medians and the ratio after/before.
# Closed-loop throughput and latency come from oha with 16 connections; the search is also
# run at a fixed 500 req/s for its p99. With --orders, `POST /orders` too (1–3 lines, of 20
# products with unlimited stock, and of 20 with counted stock), played by wrk with
# bench/requests.lua as bench/run.sh does; then the admin's order list (`GET /orders`, 20 a
# page, with the count of all the orders those runs placed). Needs oha (cargo install oha
# --locked), wrk, and the PostgreSQL of bench/run.sh (postgres://postgres@127.0.0.1:5432; it
# creates and drops the databases shopd_compare_a and shopd_compare_b there).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 2,16p "$0" >&2; exit 2; }
BIN_A=$(realpath "$1") BIN_B=$(realpath "$2")
shift 2
SIZE=100000 RUNS=3 DURATION=5 BACKENDS="sqlite postgres" ORDERS=
PG_BASE=postgres://postgres@127.0.0.1:5432
while [ $# -gt 0 ]; do
    case $1 in
        --size) SIZE=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --backends) BACKENDS=$2; shift 2 ;;
        --orders) ORDERS=1; shift ;;
        *) echo "compare: unknown option $1" >&2; exit 2 ;;
    esac
done
OHA=$(command -v oha || echo "$HOME/.cargo/bin/oha")
[ -x "$OHA" ] || { echo "compare: needs oha (cargo install oha --locked)" >&2; exit 1; }
WORK=$(mktemp -d)
RESULTS=$WORK/results.tsv
PIN="taskset -c $(( $(nproc) - 1 ))"
PIDS=()

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for x in a b; do
        psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS shopd_compare_$x WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

url_of() { # backend build
    case $1 in
        sqlite) echo "sqlite://$WORK/$2.db" ;;
        postgres) echo "$PG_BASE/shopd_compare_$2" ;;
    esac
}

port_of() { # build
    case $1 in a) echo 18571 ;; b) echo 18572 ;; esac
}

start() { # backend build binary port
    local url
    url=$(url_of "$1" "$2")
    if [ "$1" = postgres ]; then
        psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS shopd_compare_$2 WITH (FORCE)" \
            -c "CREATE DATABASE shopd_compare_$2" >/dev/null
    fi
    DATABASE_URL=$url RUST_LOG=warn,sqlx=error "$3" seed --products "$SIZE" --products-seed 42 >&2
    DATABASE_URL=$url JWT_SECRET=compare-jwt-secret-long-enough-for-hs256 RUST_LOG=warn \
        SHOP_ADMIN_EMAIL=admin@compare.example.com SHOP_ADMIN_PASSWORD=compare-admin-password \
        "$3" serve --addr "127.0.0.1:$4" >>"$WORK/shopd-$2.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$4/healthz" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "compare: shopd ($2) did not start; see $WORK/shopd-$2.log" >&2
    exit 1
}

# oha's figures of one run: req/s, p50 ms, p99 ms, failed requests.
run_oha() {
    $PIN "$OHA" --no-tui --output-format json -c 16 -z "${DURATION}s" "$@" | python3 -c '
import json, sys
r = json.load(sys.stdin)
s, p = r["summary"], r["latencyPercentiles"]
ok = sum(v for k, v in r.get("statusCodeDistribution", {}).items() if k.startswith("2"))
total = sum(r.get("statusCodeDistribution", {}).values())
rps, p50, p99 = s["requestsPerSec"], (p["p50"] or 0) * 1000, (p["p99"] or 0) * 1000
print(f"{rps:.0f}\t{p50:.2f}\t{p99:.2f}\t{total - ok}")'
}

# wrk's figures of one run of the requests in a file (see bench/requests.lua), as run_oha's.
run_wrk() { # file url
    local line
    line=$(BENCH_REQUESTS=$1 $PIN wrk -t1 -c16 -d"${DURATION}s" -s bench/requests.lua "$2" | grep '^BENCH ')
    eval "local ${line#BENCH }"
    awk -v r="$requests" -v d="$duration_us" -v p50="$p50_us" -v p99="$p99_us" \
        -v e="$((status_errors + socket_errors))" \
        'BEGIN{printf "%.0f\t%.2f\t%.2f\t%d\n", r / (d / 1e6), p50 / 1000, p99 / 1000, e}'
}

# The order requests of a build: a customer's orders of 1–3 of 20 products made with the stock
# given (null for unlimited), 200 lines in $WORK/BUILD-STOCK.req.
order_requests() { # build port stock
    local base=http://127.0.0.1:$2 admin customer ids=()
    json_of() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1:]: v=v[k]
print(v)' "$@"; }
    admin=$(curl -fsS -H 'Content-Type: application/json' -d '{"email":"admin@compare.example.com","password":"compare-admin-password"}' "$base/auth/login" | json_of token)
    echo "$admin" > "$WORK/$1.admin"
    customer=$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"buyer-$3@compare.example.com\",\"password\":\"compare-password\",\"name\":\"Buyer\"}" "$base/auth/register" | json_of token)
    for i in $(seq 1 20); do
        ids+=("$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $admin" \
            -d "{\"name\":\"Compare $3 $i\",\"price\":$((1000 + i)),\"description\":\"A set to order\",\"category\":\"Technic\",\"image\":\"https://images.example.com/c/$i.webp\",\"stock\":$3}" \
            "$base/products" | json_of product _id)")
    done
    for _ in $(seq 1 200); do
        printf '%s\n' "${ids[@]}" | shuf -n "$(shuf -i 1-3 -n 1)" | awk -v t="$customer" \
            'BEGIN{printf "POST\t/orders\t%s\t{\"items\":[", t} {printf "%s{\"product_id\":\"%s\",\"quantity\":%d}", (NR>1?",":""), $1, 1+int(rand()*3)} END{printf "]}\n"}'
    done > "$WORK/$1-$3.req"
}

printf 'backend\tscenario\tbuild\trun\trps\tp50\tp99\terrors\n' > "$RESULTS"
for backend in $BACKENDS; do
    log "$backend: loading $SIZE products into each build's database"
    start "$backend" a "$BIN_A" "$(port_of a)"
    start "$backend" b "$BIN_B" "$(port_of b)"
    id=$(curl -fsS "http://127.0.0.1:$(port_of a)/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["products"][0]["_id"])')
    id_b=$(curl -fsS "http://127.0.0.1:$(port_of b)/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["products"][0]["_id"])')
    search="/products?search=castle&category=Technic&sort=price_asc"
    for scenario in "healthz|/healthz|" "product by id|/products/ID|" "list|/products?limit=20|" \
        "search|$search|" "search@500rps|$search|-q 500 --latency-correction"; do
        IFS='|' read -r name path extra <<<"$scenario"
        for run in $(seq 1 "$RUNS"); do
            for build in a b; do
                port=$(port_of $build) pid=$id
                [ $build = b ] && pid=$id_b
                # shellcheck disable=SC2086
                figures=$(run_oha $extra "http://127.0.0.1:$port${path/ID/$pid}")
                printf '%s\t%s\t%s\t%s\t%s\n' "$backend" "$name" "$build" "$run" "$figures" >> "$RESULTS"
                log "$backend $name $build run $run: $figures"
            done
        done
    done
    if [ -n "$ORDERS" ]; then
        for stock in null 1000000000; do
            order_requests a "$(port_of a)" $stock
            order_requests b "$(port_of b)" $stock
            name="place order"
            [ $stock = null ] || name="place order, counted stock"
            for run in $(seq 1 "$RUNS"); do
                for build in a b; do
                    figures=$(run_wrk "$WORK/$build-$stock.req" "http://127.0.0.1:$(port_of $build)")
                    printf '%s\t%s\t%s\t%s\t%s\n' "$backend" "$name" "$build" "$run" "$figures" >> "$RESULTS"
                    log "$backend $name $build run $run: $figures"
                done
            done
        done
        # The admin's order list, with the orders the runs above placed, counted in
        # x-total-count.
        for build in a b; do
            log "$backend: build $build holds $(curl -fsS -o /dev/null -D - -H "Authorization: Bearer $(cat "$WORK/$build.admin")" \
                "http://127.0.0.1:$(port_of $build)/orders?limit=1" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-total-count"{print $2}') orders"
        done
        for run in $(seq 1 "$RUNS"); do
            for build in a b; do
                figures=$(run_oha -H "Authorization: Bearer $(cat "$WORK/$build.admin")" "http://127.0.0.1:$(port_of $build)/orders?limit=20")
                printf '%s\t%s\t%s\t%s\t%s\n' "$backend" "admin order list" "$build" "$run" "$figures" >> "$RESULTS"
                log "$backend admin order list $build run $run: $figures"
            done
        done
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    PIDS=()
done

python3 - "$RESULTS" "$SIZE" "$RUNS" "$DURATION" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print(f"\n{sys.argv[2]} products, median of {sys.argv[3]} runs of {sys.argv[4]} s, 16 connections; "
      "a = before, b = after\n")
print("| backend | scenario | req/s a | req/s b | b/a | p99 ms a | p99 ms b | errors |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
seen = []
for r in rows:
    if (r["backend"], r["scenario"]) not in seen:
        seen.append((r["backend"], r["scenario"]))
for backend, scenario in seen:
    pick = lambda build, key: statistics.median(
        float(r[key]) for r in rows if (r["backend"], r["scenario"], r["build"]) == (backend, scenario, build))
    errors = sum(int(r["errors"]) for r in rows if (r["backend"], r["scenario"]) == (backend, scenario))
    a, b = pick("a", "rps"), pick("b", "rps")
    print(f"| {backend} | {scenario} | {a:.0f} | {b:.0f} | {b / a:.2f} | {pick('a', 'p99'):.1f} "
          f"| {pick('b', 'p99'):.1f} | {errors} |")
PY
