"""The one typed settings model: YAML file + `IMLATE_…__…` environment overrides.

Where the file comes from: `--config PATH`, else `$IMLATE_CONFIG`, else `./config.yaml`.
Environment variables win over the file (`IMLATE_ERP__ISAMS__CLIENT_SECRET=…`), so secrets never
need to live in the YAML. `IMLATE_ENV_FILE` may name a file of such `KEY=value` lines (the systemd
EnvironmentFile `/etc/imlate/imlate.env`), read by every process — SSH admin sessions included. Relative paths in the file (the SQLite database, `photos_dir`, the log
file) are resolved against the directory of the config file, so `imlate --config /x/config.yaml`
behaves the same from any working directory.

Every field carries a docstring; `config.yaml` in the repository is the documented default.
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from imlate_tui.errors import ConfigError

DEFAULT_PROTECTED_CODES = [
    "/", "\\", "M", "C", "C1", "C2", "J1", "R", "S", "T", "I", "E", "V", "P", "W", "B", "K", "D", "X", "Q",
]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _check_hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError(f"expected a time as \"HH:MM\", got {value!r}")
    return value


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class DatabaseSettings(Section):
    url: str = "sqlite:///var/imlate.db"
    """`sqlite:///relative/path.db` (relative to the config file), `sqlite:////absolute/path.db`,
    or `postgresql://user:pass@host/db` when several terminals share one database."""

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(f"expected sqlite:///PATH or postgresql://…, got {value!r}")
        return value


class ScannerSettings(Section):
    source: Literal["auto", "evdev", "keyboard"] = "auto"
    """auto: the evdev device when one is configured and readable, else keys typed into the kiosk."""
    device: str | None = None
    """`/dev/input/by-id/…` path, `vendor:product` in hex (`ffff:0035`), or a device-name pattern."""
    grab: bool = True
    """Grab the scanner exclusively so its keys do not also reach the console."""
    repeat_window_seconds: int = Field(10, ge=0)
    """A second scan of the same person within this many seconds records nothing; 0 switches it off."""
    match_school_id: bool = True
    """A scan equal to a student's iSAMS schoolId finds the student without a card row."""
    terminators: list[Literal["enter", "kp_enter", "tab"]] = ["enter", "kp_enter"]
    """Keys that end a scan (configure the scanner to send one of these)."""
    gap_timeout_ms: int = Field(500, ge=50)
    """Characters followed by a longer silence and no terminator are dropped as a half scan."""
    max_length: int = Field(64, ge=1, le=256)
    """Longer input is rejected as garbage rather than looked up."""


class IsamsSettings(Section):
    base_url: str = "https://example.isams.cloud"
    """The school's iSAMS host, without a trailing path."""
    client_id: str = ""
    """REST API client id issued by iSAMS support."""
    client_secret: SecretStr = SecretStr("")
    """Better set as IMLATE_ERP__ISAMS__CLIENT_SECRET in the environment than in this file."""
    scope: str | None = None
    """OAuth scope to request; leave empty unless your tenant needs `restapi`."""
    timeout_seconds: float = Field(10.0, gt=0)
    """Time-out of one HTTP call to iSAMS."""


