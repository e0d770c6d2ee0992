#!/usr/bin/env bash
# Start a throw-away PostgreSQL on 127.0.0.1 for the store and worker tests.
#
#   eval "$(bash .ci/postgres.sh)"      # exports GPUQ_TEST_POSTGRES_URL
#   bash .ci/postgres.sh stop DATADIR   # stops it again (DATADIR is printed on stderr)
#
# Installs PostgreSQL from Debian's packages when its server binaries are
# missing, creates a cluster in a temporary directory (trust authentication,
# listening on loopback only, on a free port), creates the database
# gpuq_test and prints one line on stdout:
#   export GPUQ_TEST_POSTGRES_URL=postgresql+psycopg://gpuq@127.0.0.1:PORT/gpuq_test
# Everything else goes to stderr. PostgreSQL refuses to run as root, so as
# root the cluster belongs to the "postgres" user (created when missing).
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    for dir in /usr/local/bin /usr/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    return 1
}

as_owner() {
    # Run a command as the cluster's owner (ourselves unless we are root).
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

if [ "${1:-}" = "stop" ]; then
    bindir="$(find_bindir)"
    as_owner "$bindir/pg_ctl" -D "$2" -m fast stop >&2
    exit 0
fi

if ! bindir="$(find_bindir)"; then
    log "PostgreSQL server binaries not found; installing them from Debian's packages"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >&2
    $sudo apt-get install -y -qq postgresql >&2
    bindir="$(find_bindir)"
fi
log "using $bindir"

if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi

datadir="$(mktemp -d "${TMPDIR:-/tmp}/gpuq-pg.XXXXXX")"
cd "$datadir"  # the cluster's owner may not be allowed into the directory we were started from
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$datadir"; fi
chmod 700 "$datadir"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

as_owner "$bindir/initdb" -D "$datadir/data" -U gpuq --auth=trust --encoding=UTF8 --no-sync >&2
as_owner "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=off -c max_connections=200" start >&2
as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U gpuq gpuq_test >&2

log "PostgreSQL listens on 127.0.0.1:$port (data in $datadir/data; stop with: bash .ci/postgres.sh stop $datadir/data)"
echo "export GPUQ_TEST_POSTGRES_URL=postgresql+psycopg://gpuq@127.0.0.1:$port/gpuq_test"
