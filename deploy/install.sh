#!/bin/bash
# Install or upgrade ImLate on a Debian 12 / Raspberry Pi OS (bookworm) thin client.
# Run from a checkout as root:   sudo deploy/install.sh        (re-run it to upgrade)
# The guide is docs/deploy.md. Safe to re-run: it never overwrites /etc/imlate/config.yaml,
# /etc/imlate/imlate.env or the udev rule once they exist (those are yours to edit).
#
# Options and switches (for packaging and for testing without touching this machine):
#   --dry-run         print every step; change nothing at all
#   DESTDIR=/some/dir install the file tree under that folder instead of /; then no command that
#                     changes this machine (useradd, chown, systemctl, udevadm, sshd) runs: each is
#                     printed as "would run: ..." instead (the same as SKIP_SYSTEM=1)
#   SKIP_SYSTEM=1     as above, without DESTDIR
#   SKIP_VENV=1       do not build the venv; print the python/pip commands instead
#   PYTHON=python3.11 the interpreter for the venv (3.11 or newer)
set -eu

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

DRY_RUN=0
for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY_RUN=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
DESTDIR=${DESTDIR:-}
DESTDIR=${DESTDIR%/}
SKIP_SYSTEM=${SKIP_SYSTEM:-0}
SKIP_VENV=${SKIP_VENV:-0}
PYTHON=${PYTHON:-python3}
[ -n "$DESTDIR" ] && SKIP_SYSTEM=1
case "$DESTDIR" in
    ''|/*) ;;
    *) echo "install.sh: DESTDIR must be an absolute path, not '$DESTDIR'" >&2; exit 2 ;;
esac

# Where things go on the target (without DESTDIR); the units and the sshd drop-in name these paths.
PREFIX=/opt/imlate
VENV=$PREFIX/venv
ETC=/etc/imlate
DATA=/var/lib/imlate
LOGS=/var/log/imlate
D=$DESTDIR

say()  { printf 'imlate-install: %s\n' "$*"; }
warn() { printf 'imlate-install: WARNING: %s\n' "$*" >&2; }
die()  { printf 'imlate-install: %s\n' "$*" >&2; exit 1; }
quoted() { printf ' %q' "$@"; }
did()  { [ "$DRY_RUN" = 1 ] || say "$@"; }   # report a change that a dry run only announced

# A change to the installed file tree (inside DESTDIR when set).
run() {
    if [ "$DRY_RUN" = 1 ]; then say "would run:$(quoted "$@")"; else "$@"; fi
}

# A change to this machine's state: users, ownership, services, udev, sshd.
host() {
    if [ "$DRY_RUN" = 1 ] || [ "$SKIP_SYSTEM" = 1 ]; then say "would run:$(quoted "$@")"; else "$@"; fi
}

# Write stdin to a file with a mode (a file we own and may replace, e.g. a unit).
write_file() {  # path mode
    if [ "$DRY_RUN" = 1 ]; then cat >/dev/null; say "would write $1 (mode $2)"; return; fi
    local tmp
    tmp=$(mktemp "$1.XXXXXX")
    cat >"$tmp"
    chmod "$2" "$tmp"
    mv -f "$tmp" "$1"
}

# Copy a file we own (units, sshd drop-in); say whether it changed.
install_ours() {  # source target mode
    if [ -f "$2" ] && cmp -s "$1" "$2"; then say "unchanged $2"; return 1; fi
    write_file "$2" "$3" <"$1"
    did "installed $2"
}

# --- checks ---------------------------------------------------------------------------------------
[ -f "$SRC/pyproject.toml" ] && [ -d "$SRC/deploy" ] || die "run this from an ImLate checkout ($SRC has no pyproject.toml)"
if [ "$DRY_RUN" = 0 ] && [ "$SKIP_SYSTEM" = 0 ] && [ "$(id -u)" != 0 ]; then
    die "run as root (sudo deploy/install.sh), or use --dry-run or DESTDIR=... to try it out"
fi
if [ "$DRY_RUN" = 0 ] && [ "$SKIP_VENV" = 0 ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
        || die "$PYTHON must be Python 3.11 or newer: apt-get install python3 python3-venv python3-dev gcc linux-libc-dev"
    "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
        || die "the Python venv module is missing: apt-get install python3-venv"
fi
[ -n "$DESTDIR" ] && say "installing under DESTDIR=$DESTDIR; commands that change this machine are only printed"
[ "$DRY_RUN" = 1 ] && say "dry run: nothing is changed"

# --- users and groups -----------------------------------------------------------------------------
# imlate: runs the kiosk and the scheduler, owns the data. imlate-admin: may log in over SSH and gets
# only the admin TUI (sshd drop-in). Admins are also put in `imlate` (see docs/deploy.md: SQLite WAL).
if [ "$DRY_RUN" = 1 ] || [ "$SKIP_SYSTEM" = 1 ]; then
    say "would create, if missing: group imlate, system user imlate (home $DATA, no login shell), group imlate-admin"
else
    getent group imlate >/dev/null || host groupadd --system imlate
    getent passwd imlate >/dev/null || host useradd --system --gid imlate --home-dir "$DATA" \
        --no-create-home --shell /usr/sbin/nologin --comment "ImLate kiosk" imlate
    getent group imlate-admin >/dev/null || host groupadd --system imlate-admin
fi

# --- folders --------------------------------------------------------------------------------------
# 2770: group imlate may write (the kiosk, the scheduler, admins' sessions all open the SQLite
# database, and WAL mode needs the folder writable to create -wal/-shm); set-group-ID so every new
# file belongs to group imlate whoever creates it. Not StateDirectory=: systemd would re-own it.
run mkdir -p "$D$PREFIX" "$D$ETC" "$D$DATA/photos" "$D$LOGS" "$D/etc/systemd/system" \
    "$D/etc/udev/rules.d" "$D/etc/ssh/sshd_config.d" "$D/usr/local/bin"
run mkdir -p "$D/etc/systemd/system/imlate-kiosk.service.d"
run chmod 0750 "$D$ETC"
run chmod 2770 "$D$DATA" "$D$DATA/photos" "$D$LOGS"
host chown root:imlate "$D$ETC"
host chown imlate:imlate "$D$DATA" "$D$DATA/photos" "$D$LOGS"

# --- /etc/imlate/config.yaml: the repository's documented defaults, with absolute paths -----------
# Relative paths would resolve against /etc/imlate; data belongs under /var.
config=$D$ETC/config.yaml
if [ -e "$config" ]; then
    say "kept existing $config"
    if grep -Eq '^[[:space:]]*url:[[:space:]]*sqlite:///[^/]' "$config"; then
        warn "$config has a relative SQLite path: use sqlite:///$DATA/imlate.db (four slashes)"
    fi
else
    deployed=$(awk -v data="$DATA" -v logs="$LOGS" '
        /^[A-Za-z_]/ { section = $1; sub(/:.*/, "", section) }
        section == "database" && /^  url:/ {
            print "  url: sqlite:///" data "/imlate.db   # absolute (four slashes); set by install.sh"; n++; next }
        /^photos_dir:/ { print "photos_dir: " data "/photos   # set by install.sh"; n++; next }
        section == "logging" && /^  file:/ {
            print "  file: " logs "/imlate.log   # commands run by hand; the services set their own"; n++; next }
        { print }
        END { if (n != 3) exit 3 }' "$SRC/config.yaml") \
        || die "could not set database.url, photos_dir and logging.file in $SRC/config.yaml (its layout changed?)"
    printf '# ImLate on this machine. Made by deploy/install.sh from the repository'"'"'s config.yaml;\n# install.sh never overwrites it. Secrets go in %s/imlate.env, not here.\n%s\n' \
        "$ETC" "$deployed" | write_file "$config" 0640
    did "wrote $config (edit it: erp.isams.base_url and client_id, kiosk.school_name, scanner.device)"
