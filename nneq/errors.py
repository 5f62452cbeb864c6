"""The one family of errors nneq raises for bad input; the command line turns them into exit code 2."""

from __future__ import annotations


class NneqError(Exception):
    """Base of every error caused by what the user gave nneq."""


class ConfigError(NneqError, ValueError):
    """A setting with a value nneq cannot train: names the setting, the value and what is allowed."""

    def __init__(self, field: str, value: object, allowed: str, *, source: str = "") -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(f"{field}={value!r}{where}: expected {allowed}")


class ModelFileError(NneqError):
    """A model file that is missing, unreadable, corrupt, foreign or of a newer version."""


class TableError(NneqError):
    """A predicted table that cannot be read: names the line and what was expected."""

    def __init__(self, line: int, message: str, *, source: str = "") -> None:
        self.line = line
        where = f"{source}:" if source else "line "
        super().__init__(f"{where}{line}: {message}")
