#!/usr/bin/env bash
# Crash safety: starts the built server on a fresh SQLite file, drives sign-ups, logins and renewals
# from scripts/crash_client.py, kills the server with SIGKILL in the middle of the traffic, restarts it
# on the same file, and checks that everything the server acknowledged survived: every acknowledged
# sign-up is stored, every session's last acknowledged token still works (directly, or through the
# lost-response rule when the renewal in flight at the kill was committed), `PRAGMA integrity_check`
# is ok and no row is half-written. Runs CRASH_ROUNDS (default 2) kill-and-restart rounds.
#
# Loopback only; bounded in time; exits non-zero on any failure. Uses .build/debug/gatehouse (built
# here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${CRASH_ROUNDS:-2}"
renewals_before_kill="${CRASH_RENEWALS:-300}"
grace=1
binary=.build/debug/gatehouse
if [ ! -x "$binary" ]; then
  swift build --product gatehouse
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-crash.XXXXXX")"
database="$work/gatehouse.sqlite"
state="$work/state.json"
server_pid=""
client_pid=""

cleanup() {
  # Only the processes this script started, by their PIDs.
  for pid in "$client_pid" "$server_pid"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the server on a port the system picks and sets `url` from the line it prints once listening.
start_server() {
  local log="$work/server-$1.log"
  # Created here, so that polling it never races the server's own redirection.
  : >"$log"
  "$binary" serve --database "$database" --host 127.0.0.1 --port 0 --grace-period "${grace}s" --log-level warning \
    >"$log" 2>&1 &
  server_pid=$!
  url=""
  for _ in $(seq 1 600); do
    url="$(sed -n 's|^Gatehouse listening on \(http://127\.0\.0\.1:[0-9][0-9]*\).*|\1|p' "$log" | head -1 || true)"
    if [ -n "$url" ]; then return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited while starting:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "the server did not start within 60 s" >&2
  return 1
}

for round in $(seq 1 "$rounds"); do
  start_server "$round"
  echo "round $round: server $server_pid on $url"
  progress="$work/progress-$round"
  echo "0 0" >"$progress"
  python3 scripts/crash_client.py drive --url "$url" --state "$state" --progress "$progress" --accounts 4 --seconds 240 &
  client_pid=$!

  # Let the traffic build up (renewals, and sign-ups with their scrypt work), then kill the server in
  # the middle of it.
  for _ in $(seq 1 1800); do
    read -r renewals sign_ups <"$progress" || true
    if [ "${renewals:-0}" -ge "$renewals_before_kill" ] && [ "${sign_ups:-0}" -ge 1 ]; then break; fi
    if ! kill -0 "$client_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  read -r renewals sign_ups <"$progress" || true
  echo "round $round: server killed with SIGKILL after ${renewals:-0} renewals and ${sign_ups:-0} sign-ups acknowledged"

  status=0
  wait "$client_pid" || status=$?
  client_pid=""
  if [ "$status" -ne 0 ]; then
    echo "crash test FAILED in round $round while driving the server" >&2
    exit 1
  fi

  start_server "$round-restarted"
  echo "round $round: restarted as $server_pid on $url"
  if ! python3 scripts/crash_client.py verify --url "$url" --state "$state" --database "$database" --grace "$grace"; then
    echo "crash test FAILED in round $round after the restart" >&2
    cat "$work/server-$round-restarted.log" >&2
    exit 1
  fi
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
echo "crash test passed: $rounds SIGKILL rounds, nothing acknowledged was lost"
