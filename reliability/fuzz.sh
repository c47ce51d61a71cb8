#!/usr/bin/env bash
# Fuzzes the parsers of the hand-written formats (ids, sort, order references) with libFuzzer,
# FUZZ_SECONDS (default 60) per target. The targets are in fuzz/, laid out for cargo-fuzz.
#
#   reliability/fuzz.sh [TARGET...]        # default: ids sort order_ref
#
# Needs the nightly toolchain. Uses `cargo fuzz` when it is installed, and otherwise builds the
# targets with the flags cargo-fuzz would pass (sanitizer coverage, --cfg fuzzing), so that
# installing cargo-fuzz is not needed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

SECONDS_EACH="${FUZZ_SECONDS:-60}"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(ids sort order_ref)
TRIPLE="$(rustc +nightly -vV | sed -n 's/^host: //p')"

if cargo +nightly fuzz --version >/dev/null 2>&1; then
    for t in "${TARGETS[@]}"; do
        cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$SECONDS_EACH"
    done
    exit 0
fi

export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
cargo +nightly build --release --target "$TRIPLE" --bins
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    echo "== fuzzing $t for ${SECONDS_EACH}s"
    # New inputs go to corpus/ (not kept in git); seeds/ holds a few valid ones to start from.
    "target/$TRIPLE/release/$t" -max_total_time="$SECONDS_EACH" -artifact_prefix="artifacts/$t/" "corpus/$t" "seeds/$t"
done
