#!/usr/bin/env bash
# Soak: a mixed load (browse, search, product pages, orders, order lists) against one shopd for
# SOAK_SECONDS (default 300) with wrk on 127.0.0.1, sampling shopd's RSS from /proc every 5 s.
# Passes when wrk saw no socket error and no reply outside 2xx, and the RSS of the last minute
# is within 25% (and 32 MiB) of the RSS after the first minute.
#
#   reliability/soak.sh                     # SQLite in a scratch folder
#   DATABASE_URL=postgres://... reliability/soak.sh
#
# SHOPD_BIN picks the binary (default: target/release/shopd, built if missing). Installs wrk
# from Debian if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TOTAL="${SOAK_SECONDS:-300}"
BIN="${SHOPD_BIN:-target/release/shopd}"
if [ ! -x "$BIN" ]; then cargo build --release --locked; fi
if ! command -v wrk >/dev/null 2>&1; then apt-get update -qq && apt-get install -y -qq wrk; fi

. reliability/lib.sh
start_shopd "$BIN"
export SOAK_TOKEN
SOAK_TOKEN="$(customer_token soak)"
export SOAK_PRODUCTS
SOAK_PRODUCTS="$(curl -fsS "$base/products?limit=100" | json '["products"]' | python3 -c \
    'import ast, sys; print(",".join(p["_id"] for p in ast.literal_eval(sys.stdin.read())))')"
export SOAK_UNLIMITED
SOAK_UNLIMITED="$(curl -fsS "$base/products" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d '{"name": "Soak set", "price": 999, "description": "bought all day", "category": "Technic",
         "image": "https://example.com/soak.png", "stock": null}' | json '["product"]["_id"]')"

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
(
    start=$(date +%s)
    while kill -0 "$pid" 2>/dev/null; do
        echo "$(( $(date +%s) - start )) $(rss)"
        sleep 5
    done
) >"$work/rss.txt" &
sampler=$!

echo "== soak: ${SECONDS_TOTAL}s of mixed load on $base (shopd pid $pid, $BIN)"
wrk -t 2 -c 16 -d "${SECONDS_TOTAL}s" --timeout 10s --latency -s reliability/soak.lua "$base" | tee "$work/wrk.txt"
kill "$sampler" 2>/dev/null || true

python3 - "$work/wrk.txt" "$work/rss.txt" "$work/shopd.log" <<'PY'
import re, sys
wrk, rss, log = (open(p).read() for p in sys.argv[1:4])
samples = [tuple(map(int, l.split())) for l in rss.splitlines() if len(l.split()) == 2]
non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", wrk) or [0, 0])[1])
sock = re.search(r"Socket errors: (.*)", wrk)
requests = re.search(r"(\d+) requests in", wrk)[1]
end = samples[-1][0]
after_warmup = [kb for t, kb in samples if 55 <= t <= 65] or [samples[0][1]]
last_minute = [kb for t, kb in samples if t >= end - 60]
base_kb, last_kb, peak_kb = after_warmup[0], max(last_minute), max(kb for _, kb in samples)
growth = last_kb - base_kb
flat = last_kb <= base_kb * 1.25 or growth <= 32 * 1024
internal = log.count("internal error")
print(f"requests: {requests}; non-2xx/3xx: {non2xx}; socket errors: {sock[1] if sock else 'none'}; "
      f"internal errors logged: {internal}")
print(f"RSS: {samples[0][1] // 1024} MiB at start, {base_kb // 1024} MiB after 1 min, "
      f"{last_kb // 1024} MiB in the last minute, peak {peak_kb // 1024} MiB "
      f"({len(samples)} samples): {'flat' if flat else 'GROWING'}")
print("RSS samples (s KiB):", " ".join(f"{t}:{kb}" for t, kb in samples))
sys.exit(0 if non2xx == 0 and not sock and internal == 0 and flat else 1)
PY
