"""The Playground's picture as numbers: its colour scales, its heatmap grid, and where every
unit and link of the network diagram goes. No drawing happens here; `nneq.picture.plot` draws it.

Geometry is in node sizes: every unit is a 1 x 1 square, units of a layer are stacked from
the top 1.8 apart (the Playground's 30 px boxes 55 px apart), layers are columns 3.4 apart,
and y grows upwards, so the first unit of a layer is the highest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nneq.describe import describe
from nneq.errors import ConfigError
from nneq.explain.equations import source_names, unit_name
from nneq.playground.features import feature_matrix
from nneq.playground.model import Model

ORANGE = "#f59322"  # -1: negative weights, negative outputs, label -1
GREY = "#e8eaeb"  # 0
BLUE = "#0877bd"  # +1: positive weights, positive outputs, label +1
DOMAIN = (-6.0, 6.0)  # the heatmaps' square, x1 and x2 alike
DENSITY = 100  # samples along each side of the large heatmap, as in the Playground
REDUCTION = 10  # a unit's small heatmap averages DENSITY/REDUCTION-sized blocks, as there
SHADES = 30  # a heatmap shows this many steps of the scale (plus one), as there
HEATMAP_ALPHA = 160 / 255  # heatmaps are painted at this opacity over white, as there

PITCH = 1.8  # from one unit's centre to the next one's below
COLUMN = 3.4  # from one layer's centre to the next one's
LINK_SPREAD = 0.4  # the ends of the links into one unit fan out over this height


def rgb(colour: str) -> np.ndarray:
    """'#rrggbb' as three floats from 0 to 1."""
    return np.array([int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5)])


_STOPS = np.stack([rgb(ORANGE), rgb(GREY), rgb(BLUE)])


def colour_scale(values: np.ndarray | float) -> np.ndarray:
    """The Playground's colour for each value (…, 3): orange at -1, grey at 0, blue at +1, clamped."""
    v = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64)), -1.0, 1.0)[..., None]
    # Linear in each half: from grey towards orange below 0, towards blue above.
    colours: np.ndarray = np.where(v < 0, _STOPS[1] + (_STOPS[1] - _STOPS[0]) * v,
                                   _STOPS[1] + (_STOPS[2] - _STOPS[1]) * v)
    return colours


def shade(values: np.ndarray | float, *, discretize: bool = False) -> np.ndarray:
    """A heatmap's colour for each value (…, 3): the scale cut into SHADES + 1 equal steps.

    d3's quantize over [-1, 1] with SHADES + 1 colours, the k-th being the scale at
    -1 + 2k/SHADES; `discretize` keeps only the sign (0 counts as +1), as the checkbox does.
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float64))
    if discretize:
        v = np.where(v >= 0, 1.0, -1.0)
    k = np.clip(np.floor((v + 1) / 2 * (SHADES + 1)), 0, SHADES)
    return colour_scale(-1 + 2 * k / SHADES)


def heatmap_colours(values: np.ndarray, *, discretize: bool = False) -> np.ndarray:
    """Heatmap pixels (…, 3): the shade at HEATMAP_ALPHA over white, so points stand out on it."""
    return 1 - HEATMAP_ALPHA * (1 - shade(values, discretize=discretize))


def link_width(weight: float) -> float:
    """A link's width as a share of a node's size: 1/30 at 0 growing to 10/30 from |w| = 5 on."""
    return (1 + 9 * min(abs(weight) / 5, 1.0)) / 30


def grid(density: int = DENSITY) -> np.ndarray:
    """The heatmap's sample points (density², 2), row by row from the top, left to right.

    Each sample sits at the centre of its pixel, so a pixel shows the value where it is.
    """
    step = (DOMAIN[1] - DOMAIN[0]) / density
    centres = DOMAIN[0] + step * (np.arange(density) + 0.5)
    x, y = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x.ravel(), y.ravel()])


def block_means(image: np.ndarray, factor: int = REDUCTION) -> np.ndarray:
    """The means of factor x factor blocks of a square image, as a unit's small heatmap shows it."""
    n = image.shape[0] // factor
    means: np.ndarray = image[: n * factor, : n * factor].reshape(n, factor, n, factor).mean(axis=(1, 3))
    return means


def output_name(model: Model) -> str:
    """The output unit's name, as the equation tables write it."""
    sizes = model.config.layer_sizes
    return unit_name(len(sizes) - 1, 0, 1, output=True)


def unit_names(model: Model) -> list[str]:
    """Every hidden and output unit's name, layer by layer: h11, h12, …, o1."""
    return [name for layer in source_names(model)[1:] for name in layer] + [output_name(model)]


def find_unit(model: Model, name: str) -> tuple[int, int]:
    """Where unit `name` (in any case, as every choice) is: (index into model.layers, unit
    index); ConfigError if it is none."""
    names = [*source_names(model)[1:], [output_name(model)]]
    wanted = name.lower() if isinstance(name, str) else name
    for k, layer in enumerate(names):
        if wanted in layer:
            return k, layer.index(wanted)
    raise ConfigError("unit", name, "one of " + ", ".join(unit_names(model)))


