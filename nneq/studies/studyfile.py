"""A study file: base settings, the axes to vary, seeds, epochs, a target and an optional prediction.

```toml
url = "https://playground.tensorflow.org/#dataset=xor&networkShape=4,2&seed=0.53049"
seeds = 100
epochs = 200
paired = ["shape"]          # these axes share seeds: per-seed differences between their cells
target = { test-loss = 0.1 }
[vary]
shape = [[1, 1], [2, 1], [3, 1], [4, 2]]
noise = [0, 10]
```

Everything is checked here, once, before anything is trained; a mistake names its key.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from nneq.comparison.compare import check_signed, misfit
from nneq.comparison.tables import Prediction, parse_aliases, parse_tables
from nneq.errors import ConfigError, NneqError
from nneq.explain.equations import check_threshold
from nneq.playground.catalog import DATASET_INFO
from nneq.playground.config import Config, check_epochs, check_trainable, whole_number
from nneq.storage.files import read_text
from nneq.storage.runfile import SETTINGS, check_spellings, read_run_file, resolve_config
from nneq.sweeps.sweep import MAX_SEEDS

STUDY_KEYS = ("seeds", "vary", "paired", "target", "predicted", "alias", "threshold",
              "oscillation-tolerance", "title", "description")
AXES = tuple(name for name in SETTINGS if name != "seed")  # seeds vary through `seeds`
DEFAULT_SEEDS = 100
DEFAULT_EPOCHS = 500
DEFAULT_TOLERANCE = 0.001  # a rise the Playground's three-decimal loss display shows
MAX_CELLS = 100_000
# The axes that change whether a prediction fits a cell's network: a predicted table speaks of
# hidden layers, their units and the inputs only (every network has one output unit).
FITTING_AXES = ("shape", "features")


@dataclass(frozen=True)
class Target:
    """What a seed must reach: a final test loss below `value`, or a test accuracy of at least it."""

    metric: str  # a key of TARGETS
    value: float

    def reached(self, loss_test: float | None, accuracy_test: float | None) -> bool:
        """Whether a member's final numbers reach the target (a diverged member never does)."""
        return TARGETS[self.metric].reached(self.value, loss_test, accuracy_test)

    def describe(self) -> str:
        """In words: 'test loss below 0.1', 'test accuracy at least 95%'."""
        return TARGETS[self.metric].describe(self.value)

    @property
    def needs_accuracy(self) -> bool:
        """Whether the target is an accuracy, which only classification has."""
        return TARGETS[self.metric].needs_accuracy

    def to_dict(self) -> dict[str, object]:
        """As in the study file: {'test-loss': 0.1}."""
        return {self.metric: self.value}


@dataclass(frozen=True)
class _TargetKind:
    allowed: str
    needs_accuracy: bool

    def check(self, value: float) -> bool:
        if self.needs_accuracy:
            return 0 <= value <= 1
        return math.isfinite(value) and value > 0

    def reached(self, value: float, loss_test: float | None, accuracy_test: float | None) -> bool:
        if self.needs_accuracy:
            return accuracy_test is not None and accuracy_test >= value
        return loss_test is not None and loss_test < value

    def describe(self, value: float) -> str:
        return f"test accuracy at least {value:.1%}" if self.needs_accuracy else \
            f"test loss below {value:g}"


TARGETS = {
    "test-loss": _TargetKind("a test loss > 0 (a seed reaches it when its final test loss is below)",
                             needs_accuracy=False),
    "test-accuracy": _TargetKind("a test accuracy from 0 to 1 (0.95 for 95%)", needs_accuracy=True),
}
DEFAULT_TARGET = Target("test-loss", 0.1)


