"""The validated-config cache (config_cache.py): the same settings as a fresh validation, used only for
exactly the inputs it was made from, and never in the way of a broken config's one clear line."""

from __future__ import annotations

import os
import sys

import pytest

from imlate_tui.config import Settings, load_settings
from imlate_tui.config_cache import PlainSettings, encode, load_settings_cached
from imlate_tui.errors import ConfigError

CONFIG = """\
timezone: Europe/Paris
database: {url: 'sqlite:///data/imlate.db'}
erp: {enabled: true, timezone: Europe/London, isams: {base_url: 'https://school.example', client_id: abc}}
kiosk: {school_name: Hill School, admin_pin_hash: 'pbkdf2$secret'}
schedule: {jobs: {writeback: {minute: '*/5'}}}
attendance: {sessions: {AM: {starts_at: '08:40'}}}
notifications: {smtp: {host: mail.example, password: hunter2}}
"""


@pytest.fixture
def school(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in [n for n in os.environ if n.upper().startswith("IMLATE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", "from-the-environment")
    env_file = tmp_path / "imlate.env"
    env_file.write_text("IMLATE_KIOSK__TERMINAL_NAME=gate\n")
    monkeypatch.setenv("IMLATE_ENV_FILE", str(env_file))
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG)
    return path


def cache_files(school) -> list:
    return sorted((school.parent / "cache" / "imlate").glob("config-*.json"))


def test_the_second_load_comes_from_the_cache_and_equals_a_fresh_validation(school):
    first = load_settings_cached(str(school))
    assert isinstance(first, Settings)          # validated: nothing was cached yet
    assert len(cache_files(school)) == 1
    again = load_settings_cached(str(school))
    assert isinstance(again, PlainSettings)
    fresh = load_settings(str(school))
    assert encode(again) == encode(fresh)
    assert again.erp.isams.client_secret.get_secret_value() == "from-the-environment"
    assert again.kiosk.terminal_name == "gate"  # from the environment file
    assert again.schedule.jobs["writeback"].minute == "*/5" and again.schedule.jobs["retention"].hour == "3"
    assert again.attendance.sessions["AM"].starts_at == "08:40"
    assert (again.tz, again.erp_tz) == (fresh.tz, fresh.erp_tz)
    assert again.path(again.logging.file) == fresh.path(fresh.logging.file) == school.parent / "var/imlate.log"
    assert again.base_dir == school.parent
    assert "hunter2" not in repr(again.notifications.smtp) and str(again.kiosk.admin_pin_hash) == "**********"


def test_the_cache_is_readable_by_its_user_only(school):
    load_settings_cached(str(school))
    (file,) = cache_files(school)
    assert file.stat().st_mode & 0o777 == 0o600


def test_a_changed_config_file_is_validated_again(school):
    load_settings_cached(str(school))
    school.write_text(CONFIG.replace("Hill School", "Dale School"))
    changed = load_settings_cached(str(school))
    assert isinstance(changed, Settings) and changed.kiosk.school_name == "Dale School"
    assert load_settings_cached(str(school)).kiosk.school_name == "Dale School"


def test_a_changed_environment_variable_is_validated_again(school, monkeypatch):
    load_settings_cached(str(school))
    monkeypatch.setenv("IMLATE_KIOSK__SCHOOL_NAME", "Vale School")
    changed = load_settings_cached(str(school))
    assert isinstance(changed, Settings) and changed.kiosk.school_name == "Vale School"
    monkeypatch.setenv("IMLATE_NOT_A_SETTING", "x")   # any IMLATE_ variable counts: checked, not guessed
    assert isinstance(load_settings_cached(str(school)), Settings)


def test_a_changed_environment_file_is_validated_again(school, monkeypatch):
    load_settings_cached(str(school))
    (school.parent / "imlate.env").write_text("IMLATE_KIOSK__TERMINAL_NAME=side door\n")
    changed = load_settings_cached(str(school))
    assert isinstance(changed, Settings) and changed.kiosk.terminal_name == "side door"


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"key": "x", "settings": 1}', b"[1, 2]"],
                         ids=["empty", "not-json", "other-key", "not-a-mapping"])
def test_a_damaged_cache_file_means_validation(school, damage):
    load_settings_cached(str(school))
    (file,) = cache_files(school)
    file.write_bytes(damage)
    assert isinstance(load_settings_cached(str(school)), Settings)
    assert isinstance(load_settings_cached(str(school)), PlainSettings)   # and it is made again


def test_a_tampered_cache_with_the_right_key_but_a_broken_tree_means_validation(school):
    load_settings_cached(str(school))
    (file,) = cache_files(school)
    file.write_text(file.read_text().replace('"section": "Settings"', '"section": "Nothing", "x": 1'))
    assert isinstance(load_settings_cached(str(school)), Settings)


def test_a_cache_file_others_could_have_written_is_not_trusted(school):
    load_settings_cached(str(school))
    (file,) = cache_files(school)
    file.chmod(0o666)
    assert isinstance(load_settings_cached(str(school)), Settings)


def test_a_broken_config_says_so_every_time_even_with_a_cache(school):
    load_settings_cached(str(school))
    load_settings_cached(str(school))
    (file,) = cache_files(school)
    kept = file.read_bytes()
    school.write_text(CONFIG.replace("timezone: Europe/Paris", "timezone: Mars/Olympus"))
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"^timezone: unknown time zone 'Mars/Olympus'$"):
            load_settings_cached(str(school))
    assert file.read_bytes() == kept   # the failure was not cached
    school.write_text(CONFIG)
    assert isinstance(load_settings_cached(str(school)), PlainSettings)   # the good config's cache still holds


def test_a_missing_config_file_is_the_same_error_as_without_a_cache(school, tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings_cached(str(tmp_path / "nowhere.yaml"))


def test_no_cache_folder_only_means_no_cache(school, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))   # a folder cannot be made under a file
    for _ in range(2):
        settings = load_settings_cached(str(school))
        assert isinstance(settings, Settings) and settings.kiosk.school_name == "Hill School"


@pytest.mark.slow
def test_a_quick_command_on_a_warm_cache_does_not_load_pydantic(tmp_path, monkeypatch):
    from test_quick_commands import NOT_NEEDED, run

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "config.yaml").write_text("database: {url: 'sqlite:///imlate.db'}\nlogging: {file: imlate.log}\n")
    (tmp_path / "people.csv").write_text("name,kind,card\nAnn Lee,staff,C1\n")
    first = run(["--config", "config.yaml", "db", "init"], tmp_path)
    assert first["code"] == 0 and "pydantic" in first["loaded"]   # the first run validates, and caches
    assert run(["--config", "config.yaml", "people", "import", "people.csv"], tmp_path)["code"] == 0
    for args in (["scan", "C1", "--json"], ["roster", "--json"], ["firelist"]):
        outcome = run(["--config", "config.yaml", *args], tmp_path)
        assert outcome["code"] == 0 and "peewee" in outcome["loaded"]
        assert sorted({"pydantic", "yaml", "dotenv", *NOT_NEEDED} & set(outcome["loaded"])) == []
    assert "Ann Lee" in run_output(["--config", "config.yaml", "roster"], tmp_path)


def run_output(args: list[str], cwd) -> str:
    import subprocess

    return subprocess.run([sys.executable, "-m", "imlate_tui", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=True).stdout
