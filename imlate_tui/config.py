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

import json
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from imlate_tui.config_basics import SettingsMethods, config_path, parse_hhmm  # noqa: F401  (re-exported)
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
    request_deadline_seconds: float = Field(30.0, gt=0)
    """Overall deadline of one HTTP request, however slowly the server trickles its answer."""
    max_retry_after_seconds: float = Field(120.0, ge=0)
    """A Retry-After up to this is waited out; a longer one ends the run, which is tried again after it."""
    max_requests_per_hour: int | None = Field(None, ge=1)
    """Cap on requests ImLate sends to iSAMS in any 60 minutes, shared by every process on the database
    (null: no cap). When short, sign-in writeback goes first, then absence marking, then syncs."""


class WondeSettings(Section):
    base_url: str = "https://api.wonde.com"
    """Wonde's UK host; the school's regional host is found from the school record."""
    school_id: str | None = None
    """The school's Wonde id (like A1930499544)."""
    token: SecretStr | None = None
    """Better set as IMLATE_ERP__WONDE__TOKEN in the environment than in this file."""
    mis: str | None = None
    """The school's MIS (SIMS, Arbor, Bromcom …) when known better than Wonde's record."""
    capabilities: dict[Literal["session_marks", "comments", "minutes_late", "early_leaver_codes",
                               "lesson_writeback"], bool] = {}
    """What this school's MIS takes through Wonde, where the school knows better than ImLate's table
    (docs/wonde.md), e.g. `{comments: false}`."""


class ErpSettings(Section):
    enabled: bool = False
    """Sync people from iSAMS and write attendance back."""
    provider: Literal["isams", "wonde"] = "isams"
    """Which road to the MIS: iSAMS's REST API, or Wonde (SIMS, Arbor, Bromcom …)."""
    wonde: WondeSettings = WondeSettings()
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
    starts_at: str | None = None
    """"HH:MM": when the session starts, for a MIS that gives no register times (Wonde)."""

    closes_at: str | None = None
    """"HH:MM": when the register closes, standing for its finish where the MIS gives none (Wonde);
    default 30 minutes after `starts_at`. Absence marking waits for it."""

    @field_validator("starts_at", "closes_at")
    @classmethod
    def _starts(cls, value: str | None) -> str | None:
        return None if value is None else _check_hhmm(value)

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


class AutoSignoutSettings(Section):
    """When each kind of person still signed in is signed out automatically (source `auto`); null: off."""

    student: str | None = "18:00"
    staff: str | None = None
    visitor: str | None = "19:00"

    @field_validator("student", "staff", "visitor")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        return None if value is None else _check_hhmm(value)


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
    auto_signout: AutoSignoutSettings = AutoSignoutSettings()
    """Sign out whoever is still in at these times (never written to iSAMS as an early leave)."""

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

    @field_validator("day_of_week", "hour", "minute", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        """`hour: 1` in YAML is an int; it means the same as "1"."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("day_of_week")
    @classmethod
    def _weekday_names(cls, value: str) -> str:
        if any(ch.isdigit() for ch in value):
            raise ValueError(f"write weekdays as names such as mon-fri, got {value!r}: APScheduler 3 counts "
                             "mon=0, so \"1-5\" would mean Tuesday to Saturday")
        return value


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
        "auto-signout": JobSchedule(day_of_week="*", minute="*/5"),
        "notifications": JobSchedule(day_of_week="*", minute="*"),
    }
    """Each job's schedule. An entry here changes only the fields it names, of that job only: the other
    jobs and fields keep their defaults (`jobs: {writeback: {minute: "*/5"}}` leaves every other job
    scheduled as before). Unknown job names are refused."""

    @field_validator("jobs", mode="before")
    @classmethod
    def _over_the_defaults(cls, value: Any) -> Any:
        """Merge each named job's fields over that job's defaults (a YAML entry replaced the whole
        table before, so one job here silently unscheduled all the others)."""
        if not isinstance(value, dict):
            return value
        defaults = cls.model_fields["jobs"].default
        merged: dict[str, Any] = {name: spec.model_dump() for name, spec in defaults.items()}
        unknown = [str(name) for name in value if name not in defaults]
        if unknown:
            raise ValueError(f"unknown job {', '.join(map(repr, unknown))} (jobs: {', '.join(defaults)})")
        for name, fields in value.items():
            if isinstance(fields, JobSchedule):
                fields = fields.model_dump(exclude_unset=True)
            merged[name] = {**merged[name], **fields} if isinstance(fields, dict) else fields
        return merged


class KioskSettings(Section):
    school_name: str = "ImLate Demo School"
    terminal_name: str = "reception"
    """Recorded on every track, so several entrances can be told apart."""
    admin_pin_hash: SecretStr | None = None
    """Set with `imlate kiosk set-pin`; without it the receptionist actions and quit are locked."""
    result_seconds: float = Field(4.0, gt=0)
    """How long a scan result stays on screen."""
    journal: str = "var/scan-journal.db"
    """With PostgreSQL: this kiosk's local journal, where scans wait while the server is away."""
    photo_mode: Literal["auto", "sixel", "kitty", "half-blocks", "initials"] = "auto"
    """How photos are drawn: auto asks the terminal at start-up (sixel/kitty draw real pixels; half
    blocks otherwise; initials on the 16-colour Linux console). Force one if the guess is wrong."""
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
    visitor_days: int | None = Field(180, ge=1)
    """Purge visitors (their details, visits, host emails and badge files) not seen for this many days."""


_LABEL_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)\s*mm\s*$", re.IGNORECASE)


