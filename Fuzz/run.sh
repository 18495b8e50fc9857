#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (see Fuzz/README.md).
#
#   Fuzz/run.sh [--no-build] [TARGET|all] [SECONDS]   e.g. Fuzz/run.sh FuzzSDP 120, Fuzz/run.sh all 30
#
# First every selected target is built, one after the other into the same scratch directory with
# the house command (ARCHITECTURE §6)
#   swift build -c release --product TARGET --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
# so the modules they share are compiled once (one sanitizer build). `--no-build` skips this and
# runs what is already built. Then each target runs for SECONDS (default 60) on the committed seeds
# in Fuzz/corpus/TARGET plus a growing work corpus in Fuzz/work/TARGET (new inputs go there, never
# into the seeds). A target fails when the libFuzzer banner shows no instrumented counters or when
# the fuzzer finds a crash, leak or timeout; the reproducer is left in Fuzz/crashes/ (replay:
# .build/release/TARGET FILE). Every target runs even when an earlier one failed; the exit status
# is 1 when any failed. `.ci/run` runs `Fuzz/run.sh all 30` after the test suite.
#
# Environment: FUZZ_PACKAGE_PATH (package to build, default the repository root),
# FUZZ_SCRATCH_PATH (SwiftPM --scratch-path, default SwiftPM's .build), FUZZ_ARGS (extra
# libFuzzer flags, e.g. "-max_len=4096").
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PACKAGE_PATH="${FUZZ_PACKAGE_PATH:-$(dirname "$FUZZ_DIR")}"
ALL_TARGETS=(FuzzSDP FuzzSTUN FuzzRTP FuzzCodecs FuzzContainers FuzzRTSP FuzzDTLS FuzzDCEP)

build=1
if [[ "${1:-}" == "--no-build" ]]; then
    build=0
    shift
fi
target="${1:-all}"
seconds="${2:-60}"
if [[ "$target" == "all" ]]; then
    targets=("${ALL_TARGETS[@]}")
elif [[ " ${ALL_TARGETS[*]} " == *" $target "* ]]; then
    targets=("$target")
else
    echo "usage: $0 [--no-build] [${ALL_TARGETS[*]// /|}|all] [SECONDS]" >&2
    exit 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
    echo "SECONDS must be a positive integer, got '$seconds'" >&2
    exit 2
fi

build_args=(--package-path "$PACKAGE_PATH" -c release)
if [[ -n "${FUZZ_SCRATCH_PATH:-}" ]]; then build_args+=(--scratch-path "$FUZZ_SCRATCH_PATH"); fi
sanitize=(--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)
mkdir -p "$FUZZ_DIR/crashes"

started=$SECONDS
if (( build )); then
    for name in "${targets[@]}"; do
        echo "=== $name: building"
        swift build "${build_args[@]}" --product "$name" "${sanitize[@]}"
    done
    echo "=== built ${#targets[@]} target(s) in $((SECONDS - started))s"
fi
bin_path="$(swift build "${build_args[@]}" "${sanitize[@]}" --show-bin-path)"

# The Swift runtime's backtracer would catch the trap first and keep libFuzzer from writing
# the crash file; libFuzzer prints its own stack.
export SWIFT_BACKTRACE=enable=no

failed=()
for name in "${targets[@]}"; do
    binary="$bin_path/$name"
    if [[ ! -x "$binary" ]]; then
        echo "!!! $name: $binary is not built" >&2
        failed+=("$name")
        continue
    fi

    work="$FUZZ_DIR/work/$name"
    log="$FUZZ_DIR/work/$name.log"
    mkdir -p "$work"
    echo "=== $name: fuzzing for ${seconds}s (log: $log)"
    status=0
    # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
    "$binary" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$FUZZ_DIR/crashes/$name-" ${FUZZ_ARGS:-} \
        "$work" "$FUZZ_DIR/corpus/$name" >"$log" 2>&1 || status=$?

    banner="$(grep -m1 -E 'INFO: Loaded [0-9]+ modules +\([0-9]+ inline 8-bit counters\)' "$log" || true)"
    counters="$(sed -E 's/.*\(([0-9]+) inline 8-bit counters\).*/\1/' <<<"$banner")"
    if [[ -z "$banner" || "$counters" == "0" ]]; then
        echo "!!! $name: no instrumented counters in the libFuzzer banner; is it built with -sanitize=fuzzer?" >&2
        failed+=("$name")
        continue
    fi
    echo "    $banner"
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | sed 's/^/    /' || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed 's/^/    /' || true
    if (( status != 0 )); then
        echo "!!! $name: libFuzzer exited with $status" >&2
        grep -E 'Fatal error|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY|Test unit written to' "$log" | sed 's/^/    /' >&2 || true
        failed+=("$name")
    fi
done

if (( ${#failed[@]} > 0 )); then
    echo "FAILED: ${failed[*]} (reproducers in $FUZZ_DIR/crashes/, logs in $FUZZ_DIR/work/; $((SECONDS - started))s)" >&2
    exit 1
fi
echo "OK: ${targets[*]} ran ${seconds}s each without a crash ($((SECONDS - started))s in all)"
