"""Errors a person can act on. Each carries a one-line message that says what to fix."""


class ImlateError(Exception):
    """Base for errors shown to a person as one line (CLI stderr, kiosk message)."""

    exit_code = 1


class ConfigError(ImlateError):
    exit_code = 2


class InvalidInput(ImlateError):
    """Bad input from a person or a file: nothing was changed."""

    exit_code = 2


class DatabaseUnavailable(ImlateError):
    pass
