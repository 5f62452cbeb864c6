"""The Playground's six data generators, its shuffle and its train/test split.

Every generator draws from the `SeedRandom` it is given, in the Playground's order, and
rounds each operation as the Playground does (docs/playground.md §5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nneq.playground import jsmath
from nneq.playground.catalog import DATASET_INFO
from nneq.playground.rng import SeedRandom

TWO_PI = np.pi * 2


@dataclass(frozen=True)
class Points:
    """Raw points: coordinates x, y (not features) and labels, in stored order."""

    x: np.ndarray
    y: np.ndarray
    label: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def take(self, index: np.ndarray | slice) -> Points:
        """The points at `index`, in that order."""
        return Points(self.x[index], self.y[index], self.label[index])


def _uniform(r: np.ndarray, low: float, high: float) -> np.ndarray:
    # U(a, b) = r·(b − a) + a, the width computed first.
    return r * (high - low) + low


def _linear_scale(v: np.ndarray, domain: tuple[float, float], rng: tuple[float, float],
                  *, clamp: bool = False) -> np.ndarray:
    # d3's linear scale: t = (v − d0)/(d1 − d0), then r0·(1 − t) + r1·t.
    t = (v - domain[0]) / (domain[1] - domain[0])
    if clamp:
        t = np.minimum(1.0, np.maximum(0.0, t))
    return rng[0] * (1 - t) + rng[1] * t


# Each generator with a fixed number of draws works on its draws, shaped (…, points, per
# point): the leading axes are seeds, so that a sweep makes every seed's data in one go with
# the very operations a single run uses.


def circle_points(draws: np.ndarray, noise: float) -> Points:
    """circle from its draws (…, 500, 4): r, angle, then the noise in x and in y."""
    radius = np.concatenate([_uniform(draws[..., :250, 0], 0, 2.5),
                             _uniform(draws[..., 250:, 0], 3.5, 5)], axis=-1)
    angle = _uniform(draws[..., 1], 0, TWO_PI)
    sin, cos = jsmath.sincos(angle)
    x = radius * sin
    y = radius * cos
    dx = x + _uniform(draws[..., 2], -5, 5) * noise
    dy = y + _uniform(draws[..., 3], -5, 5) * noise
    label = np.where(np.sqrt(dx * dx + dy * dy) < 2.5, 1.0, -1.0)
    return Points(x, y, label)


def circle(rng: SeedRandom, noise: float) -> Points:
    """Two rings: label +1 inside radius 2.5, -1 from 3.5 to 5; noise only moves the labels."""
    return circle_points(rng.uniform(500 * 4).reshape(500, 4), noise)


def xor_points(draws: np.ndarray, noise: float) -> Points:
    """xor from its draws (…, 500, 4): x, y, then the noise in x and in y."""
    xy = _uniform(draws[..., :2], -5, 5)
    xy = np.where(xy > 0, xy + 0.3, xy + -0.3)
    nxy = _uniform(draws[..., 2:], -5, 5) * noise
    label = np.where((xy[..., 0] + nxy[..., 0]) * (xy[..., 1] + nxy[..., 1]) >= 0, 1.0, -1.0)
    return Points(xy[..., 0], xy[..., 1], label)


def xor(rng: SeedRandom, noise: float) -> Points:
    """Four quadrants, padded 0.3 away from the axes: +1 where x·y >= 0."""
    return xor_points(rng.uniform(500 * 4).reshape(500, 4), noise)


def _normals(rng: SeedRandom, count: int) -> np.ndarray:
    """`count` standard normals by the polar method, drawing pairs until s <= 1."""
    found: list[np.ndarray] = []
    needed = count
    while needed:
        # Drawing exactly `needed` pairs can never accept more than needed, so nothing is
        # drawn that the Playground would not have drawn.
        pairs = rng.uniform(2 * needed).reshape(needed, 2)
        a = 2 * pairs[:, 0] - 1
        b = 2 * pairs[:, 1] - 1
        s = a * a + b * b
        keep = s <= 1
        found.append(np.sqrt((-2 * jsmath.log(s[keep])) / s[keep]) * a[keep])
        needed -= int(keep.sum())
    return np.concatenate(found)


def gauss(rng: SeedRandom, noise: float) -> Points:
    """Two Gaussian blobs: +1 around (2, 2), -1 around (-2, -2); noise widens them."""
    spread = _linear_scale(np.array(noise, dtype=np.float64), (0, 0.5), (0.5, 4))
    z = _normals(rng, 1000).reshape(500, 2)  # x is drawn fully before y
    centre = np.repeat([2.0, -2.0], 250)
    x = centre + np.sqrt(spread) * z[:, 0]
    y = centre + np.sqrt(spread) * z[:, 1]
    return Points(x, y, np.repeat([1.0, -1.0], 250))


def spiral_points(draws: np.ndarray, noise: float) -> Points:
    """spiral from its draws (…, 500, 2): the noise in x, then in y."""
    i = np.tile(np.arange(250, dtype=np.float64), 2)
    delta = np.repeat([0.0, np.pi], 250)
    r = (i / 250) * 5
    t = (((1.75 * i) / 250) * 2) * np.pi + delta
    sin, cos = jsmath.sincos(t)
    x = r * sin + _uniform(draws[..., 0], -1, 1) * noise
    y = r * cos + _uniform(draws[..., 1], -1, 1) * noise
    return Points(x, y, np.broadcast_to(np.repeat([1.0, -1.0], 250), x.shape).copy())


def spiral(rng: SeedRandom, noise: float) -> Points:
    """Two interleaved spirals; noise moves the points themselves."""
    return spiral_points(rng.uniform(500 * 2).reshape(500, 2), noise)


def _plane(draws: np.ndarray, noise: float) -> tuple[np.ndarray, ...]:
    x = _uniform(draws[..., 0], -6, 6)
    y = _uniform(draws[..., 1], -6, 6)
    return (x, y, x + _uniform(draws[..., 2], -6, 6) * noise,
            y + _uniform(draws[..., 3], -6, 6) * noise)


def reg_plane_points(draws: np.ndarray, noise: float) -> Points:
    """reg-plane from its draws (…, 1200, 4): x, y, then the noise in x and in y."""
    x, y, px, py = _plane(draws, noise)
    return Points(x, y, _linear_scale(px + py, (-10, 10), (-1, 1)))


def reg_plane(rng: SeedRandom, noise: float) -> Points:
    """Regression on a tilted plane: the label grows with x + y."""
    return reg_plane_points(rng.uniform(1200 * 4).reshape(1200, 4), noise)


_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def reg_gauss_points(draws: np.ndarray, noise: float) -> Points:
    """reg-gauss from its draws (…, 1200, 4), the same four per point as reg-plane."""
    x, y, px, py = _plane(draws, noise)
    label = np.zeros_like(x)
    for cx, cy, sign in _GAUSSIANS:
        d = np.sqrt((px - cx) * (px - cx) + (py - cy) * (py - cy))
        candidate = sign * _linear_scale(d, (0, 2), (1, 0), clamp=True)
        label = np.where(np.abs(candidate) > np.abs(label), candidate, label)
    return Points(x, y, label)


def reg_gauss(rng: SeedRandom, noise: float) -> Points:
    """Regression on six bumps of alternating sign; each point takes the strongest bump."""
    return reg_gauss_points(rng.uniform(1200 * 4).reshape(1200, 4), noise)


# The generators whose draws are a fixed count per point: name → (from draws, per point).
FROM_DRAWS: dict[str, tuple[Callable[[np.ndarray, float], Points], int]] = {
    "circle": (circle_points, 4), "xor": (xor_points, 4), "spiral": (spiral_points, 2),
    "reg-plane": (reg_plane_points, 4), "reg-gauss": (reg_gauss_points, 4),
}


@dataclass(frozen=True)
class Dataset:
    """One of the Playground's datasets: its generator and points (its words are in the catalog)."""

    name: str
    generate: Callable[[SeedRandom, float], Points]
    draws: int  # random values its points take (on average, for gauss); the shuffle takes more
    points: int = 500

    @property
    def problem(self) -> str:
        """classification or regression."""
        return DATASET_INFO[self.name].problem

    @property
    def description(self) -> str:
        """One line on what its points look like."""
        return DATASET_INFO[self.name].description


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("circle", circle, 2000),
        Dataset("xor", xor, 2000),
        # 1000 normals, each a pair of draws accepted with probability π/4
        Dataset("gauss", gauss, 2547),
        Dataset("spiral", spiral, 1000),
        Dataset("reg-plane", reg_plane, 4800, 1200),
        Dataset("reg-gauss", reg_gauss, 4800, 1200),
    )
}


def shuffle(points: Points, rng: SeedRandom) -> Points:
    """The Playground's Fisher–Yates shuffle from the back: one draw per point (docs/playground.md §6)."""
    n = len(points)
    picks = np.floor(rng.uniform(n) * np.arange(n, 0, -1)).astype(np.int64).tolist()
    order = list(range(n))
    for c, k in zip(range(n - 1, -1, -1), picks, strict=True):
        order[c], order[k] = order[k], order[c]
    return points.take(np.array(order))


def split(points: Points, train_percent: float) -> tuple[Points, Points]:
    """Training data first, test data after, both in shuffled order (docs/playground.md §6)."""
    cut = int(np.floor((len(points) * train_percent) / 100))
    return points.take(slice(0, cut)), points.take(slice(cut, None))