fi
host chown root:imlate "$config"

# --- /etc/imlate/imlate.env: secrets, read by systemd (EnvironmentFile=) -------------------------
envfile=$D$ETC/imlate.env
if [ -e "$envfile" ]; then
    say "kept existing $envfile"
else
    write_file "$envfile" 0640 <<'EOF'
# Secrets for ImLate, read by systemd (EnvironmentFile= in the units). root:imlate, mode 0640.
# One KEY=value per line, no quotes needed. Any config key can be set here as IMLATE_<SECTION>__<KEY>.
# IMLATE_ERP__ISAMS__CLIENT_SECRET=paste-the-iSAMS-REST-API-client-secret-here
EOF
    did "wrote $envfile (put the iSAMS client secret in it)"
fi
host chown root:imlate "$envfile"

# --- the program: a venv under /opt/imlate, the package built from this checkout ------------------
pip_deps=("$D$VENV/bin/pip" install --disable-pip-version-check --quiet -c "$SRC/constraints.txt" "$SRC")
# A second, dependency-free install replaces the package even when its version number did not change.
pip_self=("$D$VENV/bin/pip" install --disable-pip-version-check --quiet --no-deps --force-reinstall "$SRC")
if [ "$SKIP_VENV" = 1 ] || [ "$DRY_RUN" = 1 ]; then
    say "would run:$(quoted "$PYTHON" -m venv "$D$VENV")"
    say "would run:$(quoted "${pip_deps[@]}")"
    say "would run:$(quoted "${pip_self[@]}")"
