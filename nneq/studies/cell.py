"""Running one cell: one stacked sweep, reduced at once to what the study keeps.

The sweep's members are exactly the networks `nneq train --seed B-k` would make (B the cell's
base seed). Their models live only inside `run_cell`: what leaves it is each member's final
numbers, the cell's statistics, its most common sign pattern and the quartiles of its loss
curves, so memory stays bounded however many cells a study has. `run_cell` is a plain function
of a picklable task, so a process pool or a Dask worker can run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nneq.comparison.chance import SIGNIFICANT, chance_level
from nneq.comparison.compare import misfit, predicted_signs
from nneq.comparison.symmetry import flippable
from nneq.comparison.tables import Prediction
from nneq.describe import number_text
from nneq.explain.equations import pattern_equations
from nneq.explain.render import markdown
from nneq.playground.config import Config
from nneq.storage.modelfile import save
from nneq.studies.grid import Cell
from nneq.studies.statistics import CellStats, RiseCounter, curve_epochs, curve_quartiles, quartiles
from nneq.studies.studyfile import Study, Target
from nneq.sweeps.sweep import run_sweep


@dataclass(frozen=True)
class CellTask:
    """Everything a worker needs to run one cell."""

    cell: Cell
    seeds: int
    epochs: int
    target: Target
    threshold: float
    tolerance: float
    prediction: Prediction | None = None
    predicted: str | None = None
    models_dir: str | None = None  # write every member's model file under this folder
    workers: int | None = 1  # processes the cell's sweep may use (None: one per core); no effect on results
    engine: str = "auto"

    def spec(self) -> dict[str, object]:
        """What determines the cell's result: a saved cell with the same spec is reused as is.

        An engine given by name is part of it (the engines' results may differ in their last
        bits); `auto`, the default, adds nothing, so that files saved before stay valid.
        """
        engine = {} if self.engine == "auto" else {"engine": self.engine}
        return {
            "config": self.cell.config.to_dict(), "seeds": self.seeds, "epochs": self.epochs,
            "target": self.target.to_dict(), "threshold": self.threshold,
            "oscillation-tolerance": self.tolerance, "predicted": self.predicted, **engine,
        }


def task(study: Study, cell: Cell, *, models_dir: str | None = None, workers: int | None = 1
         ) -> CellTask:
    """The work order for one cell of `study`, whose sweep may use `workers` processes."""
    return CellTask(cell, study.seeds, study.epochs, study.target, study.threshold, study.tolerance,
                    study.prediction, study.predicted, models_dir, workers, study.engine)


@dataclass(frozen=True, repr=False)
class CellResult:
    """One finished cell, JSON-ready: its members' numbers, statistics, pattern and curves.

    Its repr is one line (the members and curves run to thousands of numbers).
    """

    index: int
    label: str
    values: dict[str, Any]
    spec: dict[str, Any]
    members: tuple[dict[str, Any], ...]  # seed, losses, accuracy, oscillations, pattern …
    stats: CellStats
    top_pattern: dict[str, Any] | None
    curves: dict[str, Any]

    def __repr__(self) -> str:
        stats = self.stats
        median = "" if stats.loss_test is None else f", median test loss {number_text(stats.loss_test[1])}"
        return (f"<CellResult {self.index} {self.label!r}: {stats.reached} of {stats.seeds} seeds "
                f"reached the target{median}, {stats.diverged} diverged>")

    def to_dict(self) -> dict[str, object]:
        """As the study's JSON holds it."""
        return {"label": self.label, "values": self.values, "spec": self.spec,
                "stats": self.stats.to_dict(), "top_pattern": self.top_pattern,
                "curves": self.curves, "members": list(self.members)}

    @classmethod
    def from_dict(cls, d: dict, index: int) -> CellResult:
        """Read back a saved cell, placed at `index` of the current grid."""
        return cls(index, d["label"], d["values"], d["spec"], tuple(d["members"]),
                   CellStats.from_dict(d["stats"]), d["top_pattern"], d["curves"])


def fits(prediction: Prediction, config: Config) -> bool:
    """Whether `config`'s network has a place for every unit and input the prediction names:
    the same number of hidden layers, no input it lacks, and no unit beyond its layer's size;
    and whether it gives a sign to count there (as a sweep requires)."""
    return misfit(prediction, config) is None


def _file_name(text: str) -> str:
    """Characters other than letters, digits, . - _ become _, so any seed or label names a file."""
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in text) or "_"


