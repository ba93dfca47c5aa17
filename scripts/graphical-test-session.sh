#!/bin/bash
# A headless Wayland desktop for the real-terminal tests (tests/test_real_terminal.py), or to look at
# the kiosk by hand: sway with no screen (WLR_BACKENDS=headless, CPU rendering), in which `foot` can
# run, `wtype` can type and `grim` can take screenshots.
#
#   scripts/graphical-test-session.sh start DIR [WIDTHxHEIGHT]   prints the Wayland socket's full path
#   scripts/graphical-test-session.sh stop DIR
#
# Then, as any user allowed into DIR (root always is):
#   WAYLAND_DISPLAY=<socket> foot -c deploy/foot.ini -- imlate --config config.yaml kiosk &
#   WAYLAND_DISPLAY=<socket> wtype "CARD1"$'\n'       # one call per scan: code and Enter together
#   WAYLAND_DISPLAY=<socket> grim shot.png
#
# wlroots refuses to run as root, so as root the compositor runs as SESSION_USER (default: nobody,
# which every Debian machine has; nothing is created or changed for it). Only the compositor does:
# clients may run as root, which can open any socket. Needs: sway, xwayland (sway will not start
# without it), foot, wtype, grim (Debian packages of those names).
set -eu

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
action=$1 dir=$2 size=${3:-1280x800}
SESSION_USER=${SESSION_USER:-nobody}

case "$action" in
start)
    for tool in sway swaymsg Xwayland foot wtype grim; do
        command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install sway xwayland foot wtype grim)" >&2; exit 3; }
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    runtime=$dir/runtime
    rm -rf "$runtime" && mkdir -m 0700 "$runtime"
    # No wallpaper (swaybg), no bar, no borders: the terminal gets every pixel of the output.
    cat >"$dir/sway.config" <<EOF
output * resolution $size position 0 0
default_border none
default_floating_border none
focus_follows_mouse no
EOF
    chmod 0755 "$dir" && chmod 0644 "$dir/sway.config"
    env_vars=(XDG_RUNTIME_DIR="$runtime" WLR_BACKENDS=headless WLR_RENDERER=pixman
              WLR_LIBINPUT_NO_DEVICES=1 HOME="$dir" PATH=/usr/bin:/bin:/usr/sbin:/sbin)
    if [ "$(id -u)" = 0 ]; then
        chown "$SESSION_USER" "$runtime"
        setsid runuser -u "$SESSION_USER" -- env -i "${env_vars[@]}" sway -c "$dir/sway.config" \
            >"$dir/sway.log" 2>&1 </dev/null &
    else
        setsid env -i "${env_vars[@]}" sway -c "$dir/sway.config" >"$dir/sway.log" 2>&1 </dev/null &
    fi
    echo $! >"$dir/sway.pid"
    # Ready when sway answers on its IPC socket (the Wayland socket appears a little earlier).
    for _ in $(seq 300); do
        ipc=$(ls "$runtime"/sway-ipc.*.sock 2>/dev/null | head -n 1 || true)
        wayland=$(ls "$runtime"/wayland-[0-9] "$runtime"/wayland-[0-9][0-9] 2>/dev/null | head -n 1 || true)
        if [ -n "$ipc" ] && [ -n "$wayland" ] && SWAYSOCK=$ipc swaymsg -t get_outputs >/dev/null 2>&1; then
            echo "$wayland"
            exit 0
        fi
        kill -0 "$(cat "$dir/sway.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "sway did not start; its log ($dir/sway.log) ends:" >&2
    tail -n 15 "$dir/sway.log" >&2 || true
    exit 1
    ;;
stop)
    [ -f "$dir/sway.pid" ] || exit 0
    pid=$(cat "$dir/sway.pid")
    # setsid made sway the leader of its own process group: end it and what it started, nothing else.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/sway.pid"
    ;;
*) usage ;;
esac