else
    [ -x "$D$VENV/bin/pip" ] || "$PYTHON" -m venv "$D$VENV"
    say "installing the imlate-tui package and its pinned dependencies into $D$VENV (a few minutes)"
    "${pip_deps[@]}"
    "${pip_self[@]}"
fi

# A short `imlate` on PATH that uses the deployed config and keeps created files group-writable.
write_file "$D/usr/local/bin/imlate" 0755 <<EOF
#!/bin/sh
# ImLate with the deployed config (installed by deploy/install.sh). Run as the imlate user where
# possible:  sudo -u imlate imlate doctor
umask 0007
exec $VENV/bin/imlate --config "\${IMLATE_CONFIG:-$ETC/config.yaml}" "\$@"
EOF

# --- systemd units, udev rule, sshd drop-in ------------------------------------------------------
# Units are ours and replaced on upgrade: change them with `systemctl edit imlate-kiosk`.
units_changed=0
for unit in imlate-kiosk.service imlate-scheduler.service; do
    install_ours "$SRC/deploy/$unit" "$D/etc/systemd/system/$unit" 0644 && units_changed=1
done

# The keyboard at reception must not reboot the box: no magic SysRq (Alt+SysRq+B is a power cut) and
# no Ctrl+Alt+Del (masked below; the burst action, 7 presses in 2 s, is switched off here).
run mkdir -p "$D/etc/sysctl.d" "$D/etc/systemd/system.conf.d"
sysctl_changed=0
install_ours "$SRC/deploy/90-imlate-kiosk-sysctl.conf" "$D/etc/sysctl.d/90-imlate-kiosk.conf" 0644 && sysctl_changed=1
install_ours "$SRC/deploy/90-imlate-kiosk-system.conf" "$D/etc/systemd/system.conf.d/90-imlate-kiosk.conf" 0644 \
    && units_changed=1
# The graphical kiosk (cage + foot: photos with their real pixels) and the tty1 kiosk's drop-in that
# keeps the console from blanking. foot.ini is the screen's font size: yours to tune, written once.
install_ours "$SRC/deploy/imlate-kiosk-graphical.service" "$D/etc/systemd/system/imlate-kiosk-graphical.service" 0644 \
    && units_changed=1
install_ours "$SRC/deploy/imlate-kiosk.service.d/no-blanking.conf" \
    "$D/etc/systemd/system/imlate-kiosk.service.d/no-blanking.conf" 0644 && units_changed=1
footini=$D$ETC/foot.ini
if [ -e "$footini" ]; then
    say "kept existing $footini"
else
    write_file "$footini" 0640 <"$SRC/deploy/foot.ini"
    did "installed $footini (the graphical kiosk's font size: set it for the screen)"
fi
host chown root:imlate "$footini"
if [ "$DRY_RUN" = 0 ] && { ! command -v cage >/dev/null || ! command -v foot >/dev/null; }; then
    say "for the graphical kiosk (photos): apt-get install cage foot fonts-dejavu-core"
fi

