"""The library's comparison, sweep and study: `nneq.compare`, `nneq.sweep` and `nneq.study`, with
results that display.

They wrap the functions the commands use (`nneq.comparison.compare`, `nneq.sweeps.sweep`)
and return results whose figures are attributes and whose reports are one method call away;
in Jupyter they show as their Markdown reports.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from nneq.describe import network
from nneq.errors import ConfigError
from nneq.model import Model, check_path, resolve_config
from nneq.playground import model as port
from nneq.playground.config import Config
from nneq.playground.processes import check_workers

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from nneq.comparison.compare import Comparison
    from nneq.comparison.tables import Prediction
    from nneq.studies.cell import CellResult
    from nneq.studies.execution import StudyResult as StudyOutcome
    from nneq.studies.paired import Pair
    from nneq.sweeps.sweep import Member, Pattern, Sweep

Predicted = str | os.PathLike[str] | port.Model


class _Wrapping:
    """A result that reads every figure of the object it wraps (named by `_wrapped`) as its
    own, and shows in Jupyter as its Markdown report."""

    _wrapped: ClassVar[str]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, self._wrapped), name)

    def to_markdown(self) -> str:
        """The Markdown report."""
        raise NotImplementedError

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


@dataclass(frozen=True, repr=False)
class ComparisonResult(_Wrapping):
    """A prediction checked against a model: `agree` of `compared` predicted signs agree.

    Every figure of the underlying `comparison` (layers, units, terms, the alignment used, and
    any figure it adds, such as a chance level) is an attribute; `to_text()`, `to_markdown()`
    and `to_json()` are the reports `nneq compare` writes.

    Example:
        >>> model = nneq.train(dataset="xor", shape=(4, 2), seed="0.12345", epochs=300)
        >>> result = nneq.compare("| h11 | + x1w1 + x2w2 |", model)
        >>> result
        <nneq.ComparisonResult tables against model: 2 of 2 predicted signs agree>
        >>> result.agree, result.compared, result.disagree
        (2, 2, 0)
    """

    comparison: Comparison
    _wrapped: ClassVar[str] = "comparison"  # agree, compared, layers, chance … read through

    @property
    def agree(self) -> int:
        """Predicted signs that agree with the aligned learnt network."""
        return self.comparison.agree

    @property
    def compared(self) -> int:
        """Predicted signs whose link is live in the learnt network."""
        return self.comparison.compared

    @property
    def disagree(self) -> int:
        """Predicted signs the learnt network has the other way."""
        return self.comparison.count("disagree")

    @property
    def absent(self) -> int:
        """Predicted links the learnt network lacks (dead, under the threshold, zero, no such unit)."""
        return self.comparison.count("absent")

    def to_text(self) -> str:
        """The plain-text report, as `nneq compare` prints it."""
        from nneq.comparison.report import to_text

        return to_text(self.comparison)

    def to_markdown(self) -> str:
        """The Markdown report, as `nneq compare --format markdown` prints it."""
        from nneq.comparison.report import to_markdown

        return to_markdown(self.comparison)

    def to_json(self) -> str:
        """The JSON report, as `nneq compare --format json` prints it (agree, compared first)."""
        from nneq.comparison.report import to_json

        return to_json(self.comparison)

    def to_dict(self) -> dict[str, object]:
        """The JSON report as plain Python values."""
        from nneq.comparison.report import to_dict

        return to_dict(self.comparison)

    def __repr__(self) -> str:
        c = self.comparison
        return (f"<nneq.ComparisonResult {c.predicted or 'prediction'} against {c.model or 'model'}: "
                f"{c.agree} of {c.compared} predicted signs agree>")


def _learnt(model: port.Model | str | os.PathLike[str]) -> tuple[Model, str]:
    """A model, or the model file at a path, with the name reports give it."""
    if isinstance(model, port.Model):
        return Model.of(model), "model"
    if isinstance(model, str | os.PathLike):
        from nneq.model import load

        return load(model), str(model)
    raise ConfigError("model", model, "a model or the path of a model file")


def _is_text(value: str) -> bool:
    """Tables written out, rather than the path of a file holding them."""
    return "|" in value or "\n" in value or value.lstrip().startswith("{")


def _prediction(predicted: Predicted, aliases: Mapping[str, str]) -> tuple[Prediction | Model, str]:
    """What `predicted` holds: tables (as text or in a file) or a model (given, or its file)."""
    import json

    from nneq.comparison.compare import read_predicted
    from nneq.comparison.tables import parse_tables
    from nneq.storage.modelfile import from_dict

    if isinstance(predicted, port.Model):
        return Model.of(predicted), "predicted model"
    if isinstance(predicted, str) and _is_text(predicted):
        if predicted.lstrip().startswith("{"):
            try:
                data = json.loads(predicted)
            except json.JSONDecodeError as err:
                raise ConfigError("predicted", predicted[:40] + "…",
                                  f"a model file's JSON (line {err.lineno}: {err.msg})") from None
            return Model.of(from_dict(data, path="predicted")), "predicted model"
        return parse_tables(predicted, aliases=aliases, source="tables"), "tables"
    if isinstance(predicted, str | os.PathLike):
        given = read_predicted(predicted, aliases=aliases)
        return (Model.of(given) if isinstance(given, port.Model) else given), str(predicted)
    raise ConfigError("predicted", predicted, "tables as text, the path of a tables or model "
                      "file, or a model")


def _aliases(aliases: Mapping[str, str] | Iterable[str] | None) -> dict[str, str]:
    from nneq.comparison.tables import parse_aliases

    if aliases is None:
        return {}
    if isinstance(aliases, Mapping):
        return parse_aliases(f"{name}={feature}" for name, feature in aliases.items())
    return parse_aliases(aliases)


def compare(predicted: Predicted, model: port.Model | str | os.PathLike[str], *,
            aliases: Mapping[str, str] | Iterable[str] | None = None, threshold: float = 0.0,
            symmetry: bool = True, **options: Any) -> ComparisonResult:
    """Check a prediction against a learnt network, as `nneq compare` does.

    `predicted` is Markdown tables as text, the path of a tables or model file, or a model;
    `model` is a model or the path of its file. `aliases` names inputs otherwise
    (`{"x3": "x1x2"}` or `["x3=x1x2"]`), `threshold` counts weaker learnt links as absent,
    `symmetry=False` compares units by name without reordering or flipping; other options go to
    the comparison itself. A model that diverged or learnt no better than the majority class
    gives a PoorModelWarning.

    Example:
        >>> model = nneq.train(dataset="xor", shape=(4, 2), seed="0.12345", epochs=300)
        >>> tables = '''
        ... | First Hidden Layer | Equation |
        ... | --- | --- |
        ... | h11 | + x1w1 - x2w2 |
        ... | h12 | - x1w1 + x2w2 |
        ... '''
        >>> result = nneq.compare(tables, model)
        >>> result.agree, result.compared
        (3, 4)
        >>> print(result.to_text().splitlines()[0].split("; ")[0])
        tables against model: 3 of 4 predicted signs agree
        >>> result.chance.mean, result.chance.p_value, result.chance.method
        (3.75, 1.0, 'exact')
    """
    from nneq.comparison.compare import compare as compare_tables
    from nneq.comparison.compare import compare_models
    from nneq.provenance import warn_if_poor

    learnt, model_source = _learnt(model)
    given, source = _prediction(predicted, _aliases(aliases))
    if isinstance(given, port.Model):
        result = compare_models(given, learnt, threshold=threshold, symmetry=symmetry,
                                predicted_source=source, model_source=model_source, **options)
    else:
        result = compare_tables(given, learnt, threshold=threshold, symmetry=symmetry,
                                model_source=model_source, **options)
    warn_if_poor(learnt)  # once the comparison stands: a mistake in the options comes first
    return ComparisonResult(result)


@dataclass(frozen=True, repr=False)
class SweepResult(_Wrapping):
    """Many seeds of one configuration and the sign patterns they learnt, most frequent first.

    `patterns` lists each pattern with its seeds and mean losses, `members` every seed's
    outcome, `diverged` the members that diverged; `to_text()`, `to_markdown()` and
    `to_json()` are the reports `nneq sweep` writes. With `keep_models=True`, `models` holds
    every member's model.

    Example:
        >>> result = nneq.sweep(nneq.Config(dataset="xor", shape=(2,), seed="a"), seeds=8, epochs=50)
        >>> result
        <nneq.SweepResult 8 seeds of xor, 2-2-1 tanh, 50 epochs: 4 sign patterns, 0 diverged>
        >>> [p.count for p in result.patterns]
        [4, 2, 1, 1]
    """

    sweep: Sweep
    _wrapped: ClassVar[str] = "sweep"

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        """The sign patterns learnt, most frequent first, each with its seeds and mean losses."""
        return self.sweep.patterns

    @property
    def members(self) -> tuple[Member, ...]:
        """Every seed's outcome: its pattern number (None if it diverged) and final losses."""
        return self.sweep.members

    @property
    def models(self) -> tuple[Model, ...] | None:
        """Every member's model, when the sweep was asked to keep them."""
        models = self.sweep.models
        return None if models is None else tuple(Model.of(m) for m in models)

    def to_text(self) -> str:
        """The plain-text report, as `nneq sweep` prints it."""
        from nneq.sweeps.report import to_text

        return to_text(self.sweep)

    def to_markdown(self) -> str:
        """The Markdown report, as `nneq sweep --format markdown` prints it."""
        from nneq.sweeps.report import to_markdown

        return to_markdown(self.sweep)

    def to_json(self) -> str:
        """The JSON report, as `nneq sweep --format json` prints it."""
        from nneq.sweeps.report import to_json

        return to_json(self.sweep)

    def __repr__(self) -> str:
        s = self.sweep
        c = s.config
        return (f"<nneq.SweepResult {len(s.members)} seeds of {c.dataset}, {network(c)}, "
                f"{s.epochs} epochs: {len(s.patterns)} sign patterns, {len(s.diverged)} diverged>")


