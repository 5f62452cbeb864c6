"""The cells of a study: every combination of one value per axis, first axis slowest.

Seeds. The study has one seed S, and a cell's members are `B-1`, `B-2` … where B is the
cell's base seed. Along a paired axis cells share B, so each seed is trained in every one of
them and cells can be compared seed by seed. An unpaired axis gives each of its values seeds of
their own: B is S followed by `/axis:value` for every unpaired axis (`0.53049/noise:10`), which
is stable when values are added, removed or reordered.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

from nneq.playground.config import Config
from nneq.studies.studyfile import Study, value_label

__all__ = ["Cell", "cells", "value_label"]


@dataclass(frozen=True)
class Cell:
    """One combination of axis values, with the configuration (and base seed) it trains."""

    index: int  # position in the grid
    values: tuple[tuple[str, object], ...]  # (axis, value) in the axes' order
    config: Config

    @property
    def label(self) -> str:
        """'shape=2,1 noise=10'."""
        return " ".join(f"{name}={value_label(value)}" for name, value in self.values)


def cells(study: Study) -> list[Cell]:
    """Every cell of the study in grid order (the first axis varies slowest)."""
    seed = str(study.base.seed)
    grid = []
    for index, combo in enumerate(itertools.product(*(a.values for a in study.axes))):
        changes: dict[str, Any] = {}  # values the configuration checks and canonicalises
        cell_seed = seed
        for axis, value in zip(study.axes, combo, strict=True):
            changes[axis.field] = value
            if not axis.paired:
                cell_seed += f"/{axis.name}:{value_label(value)}"
        config = dataclasses.replace(study.base, **changes, seed=cell_seed)
        grid.append(Cell(index, tuple((a.name, v) for a, v in zip(study.axes, combo, strict=True)),
                         config))
    return grid