rule=$D/etc/udev/rules.d/70-imlate-scanner.rules
if [ -e "$rule" ]; then
    say "kept existing $rule"
else
    write_file "$rule" 0644 <"$SRC/deploy/70-imlate-scanner.rules"
    did "installed $rule"
fi
if [ "$DRY_RUN" = 0 ] && grep -q 'VVVV\|PPPP' "$rule"; then
    warn "edit $rule: put your scanner's vendor and product IDs in place of VVVV and PPPP (see the comments in it)"
fi

dropin=$D/etc/ssh/sshd_config.d/imlate-admin.conf
previous=""
if [ -f "$dropin" ] && [ "$DRY_RUN" = 0 ]; then previous=$(mktemp); cp -p "$dropin" "$previous"; fi
install_ours "$SRC/deploy/sshd_config.d/imlate-admin.conf" "$dropin" 0644 || true
if [ -f "$D/etc/ssh/sshd_config" ] && ! grep -Eq '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' "$D/etc/ssh/sshd_config"; then
    warn "$D/etc/ssh/sshd_config does not include /etc/ssh/sshd_config.d/*.conf: add that Include line at its top"
fi

# --- tell the running system ----------------------------------------------------------------------
# Without systemd as init (a container or chroot) there is nothing to reload; files are in place.
live=0
if [ "$DRY_RUN" = 1 ] || [ "$SKIP_SYSTEM" = 1 ] || [ -d /run/systemd/system ]; then live=1; fi
if [ "$live" = 1 ]; then
    [ "$units_changed" = 1 ] && host systemctl daemon-reload
    host systemctl mask ctrl-alt-del.target
    [ "$sysctl_changed" = 1 ] && host sysctl -p /etc/sysctl.d/90-imlate-kiosk.conf
    # No `udevadm trigger`: the rule matches nothing until its IDs are filled in (docs/deploy.md).
    host udevadm control --reload
else
    say "systemd is not running here: skipped systemctl daemon-reload and udevadm control --reload"
fi

sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)
if [ "$DRY_RUN" = 1 ] || [ "$SKIP_SYSTEM" = 1 ]; then
    say "would run: $sshd_bin -t && systemctl reload ssh   (the new drop-in is removed again if sshd -t fails)"
elif [ -x "$sshd_bin" ]; then
    if "$sshd_bin" -t; then
        if [ "$live" = 1 ] && systemctl is-active --quiet ssh; then systemctl reload ssh; fi
    else
        # Never leave sshd with a config it cannot load: the next restart would lock everyone out.
        if [ -n "$previous" ]; then cp -p "$previous" "$dropin"; else rm -f "$dropin"; fi
        die "sshd -t rejected the config with $dropin; it was put back as it was. Fix the error above and re-run."
    fi
else
    say "openssh-server is not installed: the admin drop-in takes effect once it is (apt-get install openssh-server)"
fi
[ -n "$previous" ] && rm -f "$previous"

# An upgrade takes effect now for services that are running; stopped ones stay stopped.
[ "$live" = 1 ] && host systemctl try-restart imlate-kiosk.service imlate-kiosk-graphical.service imlate-scheduler.service

if [ "$DRY_RUN" = 1 ]; then say "dry run finished: nothing was changed"; exit 0; fi
cat <<EOF

ImLate is installed. Next steps (docs/deploy.md has them in full):
  1. Edit $ETC/config.yaml and put the iSAMS secret in $ETC/imlate.env.
  2. Fill in the scanner IDs in /etc/udev/rules.d/70-imlate-scanner.rules, then set scanner.device.
  3. Kiosk with photos (recommended; apt-get install cage foot fonts-dejavu-core, font size in $ETC/foot.ini):
                      systemctl mask getty@tty1.service && systemctl enable --now imlate-kiosk-graphical.service
     or plain on tty1 (initials, no photos):
                      systemctl mask getty@tty1.service && systemctl enable --now imlate-kiosk.service
     Scheduler (only with schedule.mode: external):   systemctl enable --now imlate-scheduler.service
  4. An admin:        usermod -aG imlate-admin,imlate USER   (and add USER to admin.operators to allow changes)
  5. Check:           sudo -u imlate imlate doctor
EOF
