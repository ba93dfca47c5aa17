"""deploy/: the systemd units, the sshd drop-in, the udev rule and install.sh, checked with the real tools.

- systemd-analyze (Debian package `systemd`) verifies the unit files byte for byte, inside a throw-away
  root (`--root`) that holds a stub `imlate` executable and a copy of this machine's system units.
- sshd (Debian package `openssh-server`) parses a config that includes the drop-in (`sshd -t`) and
  prints the settings an admin and a non-admin actually get (`sshd -T -C`).
- install.sh runs under DESTDIR with stub useradd/systemctl/udevadm/sshd/chown on PATH that record any
  call, so the tests see the tree it builds and prove it left this machine alone.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from imlate_tui.cli import build_parser
from imlate_tui.config import load_settings

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
UNITS = ["imlate-kiosk.service", "imlate-scheduler.service"]
DROPIN = DEPLOY / "sshd_config.d" / "imlate-admin.conf"
RULE = DEPLOY / "70-imlate-scanner.rules"
IMLATE = "/opt/imlate/venv/bin/imlate"
ADMIN_COMMAND = f"umask 0007; exec {IMLATE} --config /etc/imlate/config.yaml admin"


def unit_settings(name: str) -> dict[str, list[str]]:
    """`Key` -> values as written (unit files may repeat a key, so configparser will not do)."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


# --- systemd units --------------------------------------------------------------------------------

def system_unit_dir() -> Path:
    for candidate in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")):
        if (candidate / "multi-user.target").exists():
            return candidate
    pytest.skip("no system unit directory with multi-user.target on this machine")


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root for `systemd-analyze verify --root`: the units unchanged, plus what they refer to.

    Substituted: /opt/imlate/venv/bin/imlate is a stub shell script (verify checks that ExecStart and
    ExecStartPre name an executable, resolved inside --root); the targets and getty@.service the units
    order against are copies of this machine's own system units. The unit files are not edited.
    """
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package: systemd)")
    root = tmp_path_factory.mktemp("unit-root")
    shutil.copytree(system_unit_dir(), root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for name in UNITS:
        shutil.copy(DEPLOY / name, root / "etc/systemd/system" / name)
    stub = root / IMLATE.lstrip("/")
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    return root


def verify(root: Path, *names: str) -> subprocess.CompletedProcess[str]:
    paths = [str(root / "etc/systemd/system" / n) for n in names]
    return subprocess.run(["systemd-analyze", "verify", f"--root={root}", *paths],
                          capture_output=True, text=True, timeout=60)


def test_units_pass_systemd_analyze_verify(unit_root: Path) -> None:
    result = verify(unit_root, *UNITS)
    # An unknown key or a key in the wrong section is only a warning (exit 0), so silence is required.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_analyze_verify_catches_a_broken_unit(unit_root: Path) -> None:
    """The check above can fail: a mistyped key and a missing executable are both reported."""
    broken = unit_root / "etc/systemd/system/imlate-broken.service"
    text = (DEPLOY / "imlate-kiosk.service").read_text()
    broken.write_text(text.replace("TTYPath=", "TTYPth=")
                      .replace(IMLATE, "/opt/imlate/venv/bin/missing"))
    try:
        result = verify(unit_root, broken.name)
    finally:
        broken.unlink()
    assert "Unknown key 'TTYPth' in section [Service]" in result.stderr
    assert result.returncode != 0 and "is not executable" in result.stderr


def test_kiosk_unit_owns_tty1_and_always_comes_back() -> None:
    kiosk = unit_settings("imlate-kiosk.service")
    assert kiosk["StandardError"] == ["tty"]  # Textual draws on stderr
    assert kiosk["StandardInput"] == ["tty"] and kiosk["StandardOutput"] == ["tty"]
    assert kiosk["TTYPath"] == ["/dev/tty1"]
    assert "getty@tty1.service" in kiosk["Conflicts"]
    assert kiosk["Restart"] == ["always"]
    assert kiosk["User"] == ["imlate"] and kiosk["UMask"] == ["0007"]
    assert "TEXTUAL_COLOR_SYSTEM=standard" in " ".join(kiosk["Environment"])
    assert kiosk["ExecStartPre"] == [f"{IMLATE} --config /etc/imlate/config.yaml db init"]
    assert kiosk["ExecStart"] == [f"{IMLATE} --config /etc/imlate/config.yaml kiosk"]


def test_scheduler_unit_is_headless_and_hardened() -> None:
    scheduler = unit_settings("imlate-scheduler.service")
    assert scheduler["ExecStart"] == [f"{IMLATE} --config /etc/imlate/config.yaml scheduler"]
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                       ("PrivateDevices", "yes"), ("User", "imlate"), ("UMask", "0007")]:
        assert scheduler[key] == [value], key
    assert "/var/lib/imlate" in scheduler["ReadWritePaths"][0].split()
    assert not any(key.startswith("TTY") or key == "StandardInput" for key in scheduler)


SECURITY_THRESHOLD = 2.0   # systemd-analyze's exposure score (0 safe … 10 exposed); the kiosk was 7.6


def exposure(name: str) -> float:
    """`systemd-analyze security --offline=true` on the unit file as shipped (systemd ≥ 252)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package: systemd)")
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", str(DEPLOY / name)],
                            capture_output=True, text=True, timeout=60)
    if "--offline" in result.stderr and "unrecognized" in result.stderr:
        pytest.skip("this systemd-analyze has no --offline (needs systemd 252)")
    found = re.search(rf"Overall exposure level for {re.escape(name)}: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    return float(found.group(1))


@pytest.mark.parametrize("name", UNITS)
def test_units_are_hardened(name: str) -> None:
    assert exposure(name) <= SECURITY_THRESHOLD


def test_the_security_score_can_fail(tmp_path: Path) -> None:
    """The same measurement on the kiosk unit without its hardening section scores as before (EXPOSED)."""
    text = (DEPLOY / "imlate-kiosk.service").read_text()
    bare = text[:text.index("# Hardening")] + text[text.index("[Install]"):]
    (tmp_path / "imlate-kiosk.service").write_text(bare)
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", str(tmp_path / "imlate-kiosk.service")],
                            capture_output=True, text=True, timeout=60)
    score = float(re.search(r"Overall exposure level for imlate-kiosk.service: (\d+\.\d+)", result.stdout).group(1))
    assert score > 7


