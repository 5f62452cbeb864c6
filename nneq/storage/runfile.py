"""Where a run's settings come from: a Playground link, a TOML file and flags, merged in that order."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field

from nneq.errors import ConfigError, NneqError
from nneq.playground.config import Config, check_epochs
from nneq.playground.engine import check_engine
from nneq.playground.link import parse_link
from nneq.playground.snapshots import check_snapshots
from nneq.storage.files import read_text

SETTINGS = (
    "dataset", "shape", "activation", "features", "learning-rate", "batch-size", "regularization",
    "reg-rate", "noise", "train-percent", "seed", "init-zero",
)
RUN_KEYS = (*SETTINGS, "epochs", "snapshots", "engine", "url")
# Keys a run file may carry for its report page (see nneq.pages.report); training ignores them,
# so that one run file serves `nneq train --config`, `nneq sweep --config` and `nneq report`.
PAGE_KEYS = ("title", "description", "predicted", "alias", "threshold", "show-test", "discretize",
             "values", "biases")


@dataclass(frozen=True)
class RunFile:
    """A TOML run file: configuration settings, epochs, a link, and keys other commands read."""

    path: str
    settings: dict[str, object] = field(default_factory=dict)
    epochs: int | None = None
    url: str | None = None
    snapshots: int | None = None
    extra: dict[str, object] = field(default_factory=dict)
    engine: str | None = None


def check_spellings(table: Mapping[str, object], path: object, *, within: str = "") -> None:
    """Refuse a key given in both spellings (reg-rate and reg_rate): one key to nneq, two to
    TOML, which would let the last one win without a word. `within` names the table they are
    in (`vary.`)."""
    spelt: dict[str, str] = {}  # key with dashes → the key as written
    for key in table:
        name = key.replace("_", "-")
        if name in spelt:
            raise NneqError(f"{path}: {within + spelt[name]!r} and {within + key!r} are one key, "
                            f"{within + name!r}; give it once")
        spelt[name] = key


def read_run_file(path: str | os.PathLike[str], *, extra_keys: tuple[str, ...] = (),
                  ignore_page_keys: bool = False) -> RunFile:
    """Read a TOML run file; unknown keys are refused, naming the keys allowed.

    `extra_keys` are kept in `RunFile.extra` for the caller; with `ignore_page_keys` the keys
    only a report page uses (PAGE_KEYS) are accepted and dropped.
    """
    text = read_text(path).removeprefix("\ufeff")  # a byte-order mark, as some editors write
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise NneqError(f"{path}: not valid TOML ({err})") from None
    except RecursionError:
        raise NneqError(f"{path}: not valid TOML (nested too deeply)") from None
    except ValueError:  # an integer of more than 4300 digits: Python refuses to read it
        raise NneqError(f"{path}: not valid TOML for nneq (a number with thousands of digits)"
                        ) from None
    ignored = PAGE_KEYS if ignore_page_keys else ()
    allowed = (*RUN_KEYS, *extra_keys, *ignored)
    check_spellings(data, path)
    settings: dict[str, object] = {}
    for key, value in data.items():
        name = key.replace("_", "-")
        if name in ignored and name not in extra_keys:
            continue
        if name not in allowed:
            near = difflib.get_close_matches(name, allowed, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise NneqError(f"{path}: unknown key {key!r}{hint} (allowed keys: {', '.join(allowed)};"
                            " a dash may be written as an underscore)")
        settings[name] = value
    given = settings.pop("epochs", None)
    epochs = None
    if given is not None:
        try:
            epochs = check_epochs(given)
        except ConfigError as err:
            raise ConfigError("epochs", given, err.allowed, source=str(path)) from None
    snapshots: int | None = None
    if "snapshots" in settings:
        try:
            snapshots = check_snapshots(settings.pop("snapshots"))
        except ConfigError as err:
            raise ConfigError("snapshots", err.value, err.allowed, source=str(path)) from None
    engine: str | None = None
    if "engine" in settings:
        try:
            engine = check_engine(settings.pop("engine"))
        except ConfigError as err:
            raise ConfigError("engine", err.value, err.allowed, source=str(path)) from None
    url = settings.pop("url", None)
    if url is not None and not isinstance(url, str):
        raise ConfigError("url", url, "a Playground link as a string", source=str(path))
    extra = {k: settings.pop(k) for k in list(settings) if k in extra_keys}
    return RunFile(str(path), settings, epochs, url, snapshots, extra, engine)


def resolve_config(*, url: str | None = None, run_file: RunFile | None = None,
                   flags: Mapping[str, object] | None = None) -> Config:
    """The configuration from a link, then a run file's settings, then flags: later ones win.

    A bad value is reported as its source names it: `learning-rate in run.toml` for a run
    file's key, the setting's own name (`learning_rate`, which the command line words as a
    flag) for a flag.
    """
    merged: dict[str, object] = {}
    origin: dict[str, tuple[str, str]] = {}  # setting → (name as given, where)
    link = url if url is not None else (run_file.url if run_file else None)
    if link is not None:
        try:
            merged.update(parse_link(link).config.to_dict())
        except ConfigError as err:
            if url is not None or run_file is None:
                raise
            # The run file's url key: named as such, as its other keys are.
            where = run_file.path if err.field == "url" else f"the url of {run_file.path}"
            raise ConfigError(err.field, err.value, err.allowed, source=where) from None
    if run_file is not None:
        for key, value in run_file.settings.items():
            merged[key.replace("-", "_")] = value
            origin[key.replace("-", "_")] = (key, run_file.path)
    for key, value in (flags or {}).items():
        if value is not None:
            merged[key.replace("-", "_")] = value
            origin[key.replace("-", "_")] = (key.replace("-", "_"), "")  # worded by the caller
    try:
        return Config.from_dict(merged)
    except ConfigError as err:
        name, where = origin.get(err.field, (err.field, ""))
        raise ConfigError(name, err.value, err.allowed, source=where) from None
