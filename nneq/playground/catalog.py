"""The Playground's choices by name: datasets, activations, regularizations.

These tables hold names and words only, so that validating a configuration, reading a link
or listing the datasets needs no numerical library. The computations behind each name live
in `datasets.py` and `activations.py`, whose tables are keyed by the same names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset's name, its problem type and a one-line description of its points."""

    name: str
    problem: str
    description: str


DATASET_INFO: dict[str, DatasetInfo] = {
    d.name: d
    for d in (
        DatasetInfo("circle", "classification", "a disc of +1 inside a ring of -1"),
        DatasetInfo("xor", "classification", "four quadrants, +1 where x1 and x2 share a sign"),
        DatasetInfo("gauss", "classification", "two Gaussian blobs, +1 upper right"),
        DatasetInfo("spiral", "classification", "two interleaved spirals"),
        DatasetInfo("reg-plane", "regression", "a plane rising with x1 + x2"),
        DatasetInfo("reg-gauss", "regression", "six bumps of alternating sign"),
    )
}

ACTIVATION_NAMES: tuple[str, ...] = ("tanh", "relu", "sigmoid", "linear")
REGULARIZATIONS: tuple[str, ...] = ("none", "L1", "L2")