def sweep(config: Config | str | None = None, /, *, seeds: int = 100, epochs: int = 500,
          threshold: float = 0.0, relative: bool = False, predicted: str | os.PathLike[str] | None = None,
          aliases: Mapping[str, str] | Iterable[str] | None = None, keep_models: bool = False,
          engine: str = "auto", workers: int | None = None, **settings: Any) -> SweepResult:
    """Train `seeds` seeds of one configuration together and group them by learnt sign pattern.

    `config` is a Config, a Playground link or nothing, and `settings` (Config's fields as
    keywords) override it, as for `nneq.train`; the members' seeds are SEED-1, SEED-2 … of its
    seed. `threshold` (with `relative`, a share of each unit's largest link) counts weaker
    links as absent; `predicted` tables (text or a path) are scored against every pattern,
    and must fit the network before anything trains (TableError for a unit it cannot have,
    ConfigError for another depth, other inputs or no signed link; some layers only is fine);
    `keep_models` keeps every member's model; `engine` is as for `nneq.train`. `workers` is
    how many processes share the work (None: one per core when the sweep is long enough to
    gain from it); it changes the time taken, never a number.

    Example:
        >>> result = nneq.sweep(dataset="xor", shape=(2, 2), seed="0.53049", seeds=10, epochs=100)
        >>> sum(p.count for p in result.patterns) + len(result.diverged)
        10
        >>> result.patterns[0].seeds
        ('0.53049-9', '0.53049-10')
    """
    from nneq.comparison.tables import parse_tables, read_tables
    from nneq.sweeps.sweep import run_sweep

    chosen = resolve_config(config, settings)
    prediction = None
    if predicted is not None:
        check_path("predicted", predicted, "tables as text, or the path of a tables file")
        names = _aliases(aliases)
        prediction = (parse_tables(predicted, aliases=names, source="tables")
                      if isinstance(predicted, str) and _is_text(predicted)
                      else read_tables(Path(predicted), aliases=names))
    return SweepResult(run_sweep(chosen, seeds=seeds, epochs=epochs, threshold=threshold,
                                 relative=relative, prediction=prediction, keep_models=keep_models,
                                 engine=engine, workers=workers))