@dataclass(frozen=True)
class Heatmaps:
    """Images (units, density, density) per layer: the inputs' features, then model.unit_outputs."""

    layers: tuple[np.ndarray, ...]
    density: int

    def unit(self, layer: int, index: int) -> np.ndarray:
        """One unit's image (density, density); layer 0 holds the inputs."""
        image: np.ndarray = self.layers[layer][index]
        return image


def heatmaps(model: Model, *, density: int = DENSITY) -> Heatmaps:
    """The inputs' features and every unit's output over the grid, the network run once."""
    points = grid(density)
    inputs = feature_matrix(model.config.features, points[:, 0], points[:, 1])
    outputs = [inputs, *model.unit_outputs(points)]
    return Heatmaps(tuple(a.T.reshape(-1, density, density) for a in outputs), density)


@dataclass(frozen=True)
class Node:
    """One unit's square: its name, column (0 for inputs), index in the column, centre and bias."""

    name: str
    layer: int
    index: int
    centre: tuple[float, float]
    bias: float | None = None  # None for inputs

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """The square as (left, right, bottom, top)."""
        x, y = self.centre
        return (x - 0.5, x + 0.5, y - 0.5, y + 0.5)


@dataclass(frozen=True)
class Link:
    """One link: the Playground's curve from the source's right side to the destination's left."""

    source: str
    dest: str
    layer: int  # index into model.layers
    weight: float
    dead: bool
    start: tuple[float, float]
    end: tuple[float, float]

    @property
    def controls(self) -> tuple[tuple[float, float], ...]:
        """The curve's four Bézier points: start, two controls level with each end, end."""
        # Both controls sit halfway across, so the curve leaves and arrives horizontally.
        mid = (self.start[0] + self.end[0]) / 2
        return (self.start, (mid, self.start[1]), (mid, self.end[1]), self.end)

    @property
    def midpoint(self) -> tuple[float, float]:
        """The point halfway along the curve, where its colour is easiest to see."""
        # B(1/2) = (P0 + 3 P1 + 3 P2 + P3)/8; with P1, P2 halfway across and level with the
        # ends, that is the midpoint of the two ends.
        return ((self.start[0] + self.end[0]) / 2, (self.start[1] + self.end[1]) / 2)


@dataclass(frozen=True)
class Layout:
    """Where everything in the network diagram goes, in node sizes."""

    nodes: tuple[Node, ...]
    links: tuple[Link, ...]
    headers: tuple[tuple[float, str], ...]  # (x, text) above each column
    bounds: tuple[float, float, float, float]  # (left, right, bottom, top), labels included

    def node(self, name: str) -> Node:
        """The unit or input called `name`."""
        return next(n for n in self.nodes if n.name == name)

    def link(self, source: str, dest: str) -> Link:
        """The link from `source` to `dest`."""
        return next(k for k in self.links if k.source == source and k.dest == dest)


LABEL_ROOM = 2.2  # left of the inputs, for feature names such as sin(x1)
HEADER_ROOM = 1.2  # above the top row, for the column headers
FOOT_ROOM = 1.0  # below the lowest row, for its unit names


def layout(model: Model) -> Layout:
    """The diagram of `model`: inputs on the left, then each hidden layer, the output last."""
    columns = [*source_names(model), [output_name(model)]]
    nodes = [
        Node(name, k, i, (k * COLUMN, -i * PITCH),
             None if k == 0 else float(model.layers[k - 1].biases[i]))
        for k, names in enumerate(columns) for i, name in enumerate(names)
    ]
    by_name = {n.name: n for n in nodes}
    links = []
    for k, layer in enumerate(model.layers):
        fan_in = len(columns[k])
        for j, dest in enumerate(columns[k + 1]):
            tx, ty = by_name[dest].centre
            for i, source in enumerate(columns[k]):
                sx, sy = by_name[source].centre
                # The links into one unit end side by side, fanned out in source order.
                offset = (i - (fan_in - 1) / 2) / fan_in * LINK_SPREAD
                links.append(Link(source, dest, k, float(layer.weights[i, j]),
                                  bool(layer.dead[i, j]), (sx + 0.5, sy), (tx - 0.5, ty - offset)))
    last = len(columns) - 1
    headers = [(0.0, "features")]
    headers += [(k * COLUMN, f"hidden {k}") for k in range(1, last)]
    headers.append((last * COLUMN, "output"))
    tallest = max(len(c) for c in columns)
    bounds = (-0.5 - LABEL_ROOM, last * COLUMN + 0.5 + 0.3, -(tallest - 1) * PITCH - 0.5 - FOOT_ROOM,
              0.5 + HEADER_ROOM)
    return Layout(tuple(nodes), tuple(links), tuple(headers), bounds)


def caption(model: Model) -> str:
    """Two lines: the configuration, then the epochs and final losses (three decimals)."""
    result = [f"{model.epochs} epochs", f"loss train {model.loss_train[-1]:.3f}",
              f"test {model.loss_test[-1]:.3f}"]
    if model.diverged:
        result.append(f"diverged at epoch {model.diverged_at}")
    return describe(model.config, sep="   ") + "\n" + "   ".join(result)