def label_size_mm(value: str) -> tuple[float, float]:
    """`"62x100mm"` -> (62.0, 100.0): width and height of the badge label in millimetres."""
    match = _LABEL_SIZE.match(value)
    if not match:
        raise ValueError(f"expected a label size like \"62x100mm\", got {value!r}")
    return float(match.group(1)), float(match.group(2))


class BadgeSettings(Section):
    printer: str | None = None
    """CUPS queue the badges go to (`lp -d PRINTER`); null: badges are made but not printed."""
    size: str = "62x100mm"
    """Label size, width x height in mm (62x100mm is the common Brother QL visitor label)."""
    folder: str = "var/badges"
    """Where badge PDFs are kept (for reprints) until the visitor retention purges them."""

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        width, height = label_size_mm(value)
        if not (20 <= width <= 300 and 20 <= height <= 300):
            raise ValueError(f"label sides must be between 20 and 300 mm, got {value!r}")
        return value


class VisitorSettings(Section):
    badge: BadgeSettings = BadgeSettings()
    types: list[str] = ["visitor", "contractor", "parent", "supply staff"]
    """Visit types offered at the kiosk and accepted by `visitors sign-in --type`."""
    notice: str = ("Safeguarding: wear your badge where it can be seen and stay with your host. "
                   "Report any concern about a child to the Designated Safeguarding Lead at reception. "
                   "Fire: on the alarm, leave by the nearest exit and go to the assembly point on the field. "
                   "Sign out and return your badge when you leave.")
    """The safeguarding and fire notice every visitor reads and accepts before signing in."""
    form_timeout_seconds: int = Field(90, ge=10)
    """The kiosk visitor form goes back to the idle screen after this long without a key."""

    @field_validator("types")
    @classmethod
    def _some_types(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(t.split()) for t in value if t.strip()]
        if not cleaned:
            raise ValueError("list at least one visit type")
        return cleaned


class SmtpSettings(Section):
    host: str | None = None
    """SMTP server for host notifications; null: no emails are sent (they wait in the outbox)."""
    port: int = Field(587, ge=1, le=65535)
    from_address: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    """Better set as IMLATE_NOTIFICATIONS__SMTP__PASSWORD in the environment than in this file."""
    starttls: bool = True
    timeout_seconds: float = Field(10.0, gt=0)


class NotificationSettings(Section):
    smtp: SmtpSettings = SmtpSettings()
    max_attempts: int = Field(20, ge=1)
    """A host email that failed this many times is given up (status failed, shown in the admin view)."""


class FirelistSettings(Section):
    printer: str | None = None
    """CUPS queue the fire list PDF is printed on (`imlate firelist --print`); null: not printed."""


