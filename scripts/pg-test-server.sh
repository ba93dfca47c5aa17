#!/usr/bin/env bash
# A private PostgreSQL server for the test suite: its own data folder, its own port on 127.0.0.1,
# trust authentication (loopback only, throw-away data). Prints the database URL on `start`.
#   scripts/pg-test-server.sh start | stop
set -euo pipefail
cmd=${1:-start}
DIR=${PGTEST_DIR:-/tmp/imlate-pgtest-$(id -u)}
PORT=${PGTEST_PORT:-54329}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$BIN" ]; then
  echo "PostgreSQL server not installed (Debian: apt-get install postgresql)" >&2
  exit 1
fi
# PostgreSQL refuses to run as root: as root, run it as the postgres user the Debian package creates.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
      as_pg "$BIN/initdb" -D "$DIR" -A trust -U imlate -E UTF8 --no-sync >/dev/null
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
        start >/dev/null
    fi
    if ! as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U imlate -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'imlate_test'" | grep -q 1; then
      as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U imlate imlate_test
    fi
    echo "postgresql://imlate@127.0.0.1:$PORT/imlate_test"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DIR" stop -m fast >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
