#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need when it is missing (SQLite headers,
# PostgreSQL), starts a throwaway PostgreSQL cluster on loopback, builds once, runs every test, stops
# the cluster again, and then runs the PostgreSQL outage and network-partition tests against the built
# server.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
[ -x /usr/lib/postgresql/15/bin/initdb ] || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi

state_dir="${GATEHOUSE_TEST_PG_STATE_DIR:-.build-pg}"
scripts/postgres-test-cluster.sh start
trap 'scripts/postgres-test-cluster.sh stop' EXIT
# shellcheck disable=SC1091
source "$state_dir/env"
export GATEHOUSE_TEST_POSTGRES_URL GATEHOUSE_TEST_PGDATA

swift build --build-tests
swift test --skip-build "$@"
scripts/postgres-test-cluster.sh stop
trap - EXIT

python3 scripts/postgres_outage_test.py
python3 scripts/partition_test.py
