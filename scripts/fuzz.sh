#!/usr/bin/env bash
# Fuzzes lenet's file readers with cargo-fuzz (libFuzzer, address sanitizer):
# each target of fuzz/fuzz_targets/ runs for SECONDS (default 60), starting
# from the committed seeds (fuzz/seeds/TARGET: tiny valid IDX files, shrunk
# model and checkpoint files, and every input that once failed) plus a full
# model and checkpoint written by `lenet train` here. Fails when a target
# crashes (a panic, a sanitizer report, an allocation over 200 MB, an input
# taking over 10 s); the input is then in fuzz/artifacts/TARGET/ and
# `cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-…` replays it.
#
# libFuzzer needs unstable compiler flags (-Zsanitizer, sanitizer coverage),
# so the stable toolchain runs with RUSTC_BOOTSTRAP=1. Where that toolchain
# cannot build a sanitized fuzzer at all, the script says why and skips;
# tests/mutated_files.rs covers the same readers on any toolchain.
#
# Usage: bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

seconds="${1:-60}"
shift || true
CARGO_FUZZ_VERSION=0.13.2

probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
# Can this rustc build an address-sanitized, coverage-instrumented binary?
echo 'fn main() {}' > "$probe/probe.rs"
if ! RUSTC_BOOTSTRAP=1 rustc -Zsanitizer=address -Cpasses=sancov-module \
        -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
        --edition 2021 "$probe/probe.rs" -o "$probe/probe" 2>"$probe/err"; then
    echo "== fuzz: SKIPPED: $(rustc --version) cannot build a libFuzzer target, even with RUSTC_BOOTSTRAP=1:" >&2
    sed 's/^/   /' "$probe/err" >&2
    echo "   (cargo-fuzz needs -Zsanitizer; tests/mutated_files.rs still checks the readers)" >&2
    exit 0
fi

cargo_installed cargo-fuzz "$CARGO_FUZZ_VERSION" \
    || cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
command -v c++ >/dev/null || apt_install g++   # libfuzzer-sys compiles libFuzzer

# A full model and checkpoint as `lenet train` writes them, next to the
# committed seeds (too large to commit: 1.3 and 2.6 MB). Built before
# RUSTC_BOOTSTRAP is set, which would make cargo build lenet again.
run="$probe/run"
cargo run --quiet --release --bin lenet -- train --epochs 1 --limit 64 --out "$run" --json >/dev/null
mkdir -p fuzz/corpus/model_file fuzz/corpus/checkpoint_file
cp "$run/model.json" fuzz/corpus/model_file/lenet-train-model.json
cp "$run/checkpoint.json" fuzz/corpus/checkpoint_file/lenet-train-checkpoint.json

export RUSTC_BOOTSTRAP=1

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
echo "== fuzz: building ${targets[*]} ($(rustc --version), RUSTC_BOOTSTRAP=1, address sanitizer)"
cargo fuzz build -O --sanitizer address

failed=()
for t in "${targets[@]}"; do
    echo "== fuzz: $t for $seconds s"
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    dict=()
    case "$t" in model_file|checkpoint_file) dict=(-dict=fuzz/json.dict) ;; esac
    # libFuzzer's last lines state the runs and peak memory: keep the log.
    log="fuzz/logs/$t.log"
    mkdir -p fuzz/logs
    if cargo fuzz run -O --sanitizer address "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
            -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=200 -rss_limit_mb=2048 \
            -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
        grep -E '^(Done|stat::peak_rss_mb)' "$log" | tr -s ' \n' ' '; echo
    else
        tail -40 "$log"
        failed+=("$t")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "== fuzz: FAILED: ${failed[*]}; the inputs are in fuzz/artifacts/" >&2
    exit 1
fi
echo "== fuzz: no crash in ${targets[*]}"
