"""The one family of errors nneq raises for bad input; the command line turns them into exit code 2."""

from __future__ import annotations

from nneq.playground.errors import ConfigError, NneqError

__all__ = ["ConfigError", "ModelFileError", "NneqError", "TableError"]


class ModelFileError(NneqError):
    """A model file that is missing, unreadable, corrupt, foreign or of a newer version."""


class TableError(NneqError):
    """A predicted table that cannot be read: names the line and what was expected."""

    def __init__(self, line: int, message: str, *, source: str = "") -> None:
        self.line = line
        where = f"{source}:" if source else "line "
        super().__init__(f"{where}{line}: {message}")
