"""The study's picture: final test loss per cell as box plots, and median loss curves per cell.

Boxes span the first to the third quartile with the median marked; whiskers reach the most
extreme seed within 1.5 box lengths, seeds beyond are drawn as points (matplotlib's
convention). The curves are each cell's median test loss by epoch, with the band between its
first and third quartiles, and the median training loss dashed. Losses are drawn on a log
scale when every one is positive, since good and bad cells differ by orders of magnitude.
matplotlib is imported only here, with its headless Agg canvas.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from nneq.picture.plot import check_dpi, plot_format
from nneq.storage.files import atomic_path
from nneq.studies.execution import StudyResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE = (11.0, 4.6)  # inches


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib as mpl

    with mpl.rc_context({"font.size": 8, "axes.titlesize": 9, "xtick.labelsize": 7,
                         "ytick.labelsize": 7, "legend.fontsize": 6, "svg.hashsalt": "nneq"}):
        yield


def save_picture(result: StudyResult, path: str | os.PathLike[str], *, dpi: int = 100) -> None:
    """Draw the study's picture and write it atomically as PNG, SVG or PDF (by its extension)."""
    fmt = plot_format(path)
    figure = draw_study(result, dpi=dpi)
    metadata = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    with _style(), atomic_path(path) as temp:
        figure.savefig(temp, format=fmt, dpi="figure", metadata=metadata)


def draw_study(result: StudyResult, *, dpi: int = 100) -> Figure:
    """The study's picture as a matplotlib Figure (box plots and curves); nothing is written."""
    check_dpi(dpi)
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cells = result.cells
    labels = [c.label.replace(" ", "\n") or "all" for c in cells]
    finals = [[m["loss_test"] for m in c.members if m["diverged_at"] is None] for c in cells]
    positive = all(v > 0 for losses in finals for v in losses)
    with _style():
        figure = Figure(figsize=SIZE, dpi=dpi, facecolor="white")
        FigureCanvasAgg(figure)
        figure.suptitle(result.study.title, fontsize=10)
        boxes, curves = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
        boxes.boxplot([f or [float("nan")] for f in finals], tick_labels=labels,
                      flierprops={"markersize": 2})
        boxes.set_title(f"final test loss per cell ({result.study.seeds} seeds each)")
        boxes.set_ylabel("test loss")
        boxes.tick_params(axis="x", labelrotation=0 if len(cells) <= 8 else 90)
        if positive:
            boxes.set_yscale("log")
        target = result.study.target
        if target.metric == "test-loss":
            boxes.axhline(target.value, color="#c44", linewidth=0.7, linestyle=":",
                          label=target.describe())
            boxes.legend(loc="upper right")
        cmap = colormaps["viridis"]
        for k, c in enumerate(cells):
            colour = cmap(0.9 * k / max(len(cells) - 1, 1))  # the palest yellow is hard to see
            epochs = c.curves["epochs"]
            test, train = c.curves.get("test"), c.curves.get("train")
            if not test:
                continue
            curves.plot(epochs, test["median"], color=colour, linewidth=1, label=c.label or "all")
            curves.fill_between(epochs, test["q1"], test["q3"], color=colour, alpha=0.15,
                                linewidth=0)
            if train:
                curves.plot(epochs, train["median"], color=colour, linewidth=0.7, linestyle="--")
        curves.set_title("median test loss by epoch (quartile band; dashed: training)")
        curves.set_xlabel("epoch")
        curves.set_ylabel("loss")
        if positive:
            curves.set_yscale("log")
        if len(cells) <= 12 and curves.get_legend_handles_labels()[0]:  # not if all diverged
            curves.legend(loc="upper right")
        figure.tight_layout()
    return figure