@dataclass(frozen=True)
class Axis:
    """A setting and the values it takes, in the file's order, each as the configuration holds it."""

    name: str  # as written in study files: learning-rate, shape …
    values: tuple[object, ...]
    paired: bool = False

    @property
    def field(self) -> str:
        """The configuration's field: learning_rate, shape …"""
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class Study:
    """A checked study: every cell's configuration is base plus one value of each axis."""

    source: str
    base: Config
    seeds: int
    epochs: int
    axes: tuple[Axis, ...]
    target: Target = DEFAULT_TARGET
    threshold: float = 0.0
    tolerance: float = DEFAULT_TOLERANCE
    prediction: Prediction | None = None
    predicted: str | None = None  # the predicted tables' text, which identifies them
    title: str = ""
    description: str = ""
    seed_given: bool = True
    engine: str = "auto"  # as `nneq sweep --engine`: auto weighs each cell's sweep
    seeds_source: str = ""  # the study file `seeds` comes from; '' when given otherwise (--seeds)

    def seeds_error(self, err: ConfigError) -> ConfigError:
        """`err`, an error about the number of seeds per cell that names no source, naming
        where that number was given: `seeds=5000 in s.toml`, not a flag that was never used."""
        if err.field != "seeds" or err.source:
            return err
        return ConfigError("seeds", err.value, err.allowed, source=self.seeds_source)

    def misfits(self) -> list[tuple[str, str]]:
        """The cells whose network has no place for the prediction (see `misfits`)."""
        return [] if self.prediction is None else misfits(self.prediction, self.base, self.axes)

    def to_dict(self) -> dict[str, object]:
        """The study as JSON-ready data, seed included, so that a result says what made it."""
        return {
            "title": self.title, "description": self.description,
            "base": self.base.to_dict(), "seeds": self.seeds, "epochs": self.epochs,
            "vary": {a.name: list(a.values) for a in self.axes},
            "paired": [a.name for a in self.axes if a.paired],
            "target": self.target.to_dict(), "threshold": self.threshold,
            "oscillation-tolerance": self.tolerance,
            "predicted": self.predicted, "engine": self.engine,
        }


def value_label(value: object) -> str:
    """A value as the tables show it: shape [2, 1] → '2,1', no hidden layer → 'none', 10.0 → '10'."""
    if isinstance(value, list | tuple):
        return ",".join(value_label(v) for v in value) if value else "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def misfits(prediction: Prediction, base: Config, axes: Sequence[Axis]) -> list[tuple[str, str]]:
    """The cells whose network has no place for `prediction`, as (label, why) pairs.

    Whether it fits depends on the shape and the inputs alone, so the cells are grouped by the
    values of those axes: the label is 'shape=2,1' (or 'shape=2,1 features=x1,x2' when both
    vary; '' when neither does, for every cell at once), in the grid's order.
    """
    varied = [a for a in axes if a.name in FITTING_AXES]
    found = []
    for combo in itertools.product(*(a.values for a in varied)):
        # values the configuration checks and canonicalises, as grid.cells gives them
        changes: dict[str, Any] = {a.field: value for a, value in zip(varied, combo, strict=True)}
        why = misfit(prediction, dataclasses.replace(base, **changes))
        if why is not None:
            label = " ".join(f"{a.name}={value_label(v)}" for a, v in zip(varied, combo, strict=True))
            found.append((label, why))
    return found


def _check_fits_some_cell(prediction: Prediction, value: object, base: Config,
                          axes: Sequence[Axis], source: str) -> None:
    """Refuse a prediction that no cell's network has a place for: its columns would be empty.

    A prediction that fits some cells only is a study's usual question (which shapes can learn
    the predicted equations?); their results say which.
    """
    unfit = misfits(prediction, base, axes)
    if len(unfit) < math.prod(len(a.values) for a in axes if a.name in FITTING_AXES):
        return
    shown = 3  # enough to see why; a grid of many shapes would make the line endless
    reasons = "; ".join(f"{label} ({why})" if label else why for label, why in unfit[:shown])
    more = f"; and {len(unfit) - shown} more" if len(unfit) > shown else ""
    raise ConfigError("predicted", value, "tables that fit the network of at least one cell; "
                      f"they fit none: {reasons}{more}", source=source)


