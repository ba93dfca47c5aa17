"""The validated config, kept so that a command starts without pydantic (issue 14).

Building and validating `Settings` imports pydantic and builds some thirty model classes: more start-up
time than all the real work of `imlate scan`, `roster` or `firelist`. So once a config has been validated,
its values are written to a cache file, and the next process with the same inputs reads them back as
plain objects (`PlainSettings`: the same attributes, `tz`, `erp_tz` and `path()`; secrets stay
`get_secret_value()`-only).

The cache is trusted only for exactly the inputs it was made from. Its key is a hash of the config
file's bytes and resolved path, every `IMLATE_*` environment variable, the bytes of `IMLATE_ENV_FILE`,
the Python and pydantic versions and the source of the modules that validate (`config.py`) and rebuild
(this one and `config_basics.py`) it: those sources stand in for ImLate's version, which has no cheap
`__version__` to read (importlib.metadata alone costs a quick command ~20 ms). Anything else (no cache, another key, a file that is not
ours or not valid) means a full validation as before; a config that fails validation is never cached,
so it gives its one clear line every time.

Where: `$XDG_CACHE_HOME/imlate/` or `~/.cache/imlate/`, one file per config path, readable by its user
only (it holds the secrets the config holds). A folder that cannot be written means no cache, nothing
worse. Deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imlate_tui.config_basics import SettingsMethods, config_path

if TYPE_CHECKING:
    from imlate_tui.config import Settings

FORMAT = 1
_SOURCES = ("config.py", "config_basics.py", "config_cache.py")


class PlainSecret:
    """A secret read from the cache; shown as stars, like pydantic's SecretStr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        getter = getattr(other, "get_secret_value", None)
        return getter is not None and getter() == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __repr__(self) -> str:
        return f"SecretStr('{self}')"


class PlainSection:
    """One config section read from the cache: its fields as attributes."""

    def __init__(self, section: str, fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)
        self._section = section

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainSection) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  (mutable, like the pydantic model)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "_section")
        return f"{self._section}({fields})"


class PlainSettings(PlainSection, SettingsMethods):
    """The whole config read from the cache, standing in for `Settings` wherever settings are read."""


# --- the file ---------------------------------------------------------------------------------

def load_settings_cached(explicit: str | None = None) -> "Settings | PlainSettings":
    """`config.load_settings(explicit)`, from the cache when it was made from these same inputs."""
    path = config_path(explicit)
    try:
        inputs = _inputs(path)
        file, key = _cache_file(path), _key(path, inputs)
    except (OSError, RuntimeError):   # RuntimeError: a symlink loop
        return _validate(explicit)   # no file, or unreadable: validation says which, in its own words
    if file is not None:
        cached = _read(file, key)
        if cached is not None:
            return cached
    settings = _validate(explicit)   # raises ConfigError for a broken config: nothing is cached then
    if file is not None and _unchanged(path, inputs):
        _write(file, key, settings)
    return settings


def _unchanged(path: Path, inputs: tuple[bytes, bytes]) -> bool:
    """The files still hold what the key was made from (they could change while being validated)."""
    try:
        return _inputs(path) == inputs
    except OSError:
        return False


def _validate(explicit: str | None) -> "Settings":
    from imlate_tui.config import load_settings

    return load_settings(explicit)


def _inputs(path: Path) -> tuple[bytes, bytes]:
    env_file = os.environ.get("IMLATE_ENV_FILE") or None
    return path.read_bytes(), (Path(env_file).read_bytes() if env_file else b"")


def _key(path: Path, inputs: tuple[bytes, bytes]) -> str:
    digest = hashlib.sha256()

    def part(data: bytes | str) -> None:
        data = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
        digest.update(len(data).to_bytes(8, "big") + data)

    for text in (str(FORMAT), sys.version, str(path.resolve())):
        part(text)
    here = Path(__file__).parent
    for source in [here / name for name in _SOURCES] + [_pydantic_version_file()]:
        part(source.read_bytes())
    for data in inputs:
        part(data)
    for name, value in sorted(os.environ.items()):
        if name.upper().startswith("IMLATE_"):
            part(name)
            part(value)
    return digest.hexdigest()


def _pydantic_version_file() -> Path:
    """pydantic's version.py, found without importing pydantic: another pydantic may validate otherwise."""
    from importlib.util import find_spec

    spec = find_spec("pydantic")
    if spec is None or spec.origin is None:
        raise OSError("pydantic is not installed")
    return Path(spec.origin).with_name("version.py")


def cache_folder() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or None
    if base is None:
        home = os.path.expanduser("~")
        if home == "~" or not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "imlate"


def _cache_file(path: Path) -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    name = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return folder / f"config-{name}.json"


def _read(file: Path, key: str) -> PlainSettings | None:
    try:
        with open(file, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o077:
                return None   # not written by us: validate instead
            data = json.loads(handle.read())
        if data.get("key") != key:
            return None
        settings = _decode(data["settings"])
        return settings if isinstance(settings, PlainSettings) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write(file: Path, key: str, settings: Any) -> None:
    try:
        text = json.dumps({"key": key, "settings": encode(settings)})
    except TypeError:
        return   # a value this cache cannot keep: such a config is simply validated every time
    temporary = file.with_name(f".{file.name}.{os.getpid()}")
    try:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, file)
    except OSError:
        try:
            temporary.unlink()
        except OSError:
            pass


# --- values to JSON and back ------------------------------------------------------------------

def encode(value: Any) -> Any:
    """A validated `Settings` (or a `PlainSettings`) as JSON data that keeps its types."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(name, str) for name in value):
            raise TypeError("mapping with keys that are not text")
        return {"dict": {name: encode(item) for name, item in value.items()}}
    if isinstance(value, Path):
        return {"path": str(value)}
    if hasattr(value, "get_secret_value"):
        return {"secret": value.get_secret_value()}
    fields = section_fields(value)
    return {"section": fields.pop("_section"), "fields": {name: encode(item) for name, item in fields.items()}}


def section_fields(value: Any) -> dict[str, Any]:
    """A section's field values by name (and its kind under `_section`), for either form of settings."""
    if isinstance(value, PlainSection):
        return dict(vars(value))
    model_fields = getattr(type(value), "model_fields", None)
    if model_fields is None:
        raise TypeError(f"cannot cache a {type(value).__name__}")
    return {**{name: getattr(value, name) for name in model_fields}, "_section": type(value).__name__}


def _decode(data: Any) -> Any:
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [_decode(item) for item in data]
    if "section" in data:
        kind = PlainSettings if data["section"] == "Settings" else PlainSection
        return kind(data["section"], {name: _decode(item) for name, item in data["fields"].items()})
    (tag, inner), = data.items()
    if tag == "dict":
        return {name: _decode(item) for name, item in inner.items()}
    if tag == "path":
        return Path(inner)
    if tag == "secret":
        return PlainSecret(inner)
    raise ValueError(f"unknown tag {tag!r}")
