"""The settings model: the repository's config.yaml, errors that name the key, env overrides, masking."""

from pathlib import Path

import pytest
import yaml

from imlate_tui.config import Settings, load_settings, masked
from imlate_tui.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_repository_config_is_valid_and_equals_the_model_defaults(monkeypatch):
    for name in [n for n in __import__("os").environ if n.startswith("IMLATE_")]:
        monkeypatch.delenv(name)
    from_file = load_settings(str(REPO / "config.yaml"))
    defaults = Settings(base_dir=REPO)
    assert from_file.model_dump() == defaults.model_dump()
    # and it names every key of the model (the file is the documentation)
    documented = yaml.safe_load((REPO / "config.yaml").read_text())

    def keys(d, prefix=""):
        return {prefix + k for k in d} | {x for k, v in d.items() if isinstance(v, dict) and k not in ("jobs", "sessions")
                                        for x in keys(v, prefix + k + ".")}
    model_keys = keys(defaults.model_dump(mode="json", exclude={"base_dir"}))
    assert model_keys == keys(documented)


@pytest.mark.parametrize(("text", "message"), [
    ("timezone: Mars/Olympus\n", "timezone: unknown time zone 'Mars/Olympus'"),
    ("erp:\n  timezone: Nowhere\n", "erp.timezone: unknown time zone 'Nowhere'"),
    ("scanner:\n  repeat_window_seconds: -3\n",
     "scanner.repeat_window_seconds: Input should be greater than or equal to 0, got -3"),
    ("scanner:\n  source: usb\n", "scanner.source: Input should be 'auto', 'evdev' or 'keyboard', got 'usb'"),
    ("scanner:\n  colour: red\n", "scanner.colour: unknown key"),
    ("attendance:\n  school_day_ends: '3pm'\n", "attendance.school_day_ends: expected a time as \"HH:MM\", got '3pm'"),
    ("attendance:\n  late_reference: soon\n", "attendance.late_reference: expected start, time, finish or"),
    ("attendance:\n  sessions:\n    AM: {unauthorised_after: later}\n",
     "attendance.sessions.AM.unauthorised_after: expected null, period.finish or"),
    ("database:\n  url: mysql://x\n", "database.url: expected sqlite:///PATH or postgresql://"),
])
def test_invalid_values_name_the_key_the_value_and_what_is_allowed(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text))
    assert message in str(err.value)


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, "timezone: Mars/Olympus\nscanner:\n  grab: maybe\n"))
    assert len(str(err.value).splitlines()) == 2


def test_not_yaml_not_a_mapping_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"is not valid YAML \(line 2, column 1\)"):
        load_settings(write(tmp_path, "a: [1,\n"))
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_settings(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ConfigError, match="not found"):
        load_settings(str(tmp_path / "nope.yaml"))


def test_config_path_from_environment_and_empty_file(tmp_path, monkeypatch):
    path = write(tmp_path, "")
    monkeypatch.setenv("IMLATE_CONFIG", path)
    assert load_settings(None).base_dir == tmp_path


def test_environment_overrides_nested_keys_over_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, "erp:\n  isams:\n    client_id: from-file\n    client_secret: in-file\nscanner:\n  grab: false\n")
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", "from-env")
    monkeypatch.setenv("IMLATE_SCANNER__REPEAT_WINDOW_SECONDS", "3")
    settings = load_settings(path)
    assert settings.erp.isams.client_secret.get_secret_value() == "from-env"
    assert settings.erp.isams.client_id == "from-file"      # the rest of the section survives
    assert settings.scanner.repeat_window_seconds == 3 and settings.scanner.grab is False
    monkeypatch.setenv("IMLATE_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="timezone: unknown time zone 'Mars/Olympus'"):
        load_settings(path)


def test_masked_hides_secrets_and_database_passwords(tmp_path):
    settings = load_settings(write(tmp_path, (
        "database:\n  url: postgresql://imlate:hunter2@db.school/imlate\n"
        "erp:\n  isams:\n    client_secret: s3cret\nkiosk:\n  admin_pin_hash: scrypt$abc\n")))
    text = yaml.safe_dump(masked(settings))
    assert "hunter2" not in text and "s3cret" not in text and "scrypt$abc" not in text
    data = masked(settings)
    assert data["database"]["url"] == "postgresql://imlate:***@db.school/imlate"
    assert data["erp"]["isams"]["client_secret"] == "***"


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    settings = load_settings(write(tmp_path, "photos_dir: pics\n"))
    assert settings.path(settings.photos_dir) == tmp_path / "pics"
    assert settings.path("/abs/x") == Path("/abs/x")


def test_env_file_named_by_imlate_env_file(tmp_path, monkeypatch):
    env = tmp_path / "imlate.env"
    env.write_text("IMLATE_ERP__ISAMS__CLIENT_SECRET=from-env-file\n")
    path = write(tmp_path, "erp:\n  isams:\n    client_secret: in-yaml\n")
    monkeypatch.setenv("IMLATE_ENV_FILE", str(env))
    assert load_settings(path).erp.isams.client_secret.get_secret_value() == "from-env-file"
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", "from-process-env")   # the real environment wins
    assert load_settings(path).erp.isams.client_secret.get_secret_value() == "from-process-env"
    monkeypatch.setenv("IMLATE_ENV_FILE", str(tmp_path / "missing.env"))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(path)


def test_environment_lists_as_json_case_insensitive_names_and_non_settings_ignored(tmp_path, monkeypatch):
    path = write(tmp_path, "erp:\n  enabled: true\n")
    monkeypatch.setenv("IMLATE_ERP__AUTO_ABSENCE_YEAR_GROUPS", "[7, 8]")
    monkeypatch.setenv("imlate_scanner__grab", "false")
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", "[not json: a secret is text]")
    monkeypatch.setenv("IMLATE_TEST_SOMETHING", "x")     # names no setting: not a config key
    settings = load_settings(path)
    assert settings.erp.auto_absence_year_groups == [7, 8] and settings.erp.enabled is True
    assert settings.scanner.grab is False
    assert settings.erp.isams.client_secret.get_secret_value() == "[not json: a secret is text]"
    monkeypatch.setenv("IMLATE_ERP__NO_SUCH_KEY", "1")
    with pytest.raises(ConfigError, match="erp.no_such_key: unknown key"):
        load_settings(path)
