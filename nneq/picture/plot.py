"""The Playground's picture of a trained model, drawn with matplotlib and written as PNG, SVG or PDF.

One figure: the network diagram (every unit a small heatmap of its own output, links
coloured by sign and as wide as they are strong), the large heatmap of the output (or of
one chosen unit) with the data on it, the loss curves, and a caption with the settings.
What goes where and in which colour comes from `nneq.picture.diagram`; matplotlib is imported
only here, and only when a picture is drawn, with its headless Agg canvas.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nneq.describe import number_text
from nneq.errors import NneqError
from nneq.picture.diagram import (
    DOMAIN,
    Heatmaps,
    Layout,
    block_means,
    colour_scale,
    find_unit,
    heatmap_colours,
    heatmaps,
    layout,
    link_width,
    output_name,
    shade,
)
from nneq.picture.diagram import caption as make_caption
from nneq.playground.config import whole_number
from nneq.playground.model import Model
from nneq.storage.files import atomic_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
DPI_RANGE = (20, 600)
# plot and report alike: about 12 px text, legible on a blog page
DEFAULT_DPI = 150

# The figure, in inches: the network on the left, the large heatmap and the losses on the right.
SIZE = (13.0, 7.0)
NETWORK = (0.15, 0.3, 7.7, 5.8)  # left, bottom, width, height
HEATMAP = (8.35, 2.3, 3.75, 3.75)
COLOUR_BAR = (12.25, 2.3, 0.12, 3.75)
LOSSES = (8.35, 0.55, 4.0, 0.95)
MAX_NODE = 0.6  # the largest a unit's square may be, in inches, for small networks
# A unit's bias: a square 5/30 of the unit's size, 2/30 left of it and 3/30 below its bottom,
# as the Playground draws it beside its 30 px units.
BIAS_SIZE, BIAS_GAP, BIAS_DROP = 5 / 30, 2 / 30, 3 / 30

TRAIN_LOSS = "#777777"  # the Playground's loss chart: training grey, test black
TEST_LOSS = "#000000"
DEAD_LINK = "#cfd2d4"
FRAME = "#9a9a9a"


@dataclass(frozen=True)
class Picture:
    """A drawn figure, with the layout it followed and its three panels (for finding pixels)."""

    figure: Figure
    layout: Layout
    network: Axes
    heatmap: Axes
    losses: Axes


def plot_format(path: str | os.PathLike[str]) -> str:
    """png, svg or pdf by the file's extension (png when it has none); NneqError otherwise."""
    suffix = Path(path).suffix.lower()
    if not suffix:
        return "png"
    if suffix not in FORMATS:
        raise NneqError(f"cannot write {path}: pictures are .png, .svg or .pdf, not {suffix}")
    return FORMATS[suffix]


def check_dpi(dpi: int) -> int:
    """The resolution, if it is a whole number in DPI_RANGE; ConfigError otherwise."""
    low, high = DPI_RANGE
    return whole_number("dpi", dpi, low=low, high=high)


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib settings for every picture: small type, and fixed SVG ids for repeatable files."""
    import matplotlib as mpl

    with mpl.rc_context({"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8,
                         "xtick.labelsize": 7, "ytick.labelsize": 7, "legend.fontsize": 7,
                         "svg.hashsalt": "nneq", "axes.edgecolor": "#666666",
                         "axes.linewidth": 0.6}):
        yield


def _rect(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box in inches as a share of the figure."""
    return (box[0] / SIZE[0], box[1] / SIZE[1], box[2] / SIZE[0], box[3] / SIZE[1])


MAX_DRAWN_LINKS = 20_000  # the Playground's largest network (7 inputs, 6 layers of 8) has 384


def check_size(model: Model) -> None:
    """Refuse, before any drawing, a network with more links than a picture can show: each
    link is a line and each unit a heatmap, and 20 layers of 100 units would take minutes and
    gigabytes to draw an unreadable picture."""
    sizes = model.config.layer_sizes
    links = sum(a * b for a, b in pairwise(sizes))
    if links > MAX_DRAWN_LINKS:
        raise NneqError(f"this network has {links:,} links and {sum(sizes[1:]):,} units; a picture "
                        f"draws at most {MAX_DRAWN_LINKS:,} links (its equations, comparisons and "
                        "sweeps work at any size)")


def draw(model: Model, *, unit: str | None = None, show_test: bool = False,
         discretize: bool = False, dpi: int = DEFAULT_DPI) -> Picture:
    """The picture of `model`, with `unit`'s heatmap drawn large (the output's by default)."""
    check_size(model)
    selected = output_name(model) if unit is None else unit
    k, j = find_unit(model, selected)
    selected = selected.lower()  # found, so a name, and named as the tables name it
    check_dpi(dpi)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    maps = heatmaps(model)
    with _style():
        figure = Figure(figsize=SIZE, dpi=dpi, facecolor="white")
        FigureCanvasAgg(figure)
        # The caption holds user text (the seed): shown literally, never read as mathtext.
        figure.text(0.5, 1 - 0.2 / SIZE[1], make_caption(model), ha="center", va="top",
                    fontsize=9, linespacing=1.6, parse_math=False)
        plan = layout(model)
        network = figure.add_axes(_rect(NETWORK))
        _draw_network(network, plan, maps, selected=selected, discretize=discretize)
        heatmap = figure.add_axes(_rect(HEATMAP))
        _draw_heatmap(heatmap, model, maps.unit(k + 1, j), selected=selected,
                      show_test=show_test, discretize=discretize)
        _draw_colour_bar(figure.add_axes(_rect(COLOUR_BAR)), discretize=discretize)
        losses = figure.add_axes(_rect(LOSSES))
        _draw_losses(losses, model)
    return Picture(figure, plan, network, heatmap, losses)