class ErpSettings(Section):
    enabled: bool = False
    """Sync people from iSAMS and write attendance back."""
    timezone: str = "Europe/London"
    """How datetimes sent to iSAMS are formatted, and how offset-less iSAMS datetimes are read."""
    isams: IsamsSettings = IsamsSettings()
    main_registration_period_type: str = "AM"
    """registrationType (fallback friendlyName) of the main morning register."""
    pm_registration_period_type: str = "PM"
    """registrationType (fallback friendlyName) of the afternoon register."""
    pm_starts_at: str = "12:00"
    """Only used when the school has no PM register configured."""
    absence_code: str = "O"
    """Code written by automatic absence marking."""
    auto_absence_year_groups: list[int] = []
    """Year groups automatic absence marking covers; empty means every year group."""
    sync_staff: bool = False
    """Also sync staff from iSAMS (off: staff are imported locally)."""
    absence_concurrency: int = Field(4, ge=1, le=16)
    """Students worked on at once by automatic absence marking (each with its own connection)."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return _check_timezone(value)

    @field_validator("pm_starts_at")
    @classmethod
    def _pm_time(cls, value: str) -> str:
        return _check_hhmm(value)


class SessionSettings(Section):
    unauthorised_after: str | None = None
    """null, `period.finish`, or "HH:MM": after it a late arrival is written as unauthorised_code."""

    @field_validator("unauthorised_after")
    @classmethod
    def _threshold(cls, value: str | None) -> str | None:
        if value is None or value == "period.finish":
            return value
        if not _HHMM.match(value):
            raise ValueError(f"expected null, period.finish or \"HH:MM\", got {value!r}")
        return value


class ReasonSettings(Section):
    late: list[str] = ["L - Bus or train late", "M - Medical appointment", "Overslept"]
    """Reasons offered after a late sign-in; "CODE - text" carries an iSAMS code."""
    leaving: list[str] = ["M - Medical appointment", "Unwell", "Family reason"]
    """Reasons offered after an early sign-out."""
    prompt_on_late: bool = True
    prompt_on_leaving: bool = True
    timeout_seconds: int = Field(15, ge=1)
    """No answer within this time means no reason."""


class AttendanceSettings(Section):
    late_reference: str = "start"
    """start | time | finish of the main period, or a fixed "HH:MM"."""
    present_writeback: bool = True
    """Write an on-time present mark too, not only late marks."""
    present_code: str | None = None
    """Present code to write for on-time arrivals; none means iSAMS's own present mark."""
    protected_codes: list[str] = DEFAULT_PROTECTED_CODES
    """Existing marks with these codes are never overwritten."""
    overridable_codes: list[str] = ["N", "O"]
    """Absence marks a late arrival may replace."""
    lesson_attendance: bool = True
    mark_missed_lessons: bool = True
    lesson_absence_code: str = "O"
    leaver_code: str | None = None
    """Absence code for later registers of an early leaver; none leaves them to the teacher."""
    school_day_ends: str = "15:30"
    """A sign-out before this is an early leave."""
    unauthorised_code: str = "U"
    sessions: dict[Literal["AM", "PM"], SessionSettings] = {
        "AM": SessionSettings(), "PM": SessionSettings(),
    }
    reasons: ReasonSettings = ReasonSettings()

    @field_validator("late_reference")
    @classmethod
    def _reference(cls, value: str) -> str:
        if value in ("start", "time", "finish") or _HHMM.match(value):
            return value
        raise ValueError(f"expected start, time, finish or \"HH:MM\", got {value!r}")

    @field_validator("school_day_ends")
    @classmethod
    def _day_ends(cls, value: str) -> str:
        return _check_hhmm(value)


class JobSchedule(Section):
    """APScheduler 3 cron fields. Weekdays by name (`mon-fri`): in APScheduler 3 `1-5` means Tue–Sat."""

    day_of_week: str = "mon-fri"
    hour: str = "*"
    minute: str = "0"
    enabled: bool = True


class ScheduleSettings(Section):
    mode: Literal["embedded", "external", "off"] = "embedded"
    """embedded: the kiosk runs the jobs; external: `imlate scheduler` does; off: none run."""
    misfire_grace_seconds: int = Field(900, ge=1)
    """A run missed by up to this long (machine busy or asleep) still runs."""
    lock_retry_seconds: float = Field(30, gt=0)
    """How often a process without the scheduler lock checks whether it can take over."""
    jobs: dict[str, JobSchedule] = {
        "student-sync": JobSchedule(hour="7-17/2"),
        "photo-sync": JobSchedule(hour="5"),
        "codes-sync": JobSchedule(hour="7-17"),
        "absence-marking": JobSchedule(hour="8-12", minute="10"),
        "writeback": JobSchedule(day_of_week="*", minute="*"),
        "retention": JobSchedule(day_of_week="*", hour="3", minute="15"),
    }


