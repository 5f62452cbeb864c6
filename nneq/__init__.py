"""nneq: train TensorFlow Playground networks exactly, and write what they learnt as signed equations.

The public API, loaded on first use (``import nneq`` itself loads no numpy):

Training and model files
    train(config_or_link=None, *, epochs=500, **settings) -> Model
        Train a network as the Playground would, from a Config, a Playground link or
        settings given as keywords (``nneq.train(dataset="xor", shape=(4, 2))``).
    load(path) -> Model, save(model, path)
        Read and write model files (JSON).
    Config
        Every setting the Playground trains with, validated when made.
    Model
        A trained network: ``.equations()``, ``.sympy()``, ``.latex()``, ``.logic()``,
        ``.plot()``, ``.save()``, ``.link()``, ``.predict()``; it displays itself in Jupyter.
    parse_link(link), to_link(config)
        Playground links to settings and back.

Comparing and sweeping
    compare(predicted, model, **options) -> ComparisonResult
        Check predicted sign tables (a path, Markdown text or another model) against a model.
    sweep(config, *, seeds=100, epochs=500, **options) -> SweepResult
        Train many seeds of one configuration together and count the sign patterns learnt.
    study(path, *, seeds=None, epochs=None, workers=None, scheduler=None, out=None)
        -> StudyResult
        Run a study file's grid of settings, many seeds per cell, on this machine's cores
        or a Dask cluster, and compare the cells.

Errors and warnings
    NneqError (ConfigError, ModelFileError, TableError)
        Raised for bad input; each message names the setting, the value and what is allowed.
    NneqWarning, PoorModelWarning
        Warned when a model diverged or classifies no better than the majority class.

Example:
    >>> import nneq
    >>> model = nneq.train(dataset="xor", shape=(4, 2), seed="0.12345", epochs=300)
    >>> model
    <nneq.Model xor, 2-4-2-1 tanh, seed 0.12345, 300 epochs: test loss 0.020, accuracy 98.8%>
    >>> print(model.equations().splitlines()[2])
    | h11 | + x1w1 + x2w2 |
"""

from __future__ import annotations

import importlib as _importlib

# typing.TYPE_CHECKING without importing typing, so that `nneq` starts (and installs its
# Ctrl-C handling, nneq/__main__.py) as soon as it can; type checkers read it as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # the names below load on first use, through __getattr__
    from typing import Any as _Any

    from nneq.api import ComparisonResult, StudyResult, SweepResult, compare, study, sweep
    from nneq.errors import (
        ConfigError,
        ModelFileError,
        NneqError,
        NneqWarning,
        PoorModelWarning,
        TableError,
    )
    from nneq.model import Model, load, save, train
    from nneq.playground.config import Config
    from nneq.playground.link import parse_link, to_link

__version__ = "0.1.0"

# Each public name, and the module it lives in.
_WHERE = {
    "ComparisonResult": "nneq.api",
    "Config": "nneq.playground.config",
    "ConfigError": "nneq.errors",
    "Model": "nneq.model",
    "ModelFileError": "nneq.errors",
    "NneqError": "nneq.errors",
    "NneqWarning": "nneq.errors",
    "PoorModelWarning": "nneq.errors",
    "StudyResult": "nneq.api",
    "SweepResult": "nneq.api",
    "TableError": "nneq.errors",
    "compare": "nneq.api",
    "load": "nneq.model",
    "parse_link": "nneq.playground.link",
    "save": "nneq.model",
    "study": "nneq.api",
    "sweep": "nneq.api",
    "to_link": "nneq.playground.link",
    "train": "nneq.model",
}
__all__ = [
    "ComparisonResult",
    "Config",
    "ConfigError",
    "Model",
    "ModelFileError",
    "NneqError",
    "NneqWarning",
    "PoorModelWarning",
    "StudyResult",
    "SweepResult",
    "TableError",
    "compare",
    "load",
    "parse_link",
    "save",
    "study",
    "sweep",
    "to_link",
    "train",
]


def __getattr__(name: str) -> _Any:
    """Load a public name from its module on first use (PEP 562), then keep it here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'nneq' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not, and the module's own dunder names."""
    return sorted({name for name in globals() if name.startswith("__")} | set(__all__))