def test_the_keyboard_cannot_reboot_the_kiosk() -> None:
    """The drop-ins install.sh ships: parsed as sysctl and systemd read them."""
    sysctl = [ln for ln in (DEPLOY / "90-imlate-kiosk-sysctl.conf").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    assert sysctl == ["kernel.sysrq = 0"]
    system = (DEPLOY / "90-imlate-kiosk-system.conf").read_text()
    assert "[Manager]\nCtrlAltDelBurstAction=none" in system


def test_the_kiosk_keeps_what_it_needs() -> None:
    kiosk = unit_settings("imlate-kiosk.service")
    assert {"/dev/tty1 rw", "char-input rw"} <= set(kiosk["DeviceAllow"])   # the console and the scanners
    assert kiosk["DevicePolicy"] == ["closed"] and "PrivateDevices" not in kiosk
    assert set(kiosk["ReadWritePaths"][0].split()) == {"/var/lib/imlate", "/var/log/imlate"}   # database, photos, log
    assert {"AF_INET", "AF_INET6", "AF_UNIX"} <= set(kiosk["RestrictAddressFamilies"][0].split())   # iSAMS, PG, CUPS
    assert "PrivateNetwork" not in kiosk and "IPAddressDeny" not in kiosk


@pytest.mark.parametrize("argv", [
    ["db", "init"], ["kiosk"], ["scheduler"], ["admin"],
])
def test_deployed_command_lines_parse(argv: list[str]) -> None:
    """`--config` goes before the subcommand; a unit with the wrong order would fail at boot."""
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices  # noqa: SLF001
    if argv[0] not in commands:
        pytest.skip(f"`imlate {argv[0]}` is not registered in imlate_tui/cli.py yet")
    args = parser.parse_args(["--config", "/etc/imlate/config.yaml", *argv])
    assert args.config == "/etc/imlate/config.yaml" and args.command == argv[0]


# --- sshd drop-in ---------------------------------------------------------------------------------

def test_dropin_forces_the_admin_ui_and_forbids_forwarding() -> None:
    lines = [ln.strip() for ln in DROPIN.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert lines[0] == "Match Group imlate-admin"
    assert f"ForceCommand {ADMIN_COMMAND}" in lines
    for setting in ["PermitTTY yes", "AllowTcpForwarding no", "AllowStreamLocalForwarding no",
                    "AllowAgentForwarding no", "X11Forwarding no", "PermitTunnel no", "PermitOpen none"]:
        assert setting in lines
    assert any(ln.startswith("SetEnv ") and "COLORTERM=truecolor" in ln for ln in lines)


@pytest.fixture
def sshd(tmp_path: Path) -> tuple[str, Path]:
    binary = shutil.which("sshd") or ("/usr/sbin/sshd" if os.access("/usr/sbin/sshd", os.X_OK) else None)
    if binary is None:
        pytest.skip("sshd is not installed (Debian package: openssh-server)")
    if not Path("/run/sshd").is_dir():
        # sshd refuses even `-t` without its privilege-separation directory; the ssh service
        # creates it at boot (RuntimeDirectory=sshd), a container never did.
        if os.geteuid() != 0:
            pytest.skip("/run/sshd is missing and only root can create it")
        Path("/run/sshd").mkdir(mode=0o755)
    key = tmp_path / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=30)
    return binary, key


def sshd_config(tmp_path: Path, dropin_text: str) -> Path:
    """A main config shaped like Debian's: the Include first, then settings the drop-in must not leak into."""
    (tmp_path / "sshd_config.d").mkdir(exist_ok=True)
    (tmp_path / "sshd_config.d" / DROPIN.name).write_text(dropin_text)
    main = tmp_path / "sshd_config"
    main.write_text(f"Include {tmp_path}/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n"
                    "X11Forwarding yes\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n")
    return main


def effective(binary: str, key: Path, config: Path) -> dict[str, list[str]]:
    """`sshd -T` for the user running the tests: what sshd would apply to their session."""
    user = pwd.getpwuid(os.getuid()).pw_name
    out = subprocess.run([binary, "-T", "-f", str(config), "-h", str(key), "-C",
                          f"user={user},host=kiosk.test,addr=192.0.2.10"],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        name, _, value = line.partition(" ")
        found.setdefault(name, []).append(value)
    return found


def test_sshd_accepts_a_config_that_includes_the_dropin(sshd: tuple[str, Path], tmp_path: Path) -> None:
    binary, key = sshd
    config = sshd_config(tmp_path, DROPIN.read_text())
    result = subprocess.run([binary, "-t", "-f", str(config), "-h", str(key)],
                            capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stderr) == (0, "")

    # Not in imlate-admin: untouched, and the Match block did not swallow the main config's lines.
    others = effective(binary, key, config)
    assert others["forcecommand"] == ["none"] and others["x11forwarding"] == ["yes"]


def test_dropin_applies_to_group_members(sshd: tuple[str, Path], tmp_path: Path) -> None:
    # Substituted: the group name, so that the user running the tests (a member of their own primary
    # group) counts as an admin. Everything below the Match line is the drop-in as shipped.
    binary, key = sshd
    own_group = grp.getgrgid(os.getgid()).gr_name
    config = sshd_config(tmp_path, DROPIN.read_text().replace(
        "Match Group imlate-admin", f"Match Group {own_group}"))
    admin = effective(binary, key, config)
    assert admin["forcecommand"] == [ADMIN_COMMAND]
    assert admin["permittty"] == ["yes"]
    for name in ["allowtcpforwarding", "allowstreamlocalforwarding", "allowagentforwarding",
                 "x11forwarding", "permittunnel"]:
        assert admin[name] == ["no"], name
    assert "COLORTERM=truecolor" in admin["setenv"]
    assert "IMLATE_ENV_FILE=/etc/imlate/imlate.env" in admin["setenv"]   # the secret for "run now"


# --- udev rule ------------------------------------------------------------------------------------

def test_udev_rule_gives_only_the_scanner_to_group_imlate() -> None:
    text = RULE.read_text()
    assert "udevadm info -a /dev/input/event" in text and "lsusb" in text
    rule = re.sub(r"\\\n\s*", " ", "\n".join(ln for ln in text.splitlines() if not ln.startswith("#")))
    [line] = [ln for ln in rule.splitlines() if ln.strip()]
    # udev syntax: comma-separated KEY{attr}OP"value" (systemd 252 has no `udevadm verify`).
    pairs = re.findall(r'\s*([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|:=|=)\s*"([^"]*)"\s*(?:,|$)', line)
    assert ", ".join(f'{k}{op}"{v}"' for k, op, v in pairs) == re.sub(r"\s*,\s*", ", ", line.strip())
    found = {(k, op): v for k, op, v in pairs}
    assert found[("SUBSYSTEM", "==")] == "input" and found[("KERNEL", "==")] == "event*"
    assert found[("GROUP", "=")] == "imlate" and found[("MODE", "=")] == "0660"
    assert found[("SYMLINK", "+=")] == "input/imlate-scanner"
    assert (found[("ATTRS{idVendor}", "==")], found[("ATTRS{idProduct}", "==")]) == ("VVVV", "PPPP")


# --- install.sh -----------------------------------------------------------------------------------

HOST_COMMANDS = ["useradd", "groupadd", "usermod", "chown", "chgrp", "systemctl", "udevadm", "sshd",
                 "runuser", "getent", "python3", "sysctl"]


@pytest.fixture
def stub_path(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """PATH with stubs that record any call to a command that would change this machine."""
    bin_dir, record = tmp_path / "stub-bin", tmp_path / "host-calls.txt"
    bin_dir.mkdir()
    record.touch()
    for name in HOST_COMMANDS:
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{record}"\nexit 0\n')
        stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "SKIP_VENV": "1"}
    return env, record


def install(env: dict[str, str], destdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(DEPLOY / "install.sh"), *args], env={**env, "DESTDIR": str(destdir)},
                          capture_output=True, text=True, timeout=120)


def test_install_script_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(DEPLOY / "install.sh")], check=True, timeout=30)


