#!/usr/bin/env bash
# A private CUPS server for the printing tests: its own config, spool and log folder, its own port on
# 127.0.0.1, and one raw queue whose backend writes every job (the PDF as sent) into $DIR/out.
# Prints the server address for CUPS_SERVER on `start` (then `CUPS_SERVER=ADDR lp -d badges FILE`).
#   scripts/cups-test-server.sh start | stop
# Environment: CUPSTEST_DIR (default /tmp/imlate-cupstest-UID), CUPSTEST_PORT (default: a free port),
# CUPSTEST_QUEUE (default badges). Needs root (as on CI and in `make test`): cupsd runs the 0700 backend
# as root, so it can write into a private test folder.
set -euo pipefail
cmd=${1:-start}
DIR=${CUPSTEST_DIR:-/tmp/imlate-cupstest-$(id -u)}
QUEUE=${CUPSTEST_QUEUE:-badges}
SYSBIN=/usr/lib/cups

if ! command -v cupsd >/dev/null && [ ! -x /usr/sbin/cupsd ]; then
  echo "CUPS is not installed (Debian: apt-get install cups cups-client)" >&2
  exit 1
fi
CUPSD=$(command -v cupsd || echo /usr/sbin/cupsd)

running() { [ -f "$DIR/cupsd.pid" ] && kill -0 "$(cat "$DIR/cupsd.pid")" 2>/dev/null; }

case "$cmd" in
  start)
    if running; then
      cat "$DIR/address"
      exit 0
    fi
    PORT=${CUPSTEST_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    rm -rf "$DIR/etc" "$DIR/spool" "$DIR/cache" "$DIR/state" "$DIR/bin"
    mkdir -p "$DIR/etc/ppd" "$DIR/spool/tmp" "$DIR/cache" "$DIR/state/certs" "$DIR/log" "$DIR/out" "$DIR/bin/backend"
    chmod 0777 "$DIR/out"
    chmod 0710 "$DIR/spool"
    # ServerBin: the system's filters and helpers, plus our backend in a backend folder of its own.
    for sub in cgi-bin daemon filter monitor notifier; do
      [ -e "$SYSBIN/$sub" ] && ln -s "$SYSBIN/$sub" "$DIR/bin/$sub"
    done
    cat > "$DIR/bin/backend/jobdir" <<'EOF'
#!/bin/sh
# CUPS backend: no arguments = describe ourselves; else args job user title copies options [file].
if [ $# -eq 0 ]; then echo 'file jobdir "Unknown" "Write each job to a folder"'; exit 0; fi
out=${DEVICE_URI#jobdir:}
name="$out/job-$1-$(printf %s "$3" | tr -c 'A-Za-z0-9._-' _)"
if [ -n "$6" ]; then cp "$6" "$name.part"; else cat > "$name.part"; fi
mv "$name.part" "$name"
chmod 0644 "$name"
exit 0
EOF
    # 0700: cupsd runs it as root, so it can write into a private (0700) test folder.
    chmod 0700 "$DIR/bin/backend/jobdir"
    cat > "$DIR/etc/cups-files.conf" <<EOF
ServerRoot $DIR/etc
RequestRoot $DIR/spool
TempDir $DIR/spool/tmp
CacheDir $DIR/cache
StateDir $DIR/state
ServerBin $DIR/bin
DataDir /usr/share/cups
AccessLog $DIR/log/access_log
ErrorLog $DIR/log/error_log
PageLog $DIR/log/page_log
FileDevice No
Sandboxing Relaxed
EOF
    cat > "$DIR/etc/cupsd.conf" <<EOF
Listen 127.0.0.1:$PORT
Browsing No
DefaultAuthType None
WebInterface No
LogLevel info
MaxLogSize 0
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order allow,deny
    Allow from 127.0.0.1
  </Limit>
</Policy>
EOF
    # -f: stay in the foreground, so $! is cupsd itself (cups-files.conf has no pid file setting).
    setsid "$CUPSD" -f -c "$DIR/etc/cupsd.conf" -s "$DIR/etc/cups-files.conf" </dev/null >>"$DIR/log/cupsd.out" 2>&1 &
    echo $! > "$DIR/cupsd.pid"
    for _ in $(seq 1 100); do
      CUPS_SERVER=127.0.0.1:$PORT lpstat -r >/dev/null 2>&1 && break
      sleep 0.1
    done
    CUPS_SERVER=127.0.0.1:$PORT lpstat -r >/dev/null || { echo "cupsd did not start; see $DIR/log/error_log" >&2; exit 1; }
    # A raw queue (no driver): the backend gets the PDF exactly as lp sent it. lpadmin warns that raw
    # queues are deprecated; they still work in CUPS 2.4.
    # Retried: a cupsd that answers lpstat can still be finishing its first reload and refuse lpadmin.
    added=""
    for _ in $(seq 1 50); do
      if CUPS_SERVER=127.0.0.1:$PORT lpadmin -p "$QUEUE" -E -v "jobdir:$DIR/out" -m raw 2>"$DIR/log/lpadmin.err"; then
        added=1
        break
      fi
      sleep 0.2
    done
    [ -n "$added" ] || { echo "cupsd did not take the $QUEUE queue: $(tail -n 1 "$DIR/log/lpadmin.err")" >&2; exit 1; }
    echo "127.0.0.1:$PORT" > "$DIR/address"
    cat "$DIR/address"
    ;;
  stop)
    if running; then
      pid=$(cat "$DIR/cupsd.pid")
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$DIR/address"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
