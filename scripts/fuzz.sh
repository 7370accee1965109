#!/usr/bin/env bash
# Fuzzes token parsing, Authorization/Cookie/Origin parsing and the JSON request bodies with libFuzzer
# for a bounded time: scripts/fuzz.sh [seconds] (default 60).
#
# The fuzzer is its own package, Fuzz/. Its fuzzing build lives in its own scratch path (.build-fuzz)
# because it is compiled with `-sanitize=fuzzer -DFUZZING`, which must not mix with the ordinary build.
# New interesting inputs go to .build-fuzz/corpus (kept between local runs, never committed); the
# committed seeds in Fuzz/corpus are only read. A crash or a violated property exits non-zero and
# leaves the input in .build-fuzz/artifacts/ (replay it with the ordinary build of the package:
# `swift build --package-path Fuzz`, then `Fuzz/.build/debug/GatehouseFuzz DIR`).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [seconds]" >&2
  exit 2
fi

scratch=.build-fuzz
flags=(--package-path Fuzz --scratch-path "$scratch" --product GatehouseFuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING)
swift build "${flags[@]}"
binary="$(swift build "${flags[@]}" --show-bin-path)/GatehouseFuzz"

work="$scratch/corpus"
artifacts="$scratch/artifacts/"
log="$scratch/fuzz.log"
mkdir -p "$work" "$artifacts"

# Swift's own crash backtracer would take the fatal signals before libFuzzer, which then could not
# save the crashing input.
export SWIFT_BACKTRACE=enable=no
echo "Fuzzing for ${seconds}s (log: $log)"
status=0
# libFuzzer stops itself after max_total_time; the outer timeout only guards against a hang in startup.
timeout --signal=KILL "$((seconds + 300))" "$binary" "$work" Fuzz/corpus \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1 || status=$?

runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
corpus="$(find "$work" -type f | wc -l | tr -d ' ')"
if [ "$status" -ne 0 ]; then
  echo "Fuzzing FAILED (exit $status) after ${runs:-?} executions:" >&2
  grep -E "ERROR|Fatal error|Precondition failed|deadly signal|Test unit written|SUMMARY" "$log" >&2 || tail -40 "$log" >&2
  exit 1
fi
echo "Fuzzing passed: ${runs:-?} executions in ${seconds}s, working corpus ${corpus} inputs"
