"""The one family of errors nneq raises for bad input; the command line turns them into exit code 2."""

from __future__ import annotations

from nneq.playground.errors import ConfigError, ConflictError, NneqError

__all__ = ["ConfigError", "ConflictError", "ModelFileError", "NneqError", "NneqWarning",
           "PoorModelWarning", "TableError"]


class ModelFileError(NneqError):
    """A model file that is missing, unreadable, corrupt, foreign or of a newer version."""


class TableError(NneqError):
    """A predicted table that cannot be read: names the line and what was expected."""

    def __init__(self, line: int, message: str, *, source: str = "",
                 unknown_input: str | None = None) -> None:
        self.line = line
        # A name such as x3 that reads like an input nneq does not know: an alias may name it,
        # with --alias on the command line or the alias key in a run file.
        self.unknown_input = unknown_input
        where = f"{source}:" if source else "line "
        super().__init__(f"{where}{line}: {message}")


class NneqWarning(UserWarning):
    """Base of the warnings nneq gives about what it was asked to read."""


class PoorModelWarning(NneqWarning):
    """A model that diverged, or classifies no better than always answering the majority class.

    Its equations, comparisons and pictures describe a network that learnt little or nothing.
    """
