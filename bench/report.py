#!/usr/bin/env python3
"""Turns bench/out/results.tsv into a table on stdout and BENCHMARKS.md: medians of the
runs, the scale tables, and the targets as ratios to the ceilings measured in the same run."""

import argparse
import csv
import os
import platform
import statistics
import subprocess
from collections import defaultdict


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""


def machine(pg_url):
    model = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
    mem = sh("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")
    sqlite = sh(
        "strings target/release/shopd 2>/dev/null | grep -m1 -oE '^3\\.[0-9]+\\.[0-9]+$'"
        " || strings target/debug/shopd 2>/dev/null | grep -m1 -oE '^3\\.[0-9]+\\.[0-9]+$'"
    )
    return [
        ("CPUs (`nproc`)", sh("nproc")),
        ("CPU model (`lscpu`)", model),
        ("memory", mem),
        ("OS", sh(". /etc/os-release && echo $PRETTY_NAME") + f", kernel {platform.release()}"),
        ("rustc", sh("rustc --version")),
        ("PostgreSQL", sh(f"psql -tA '{pg_url}' -c 'SHOW server_version'") or sh("psql --version")),
        ("SQLite (bundled in shopd)", sqlite or "unknown"),
        ("wrk", sh("wrk -v 2>&1 | head -1")),
        ("oha", sh("oha --version") or "not installed"),
    ]


def load(path):
    rows = defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows[(r["backend"], int(r["size"]), r["scenario"], r["tool"])].append(r)
    out = {}
    for key, runs in rows.items():

        def med(field):
            vals = [float(r[field]) for r in runs if r[field] != ""]
            return statistics.median(vals) if vals else None

        out[key] = {
            "rps": med("rps"),
            "p50": med("p50_ms"),
            "p99": med("p99_ms"),
            "runs": len(runs),
            "errors": sum(int(r["errors"] or 0) for r in runs),
        }
    return out


