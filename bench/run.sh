#!/usr/bin/env bash
# The benchmark of shopd: one command, both databases, and the ceilings to compare with
# (pgbench on the same PostgreSQL, shopd's own /healthz) measured in the same run, by turns
# with the scenarios they are compared with.
#
#   bash bench/run.sh           full run: 10 k, 100 k and 1 M products, 3 runs a figure,
#                               a 5-minute soak for memory; writes BENCHMARKS.md (22–28 min)
#   bash bench/run.sh --quick   10 k and 100 k products, shorter runs, 30 s soak (~8 min);
#                               writes bench/out/BENCHMARKS.md
#   bash bench/run.sh --smoke   1 000 products, 2 s a scenario, debug build; for CI: exits
#                               non-zero if shopd fails to serve any scenario (~1 min)
#
# Options (after the mode): --sizes "10000 100000"  --duration S  --scale-duration S
#   --runs N  --soak S  --connections C  --rate R  --backends "sqlite postgres"
#   --postgres URL (default postgres://postgres@127.0.0.1:5432; the harness creates and
#   drops the databases shopd_bench and shopd_bench_pgbench there)
#   --keep (leave the loaded databases, shopd_bench and bench/out/work/shop.db, for a look)
#   SHOPD_BIN=path/to/shopd uses that binary instead of building one
#
# The load generators (wrk, and oha when installed) and pgbench run pinned to one CPU with
# taskset; shopd and PostgreSQL are left to the scheduler. Traffic goes to 127.0.0.1 only.
set -euo pipefail
ORIGINAL_ARGS="$*"
# shopd talks plain TCP to PostgreSQL (sqlx is built without TLS). libpq prefers TLS when the
# server offers it, as Debian's does, so pgbench would pay for encryption that shopd does not,
# and its ceilings would come out low. Same transport for both.
export PGSSLMODE=disable
cd "$(dirname "$0")/.."
ROOT=$PWD

MODE=full
case "${1:-}" in
    --quick) MODE=quick; shift ;;
    --smoke) MODE=smoke; shift ;;
    --full) shift ;;
esac
case $MODE in
    full)  SIZES="10000 100000 1000000"; DURATION=10; SCALE_DURATION=3; RUNS=3; SOAK=300; PGSCALE=10 ;;
    quick) SIZES="10000 100000"; DURATION=5; SCALE_DURATION=2; RUNS=3; SOAK=30; PGSCALE=10 ;;
    smoke) SIZES="1000"; DURATION=2; SCALE_DURATION=1; RUNS=1; SOAK=0; PGSCALE=1 ;;
esac
CONNECTIONS=16
RATE=500
BACKENDS="sqlite postgres"
PG_BASE=postgres://postgres@127.0.0.1:5432
KEEP=
while [ $# -gt 0 ]; do
    case $1 in
        --sizes) SIZES=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --scale-duration) SCALE_DURATION=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --soak) SOAK=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --backends) BACKENDS=$2; shift 2 ;;
        --postgres) PG_BASE=${2%/}; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) echo "bench: unknown option $1 (see the top of bench/run.sh)" >&2; exit 2 ;;
    esac
done

PORT=${BENCH_PORT:-18480}
BASE=http://127.0.0.1:$PORT
OUT=$ROOT/bench/out
WORK=$OUT/work
RESULTS=$OUT/results.tsv
LOAD_CPU=$(( $(nproc) - 1 ))
PIN="taskset -c $LOAD_CPU"
ADMIN_EMAIL=admin@bench.example.com
ADMIN_PASSWORD=bench-admin-password
SHOPD_PID=
SAMPLER_PID=

rm -rf "$OUT"
mkdir -p "$WORK"
printf 'backend\tsize\tscenario\ttool\trun\trps\tp50_ms\tp99_ms\terrors\n' > "$RESULTS"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# ---- tools ---------------------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
    log "installing wrk (Debian package)"
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
OHA=$(command -v oha || true)
[ -z "$OHA" ] && [ -x "$HOME/.cargo/bin/oha" ] && OHA=$HOME/.cargo/bin/oha
if [ -z "$OHA" ]; then
    log "oha not found: fixed-rate latency figures are skipped (cargo install oha --locked to get them)"
