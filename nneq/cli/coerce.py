"""Flag values converted with plain Python instead of Typer's pydantic adapters.

Typer converts every flag value through a pydantic TypeAdapter built on first use, and so
imports pydantic (about 0.06-0.1 s, a fifth of a short command) whatever the command. nneq's
flags are all of a few plain kinds: text, whole numbers, numbers, paths, on/off, a choice
among a table's keys, or a list of these. For those this module installs a converter that
gives the same values and words a bad one as every other nneq error does
(`--epochs='abc': expected a whole number`). A flag of any other kind, or a Typer that no
longer keeps its converter where this expects it, is left to Typer unchanged.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from nneq.errors import ConfigError


def _whole(text: str) -> int:
    if re.fullmatch(r"\s*[+-]?[0-9]+\s*", text):
        return int(text)
    # 1e3 or 10.0 too, as --shape and a link read them (JavaScript's numbers): whole all the same
    if not re.fullmatch(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*", text):
        raise ValueError(text)
    number = float(text)
    if not (math.isfinite(number) and number.is_integer()):
        raise ValueError(text)
    return int(number)


def _on_off(text: str) -> bool:
    return {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}[
        text.strip().lower()]


def _path(text: str) -> Path:
    if not text.strip():  # Path('') is '.', the current folder: never what was meant (nor ' ')
        raise ValueError(text)
    return Path(text)


_PLAIN: dict[Any, tuple[Callable[[str], Any], str]] = {
    str: (str, "text"),
    int: (_whole, "a whole number"),
    float: (float, "a number"),
    Path: (_path, "a path, not blank"),
    bool: (_on_off, "true or false"),
}


def _flag(param: Any) -> str:
    opts = [opt for opt in param.opts if opt.startswith("--")]
    if opts:
        return str(opts[0])
    # an argument: named as the usage line names it (MODEL)
    return str(getattr(param, "display_name_raw", None) or getattr(param, "human_readable_name",
                                                                    None) or param.name)


def _choice(names: tuple[str, ...]) -> tuple[Callable[[str], Any], Callable[[str], str]]:
    lowered = {name.lower(): name for name in names}

    def convert(text: str) -> str:
        return lowered[text.lower()]  # KeyError: not a choice

    def allowed(text: str) -> str:
        # 0.5: a name of two letters with one wrong (l3, for L1 or L2) is still near
        near = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.5)
        hint = f" (closest: {lowered[near[0]]})" if near else ""
        return "one of " + ", ".join(names) + hint

    return convert, allowed


class _Converter:
    """Converts one parameter's raw value, or a list of them, and names the flag when it fails."""

    def __init__(self, param: Any, convert: Callable[[str], Any],
                 allowed: Callable[[str], str]) -> None:
        self.param, self.convert, self.allowed = param, convert, allowed
        self.many = bool(param.multiple or param.nargs == -1)

    def one(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # a default given in the code, already of its type
        try:
            return self.convert(value)
        except (ValueError, KeyError):
            raise ConfigError(_flag(self.param), value, self.allowed(value)) from None

    def coerce(self, value: Any, param: Any = None, ctx: Any = None) -> Any:
        if value is None:
            return () if self.many else None
        if self.many:
            return [self.one(item) for item in value]
        return self.one(value)


def _converter(param: Any) -> _Converter | None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:
        return None
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        names = tuple(str(name) for name in get_args(annotation))
        convert, allowed = _choice(names)
        return _Converter(param, convert, allowed)
    if annotation in _PLAIN:
        convert, wanted = _PLAIN[annotation]
        info = descriptor.parameter_info
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        if low is None and high is None:
            return _Converter(param, convert, lambda _text: wanted)
        if getattr(info, "clamp", False):
            return None  # a clamped range is Typer's to keep
        bounds = " ".join(part for part in (f">= {low}" if low is not None else "",
                                            f"<= {high}" if high is not None else "") if part)

        def ranged(text: str) -> Any:
            value = convert(text)
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(text)
            return value

        return _Converter(param, ranged, lambda _text: f"{wanted} {bounds}")
    return None


def light_param(param: Any) -> None:
    """Give one flag the plain converter, if it is of a plain kind and Typer keeps one."""
    if not hasattr(param, "_runtime_param") or getattr(param, "type_descriptor", None) is None:
        return
    if isinstance(param._runtime_param, _Converter):
        return
    converter = _converter(param)
    if converter is not None:
        param._runtime_param = converter


def light_coercion(command: Any) -> None:
    """Give each of the command's plain flags the plain converter."""
    for param in command.params:
        light_param(param)
