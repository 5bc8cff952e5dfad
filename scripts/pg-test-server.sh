#!/usr/bin/env bash
# A throwaway PostgreSQL server for lsaa's tests and CI: private port, private socket
# directory, data in a temporary directory, fsync on (the crash tests rely on durability).
#
#   eval "$(bash scripts/pg-test-server.sh start)" && export LSAA_TEST_POSTGRES_URL
#   cargo test --workspace --all-features
#   bash scripts/pg-test-server.sh stop
#
# Subcommands: start | stop | status | url. `start` prints exactly one line on stdout,
# `LSAA_TEST_POSTGRES_URL=postgres://...`; everything else goes to stderr.
#
# Environment: LSAA_PG_PORT (default 55432), LSAA_PG_BASE (parent of the state directory,
# default /tmp), LSAA_PG_USER (the unprivileged OS user that runs the server when we are
# root; default `postgres` if it exists, else a system user `lsaa-pg` created on demand).
set -Eeuo pipefail

PORT="${LSAA_PG_PORT:-55432}"
BASE="${LSAA_PG_BASE:-/tmp}"
# Deterministic per port, so `stop` (a separate invocation) finds what `start` made.
STATE="${BASE%/}/lsaa-pg-test-${PORT}"
DATA="${STATE}/data"
SOCKET="${STATE}/socket"
LOG="${STATE}/server.log"
DB_USER="lsaa"
DB_NAME="lsaa_test"
URL="postgres://${DB_USER}@127.0.0.1:${PORT}/${DB_NAME}"

say() { printf 'pg-test-server: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

on_error() {
    local status=$? line=$1 command=$2
    say "failed (exit ${status}) at line ${line}: ${command}"
    if [[ -f "${LOG}" ]]; then
        say "server log (${LOG}), last 60 lines:"
        tail -n 60 "${LOG}" >&2 || true
    fi
    exit "${status}"
}
trap 'on_error "${LINENO}" "${BASH_COMMAND}"' ERR

[[ "${PORT}" =~ ^[0-9]+$ ]] && ((PORT >= 1024 && PORT <= 65535)) ||
    die "LSAA_PG_PORT must be a port number from 1024 to 65535, got '${PORT}'"

# The directory holding initdb, pg_ctl and psql of one PostgreSQL version. Debian's
# /usr/bin/psql is a wrapper that wants a configured cluster, so everything runs from here.
find_bin_dir() {
    local candidate
    if candidate="$(command -v pg_ctl 2>/dev/null)"; then
        candidate="$(dirname "$(readlink -f "${candidate}")")"
        if [[ -x "${candidate}/initdb" && -x "${candidate}/psql" ]]; then
            printf '%s\n' "${candidate}"
            return 0
        fi
    fi
    # Newest version first.
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r || true); do
        if [[ -x "${candidate}/initdb" && -x "${candidate}/pg_ctl" && -x "${candidate}/psql" ]]; then
            printf '%s\n' "${candidate}"
            return 0
        fi
    done
    return 1
}

ensure_binaries() {
    if BIN="$(find_bin_dir)"; then
        return 0
    fi
    [[ "$(id -u)" -eq 0 ]] || die "PostgreSQL is not installed and we are not root: install the 'postgresql' package"
    say "PostgreSQL not found; installing it with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
    BIN="$(find_bin_dir)" || die "installed 'postgresql' but found no initdb/pg_ctl/psql"
}

# PostgreSQL refuses to run as root, so as root the server runs as an unprivileged user.
RUN_AS=""
ensure_user() {
    if [[ "$(id -u)" -ne 0 ]]; then
        RUN_AS=""
        return 0
    fi
    local user="${LSAA_PG_USER:-}"
    if [[ -z "${user}" ]]; then
        if id postgres >/dev/null 2>&1; then user=postgres; else user=lsaa-pg; fi
    fi
    if ! id "${user}" >/dev/null 2>&1; then
        say "creating system user ${user}"
        useradd --system --no-create-home --shell /usr/sbin/nologin "${user}"
    fi
    RUN_AS="${user}"
}

# Runs a command as the server's user (or as ourselves when we are not root).
as_server_user() {
    if [[ -n "${RUN_AS}" ]]; then
        runuser -u "${RUN_AS}" -- "$@"
    else
        "$@"
    fi
}