@dataclass(frozen=True, repr=False)
class StudyResult(_Wrapping):
    """A study's grid, every cell trained over many seeds, and the paired comparisons.

    `cells` holds each cell's settings and statistics (`cells[k].stats`: target share, loss
    quartiles, oscillations, most common pattern, agreement with its chance level), `pairs`
    the seed-by-seed comparisons along paired axes; `to_text()`, `to_markdown()` and
    `to_json()` are the reports `nneq study` writes, and `plot()` its picture.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "units.toml"
        >>> _ = path.write_text('dataset = "gauss"\\nseed = "s"\\nseeds = 3\\nepochs = 20\\n'
        ...                     '[vary]\\nshape = [[1], [2]]\\n')
        >>> result = nneq.study(path, workers=1)
        >>> result
        <nneq.StudyResult 'units': 2 cells of 3 seeds, 20 epochs, 0 paired comparisons>
        >>> [c.label for c in result.cells]
        ['shape=1', 'shape=2']
    """

    result: StudyOutcome
    _wrapped: ClassVar[str] = "result"

    @property
    def cells(self) -> tuple[CellResult, ...]:
        """Every finished cell in grid order, with its settings and statistics."""
        return self.result.cells

    @property
    def pairs(self) -> tuple[Pair, ...]:
        """The paired comparisons: per-seed differences, win shares and a sign test."""
        return self.result.pairs

    def to_text(self) -> str:
        """The plain-text report, as `nneq study` prints it."""
        from nneq.studies.render import to_text

        return to_text(self.result)

    def to_markdown(self) -> str:
        """The Markdown report, as `nneq study --format markdown` prints it."""
        from nneq.studies.render import to_markdown

        return to_markdown(self.result)

    def to_json(self) -> str:
        """The JSON results, as `nneq study --out` writes them."""
        return self.result.to_json()

    def plot(self, *, dpi: int = 100) -> Figure:
        """The study's picture (test loss per cell, median loss curves) as a matplotlib Figure."""
        from nneq.studies.picture import draw_study

        return draw_study(self.result, dpi=dpi)

    def __repr__(self) -> str:
        r = self.result
        s = r.study
        done = "" if r.complete else f" ({len(r.cells)} of {r.total} done)"
        return (f"<nneq.StudyResult {s.title!r}: {r.total} cells of {s.seeds} seeds, "
                f"{s.epochs} epochs, {len(r.pairs)} paired comparisons{done}>")