fi
if [ -n "${SHOPD_BIN:-}" ]; then
    # A binary built already (CI passes the one `cargo test` just built).
    SHOPD=$(realpath "$SHOPD_BIN")
    log "using $SHOPD"
elif [ "$MODE" = smoke ]; then
    log "building shopd (debug: smoke figures are not benchmarks)"
    cargo build --locked --quiet --bin shopd
    SHOPD=$ROOT/target/debug/shopd
else
    log "building shopd (release)"
    cargo build --release --locked --quiet --bin shopd
    SHOPD=$ROOT/target/release/shopd
fi

# ---- shopd and its database ----------------------------------------------------------------

stop_sampler() {
    if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; fi
    SAMPLER_PID=
}

stop_shopd() {
    stop_sampler
    if [ -n "$SHOPD_PID" ]; then
        kill -TERM "$SHOPD_PID" 2>/dev/null || true
        wait "$SHOPD_PID" 2>/dev/null || true
    fi
    SHOPD_PID=
}

drop_pg() {
    psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

cleanup() {
    stop_shopd
    if [[ " $BACKENDS " == *" postgres "* ]]; then
        [ -n "$KEEP" ] || drop_pg shopd_bench
        drop_pg shopd_bench_pgbench
    fi
}
trap cleanup EXIT

database_url() {
    case $1 in
        sqlite) echo "sqlite://$WORK/shop.db" ;;
        postgres) echo "$PG_BASE/shopd_bench" ;;
    esac
}

fresh_database() {
    case $1 in
        sqlite) rm -f "$WORK"/shop.db* ;;
        postgres)
            drop_pg shopd_bench
            psql -q "$PG_BASE/postgres" -c "CREATE DATABASE shopd_bench" >/dev/null ;;
    esac
}

start_shopd() {
    local backend=$1
    DATABASE_URL=$(database_url "$backend") JWT_SECRET=bench-jwt-secret-long-enough-for-hs256 \
        SHOP_ADMIN_EMAIL=$ADMIN_EMAIL SHOP_ADMIN_PASSWORD=$ADMIN_PASSWORD RUST_LOG=warn \
        "$SHOPD" serve --addr "127.0.0.1:$PORT" >>"$OUT/shopd-$backend.log" 2>&1 &
    SHOPD_PID=$!
    for _ in $(seq 1 100); do
        curl -fsS "$BASE/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$SHOPD_PID" 2>/dev/null || die "shopd exited at start; see $OUT/shopd-$backend.log"
        sleep 0.2
    done
    die "shopd did not answer /healthz within 20 s"
}

seed_to() {
    local backend=$1 size=$2 have
    have=$(curl -fsS "$BASE/products?limit=1" | json total)
    local more=$(( size - have ))
    if [ "$more" -gt 0 ]; then
        log "$backend: adding $more generated products (to $size)"
        DATABASE_URL=$(database_url "$backend") RUST_LOG=warn,sqlx=error "$SHOPD" seed --products "$more" --products-seed 42 >&2
        # A load of a million rows leaves PostgreSQL a checkpoint to spread over the next
        # minutes, over the first scenarios measured; write it now instead.
        if [ "$backend" = postgres ]; then
            psql -q "$(database_url postgres)" -c CHECKPOINT >&2 || log "postgres: CHECKPOINT refused; figures may include its writes"
        fi
    fi
}

# ---- talking to the API --------------------------------------------------------------------

# Reads JSON on stdin and prints the value at the given path (keys and indexes).
json() { python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1:]: v=v[int(k)] if isinstance(v,list) else v[k]
print(v)' "$@"; }

# call METHOD PATH TOKEN BODY: prints the body, fails on a status other than 2xx.
call() {
    local method=$1 path=$2 token=${3:-} body=${4:-} reply
    local args=(-sS -X "$method" -o "$WORK/reply" -w '%{http_code}')
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    reply=$(curl "${args[@]}" "$BASE$path") || die "$method $path: no reply"
    [[ $reply == 2* ]] || die "$method $path: status $reply: $(cat "$WORK/reply")"
    cat "$WORK/reply"
}

login() { call POST /auth/login "" "{\"email\":\"$1\",\"password\":\"$2\"}" | json token; }

register() {
    call POST /auth/register "" "{\"name\":\"$1\",\"email\":\"$2\",\"password\":\"bench-password\"}" | json token
}