def run_cell(work: CellTask) -> CellResult:
    """Train the cell's seeds as one stacked sweep and reduce them to the cell's result."""
    cell = work.cell
    # A prediction speaks of a network with a place for every unit it names; in another one
    # (a unit missing, another depth) its agreement is not defined, and the sweep counts none.
    fitting = work.prediction is not None and fits(work.prediction, cell.config)
    counter = RiseCounter(work.tolerance)
    sweep = run_sweep(cell.config, seeds=work.seeds, epochs=work.epochs, threshold=work.threshold,
                      prediction=work.prediction if fitting else None, keep_models=True,
                      on_epoch=counter, workers=work.workers, engine=work.engine)
    models = sweep.models or ()
    oscillations = counter.counts(np.array([m.loss_train[0] for m in models]))
    if work.models_dir is not None:
        folder = Path(work.models_dir) / _file_name(cell.label or "cell")
        folder.mkdir(parents=True, exist_ok=True)
        for model in models:
            save(model, folder / f"{_file_name(str(model.config.seed))}.json")
    classify = cell.config.problem == "classification"
    need_accuracy = classify and work.target.needs_accuracy
    # each member's test accuracy, which the sweep counted from its network
    accuracies = ([m.accuracy_test for m in sweep.members] if need_accuracy
                  else [None] * len(models))
    agree = {p.id: p.agree for p in sweep.patterns}
    # Each pattern's chance level: what random tables of the prediction's structure reach
    # against its signs. Members of one pattern share it.
    chances = {}
    if fitting and work.prediction is not None:
        wanted = predicted_signs(work.prediction, cell.config)
        flips = flippable(cell.config)
        chances = {p.id: chance_level(wanted, p.signs, flippable=flips, observed=p.agree or 0)
                   for p in sweep.patterns}
    members: list[dict[str, Any]] = []
    curves_train, curves_test, counts = [], [], []
    kept = np.arange(work.epochs + 1)  # the epochs of the curves' entries
    for k, (member, model, accuracy) in enumerate(zip(sweep.members, models, accuracies,
                                                       strict=True)):
        count = int(oscillations[k]) if member.diverged_at is None else None
        if count is not None:
            curves_train.append(model.loss_train)
            curves_test.append(model.loss_test)
            counts.append(count)
            # a long run's history keeps every s-th epoch (the same for the whole stack)
            kept = model.loss_epochs if model.loss_epochs is not None else kept
        members.append({
            "seed": member.seed, "loss_train": member.loss_train, "loss_test": member.loss_test,
            "accuracy_test": accuracy, "oscillations": count, "pattern": member.pattern,
            "agree": agree.get(member.pattern) if member.pattern is not None and fitting else None,
            "chance": chances[member.pattern].mean if member.pattern in chances else None,
            "chance_p": chances[member.pattern].p_value if member.pattern in chances else None,
            "diverged_at": member.diverged_at,
            "reached": work.target.reached(member.loss_test, accuracy),
        })
    del models  # the networks are not needed past this point
    ran = [m for m in members if m["diverged_at"] is None]
    top = sweep.patterns[0] if sweep.patterns else None
    predicted = sweep.predicted_signs if fitting else None
    stats = CellStats(
        seeds=len(members), diverged=len(members) - len(ran),
        reached=sum(bool(m["reached"]) for m in members),
        loss_train=quartiles([m["loss_train"] for m in ran]),
        loss_test=quartiles([m["loss_test"] for m in ran]),
        accuracy_test=quartiles([m["accuracy_test"] for m in ran]) if need_accuracy else None,
        oscillations=quartiles(counts),
        patterns=len(sweep.patterns),
        top_pattern_share=sweep.share(top) if top is not None else None,
        full_agreement=sweep.full_agreement() if predicted is not None else None,
        mean_agreeing_signs=(float(np.mean([m["agree"] for m in ran])) if ran else None)
        if predicted is not None else None,
        predicted_signs=predicted,
        chance=float(np.mean([m["chance"] for m in ran])) if fitting and ran else None,
        beat_chance=sum(m["chance_p"] < SIGNIFICANT for m in ran) if fitting else None,
    )
    columns = curve_epochs(len(kept) - 1)  # evenly spaced among the entries kept
    width = len(kept)  # every member that ran has an entry for each (none may have run)
    curves: dict[str, Any] = {"epochs": [int(kept[c]) for c in columns],
              "train": curve_quartiles(np.array(curves_train).reshape(len(ran), width), columns),
              "test": curve_quartiles(np.array(curves_test).reshape(len(ran), width), columns)}
    top_pattern = None if top is None else {
        "key": top.key, "count": top.count, "share": sweep.share(top),
        "agree": top.agree if fitting else None,
        "seed": top.seeds[0], "tables": markdown(pattern_equations(cell.config, top.signs)),
    }
    return CellResult(cell.index, cell.label, dict(cell.values), work.spec(), tuple(members),
                      stats, top_pattern, curves)