def fmt(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    for a in ["results", "memory", "out", "mode", "command", "seconds", "connections", "rate", "load-cpu",
              "runs", "duration", "scale-duration", "oha"]:
        ap.add_argument("--" + a, default="")
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    res = load(args.results)
    sizes = sorted({k[1] for k in res if not k[2].startswith("pgbench")})
    largest = max(sizes) if sizes else 0
    backends = [b for b in ("sqlite", "postgres") if any(k[0] == b for k in res)]

    def get(backend, size, scenario, tool="wrk"):
        return res.get((backend, size, scenario, tool))

    lines = []
    w = lines.append
    w("# shopd benchmarks")
    w("")
    w(f"Made by `{args.command.strip()}` ({args.mode} mode) in {int(args.seconds or 0) // 60} min; "
      f"every figure is the median of {args.runs} runs. Rerun it to check them.")
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("| --- | --- |")
    for k, v in machine(args.pg):
        w(f"| {k} | {v} |")
    w("")
    w(f"Load: wrk (1 thread, {args.connections} connections, closed loop, {args.duration} s a run; "
      f"{args.scale_duration} s for the scale runs) and oha (fixed {args.rate} req/s with "
      f"`--latency-correction`, {args.connections} connections, {args.scale_duration} s a run), "
      f"both pinned to CPU {args.load_cpu} with `taskset`, as is pgbench; shopd and PostgreSQL are "
      "not pinned and share the machine's cores with them. shopd runs with `RUST_LOG=warn` (no "
      "line per request). The two figures of each target's ratio are measured by turns, one run of "
      "each a round, so that both meet the machine in the same state. Figures are requests per "
      "second and latencies in milliseconds.")
    w("")

    # ---- the scenarios at the largest catalogue
    w(f"## Scenarios, on {largest:,} products")
    w("")
    head = "| scenario |" + "".join(f" {b} req/s | {b} p50 | {b} p99 |" for b in backends)
    w(head)
    w("| --- |" + " ---: | ---: | ---: |" * len(backends))
    scenarios = ["healthz", "product by id", "list", "search", "page 5000", "after (page 5000)",
                 "orders of a customer (50)",
                 "place order (1-3 lines)", "place order, counted stock", "mixed 80/15/5"]
    extra = sorted({k[2] for k in res if k[1] == largest and k[3] == "wrk" and k[2] not in scenarios
                    and not k[2].startswith("soak")})
    for s in scenarios + extra:
        cells = []
        for b in backends:
            r = get(b, largest, s)
            cells += [fmt(r and r["rps"]), fmt(r and r["p50"], 2), fmt(r and r["p99"], 2)]
        w(f"| {s} | " + " | ".join(cells) + " |")
    w("")
    w("- list: `GET /products?limit=20`; search: `GET /products?search=castle&category=Technic&sort=price_asc`; "
      "page 5000: `GET /products?page=5000&limit=20`; place order: `POST /orders` with 1–3 lines of "
      "products with unlimited stock; place order, counted stock: the same with products whose stock "
      "is counted (10⁹ units each), so that every order checks and writes it; mixed: 80 % browsing (by id, lists, searches of several words and "
      "categories), 15 % orders placed, 5 % admin order lists; search, new each time: searches no request asked before (two words of a product's name, in one of the eleven "
      "categories, in one of four sorts, picked at random among thousands), so that each finds its "
      "matches anew instead of reading what an earlier one kept.")
    timeouts = [(k, r) for k, r in sorted(res.items()) if k[3] == "wrk" and r["errors"]]
    for (b, size, s, _), r in timeouts:
        w(f"- **{b}, {size:,} products, {s}: {r['errors']} requests timed out** (no answer within "
          f"wrk's 2 s) in {r['runs']} runs; they are not in the rate.")
    w("")

    # ---- ceilings
    w("## Ceilings, same run")
    w("")
    w("| ceiling | figure |")
    w("| --- | ---: |")
    for b in backends:
        r = get(b, largest, "healthz")
        w(f"| shopd `/healthz` (HTTP stack), {b} run | {fmt(r and r['rps'])} req/s |")
    for name in ["select-only-prepared", "select-only-simple", "tpcb-like-prepared"]:
        r = get("postgres", largest, f"pgbench {name}", "pgbench")
        w(f"| `pgbench` {name}, {args.connections} clients | {fmt(r and r['rps'])} tps |")
    for name, what in [("order statements", "unlimited stock"), ("order statements, counted stock", "counted stock")]:
        r = get("postgres", largest, f"pgbench {name}", "pgbench")
        w(f"| `pgbench` playing the statements of `POST /orders`, {what} (no HTTP), {args.connections} clients | "
          f"{fmt(r and r['rps'])} tps |")
    w("")

    # ---- scale
    w("## Scale: latency as the catalogue grows")
    w("")
    for b in backends:
        w(f"### {b}")
        w("")
        w("| products | scenario | fixed-rate p50 | fixed-rate p99 | closed-loop req/s | closed-loop p99 |")
        w("| ---: | --- | ---: | ---: | ---: | ---: |")
        for size in sizes:
            for s in ["list", "search", "search, new each time", "page 5000", "after (page 5000)"]:
                fixed = get(b, size, f"{s}@{args.rate}rps", "oha")
                closed = get(b, size, s)
                w(f"| {size:,} | {s} | {fmt(fixed and fixed['p50'], 2)} | {fmt(fixed and fixed['p99'], 2)} | "
                  f"{fmt(closed and closed['rps'])} | {fmt(closed and closed['p99'], 2)} |")
        w("")

    # ---- memory
    w("## Memory (VmRSS of shopd, sampled every second from /proc)")
    w("")
    w("| backend | load | max MiB | first fifth MiB | last fifth MiB |")
    w("| --- | --- | ---: | ---: | ---: |")
    if os.path.exists(args.memory):
        for row in csv.reader(open(args.memory), delimiter="\t"):
            if row:
                w(f"| {row[0]} | {row[2]} | {row[3]} | {row[4]} | {row[5]} |")
    w("")

    # ---- targets
    w("## Targets")
    w("")
    w("| target | measured | met |")
    w("| --- | --- | --- |")

    def ratio_row(label, num, den, goal, den_label):
        if not num or not den or num["rps"] is None or den["rps"] is None:
            w(f"| {label} | not measured | – |")
            return
        r = num["rps"] / den["rps"]
        w(f"| {label} | {fmt(num['rps'])} / {fmt(den['rps'])} ({den_label}) = **{r:.2f}×** | "
          f"{'yes' if r >= goal else 'no'} |")

    ratio_row("`GET /products/:id` on PostgreSQL ≥ 0.6× pgbench -S", get("postgres", largest, "product by id"),
              get("postgres", largest, "pgbench select-only-prepared", "pgbench"), 0.6, "pgbench -S prepared")
    ratio_row("(same, against pgbench -S simple protocol)", get("postgres", largest, "product by id"),
              get("postgres", largest, "pgbench select-only-simple", "pgbench"), 0.6, "pgbench -S simple")
    ratio_row("`GET /products/:id` on SQLite ≥ 0.5× `/healthz`", get("sqlite", largest, "product by id"),
              get("sqlite", largest, "healthz"), 0.5, "/healthz")
    ratio_row("`POST /orders` on PostgreSQL ≥ 0.5× pgbench tpcb-like", get("postgres", largest, "place order (1-3 lines)"),
              get("postgres", largest, "pgbench tpcb-like-prepared", "pgbench"), 0.5, "tpcb-like")
    ratio_row("(`POST /orders`, counted stock, against the same)", get("postgres", largest, "place order, counted stock"),
              get("postgres", largest, "pgbench tpcb-like-prepared", "pgbench"), 0.5, "tpcb-like")
    for scenario, name in [("place order (1-3 lines)", "order statements"),
                           ("place order, counted stock", "order statements, counted stock")]:
        order_sql = get("postgres", largest, f"pgbench {name}", "pgbench")
        place = get("postgres", largest, scenario)
        if order_sql and place and order_sql["rps"] and place["rps"] is not None:
            w(f"| (`{scenario}` against pgbench playing its own statements, no goal) | "
              f"{fmt(place['rps'])} / {fmt(order_sql['rps'])} = **{place['rps'] / order_sql['rps']:.2f}×** | – |")
    mid = 100_000 if 100_000 in sizes else None
    for b in backends:
        for s in ["list", "search"]:
            if mid:
                r = get(b, mid, f"{s}@{args.rate}rps", "oha")
                if r:
                    w(f"| {b} {s} on 100,000 products: p99 < 20 ms at {args.rate} req/s | p99 {fmt(r['p99'], 2)} ms | "
                      f"{'yes' if r['p99'] < 20 else 'no'} |")
            big = 1_000_000 if 1_000_000 in sizes else None
            if mid and big:
                a, z = get(b, mid, f"{s}@{args.rate}rps", "oha"), get(b, big, f"{s}@{args.rate}rps", "oha")
                if a and z:
                    k = z["p99"] / a["p99"]
                    w(f"| {b} {s}: p99 on 1 M within 2× of 100 k | {fmt(z['p99'], 2)} / {fmt(a['p99'], 2)} ms = "
                      f"{k:.2f}× | {'yes' if k <= 2 else 'no'} |")
    if os.path.exists(args.memory):
        for row in csv.reader(open(args.memory), delimiter="\t"):
            if row and row[2].startswith("soak"):
                mx, first, last = float(row[3]), float(row[4]), float(row[5])
                w(f"| RSS under mixed load < 64 MiB, no growth ({row[0]}, {row[2]}) | max {mx:.1f} MiB, "
                  f"{first:.1f} → {last:.1f} MiB | {'yes' if mx < 64 and last <= first * 1.05 + 1 else 'no'} |")
    w("")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