def _plain(value: object) -> object:
    """A configuration value as JSON holds it: tuples become lists."""
    return list(value) if isinstance(value, tuple) else value


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _axes(vary: object, paired: object, base: Config, path: str) -> tuple[Axis, ...]:
    if vary is None:
        raise NneqError(f"{path}: no [vary] table: a study varies at least one setting "
                        "([vary] then shape = [[2, 1], [4, 2]])")
    if not isinstance(vary, dict):
        raise ConfigError("vary", vary, "a table of settings, each with a list of values "
                          "([vary] then shape = [[2, 1], [4, 2]])", source=path)
    if not vary:
        raise ConfigError("vary", vary, "at least one setting to vary", source=path)
    check_spellings(vary, path, within="vary.")
    names = [key.replace("_", "-") for key in vary]
    pairing = _paired(paired, names, path)
    axes = []
    for key, name in zip(vary, names, strict=True):
        where = f"vary.{key}"
        if name not in AXES:
            hint = " (the number of seeds is `seeds`)" if name == "seed" else ""
            raise NneqError(f"{path}: unknown axis {where!r}{hint}; axes: {', '.join(AXES)}")
        values = vary[key]
        if not isinstance(values, list):
            raise ConfigError(where, values, "a list of values, e.g. [0, 10]", source=path)
        if not values:
            raise ConfigError(where, values, "at least one value (an empty axis has no cells)",
                              source=path)
        kinds = sorted({_kind(v) for v in values})
        if len(kinds) > 1:
            raise ConfigError(where, values, f"values of one type, not a mix of {' and '.join(kinds)}",
                              source=path)
        field = name.replace("-", "_")
        canonical: list[object] = []
        for value in values:
            try:
                config = Config.from_dict({**base.to_dict(), field: value})
            except ConfigError as err:
                raise ConfigError(where, value, err.allowed, source=path) from None
            plain = _plain(getattr(config, field))
            if plain in canonical:
                raise ConfigError(where, values, f"each value once ({value!r} is given twice)",
                                  source=path)
            canonical.append(plain)
        axes.append(Axis(name, tuple(canonical), name in pairing))
    return tuple(axes)


def _paired(paired: object, names: list[str], path: str) -> set[str]:
    if paired is None or paired is False:
        return set()
    if paired is True:
        return set(names)
    if not isinstance(paired, list) or not all(isinstance(p, str) for p in paired):
        raise ConfigError("paired", paired, "a list of axes under [vary], or true for all",
                          source=path)
    chosen = {p.replace("_", "-") for p in paired}
    for name in chosen:
        if name not in names:
            raise ConfigError("paired", name, "axes under [vary]: " + ", ".join(names), source=path)
    return chosen


def _target(value: object, path: str) -> Target:
    if value is None:
        return DEFAULT_TARGET
    if isinstance(value, dict):
        check_spellings(value, path, within="target.")
    if not isinstance(value, dict) or len(value) != 1:
        raise ConfigError("target", value, "one of " + ", ".join(f"{{ {k} = … }}" for k in TARGETS),
                          source=path)
    (key, number), = value.items()
    metric = key.replace("_", "-")
    kind = TARGETS.get(metric)
    if kind is None:
        raise ConfigError("target", key, "one of " + ", ".join(TARGETS), source=path)
    if isinstance(number, bool) or not isinstance(number, int | float) or not kind.check(number):
        raise ConfigError(f"target.{metric}", number, kind.allowed, source=path)
    return Target(metric, float(number))


