#!/usr/bin/env bash
# Runs the core tests, the concurrency stress test and the WAL checkpointer tests under ThreadSanitizer,
# in their own scratch path (.build-tsan: a sanitized build must not mix with the ordinary one). Any data
# race ThreadSanitizer reports fails the run. Extra arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# exitcode: a run with any report exits non-zero even when every test passed.
export TSAN_OPTIONS="${TSAN_OPTIONS:-exitcode=66:second_deadlock_stack=1}"
# GATEHOUSE_TSAN_LOCKS: `Synchronization.Mutex` is invisible to the sanitizer on Linux (a futex in an
# uninstrumented library), so this build swaps it for a pthread mutex with the same interface; see
# Sources/Gatehouse/Support/ThreadSanitizerLocks.swift.
flags=(--sanitize=thread --scratch-path .build-tsan -Xswiftc -DGATEHOUSE_TSAN_LOCKS)
swift build --build-tests "${flags[@]}"
log=.build-tsan/tsan.log
status=0
swift test --skip-build "${flags[@]}" --filter 'GatehouseTests\.' --filter 'GatehouseStressTests\.' --filter 'SQLiteCheckpointerTests\.' "$@" 2>&1 | tee "$log" || status=$?
races="$(grep -c "WARNING: ThreadSanitizer" "$log" || true)"
if [ "$status" -ne 0 ] || [ "$races" -ne 0 ]; then
  echo "ThreadSanitizer run FAILED (exit $status, $races reports; log: $log)" >&2
  exit 1
fi
echo "ThreadSanitizer: no data race in the core, stress and checkpointer tests"
