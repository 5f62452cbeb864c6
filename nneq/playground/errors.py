"""The errors the Playground port raises for settings it cannot train."""

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