def _number(value: object, key: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value < 0:
        raise ConfigError(key, value, "a finite number >= 0", source=path)
    return float(value)


def _text(value: object, key: str, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(key, value, "text", source=path)
    return value


def _prediction(value: object, alias: object, path: Path) -> tuple[Prediction | None, str | None]:
    """The predicted tables: text with a '|' is the tables themselves, anything else a file."""
    if alias is not None and (not isinstance(alias, list) or not all(isinstance(a, str) for a in alias)):
        raise ConfigError("alias", alias, 'a list such as ["x3=x1x2"]', source=str(path))
    try:
        aliases = parse_aliases(alias or [])
    except ConfigError as err:
        raise ConfigError(err.field, err.value, err.allowed, source=str(path)) from None
    if value is None:
        return None, None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("predicted", value, "a Markdown file (its path relative to the study "
                          "file) or the tables themselves", source=str(path))
    if "|" in value:
        return parse_tables(value, aliases=aliases, source=f"{path} (predicted)"), value
    where = path.parent / value  # relative to the study file, so a folder of them moves as one
    if not where.is_file():
        raise NneqError(f"{path}: predicted file {where} does not exist")
    text = read_text(where)  # read once: parsed, and kept as the study's record of it
    return parse_tables(text, aliases=aliases, source=str(where)), text


def check_seeds(seeds: object, *, source: str = "") -> int:
    """`seeds` if it is a whole number from 1 to MAX_SEEDS; ConfigError otherwise."""
    try:
        return whole_number("seeds", seeds, low=1, high=MAX_SEEDS)
    except ConfigError as err:
        raise ConfigError(err.field, err.value, err.allowed, source=source) from None


def with_run_length(study: Study, *, seeds: object = None, epochs: object = None) -> Study:
    """`study` with its seeds per cell and epochs replaced where given (None keeps the file's)."""
    return dataclasses.replace(
        study, seeds=study.seeds if seeds is None else check_seeds(seeds),
        seeds_source=study.seeds_source if seeds is None else "",
        epochs=study.epochs if epochs is None else check_epochs(epochs))


def read_study(path: str | os.PathLike[str]) -> Study:
    """Read and check a study file; nothing is trained. Mistakes raise NneqError naming the key."""
    source = str(path)
    run_file = read_run_file(path, extra_keys=STUDY_KEYS)
    if run_file.snapshots is not None:
        raise ConfigError("snapshots", run_file.snapshots, "no such key in a study file: a study "
                          "keeps no networks (save them with --save-models)", source=source)
    extra = run_file.extra
    base = resolve_config(run_file=run_file)
    seeds = check_seeds(extra.get("seeds", DEFAULT_SEEDS), source=source)
    epochs = check_epochs(DEFAULT_EPOCHS if run_file.epochs is None else run_file.epochs)
    check_trainable(base, setting="learning-rate", source=source)
    axes = _axes(extra.get("vary"), extra.get("paired"), base, source)
    for value in next((a.values for a in axes if a.name == "learning-rate"), ()):
        check_trainable(dataclasses.replace(base, learning_rate=cast(float, value)),
                        setting="vary.learning-rate", source=source)
    cells = math.prod(len(a.values) for a in axes)
    if cells > MAX_CELLS:
        raise ConfigError("vary", f"{cells} cells", f"at most {MAX_CELLS} cells", source=source)
    threshold = _number(extra.get("threshold", 0.0), "threshold", source)
    check_threshold(threshold, relative=False)
    prediction, predicted = _prediction(extra.get("predicted"), extra.get("alias"), Path(path))
    if prediction is not None:
        check_signed(prediction, value=extra.get("predicted"), source=source)  # once, not per cell
        _check_fits_some_cell(prediction, extra.get("predicted"), base, axes, source)
    target = _target(extra.get("target"), source)
    if target.needs_accuracy:
        # Only a classification network has an accuracy: a cell of regression could never
        # reach the target.
        datasets = next((a.values for a in axes if a.name == "dataset"), (base.dataset,))
        regression = [str(d) for d in datasets if DATASET_INFO[str(d)].problem != "classification"]
        if regression:
            raise ConfigError("target", target.metric, "test-loss for regression datasets ("
                              + ", ".join(regression) + "), which have no accuracy", source=source)
    return Study(
        source=source, base=base.with_seed(), seeds=seeds, epochs=epochs, axes=axes,
        target=target, threshold=threshold,
        tolerance=_number(extra.get("oscillation-tolerance", DEFAULT_TOLERANCE),
                          "oscillation-tolerance", source),
        prediction=prediction, predicted=predicted,
        title=_text(extra.get("title"), "title", source) or Path(path).stem,
        description=_text(extra.get("description"), "description", source),
        seed_given=base.seed is not None,
        engine=run_file.engine or "auto",
        seeds_source=source,
    )