class KioskSettings(Section):
    school_name: str = "ImLate Demo School"
    terminal_name: str = "reception"
    """Recorded on every track, so several entrances can be told apart."""
    admin_pin_hash: SecretStr | None = None
    """Set with `imlate kiosk set-pin`; without it the receptionist actions and quit are locked."""
    result_seconds: float = Field(4.0, gt=0)
    """How long a scan result stays on screen."""
    unlock_timeout_seconds: float = Field(60, gt=0)
    """A screen opened with the admin PIN (roster, sign in/out by hand, assign card) closes itself
    after this many seconds without a key press."""
    sounds: bool = False
    """Play a short tone after each scan (in, out, late, unknown card): through ALSA `aplay` where the
    box has a sound card, else the terminal bell."""


class AdminSettings(Section):
    operators: list[str] = []
    """OS user names allowed to change data in `imlate admin`; everyone else is read-only."""


class RetentionSettings(Section):
    days: int | None = Field(None, ge=1)
    """Purge tracks and attendance intents older than this; null keeps everything."""


class LoggingSettings(Section):
    file: str = "var/imlate.log"
    """Log file (never stderr while a TUI runs)."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="IMLATE_", env_nested_delimiter="__", extra="forbid",
        use_attribute_docstrings=True,
    )

    timezone: str = "Europe/London"
    """The school's time zone: day boundaries, display, lateness and the schedule."""
    database: DatabaseSettings = DatabaseSettings()
    photos_dir: str = "var/photos"
    scanner: ScannerSettings = ScannerSettings()
    erp: ErpSettings = ErpSettings()
    attendance: AttendanceSettings = AttendanceSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    kiosk: KioskSettings = KioskSettings()
    admin: AdminSettings = AdminSettings()
    retention: RetentionSettings = RetentionSettings()
    logging: LoggingSettings = LoggingSettings()

    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)
    """Directory that relative paths are resolved against (the config file's)."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return _check_timezone(value)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: the environment, then $IMLATE_ENV_FILE, then the YAML file (passed as init).
        return env_settings, dotenv_settings, init_settings

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def erp_tz(self) -> ZoneInfo:
        return ZoneInfo(self.erp.timezone)

    def path(self, value: str) -> Path:
        """A configured path, resolved against the config file's directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("IMLATE_CONFIG") or "config.yaml")


def load_settings(explicit: str | None = None, *, required: bool = False) -> Settings:
    """Load and validate; every problem becomes a ConfigError naming the key and the value."""
    path = config_path(explicit)
    try:
        data = _read_yaml(path)
    except FileNotFoundError:
        if required or explicit or os.environ.get("IMLATE_CONFIG"):
            raise ConfigError(f"config file {path} not found") from None
        data = {}  # no ./config.yaml: the documented defaults
    env_file = os.environ.get("IMLATE_ENV_FILE") or None
    if env_file and not os.access(env_file, os.R_OK):
        raise ConfigError(f"IMLATE_ENV_FILE names {env_file}, which cannot be read")
    try:
        return Settings(**data, base_dir=path.resolve().parent, _env_file=env_file)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, path)) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a YAML mapping of keys, not {type(data).__name__}")
    return data


def describe_errors(exc: ValidationError, path: Path) -> str:
    """One line per problem: `key.path: what is wrong`, as the person editing the YAML sees it."""
    lines = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling against config.yaml)"
        elif err["type"] == "literal_error":
            msg = f"{msg}, got {err['input']!r}"
        elif err["type"] not in ("value_error",) and "input" in err and not isinstance(err["input"], dict):
            msg = f"{msg}, got {err['input']!r}"
        lines.append(f"{key}: {msg}")
    return "\n".join(lines)


def masked(settings: Settings) -> dict[str, Any]:
    """The effective config as plain data with secrets and database passwords hidden."""
    data = settings.model_dump(mode="json", exclude={"base_dir"})
    data["erp"]["isams"]["client_secret"] = "***" if settings.erp.isams.client_secret.get_secret_value() else ""
    data["kiosk"]["admin_pin_hash"] = "***" if settings.kiosk.admin_pin_hash else None
    data["database"]["url"] = re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", settings.database.url)
    return data