def save_plot(model: Model, path: str | os.PathLike[str], *, unit: str | None = None,
              show_test: bool = False, discretize: bool = False, dpi: int = DEFAULT_DPI) -> None:
    """Draw the picture of `model` and write it atomically, in the format its extension names."""
    fmt = plot_format(path)
    picture = draw(model, unit=unit, show_test=show_test, discretize=discretize, dpi=dpi)
    # No creation dates, so that the same model gives the same file.
    metadata = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    with _style(), atomic_path(path) as temp:
        picture.figure.savefig(temp, format=fmt, dpi="figure", metadata=metadata)


def _draw_network(ax: Axes, plan: Layout, maps: Heatmaps, *, selected: str,
                  discretize: bool) -> None:
    """Links, then every unit's small heatmap, frame, bias and name."""
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path as CurvePath

    left, right, bottom, top = plan.bounds
    width, height = NETWORK[2], NETWORK[3]
    # One scale for x and y, so that squares stay square, and the diagram centred in its panel.
    scale = min(width / (right - left), height / (top - bottom), MAX_NODE)  # inches per node
    cx, cy = (left + right) / 2, (bottom + top) / 2
    ax.set_xlim(cx - width / scale / 2, cx + width / scale / 2)
    ax.set_ylim(cy - height / scale / 2, cy + height / scale / 2)
    ax.set_axis_off()
    node = scale * 72  # points
    text = float(np.clip(node * 0.3, 5, 9))

    curve = [CurvePath.MOVETO, CurvePath.CURVE4, CurvePath.CURVE4, CurvePath.CURVE4]
    # Dead links lowest, then the weak under the strong, so what matters is on top.
    for link in sorted(plan.links, key=lambda li: (not li.dead, abs(li.weight))):
        if link.dead:
            style = {"edgecolor": DEAD_LINK, "linewidth": node / 40, "linestyle": (0, (4, 3))}
        else:
            style = {"edgecolor": colour_scale(link.weight), "linewidth": node * link_width(link.weight)}
        ax.add_patch(PathPatch(CurvePath(link.controls, curve), fill=False, capstyle="butt",
                               zorder=1, **style))

    for n in plan.nodes:
        image = block_means(maps.unit(n.layer, n.index))
        ax.imshow(heatmap_colours(image, discretize=discretize), extent=n.extent,
                  interpolation="bilinear", zorder=2, aspect="auto")
        chosen = n.name == selected
        x, y = n.centre
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, zorder=3,
                               edgecolor="black" if chosen else FRAME,
                               linewidth=1.6 if chosen else 0.6))
        if n.layer == 0:
            ax.text(x - 0.75, y, n.name, ha="right", va="center", fontsize=text)
            continue
        ax.text(x, y - 0.62, n.name, ha="center", va="top", fontsize=text * 0.9,
                fontweight="bold" if chosen else "normal")
    for n in plan.nodes:
        if n.bias is not None:
            x, y = n.centre
            corner = (x - 0.5 - BIAS_GAP - BIAS_SIZE, y - 0.5 - BIAS_DROP)
            ax.add_patch(Rectangle(corner, BIAS_SIZE, BIAS_SIZE, zorder=3,
                                   facecolor=colour_scale(n.bias), edgecolor="#666666",
                                   linewidth=0.4))
    for x, label in plan.headers:
        ax.text(x, 0.5 + 0.45, label, ha="center", va="bottom", fontsize=text, color="#555555")


def _draw_heatmap(ax: Axes, model: Model, image: np.ndarray, *, selected: str, show_test: bool,
                  discretize: bool) -> None:
    """The chosen unit's output over the domain, the training points on it (and the test points)."""
    low, high = DOMAIN
    ax.imshow(heatmap_colours(image, discretize=discretize), extent=(low, high, low, high),
              interpolation="bilinear", zorder=1)
    train, test = model.data()
    ax.scatter(train.x, train.y, s=22, c=shade(train.label), edgecolors="white", linewidths=0.6,
               zorder=2)
    if show_test:
        ax.scatter(test.x, test.y, s=22, c=shade(test.label), edgecolors="black", linewidths=0.8,
                   zorder=3)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ticks = np.arange(low, high + 1, 2)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xlabel("x1", labelpad=1)
    ax.set_ylabel("x2", labelpad=1)
    what = "output" if selected == output_name(model) else "unit"
    ax.set_title(f"{what} {selected}" + (", discretized" if discretize else ""), pad=4)


def _draw_colour_bar(ax: Axes, *, discretize: bool) -> None:
    """The heatmap's scale from -1 (orange) to +1 (blue)."""
    values = np.linspace(1, -1, 256)[:, None]
    ax.imshow(heatmap_colours(values, discretize=discretize), extent=(0, 1, -1, 1), aspect="auto",
              interpolation="nearest")
    ax.set_xticks([])
    ax.yaxis.tick_right()
    ax.set_yticks([-1, 0, 1])


def _draw_losses(ax: Axes, model: Model) -> None:
    """Training and test loss by epoch, from the model's history."""
    epochs = model.loss_epoch_numbers()
    marker = "o" if len(epochs) == 1 else None
    ax.plot(epochs, model.loss_train, color=TRAIN_LOSS, linewidth=1.2, marker=marker,
            label=f"training loss {number_text(model.loss_train[-1])}")
    ax.plot(epochs, model.loss_test, color=TEST_LOSS, linewidth=1.2, marker=marker,
            label=f"test loss {number_text(model.loss_test[-1])}")
    ax.set_xlim(0, max(len(epochs) - 1, 1))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("epoch", labelpad=1)
    ax.set_ylabel("loss", labelpad=2)
    ax.legend(frameon=False, loc="best")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