def study(path: str | os.PathLike[str], /, *, seeds: int | None = None, epochs: int | None = None,
          workers: int | None = None, scheduler: str | None = None,
          out: str | os.PathLike[str] | None = None) -> StudyResult:
    """Run the study file at `path` (TOML, as `nneq study` reads it) and return its results.

    `seeds` and `epochs` override the file's (for a quick look before the full run).
    `workers` is the number of processes on this machine (1 runs the cells here, one after
    another; default one per core); `scheduler` a Dask scheduler's address, to run the cells
    on that cluster instead (needs the `dask` extra). With `out`, the JSON results are written
    there after every cell, and a rerun with the same file skips the cells it holds. Mistakes
    in the file or the arguments raise NneqError subclasses naming the key.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "rates.toml"
        >>> _ = path.write_text('dataset = "xor"\\nshape = [2]\\nseed = "r"\\nseeds = 20\\n'
        ...                     'paired = true\\n[vary]\\nlearning-rate = [0.01, 0.1]\\n')
        >>> result = nneq.study(path, epochs=50, workers=1)
        >>> [(c.label, c.stats.seeds) for c in result.cells]
        [('learning-rate=0.01', 20), ('learning-rate=0.1', 20)]
        >>> pair = result.pairs[0]
        >>> pair.a, pair.b, pair.a_better + pair.b_better <= pair.seeds
        ('0.01', '0.1', True)
    """
    from nneq.studies.execution import run_study
    from nneq.studies.studyfile import read_study, with_run_length

    check_path("path", path, "a study file's path (str or os.PathLike)")
    if out is not None:
        check_path("out", out, "the path of the JSON results, or None")
    if scheduler is not None and not isinstance(scheduler, str):
        raise ConfigError("scheduler", scheduler, "a Dask scheduler's address such as "
                          "'tcp://127.0.0.1:8786', or None")
    if workers is not None:
        workers = check_workers(workers)
    chosen = with_run_length(read_study(path), seeds=seeds, epochs=epochs)
    return StudyResult(run_study(chosen, out=out, workers=workers, scheduler=scheduler))