class LoggingSettings(Section):
    file: str = "var/imlate.log"
    """Log file (never stderr while a TUI runs)."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(BaseModel, SettingsMethods):
    """Built by `load_settings` from the YAML file and the `IMLATE_…` environment (`environment_overrides`).
    A plain pydantic model rather than pydantic-settings' BaseSettings: importing pydantic-settings cost
    the quick commands more start-up time than all their real work (bench/bench_commands.py)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

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
    visitors: VisitorSettings = VisitorSettings()
    notifications: NotificationSettings = NotificationSettings()
    logging: LoggingSettings = LoggingSettings()
    firelist: FirelistSettings = FirelistSettings()

    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)
    """Directory that relative paths are resolved against (the config file's)."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return _check_timezone(value)

    # tz, erp_tz and path() come from SettingsMethods (config_basics.py), shared with the cached copy


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
    if env_file:
        _utf8_text(Path(env_file), "the environment file (IMLATE_ENV_FILE)")
    try:
        return Settings(**_merged(data, environment_overrides(os.environ, env_file)), base_dir=path.resolve().parent)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, path)) from None


def _utf8_text(path: Path, what: str) -> str:
    """The file's text, or one line saying it is not UTF-8 and how it seems to be encoded instead."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            seems = "it is UTF-16 (Notepad's \"Unicode\")"
        else:
            line = raw[:exc.start].count(b"\n") + 1
            seems = f"byte 0x{raw[exc.start]:02x} on line {line} is not UTF-8 (Latin-1 or Windows-1252?)"
        raise ConfigError(f"{what} {path} is not UTF-8 text: {seems}; save it as UTF-8") from None


ENV_PREFIX, ENV_NESTING = "IMLATE_", "__"


def environment_overrides(environ: Mapping[str, str], env_file: str | None = None) -> dict[str, Any]:
    """`IMLATE_ERP__ISAMS__CLIENT_SECRET=x` as `{"erp": {"isams": {"client_secret": "x"}}}`: names are
    case-insensitive, `__` goes one level down, the process environment wins over `env_file` (KEY=value
    lines, as systemd's EnvironmentFile). Lists, mappings and sections are given as JSON. Variables that
    name no top-level key (IMLATE_CONFIG, IMLATE_ENV_FILE…) are not settings and are left alone."""
    values: dict[str, str | None] = {}
    if env_file:
        from dotenv import dotenv_values

        values.update(dotenv_values(env_file, encoding="utf-8"))
    values.update(environ)
    tree: dict[str, Any] = {}
    for name, value in values.items():
        if not name.upper().startswith(ENV_PREFIX) or value is None:
            continue
        keys = name[len(ENV_PREFIX):].lower().split(ENV_NESTING)
        if keys[0] not in Settings.model_fields or keys[0] == "base_dir":
            continue
        node = tree
        for key in keys[:-1]:
            node = node[key] if isinstance(node.get(key), dict) else node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[keys[-1]] = _decode(value, keys)
    return tree


def _decode(value: str, keys: list[str]) -> Any:
    """JSON for a key whose type is a list, a mapping or a section; the text itself otherwise."""
    annotation: Any = Settings
    for key in keys:
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        field = model.model_fields.get(key) if model is not None else None
        if field is None:
            return value
        annotation = field.annotation
    kinds = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) \
        else (annotation,)
    complex_kind = any(typing.get_origin(k) in (list, dict) or k in (list, dict)
                       or (isinstance(k, type) and issubclass(k, BaseModel)) for k in kinds)
    if complex_kind:
        try:
            return json.loads(value)
        except ValueError:
            return value   # validation names the key and the problem
    return value


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        # libyaml's loader when PyYAML has it: the same safe subset, several times faster at start-up
        data = yaml.load(_utf8_text(path, "config file"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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
    data["erp"]["wonde"]["token"] = "***" if settings.erp.wonde.token else None
    smtp_password = settings.notifications.smtp.password
    data["notifications"]["smtp"]["password"] = "***" if smtp_password and smtp_password.get_secret_value() else None
    data["database"]["url"] = re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", settings.database.url)
    return data