is_running() {
    [[ -f "${DATA}/postmaster.pid" ]] && as_server_user "${BIN}/pg_ctl" -D "${DATA}" status >/dev/null 2>&1
}

start() {
    ensure_binaries
    ensure_user
    if [[ -d "${STATE}" ]] && is_running; then
        say "already running on 127.0.0.1:${PORT} (${STATE})"
    else
        if [[ -e "${STATE}" ]]; then
            say "removing stale state directory ${STATE}"
            rm -rf "${STATE}"
        fi
        # Checked before initdb so a clash names its cause instead of ending in a server log.
        if "${BIN}/pg_isready" -q -h 127.0.0.1 -p "${PORT}" -t 1; then
            die "something already listens on 127.0.0.1:${PORT}; choose another LSAA_PG_PORT"
        fi
        mkdir -p "${STATE}" "${SOCKET}"
        chmod 700 "${STATE}"
        [[ -z "${RUN_AS}" ]] || chown -R "${RUN_AS}:" "${STATE}"
        say "initdb ${DATA} ($("${BIN}/postgres" --version))"
        # trust on loopback: a throwaway server holding test data only, reachable only from
        # this machine.
        as_server_user "${BIN}/initdb" -D "${DATA}" -U "${DB_USER}" --auth=trust \
            -E UTF8 --locale=C >"${STATE}/initdb.log" 2>&1 ||
            {
                cat "${STATE}/initdb.log" >&2
                false
            }
        cat >>"${DATA}/postgresql.conf" <<EOF

# lsaa test server
listen_addresses = '127.0.0.1'
port = ${PORT}
unix_socket_directories = '${SOCKET}'
# Durable commits: the crash tests check that what append acknowledged survives.
fsync = on
synchronous_commit = on
full_page_writes = on
# Tests run in parallel and each opens small pools.
max_connections = 200
log_min_messages = warning
log_line_prefix = '%m [%p] '
EOF
        say "starting on 127.0.0.1:${PORT}"
        as_server_user "${BIN}/pg_ctl" -D "${DATA}" -l "${LOG}" -w -t 60 start >&2
    fi
    # pg_ctl -w waits for the postmaster; wait for the listening socket as well.
    local tries=0
    until "${BIN}/pg_isready" -q -h 127.0.0.1 -p "${PORT}" -t 1; do
        tries=$((tries + 1))
        [[ ${tries} -lt 60 ]] || die "server did not become ready"
        sleep 0.5
    done
    local exists
    exists="$("${BIN}/psql" -h 127.0.0.1 -p "${PORT}" -U "${DB_USER}" -d postgres -Atq \
        -c "SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}'")"
    if [[ "${exists}" != "1" ]]; then
        "${BIN}/psql" -h 127.0.0.1 -p "${PORT}" -U "${DB_USER}" -d postgres -q \
            -c "CREATE DATABASE ${DB_NAME} ENCODING 'UTF8' TEMPLATE template0" >&2
    fi
    printf '%s\n' "${URL}" >"${STATE}/url"
    say "ready"
    printf 'LSAA_TEST_POSTGRES_URL=%s\n' "${URL}"
}

stop() {
    if [[ ! -d "${STATE}" ]]; then
        say "not running (no ${STATE})"
        return 0
    fi
    if [[ -f "${DATA}/postmaster.pid" ]]; then
        ensure_binaries
        ensure_user
        if is_running; then
            say "stopping the server on port ${PORT}"
            as_server_user "${BIN}/pg_ctl" -D "${DATA}" -m fast -w -t 60 stop >&2
        fi
    fi
    rm -rf "${STATE}"
    say "stopped and removed ${STATE}"
}

status() {
    if [[ -d "${STATE}" ]] && BIN="$(find_bin_dir)" && ensure_user && is_running; then
        say "running on 127.0.0.1:${PORT} (${STATE})"
        printf 'LSAA_TEST_POSTGRES_URL=%s\n' "${URL}"
    else
        say "not running"
        # exit, not return: a failing function would fire the ERR trap meant for real failures.
        exit 3
    fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
url) printf '%s\n' "${URL}" ;;
*)
    say "usage: $0 start|stop|status|url"
    exit 2
    ;;
esac
