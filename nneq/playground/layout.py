"""Where each parameter lives: every layer's bias and weights as one block of a flat array.

Layer l (links from n_in units into n_out units) is one block P of shape (n_in + 1, n_out):
row 0 holds the biases b_j, rows 1… the weights w_ij from unit i below to unit j, the
Playground's `weights[i][j]` layout. The blocks of all layers are views into one flat array,
so that an update is one expression over every parameter, and a stack of S networks is an
(S, total) array with the same views per member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from nneq.playground.network import Layer


def blocks(flat: np.ndarray, shapes: Sequence[tuple[int, int]]) -> list[np.ndarray]:
    """Views of `flat` (…, total) as one (…, rows, cols) block per shape, in order."""
    views, offset = [], 0
    for rows, cols in shapes:
        size = rows * cols
        views.append(flat[..., offset:offset + size].reshape(*flat.shape[:-1], rows, cols))
        offset += size
    return views


@dataclass(frozen=True)
class Layout:
    """The flat layout of a network with layer sizes `sizes` (inputs, hidden…, 1)."""

    sizes: tuple[int, ...]

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """Each layer's block shape (n_in + 1, n_out)."""
        return [(n_in + 1, n_out) for n_in, n_out in pairwise(self.sizes)]

    @property
    def total(self) -> int:
        """Parameters in all: every bias and weight."""
        return sum(rows * cols for rows, cols in self.shapes)

    def blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of `flat` (…, total) as one (…, n_in + 1, n_out) block per layer."""
        return blocks(flat, self.shapes)

    def weights(self) -> np.ndarray:
        """(total,) True on weights, False on biases."""
        mask = np.ones(self.total, dtype=bool)
        for block in self.blocks(mask):
            block[0] = False
        return mask

    def pack(self, networks: Sequence[Sequence[Layer]]) -> tuple[np.ndarray, np.ndarray]:
        """(S, total) parameters and dead links of S networks given layer by layer."""
        params = np.empty((len(networks), self.total))
        dead = np.zeros((len(networks), self.total), dtype=bool)
        for k, (p, d) in enumerate(zip(self.blocks(params), self.blocks(dead), strict=True)):
            p[:, 0, :] = [layers[k].biases for layers in networks]
            p[:, 1:, :] = [layers[k].weights for layers in networks]
            d[:, 1:, :] = [layers[k].dead for layers in networks]
        return params, dead

    def layers(self, params: np.ndarray, dead: np.ndarray) -> tuple[Layer, ...]:
        """One network's (total,) parameters and dead links as Playground layers (copies)."""
        return tuple(Layer(p[1:].copy(), p[0].copy(), d[1:].copy())
                     for p, d in zip(self.blocks(params), self.blocks(dead), strict=True))