def test_install_builds_the_tree_under_destdir(stub_path: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, record = stub_path
    root = tmp_path / "root"
    result = install(env, root)
    assert result.returncode == 0, result.stderr
    assert record.read_text() == ""  # nothing on this machine was run

    settings = load_settings(str(root / "etc/imlate/config.yaml"))
    assert settings.database.url == "sqlite:////var/lib/imlate/imlate.db"
    assert settings.path(settings.photos_dir) == Path("/var/lib/imlate/photos")
    assert settings.path(settings.logging.file) == Path("/var/log/imlate/imlate.log")

    def mode(path: str) -> int:
        return stat.S_IMODE((root / path).stat().st_mode)

    assert mode("var/lib/imlate") == 0o2770 and mode("var/log/imlate") == 0o2770
    assert mode("etc/imlate") == 0o750
    assert mode("etc/imlate/config.yaml") == 0o640 and mode("etc/imlate/imlate.env") == 0o640
    assert "IMLATE_ERP__ISAMS__CLIENT_SECRET" in (root / "etc/imlate/imlate.env").read_text()
    for name in UNITS:
        assert (root / "etc/systemd/system" / name).read_text() == (DEPLOY / name).read_text()
    assert (root / "etc/udev/rules.d" / RULE.name).read_text() == RULE.read_text()
    assert (root / "etc/ssh/sshd_config.d" / DROPIN.name).read_text() == DROPIN.read_text()
    assert (root / "etc/sysctl.d/90-imlate-kiosk.conf").read_text() == (DEPLOY / "90-imlate-kiosk-sysctl.conf").read_text()
    assert (root / "etc/systemd/system.conf.d/90-imlate-kiosk.conf").read_text() == \
        (DEPLOY / "90-imlate-kiosk-system.conf").read_text()
    assert "would run: systemctl mask ctrl-alt-del.target" in result.stdout
    assert "would run: sysctl -p /etc/sysctl.d/90-imlate-kiosk.conf" in result.stdout
    wrapper = root / "usr/local/bin/imlate"
    assert os.access(wrapper, os.X_OK) and f"exec {IMLATE} --config" in wrapper.read_text()

    # What it would have done to a real machine, printed instead.
    out = result.stdout
    assert "would create, if missing: group imlate, system user imlate" in out
    assert "would run: chown imlate:imlate" in out and "would run: systemctl daemon-reload" in out
    assert "would run: udevadm control --reload" in out and "-t && systemctl reload ssh" in out
    assert (f"would run: {root}/opt/imlate/venv/bin/pip install --disable-pip-version-check --quiet "
            f"-c {REPO}/constraints.txt {REPO}") in out


def test_install_is_idempotent_and_keeps_local_edits(stub_path: tuple[dict[str, str], Path],
                                                    tmp_path: Path) -> None:
    env, record = stub_path
    root = tmp_path / "root"
    assert install(env, root).returncode == 0
    config, rule = root / "etc/imlate/config.yaml", root / "etc/udev/rules.d" / RULE.name
    config.write_text(config.read_text().replace("school_name: ImLate Demo School", "school_name: St Example's"))
    rule.write_text(rule.read_text().replace("VVVV", "0c2e").replace("PPPP", "0b61"))

    again = install(env, root)
    assert again.returncode == 0, again.stderr
    assert "school_name: St Example's" in config.read_text()
    assert 'ATTRS{idVendor}=="0c2e"' in rule.read_text()
    assert f"kept existing {config}" in again.stdout
    assert f"unchanged {root}/etc/systemd/system/imlate-kiosk.service" in again.stdout
    assert "daemon-reload" not in again.stdout  # units did not change
    assert record.read_text() == ""


def test_dry_run_changes_nothing(stub_path: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, record = stub_path
    root = tmp_path / "root"
    root.mkdir()
    result = install(env, root, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert list(root.iterdir()) == [] and record.read_text() == ""
    assert f"would write {root}/etc/imlate/config.yaml (mode 0640)" in result.stdout
    assert "would run: mkdir -p" in result.stdout


def test_install_rejects_a_relative_destdir(stub_path: tuple[dict[str, str], Path]) -> None:
    env, record = stub_path
    result = install(env, Path("relative/root"))
    assert result.returncode == 2 and "DESTDIR must be an absolute path" in result.stderr
    assert record.read_text() == ""


# --- the graphical kiosk (cage + foot) and the consoles that never blank --------------------------

GRAPHICAL = "imlate-kiosk-graphical.service"
NO_BLANKING = DEPLOY / "imlate-kiosk.service.d" / "no-blanking.conf"
FOOT_INI = DEPLOY / "foot.ini"
KIOSK_IN_FOOT = (f"/usr/bin/foot --config=/etc/imlate/foot.ini -- {IMLATE} --config /etc/imlate/config.yaml kiosk")


@pytest.fixture(scope="module")
def graphical_root(unit_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`unit_root` plus the graphical unit, the tty1 kiosk's drop-in, and stubs for what they run
    (cage, foot and setterm, resolved inside --root like the imlate stub)."""
    root = tmp_path_factory.mktemp("graphical-root") / "root"
    shutil.copytree(unit_root, root, symlinks=True)
    shutil.copy(DEPLOY / GRAPHICAL, root / "etc/systemd/system" / GRAPHICAL)
    dropins = root / "etc/systemd/system/imlate-kiosk.service.d"
    dropins.mkdir()
    shutil.copy(NO_BLANKING, dropins / NO_BLANKING.name)
    for name in ("cage", "foot", "setterm"):
        stub = root / "usr/bin" / name
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\nexit 0\n")
        stub.chmod(0o755)
    return root


def test_graphical_unit_and_the_no_blanking_dropin_pass_systemd_analyze_verify(graphical_root: Path) -> None:
    result = verify(graphical_root, GRAPHICAL, "imlate-kiosk.service")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_analyze_verify_reads_the_dropin(graphical_root: Path) -> None:
    """The check above covers the drop-in: a mistyped key in it is reported for imlate-kiosk.service."""
    dropin = graphical_root / "etc/systemd/system/imlate-kiosk.service.d" / NO_BLANKING.name
    good = dropin.read_text()
    dropin.write_text(good.replace("ExecStartPre=", "ExecStartPr="))
    try:
        result = verify(graphical_root, "imlate-kiosk.service")
    finally:
        dropin.write_text(good)
    assert "Unknown key 'ExecStartPr' in section [Service]" in result.stderr


def test_graphical_unit_runs_the_kiosk_in_foot_in_cage_on_tty1() -> None:
    unit = unit_settings(GRAPHICAL)
    assert unit["ExecStart"] == [f"/usr/bin/cage -d -s -- {KIOSK_IN_FOOT}"]
    assert unit["ExecStartPre"] == [f"{IMLATE} --config /etc/imlate/config.yaml db init",
                                    "-/usr/bin/setterm --blank 0 --powerdown 0"]
    # A logind session on tty1 is what lets cage, as imlate, open the display and the keyboard.
    assert unit["PAMName"] == ["login"] and unit["TTYPath"] == ["/dev/tty1"]
    assert unit["StandardInput"] == ["tty-fail"]
    assert {"imlate-kiosk.service", "getty@tty1.service"} <= set(" ".join(unit["Conflicts"]).split())
    assert unit["User"] == ["imlate"] and unit["UMask"] == ["0007"] and unit["Restart"] == ["always"]
    assert unit["WantedBy"] == ["multi-user.target"]
    # foot has true colour and sixel; the tty1 unit's 16-colour setting must not leak in here.
    assert "TEXTUAL_COLOR_SYSTEM" not in " ".join(unit["Environment"])
    assert "IMLATE_LOGGING__FILE=/var/log/imlate/kiosk.log" in unit["Environment"]


def test_tty1_kiosk_turns_console_blanking_off() -> None:
    lines = [ln for ln in NO_BLANKING.read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines == ["[Service]", "ExecStartPre=-/usr/bin/setterm --blank 0 --powerdown 0"]
    assert unit_settings("imlate-kiosk.service")["StandardOutput"] == ["tty"]  # where setterm's codes go


def test_foot_and_cage_accept_what_the_unit_gives_them() -> None:
    if shutil.which("foot") is None or shutil.which("cage") is None:
        pytest.skip("foot and cage are not installed (Debian packages: foot, cage)")
    checked = subprocess.run(["foot", "--check-config", "--config", str(FOOT_INI)],
                             capture_output=True, text=True, timeout=30)
    problems = [ln for ln in (checked.stdout + checked.stderr).splitlines() if ln.startswith(("warn", "err"))]
    assert (checked.returncode, problems) == (0, [])
    options = subprocess.run(["cage", "-h"], capture_output=True, text=True, timeout=30)
    help_text = options.stdout + options.stderr
    assert re.search(r"^ -d\s", help_text, re.M) and re.search(r"^ -s\s.*VT switching", help_text, re.M)


def test_foot_ini_sizes_the_font_and_keeps_sixel() -> None:
    settings = [ln.strip() for ln in FOOT_INI.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert any(re.fullmatch(r"font=monospace:size=\d+", ln) for ln in settings)
    assert "sixel=no" not in settings and "dpi-aware=no" in settings


def test_install_adds_the_graphical_kiosk_and_keeps_an_edited_foot_ini(
        stub_path: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, record = stub_path
    root = tmp_path / "root"
    first = install(env, root)
    assert first.returncode == 0, first.stderr
    units = root / "etc/systemd/system"
    assert (units / GRAPHICAL).read_text() == (DEPLOY / GRAPHICAL).read_text()
    assert (units / "imlate-kiosk.service.d" / NO_BLANKING.name).read_text() == NO_BLANKING.read_text()
    foot_ini = root / "etc/imlate/foot.ini"
    assert foot_ini.read_text() == FOOT_INI.read_text()
    assert stat.S_IMODE(foot_ini.stat().st_mode) == 0o640
    assert f"would run: chown root:imlate {foot_ini}" in first.stdout
    assert "imlate-kiosk-graphical.service" in first.stdout.split("Next steps")[1]

    foot_ini.write_text(FOOT_INI.read_text().replace("size=20", "size=16"))
    again = install(env, root)
    assert again.returncode == 0, again.stderr
    assert "size=16" in foot_ini.read_text() and f"kept existing {foot_ini}" in again.stdout
    assert f"unchanged {units / GRAPHICAL}" in again.stdout and "daemon-reload" not in again.stdout
    assert record.read_text() == ""