# The fixtures every backend gets: tokens, products with unlimited stock to order, and a
# customer with 50 orders. Writes the request files the scenarios play.
prepare() {
    local backend=$1
    ADMIN=$(login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
    CUSTOMER=$(register "Bench Customer" "customer@bench.example.com")
    local reader
    reader=$(register "Bench Reader" "reader@bench.example.com")
    order_products "Bench Set" null order-products
    # The same products with counted stock, more than the run can sell: the stock is checked
    # and written on every order.
    order_products "Counted Set" 1000000000 counted-products
    for i in $(seq 1 50); do
        call POST /orders "$reader" "$(order_body)" >/dev/null
    done
    # Request files: METHOD, path, token, body, tab-separated.
    printf 'GET\t/healthz\t\t\n' > "$WORK/healthz.req"
    printf 'GET\t/products?limit=20\t\t\n' > "$WORK/list.req"
    printf 'GET\t/products?search=castle&category=Technic&sort=price_asc\t\t\n' > "$WORK/search.req"
    printf 'GET\t/products?page=5000&limit=20\t\t\n' > "$WORK/deep.req"
    printf 'GET\t/orders\t%s\t\n' "$reader" > "$WORK/orders-list.req"
    : > "$WORK/orders-post.req"
    : > "$WORK/orders-post-counted.req"
    for _ in $(seq 1 200); do
        printf 'POST\t/orders\t%s\t%s\n' "$CUSTOMER" "$(order_body)" >> "$WORK/orders-post.req"
        printf 'POST\t/orders\t%s\t%s\n' "$CUSTOMER" "$(order_body counted-products)" >> "$WORK/orders-post-counted.req"
    done
}

# order_products NAME STOCK FILE: 20 products to order, named "NAME 1" to "NAME 20", with
# that stock (a number, or null for unlimited); their ids go to $WORK/FILE.
order_products() {
    local name=$1 stock=$2 file=$3 ids=()
    for i in $(seq 1 20); do
        ids+=("$(call POST /products "$ADMIN" "{\"name\":\"$name $i\",\"price\":$((1000 + i * 100)),\"description\":\"A set to order in the benchmark\",\"category\":\"Technic\",\"image\":\"https://images.example.com/bench/$i.webp\",\"stock\":$stock}" | json product _id)")
    done
    printf '%s\n' "${ids[@]}" > "$WORK/$file"
}

# An order of 1–3 distinct lines of the products with unlimited stock (or of those listed in
# the file named).
order_body() {
    shuf -n "$(shuf -i 1-3 -n 1)" "$WORK/${1:-order-products}" |
        awk 'BEGIN{printf "{\"items\":["} {printf "%s{\"product_id\":\"%s\",\"quantity\":%d}", (NR>1?",":""), $1, 1+int(rand()*3)} END{printf "]}"}'
}

# Product ids to read, from the first pages of the catalogue; and the mixed load:
# 80 % browsing (by id, lists, searches), 15 % orders placed, 5 % admin work.
prepare_reads() {
    : > "$WORK/ids"
    : > "$WORK/needles"
    for page in 1 2 3 4 5; do
        call GET "/products?limit=100&page=$page" | python3 -c 'import json,sys
products = json.load(sys.stdin)["products"]
with open(sys.argv[1], "a") as ids, open(sys.argv[2], "a") as needles:
    for p in products:
        print(p["_id"], file=ids)
        # The two words before the set number: "LEGO Technic Crystal Castle 13880" gives
        # "crystal%20castle", which a few products in a thousand match.
        words = p["name"].split()
        if len(words) >= 4: print("%20".join(words[-3:-1]).lower(), file=needles)' "$WORK/ids" "$WORK/needles"
    done
    awk '{printf "GET\t/products/%s\t\t\n", $1}' "$WORK/ids" > "$WORK/by-id.req"
    # Searches that nothing has asked before: every needle of the names above in every
    # category and four sorts, so that a run of a few seconds seldom asks one twice and each
    # finds its matches anew (a search asked again is read from what the first one kept).
    local all_categories=("Star%20Wars" Disney BIONICLE Harry%20Potter Batman Indiana%20Jones Ninjago
        Minecraft Technic Architecture Ideas)
    sort -u "$WORK/needles" | while read -r needle; do
        for category in "${all_categories[@]}"; do
            for sort in price_asc price_desc name_asc createdAt_desc; do
                printf 'GET\t/products?search=%s&category=%s&sort=%s\t\t\n' "$needle" "$category" "$sort"
            done
        done
    done > "$WORK/new-searches.req"
    local words=(castle dragon temple robot bridge tower station market)
    local categories=("Star%20Wars" Technic Ninjago Minecraft Disney Ideas)
    {
        for i in $(seq 1 40); do printf 'GET\t/products/%s\t\t\n' "$(shuf -n 1 "$WORK/ids")"; done
        for i in $(seq 1 20); do printf 'GET\t/products?limit=20&page=%d\t\t\n' "$(shuf -i 1-5 -n 1)"; done
        for i in $(seq 1 20); do
            printf 'GET\t/products?search=%s&category=%s&sort=price_asc\t\t\n' \
                "${words[RANDOM % ${#words[@]}]}" "${categories[RANDOM % ${#categories[@]}]}"
        done
        shuf -n 15 "$WORK/orders-post.req"
        for i in $(seq 1 3); do printf 'GET\t/orders?limit=20\t%s\t\n' "$ADMIN"; done
        for i in $(seq 1 2); do printf 'GET\t/orders?limit=20&page=2\t%s\t\n' "$ADMIN"; done
    } > "$WORK/mixed.req"
}

# ---- measuring -----------------------------------------------------------------------------

record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RESULTS"; }

# wrk_run BACKEND SIZE SCENARIO REQUEST-FILE DURATION RUN: one closed-loop run, recorded as
# run number RUN.
wrk_run() {
    local backend=$1 size=$2 scenario=$3 file=$4 duration=$5 run=$6 line
    kill -0 "$SHOPD_PID" 2>/dev/null || die "shopd is gone (during $scenario)"
    line=$(BENCH_REQUESTS=$WORK/$file $PIN wrk -t1 -c"$CONNECTIONS" -d"${duration}s" \
        -s "$ROOT/bench/requests.lua" "$BASE" | grep '^BENCH ') || die "wrk failed on $scenario"
    eval "local ${line#BENCH }"
    local errors=$((status_errors + socket_errors))
    local rps
    rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN{printf "%.0f", r / (d / 1e6)}')
    record "$backend" "$size" "$scenario" wrk "$run" "$rps" \
        "$(awk -v x="$p50_us" 'BEGIN{printf "%.2f", x/1000}')" \
        "$(awk -v x="$p99_us" 'BEGIN{printf "%.2f", x/1000}')" "$errors"
    log "$backend $size $scenario run $run: $rps req/s, p99 $((p99_us / 1000)) ms, $errors errors"
    # A wrong status is a failure; so is any error in a smoke run. Elsewhere a request
    # that times out (no answer within wrk's 2 s) is a measurement: recorded, reported.
    if [ "$requests" -eq 0 ] || [ "$status_errors" -gt 0 ] ||
        { [ "$errors" -gt 0 ] && [ "$MODE" = smoke ]; }; then
        die "$scenario: $requests requests, $errors errors (see $OUT/shopd-$backend.log)"
    fi
    if [ "$socket_errors" -gt 0 ]; then
        log "WARNING: $scenario: $socket_errors requests timed out; recorded"
    fi
}

# wrk_runs BACKEND SIZE SCENARIO REQUEST-FILE DURATION: RUNS closed-loop runs in a row.
wrk_runs() {
    for run in $(seq 1 "$RUNS"); do
        wrk_run "$@" "$run"
    done
}

# by_turns STEP...: RUNS rounds, each running every STEP (a command, evaluated with $run set
# to the round's number) in turn. The two figures of a target's ratio are measured this way:
# a shared machine's speed drifts over minutes, so a ceiling measured a quarter of an hour
# before or after its scenario tells more of the drift than of shopd.
by_turns() {
    local run step
    for run in $(seq 1 "$RUNS"); do
        for step in "$@"; do
            eval "$step"
        done
    done
}

# oha_runs BACKEND SIZE SCENARIO PATH: latency at a fixed RATE, corrected for coordinated
# omission, RUNS times.
oha_runs() {
    local backend=$1 size=$2 scenario=$3 path=$4
    [ -n "$OHA" ] || return 0
    # One run first, not recorded: the first reads after a load of 900 k products find the
    # pages they need on disk, and put p99s of 65-70 ms into a run whose next ones show 5-7.
    $PIN "$OHA" -z "${SCALE_DURATION}s" -q "$RATE" -c "$CONNECTIONS" --no-tui "$BASE$path" >/dev/null ||
        die "oha failed on $scenario"
    for run in $(seq 1 "$RUNS"); do
        $PIN "$OHA" -z "${SCALE_DURATION}s" -q "$RATE" --latency-correction \
            -c "$CONNECTIONS" --no-tui --output-format json "$BASE$path" > "$WORK/oha.json" ||
            die "oha failed on $scenario"
        local fields
        fields=$(python3 - "$WORK/oha.json" "$SCALE_DURATION" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
ok = sum(v for k, v in r.get("statusCodeDistribution", {}).items() if k.startswith("2"))
# Requests still in flight when the run's time is up are cut off, not failed.
failed = {k: v for k, v in r.get("errorDistribution", {}).items() if "deadline" not in k}
total = sum(r.get("statusCodeDistribution", {}).values()) + sum(failed.values())
# No request finished within the run: shopd cannot keep up with the rate; the run's
# length is then a floor of the latency.
floor = float(sys.argv[2]) * 1000
p50, p99 = (p["p50"] or 0) * 1000 or floor, (p["p99"] or 0) * 1000 or floor
print(f'{s["requestsPerSec"]:.0f} {p50:.2f} {p99:.2f} {total - ok}')
PY
)
        read -r rps p50 p99 errors <<<"$fields"
        record "$backend" "$size" "$scenario@${RATE}rps" oha "$run" "$rps" "$p50" "$p99" "$errors"
        log "$backend $size $scenario at $RATE req/s run $run: p50 $p50 ms, p99 $p99 ms, $errors errors"
        [ "$errors" -eq 0 ] || die "$scenario at $RATE req/s: $errors errors"
    done
}

# Samples shopd's resident memory (VmRSS, KiB) every second into a file.
start_sampler() {
    local file=$1
    : > "$file"
    ( while kill -0 "$SHOPD_PID" 2>/dev/null; do
          awk -v t="$(date +%s)" '/^VmRSS/ {print t, $2}' "/proc/$SHOPD_PID/status" >> "$file" 2>/dev/null || true
          sleep 1
      done ) &
    SAMPLER_PID=$!
}

rss_summary() {
    local backend=$1 size=$2 scenario=$3 file=$4
    # max over the run; growth = mean of the last fifth minus mean of the first fifth (after warm-up).
    local fields
    fields=$(awk '{v[NR]=$2; if ($2>m) m=$2} END {
        n=NR; k=int(n/5); if (k<1) k=1; a=0; b=0
        for (i=1;i<=k;i++) a+=v[i]; for (i=n-k+1;i<=n;i++) b+=v[i]
        printf "%.1f %.1f %.1f", m/1024, a/k/1024, b/k/1024 }' "$file")
    read -r max first last <<<"$fields"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$size" "$scenario" "$max" "$first" "$last" >> "$OUT/memory.tsv"
    log "$backend $scenario: RSS max $max MiB, first fifth $first MiB, last fifth $last MiB"
}

# The statements POST /orders sends for an order on PostgreSQL (see `Store::try_place_order`,
# `postgres_write` and `take_counted` in src/store/orders.rs), played by pgbench on shopd's own
# database while shopd waits idle: the rate the database gives them without HTTP.
# order_sql_scripts FILE DIR [counted]: writes 60 scripts to DIR, each an order of 1–3 of the
# products listed in $WORK/FILE: the read of its products and their stock, then one autocommit
# statement that writes the order and its lines and, with `counted`, takes their stock first.
order_sql_scripts() {
    local products=$1 dir=$2 counted=${3:-} url customer
    url=$(database_url postgres)
    customer=$(psql -Atq "$url" -c "SELECT id FROM users WHERE email = 'customer@bench.example.com'")
    rm -rf "$dir"
    mkdir -p "$dir"
    for n in $(seq 1 60); do
        mapfile -t picked < <(shuf -n "$(shuf -i 1-3 -n 1)" "$WORK/$products" | sort)
        local ids=() wanted=() values=() i=0 q
        for id in "${picked[@]}"; do
            q=$((1 + RANDOM % 3))
            ids+=("'$id'")
            wanted+=("('$id', $q::BIGINT)")
            values+=("((SELECT id FROM new_id), $i, '$id', 'Bench Set', 1100, 'https://images.example.com/bench/1.webp', 'Technic', $q, 'Regular')")
            i=$((i + 1))
        done
        local taken='' check=''
        if [ -n "$counted" ]; then
            taken="taken AS (UPDATE product_stock SET stock = stock - w.column2 FROM (VALUES $(IFS=,; echo "${wanted[*]}")) AS w WHERE product_stock.id = w.column1 AND (product_stock.stock IS NULL OR product_stock.stock >= w.column2) RETURNING product_stock.id), "
            check=" WHERE CASE WHEN (SELECT COUNT(*) FROM taken) = ${#picked[@]} THEN TRUE ELSE order_short_of_stock() END"
        fi
        {
            echo "SELECT p.id, p.name, p.price, p.image, p.category, s.stock FROM products p JOIN product_stock s ON s.id = p.id WHERE p.id IN ($(IFS=,; echo "${ids[*]}"));"
            echo "WITH ${taken}new_id AS (SELECT substr(md5(random()::text), 1, 24) AS id), o AS (INSERT INTO orders (id, order_num, user_id, status, total, currency, address, shipping, created_at, updated_at, version) VALUES ((SELECT id FROM new_id), nextval('order_num_seq'), '$customer', 'pending', 5000, 'usd', NULL, 'Regular', 1700000000000, 1700000000000, 0) RETURNING id, order_num, user_id, (SELECT u.name FROM users u WHERE u.id = orders.user_id) AS user_name, (SELECT u.email FROM users u WHERE u.id = orders.user_id) AS user_email, status, total, currency, address, shipping, created_at, updated_at, version, payment_provider, payment_session, payment_url, client_secret, payment_expires_at), l AS (INSERT INTO order_lines (order_id, line_no, product_id, name, price, image, category, quantity, shipping) VALUES $(IFS=,; echo "${values[*]}")) SELECT o.* FROM o${check};"
        } > "$dir/order-$n.sql"
    done
}

# pgbench_run SIZE NAME RUN URL FLAGS...: one run of pgbench with those flags against URL,
# with the run's client count, recorded as "pgbench NAME", run number RUN.
pgbench_run() {
    local size=$1 name=$2 run=$3 url=$4 line tps
    shift 4
    line=$($PIN pgbench "$@" -n -c "$CONNECTIONS" -j 1 -T "$DURATION" "$url" 2>/dev/null |
        grep -E '^tps = ' | head -1) || die "pgbench $name failed"
    tps=$(echo "$line" | awk '{printf "%.0f", $3}')
    record postgres "$size" "pgbench $name" pgbench "$run" "$tps" "" "" 0
    log "pgbench $name run $run: $tps tps"
}

# order_sql_run SIZE NAME RUN DIR: one run of pgbench playing the order scripts in DIR.
order_sql_run() {
    local size=$1 name=$2 run=$3 dir=$4 files=() f
    for f in "$dir"/order-*.sql; do files+=(-f "$f"); done
    pgbench_run "$size" "$name" "$run" "$(database_url postgres)" -M prepared "${files[@]}"
}

# pgbench's own tables, in a database of their own, for the built-in scripts.
PGBENCH_URL=$PG_BASE/shopd_bench_pgbench
pgbench_init() {
    drop_pg shopd_bench_pgbench
    psql -q "$PG_BASE/postgres" -c "CREATE DATABASE shopd_bench_pgbench" >/dev/null
    pgbench -i -q -s "$PGSCALE" "$PGBENCH_URL" >/dev/null 2>&1 || die "pgbench -i failed"
}

# ---- the run -------------------------------------------------------------------------------

STARTED=$(date +%s)
: > "$OUT/memory.tsv"
for backend in $BACKENDS; do
    log "=== $backend ==="
    fresh_database "$backend"
    start_shopd "$backend"
    prepare "$backend"
    largest=
    for size in $SIZES; do
        seed_to "$backend" "$size"
        prepare_reads
        # How list and search latency grow with the catalogue, at a fixed rate; deep pages
        # by offset and by cursor, closed loop (their throughput is the telling figure).
        oha_runs "$backend" "$size" list "/products?limit=20"
        oha_runs "$backend" "$size" search "/products?search=castle&category=Technic&sort=price_asc"
        wrk_runs "$backend" "$size" "search, new each time" new-searches.req "$SCALE_DURATION"
        wrk_runs "$backend" "$size" "page 5000" deep.req "$SCALE_DURATION"
        # The same depth through the keyset cursor: after the 100 000th product (or near the
        # end of a smaller catalogue).
        local_offset=$(( size - 20 < 99999 ? size - 20 : 99999 ))
        anchor=$(call GET "/products?limit=1&page=$(( local_offset + 1 ))" | json products 0 _id)
        printf 'GET\t/products?limit=20&after=%s\t\t\n' "$anchor" > "$WORK/after.req"
        oha_runs "$backend" "$size" "after (page 5000)" "/products?limit=20&after=$anchor"
        wrk_runs "$backend" "$size" "after (page 5000)" after.req "$SCALE_DURATION"
        largest=$size
    done
    size=$largest
    # The targets' ratios: each scenario by turns with what it is compared with (see by_turns).
    reads=('wrk_run "$backend" "$size" healthz healthz.req "$DURATION" "$run"'
        'wrk_run "$backend" "$size" "product by id" by-id.req "$DURATION" "$run"')
    if [ "$backend" = postgres ]; then
        pgbench_init
        order_sql_scripts order-products "$WORK/order-sql"
        order_sql_scripts counted-products "$WORK/order-sql-counted" counted
        by_turns "${reads[@]}" \
            'pgbench_run "$size" select-only-prepared "$run" "$PGBENCH_URL" -S -M prepared' \
            'pgbench_run "$size" select-only-simple "$run" "$PGBENCH_URL" -S -M simple'
        by_turns 'wrk_run "$backend" "$size" "place order (1-3 lines)" orders-post.req "$DURATION" "$run"' \
            'pgbench_run "$size" tpcb-like-prepared "$run" "$PGBENCH_URL" -M prepared' \
            'order_sql_run "$size" "order statements" "$run" "$WORK/order-sql"' \
            'wrk_run "$backend" "$size" "place order, counted stock" orders-post-counted.req "$DURATION" "$run"' \
            'order_sql_run "$size" "order statements, counted stock" "$run" "$WORK/order-sql-counted"'
        drop_pg shopd_bench_pgbench
    else
        by_turns "${reads[@]}"
        wrk_runs "$backend" "$size" "place order (1-3 lines)" orders-post.req "$DURATION"
        wrk_runs "$backend" "$size" "place order, counted stock" orders-post-counted.req "$DURATION"
    fi
    wrk_runs "$backend" "$size" list list.req "$DURATION"
    wrk_runs "$backend" "$size" search search.req "$DURATION"
    wrk_runs "$backend" "$size" "orders of a customer (50)" orders-list.req "$DURATION"
    start_sampler "$WORK/rss-mixed-$backend"
    wrk_runs "$backend" "$size" "mixed 80/15/5" mixed.req "$DURATION"
    stop_sampler
    rss_summary "$backend" "$size" "mixed ${RUNS}x${DURATION}s" "$WORK/rss-mixed-$backend"
    if [ "$SOAK" -gt 0 ] && [ "$backend" = postgres ]; then
        log "$backend: soak, mixed load for $SOAK s"
        start_sampler "$WORK/rss-soak-$backend"
        RUNS=1 wrk_runs "$backend" "$size" "soak mixed ${SOAK}s" mixed.req "$SOAK"
        stop_sampler
        rss_summary "$backend" "$size" "soak mixed ${SOAK}s" "$WORK/rss-soak-$backend"
    fi
    stop_shopd
done

REPORT=$ROOT/BENCHMARKS.md
[ "$MODE" = full ] || REPORT=$OUT/BENCHMARKS.md
python3 "$ROOT/bench/report.py" --results "$RESULTS" --memory "$OUT/memory.tsv" --out "$REPORT" \
    --mode "$MODE" --command "bash bench/run.sh ${ORIGINAL_ARGS:-}" --seconds $(( $(date +%s) - STARTED )) \
    --connections "$CONNECTIONS" --rate "$RATE" --load-cpu "$LOAD_CPU" --runs "$RUNS" \
    --duration "$DURATION" --scale-duration "$SCALE_DURATION" --oha "${OHA:-}"
log "done in $(( $(date +%s) - STARTED )) s; report: $REPORT"
