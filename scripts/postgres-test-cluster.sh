#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the PostgreSQL store tests.
#
#   scripts/postgres-test-cluster.sh start    create and start a cluster, print its environment
#   scripts/postgres-test-cluster.sh stop     stop the cluster started here and delete its data
#   scripts/postgres-test-cluster.sh url      print the connection URL of the running cluster
#   scripts/postgres-test-cluster.sh pause    stop the server but keep its data (outage tests)
#   scripts/postgres-test-cluster.sh resume   start a paused server again on the same data
#   scripts/postgres-test-cluster.sh status   say whether the cluster is running
#
# `start` writes the environment to .build-pg/env, so a caller can run
#   scripts/postgres-test-cluster.sh start && . .build-pg/env
# The port comes from GATEHOUSE_TEST_PG_PORT (default 54329) and the state folder from
# GATEHOUSE_TEST_PG_STATE_DIR (default .build-pg), so that two clusters can run side by side.
# Authentication is `trust`, which is why
# the server listens on 127.0.0.1 only and its socket lives inside its own data directory.
set -euo pipefail

command=${1:-}
port=${GATEHOUSE_TEST_PG_PORT:-54329}
database=gatehouse_test
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state_dir="${GATEHOUSE_TEST_PG_STATE_DIR:-$root/.build-pg}"
env_file="$state_dir/env"

log() { printf '%s\n' "$*" >&2; }
die() { log "postgres-test-cluster: $*"; exit 1; }

# PostgreSQL refuses to run as root; as root every server command runs as the `postgres` user.
as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

find_bin_dir() {
    local candidate
    for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$candidate/initdb" ]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    return 1
}

ensure_installed() {
    if find_bin_dir >/dev/null; then return 0; fi
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)."
    log "Installing PostgreSQL from the Debian packages…"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    find_bin_dir >/dev/null || die "initdb is still missing after installing PostgreSQL."
}

# Reads GATEHOUSE_TEST_PGDATA and GATEHOUSE_TEST_POSTGRES_URL of the cluster started here, if any.
load_env() {
    [ -f "$env_file" ] || return 1
    # shellcheck disable=SC1090
    . "$env_file"
    [ -n "${GATEHOUSE_TEST_PGDATA:-}" ] && [ -d "$GATEHOUSE_TEST_PGDATA" ]
}

is_running() {
    local bin_dir
    bin_dir=$(find_bin_dir) || return 1
    as_server_user "$bin_dir/pg_ctl" -D "$1" status >/dev/null 2>&1
}

start_server() {
    local bin_dir data_dir server_port
    bin_dir=$(find_bin_dir)
    data_dir=$1
    server_port=$2
    if ! as_server_user "$bin_dir/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $server_port -k $data_dir -c max_connections=400" -w -t 30 start >/dev/null; then
        tail -n 20 "$data_dir/server.log" >&2 || true
        die "the server did not start (is port $server_port taken? set GATEHOUSE_TEST_PG_PORT)"
    fi
}

print_env() {
    printf 'export GATEHOUSE_TEST_POSTGRES_URL=%s\n' "$GATEHOUSE_TEST_POSTGRES_URL"
    printf 'export GATEHOUSE_TEST_PGDATA=%s\n' "$GATEHOUSE_TEST_PGDATA"
}

cmd_start() {
    ensure_installed
    if load_env && is_running "$GATEHOUSE_TEST_PGDATA"; then
        log "The cluster is already running."
        print_env
        return 0
    fi
    local bin_dir data_dir
    bin_dir=$(find_bin_dir)
    data_dir=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pg.XXXXXX")
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data_dir"; fi
    chmod 700 "$data_dir"
    as_server_user "$bin_dir/initdb" -D "$data_dir" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null \
        || die "initdb failed"
    start_server "$data_dir" "$port"
    as_server_user "$bin_dir/createdb" -h "$data_dir" -p "$port" -U postgres "$database" \
        || die "could not create the database $database"

    mkdir -p "$state_dir"
    GATEHOUSE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/$database"
    GATEHOUSE_TEST_PGDATA=$data_dir
    {
        printf 'export GATEHOUSE_TEST_POSTGRES_URL=%s\n' "$GATEHOUSE_TEST_POSTGRES_URL"
        printf 'export GATEHOUSE_TEST_PGDATA=%s\n' "$GATEHOUSE_TEST_PGDATA"
        printf 'export GATEHOUSE_TEST_PG_PORT=%s\n' "$port"
    } >"$env_file"
    log "PostgreSQL is running on 127.0.0.1:$port (data in $data_dir); environment in ${env_file#"$root"/}."
    print_env
}

cmd_stop() {
    if ! load_env; then
        log "No cluster was started here."
        return 0
    fi
    local bin_dir
    bin_dir=$(find_bin_dir) || die "PostgreSQL is not installed."
    if is_running "$GATEHOUSE_TEST_PGDATA"; then
        as_server_user "$bin_dir/pg_ctl" -D "$GATEHOUSE_TEST_PGDATA" -m fast -w stop >/dev/null
    fi
    case "$GATEHOUSE_TEST_PGDATA" in
        "${TMPDIR:-/tmp}"/gatehouse-pg.*) rm -rf -- "$GATEHOUSE_TEST_PGDATA" ;;
        *) log "Leaving $GATEHOUSE_TEST_PGDATA in place: it is not a directory this script created." ;;
    esac
    rm -f -- "$env_file"
    log "The cluster is stopped."
}

cmd_pause() {
    load_env || die "no cluster was started here; run: $0 start"
    local bin_dir
    bin_dir=$(find_bin_dir)
    if is_running "$GATEHOUSE_TEST_PGDATA"; then
        as_server_user "$bin_dir/pg_ctl" -D "$GATEHOUSE_TEST_PGDATA" -m fast -w stop >/dev/null
    fi
    log "The server is paused; its data is kept."
}

cmd_resume() {
    load_env || die "no cluster was started here; run: $0 start"
    if ! is_running "$GATEHOUSE_TEST_PGDATA"; then
        start_server "$GATEHOUSE_TEST_PGDATA" "${GATEHOUSE_TEST_PG_PORT:-$port}"
    fi
    log "The server is running."
}

cmd_url() {
    load_env && is_running "$GATEHOUSE_TEST_PGDATA" || die "no cluster is running; run: $0 start"
    printf '%s\n' "$GATEHOUSE_TEST_POSTGRES_URL"
}

cmd_status() {
    if load_env && is_running "$GATEHOUSE_TEST_PGDATA"; then
        log "running: $GATEHOUSE_TEST_POSTGRES_URL"
    elif load_env; then
        log "paused: data in $GATEHOUSE_TEST_PGDATA"
        return 3
    else
        log "not started"
        return 3
    fi
}

case "$command" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    pause) cmd_pause ;;
    resume) cmd_resume ;;
    status) cmd_status ;;
    *) die "usage: $0 start|stop|url|pause|resume|status" ;;
esac
