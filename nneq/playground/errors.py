"""The errors the Playground port raises for settings it cannot train."""

from __future__ import annotations

import math
from collections.abc import Callable

SHOWN_CHARS = 60  # a value longer than this is cut in messages


def shown(value: object) -> str:
    """A value as a one-line message shows it: its repr, cut when long.

    Integers too long to write (Python refuses past 4300 digits) are described by their size.

    >>> shown(10**400)
    'a whole number of 401 digits'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        digits = math.floor((value.bit_length() - 1) * math.log10(2)) + 1
        if abs(value) >= 10**digits:
            digits += 1
        return f"a whole number of {digits} digits"
    try:
        text = repr(value)
    except ValueError:  # a container holding an integer too long to write
        return f"a {type(value).__name__} too long to show"
    text = " ".join(text.split())
    if len(text) > SHOWN_CHARS:
        return f"{text[: SHOWN_CHARS - 1]}… ({len(text)} characters)"
    return text


def _rebuilt(cls: type[NneqError], args: tuple[object, ...], state: dict[str, object]
             ) -> NneqError:
    """An error made again from its class, message and attributes (see NneqError.__reduce__)."""
    err = cls.__new__(cls, *args)
    err.args = args
    err.__dict__.update(state)
    return err


class NneqError(Exception):
    """Base of every error caused by what the user gave nneq."""

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling calls the class with the message alone, which subclasses taking a setting,
        # a value … refuse: an error raised in a worker process would break the pool instead
        # of reaching the parent. It is rebuilt from its message and attributes instead.
        return (_rebuilt, (type(self), self.args, dict(self.__dict__)))

    def worded(self, name: Callable[[str], str]) -> str:
        """The message with every setting it names written as `name(setting)`: the command
        line words settings as its flags (`learning_rate` → `--learning-rate`)."""
        del name
        return str(self)


class ConfigError(NneqError, ValueError):
    """A setting with a value nneq cannot train: names the setting, the value and what is allowed.

    `source` names where the value came from (a run file, the link); the setting is then
    named as it is written there.
    """

    def __init__(self, field: str, value: object, allowed: str, *, source: str = "") -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(f"{field}={shown(value)}{where}: expected {allowed}")


class ConflictError(NneqError):
    """Settings that cannot be used together. `template` names them as {0}, {1} …

    >>> str(ConflictError("{0} applies only to {1} sympy and latex", "compose", "format"))
    'compose applies only to format sympy and latex'
    """

    def __init__(self, template: str, *settings: str) -> None:
        self.template = template
        self.settings = settings
        super().__init__(template.format(*settings))

    def worded(self, name: Callable[[str], str]) -> str:
        """The message with each setting written as `name(setting)`."""
        return self.template.format(*(name(s) for s in self.settings))
