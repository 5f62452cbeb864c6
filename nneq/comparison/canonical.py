"""The canonical form of a sign pattern: one representative for every network of a class.

Two networks belong to one class when one becomes the other by reordering the hidden units
of a layer (each unit's incoming column and outgoing row move together) and by flipping
units that may flip (negating a unit's incoming and outgoing signs). `canonical` finds the
class's least pattern exactly, with the symmetry that reaches it; `nneq.comparison.symmetry` says which
units may flip and aligns networks with predictions.

Sign matrices are one (n_in, n_out) int8 array per layer of links, row i for source i and
column j for unit j: +1 or -1 for a live link's sign, 0 for no link.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise, permutations, product

import numpy as np

from nneq.errors import NneqError

ARRANGEMENT_LIMIT = 200_000  # tied arrangements `canonical` examines per layer before giving up


class SymmetryError(NneqError):
    """A network too symmetric to canonicalise exactly within the search limit."""


@dataclass(frozen=True)
class Transform:
    """A symmetry of one hidden layer: new unit c is old unit order[c] times flips[c] (+1/-1)."""

    order: tuple[int, ...]
    flips: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Canonical:
    """The representative pattern of a network's class, the symmetry reaching it, and a key."""

    signs: tuple[np.ndarray, ...]  # the canonical sign matrices
    transforms: tuple[Transform, ...]  # per hidden layer: applying these to the input gives `signs`
    key: str  # hashable and readable: layers split by '|', units by ',', signs as + - 0


def checked_signs(signs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The sign matrices as int8 arrays, checked to be 2-D and to chain layer to layer."""
    mats = [np.asarray(s, dtype=np.int8) for s in signs]
    if not mats or any(m.ndim != 2 for m in mats):
        raise ValueError("expected one 2-D sign matrix per layer of links")
    for a, b in pairwise(mats):
        if a.shape[1] != b.shape[0]:
            raise ValueError(f"sign matrices do not chain: {a.shape} then {b.shape}")
    return mats


# The canonical pattern is the lexicographic minimum of the whole orbit, reading layer 1's
# matrix column by column, then layer 2's, and so on, with + < 0 < - at each place. Layer by
# layer: for a fixed order of a layer's rows, the least matrix flips every column so that its
# first non-zero sign is + (when the unit may flip) and sorts the columns. The rows of layer
# k + 1 are fixed by layer k's choice only up to its ties: units whose normalised columns are
# equal may come in any order, and units with no live incoming link may flip freely. So we
# keep every arrangement of the tied rows (twins, identical in and out, counted once) that
# gives the least matrix so far, and let the next layer choose among them. The result is the
# orbit's minimum, hence identical for any two networks of the class.


def _code(x: np.ndarray) -> np.ndarray:
    """Signs as bytes ordered + < 0 < - (0, 1, 2), so byte order is the canonical order."""
    return (1 - x.astype(np.int16)).astype(np.uint8)


def first_nonzero(x: np.ndarray) -> np.ndarray:
    """The first non-zero sign of each column of each candidate (C, rows, n) → (C, n)."""
    if x.shape[1] == 0:
        return np.zeros((x.shape[0], x.shape[2]), dtype=np.int8)
    first = np.argmax(x != 0, axis=1)
    return np.take_along_axis(x, first[:, None, :], axis=1)[:, 0, :]


def _column_ranks(x: np.ndarray) -> np.ndarray:
    """Each column's rank among all distinct columns (C, rows, n) → (C, n), in canonical order."""
    c, rows, n = x.shape
    columns = _code(x.transpose(0, 2, 1).reshape(c * n, rows))
    if rows == 0 or c * n == 0:
        return np.zeros((c, n), dtype=np.int64)
    order = np.lexsort(columns.T[::-1])  # lexicographic order of the columns
    ranked = columns[order]
    starts = np.ones(len(order), dtype=np.int64)
    starts[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.cumsum(starts) - 1
    return ranks.reshape(c, n)


def _least_rows(ranked: np.ndarray) -> np.ndarray:
    """Indices of the rows equal to the lexicographically least row of `ranked` (C, n)."""
    if ranked.shape[1] == 0:
        return np.arange(ranked.shape[0])
    least = np.lexsort(ranked.T[::-1])[0]
    return np.flatnonzero((ranked == ranked[least]).all(axis=1))


def _distinct_orders(classes: list[int]) -> np.ndarray:
    """Every distinct order of a multiset given as class labels: (count, len) positions → items.

    Items of one class are twins, so only the order of distinct classes matters; the k-th
    occurrence of a class always takes that class's k-th item.
    """
    n = len(classes)
    if len(set(classes)) == n:
        return np.array(list(permutations(range(n))), dtype=np.int64).reshape(-1, n)
    members: dict[int, list[int]] = {}
    for item, label in enumerate(classes):
        members.setdefault(label, []).append(item)
    found: list[list[int]] = []

    def walk(left: dict[int, int], done: list[int]) -> None:
        if len(done) == n:
            found.append(done)
            return
        for label, items in members.items():
            if left[label]:
                left[label] -= 1
                walk(left, [*done, items[len(items) - left[label] - 1]])
                left[label] += 1

    walk({label: len(items) for label, items in members.items()}, [])
    return np.array(found, dtype=np.int64).reshape(-1, n)


def _group_arrangements(units: list[int], fixed: list[int] | None, rows: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct orders of a tied group's units with their flips, by the rows they bring.

    `fixed` holds each unit's flip when its incoming column decides it; None when the units
    have no live incoming link and may take either sign. Units bringing the same row (up to
    sign, when free) are twins and are not reordered among themselves.
    """
    if fixed is not None:
        brought = [(f * rows[u]).tobytes() for u, f in zip(units, fixed)]
        labels = [brought.index(b) for b in brought]
        orders = _distinct_orders(labels)
        return np.asarray(units)[orders], np.asarray(fixed, dtype=np.int8)[orders]
    # Free units: a unit with row r may bring r or -r; twins are units with the same pair, and
    # a zero row is its own negative.
    pairs = [min(rows[u].tobytes(), (-rows[u]).tobytes()) for u in units]
    labels = [pairs.index(b) for b in pairs]
    orders = _distinct_orders(labels)
    signed = [i for i, u in enumerate(units) if rows[u].any()]
    signs = np.array(list(product((1, -1), repeat=len(signed))), dtype=np.int8).reshape(
        2 ** len(signed), len(signed))
    flips = np.ones((len(signs), len(units)), dtype=np.int8)
    flips[:, signed] = signs
    unit_orders = np.asarray(units)[orders]  # (a, g)
    # Unit i's flip is fixed per unit, then read in each order's positions.
    all_orders = np.repeat(unit_orders, len(flips), axis=0)
    all_flips = np.tile(flips, (len(orders), 1))
    all_flips = np.take_along_axis(all_flips, np.repeat(orders, len(flips), axis=0), axis=1)
    return all_orders, all_flips


def _combine(groups: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Every combination of one arrangement per group, groups side by side: (N, n) each."""
    orders = np.zeros((1, 0), dtype=np.int64)
    flips = np.zeros((1, 0), dtype=np.int8)
    for g_orders, g_flips in groups:
        count = len(g_orders)
        orders = np.hstack([np.repeat(orders, count, axis=0), np.tile(g_orders, (len(orders), 1))])
        flips = np.hstack([np.repeat(flips, count, axis=0), np.tile(g_flips, (len(flips), 1))])
    return orders, flips


def _arrangement_count(units: list[int], fixed: list[int] | None, rows: np.ndarray) -> int:
    """How many arrangements `_group_arrangements` gives, computed without making them."""
    if fixed is not None:
        labels = [(f * rows[u]).tobytes() for u, f in zip(units, fixed)]
        free_rows = 0
    else:
        labels = [min(rows[u].tobytes(), (-rows[u]).tobytes()) for u in units]
        free_rows = sum(1 for u in units if rows[u].any())
    total = math.factorial(len(units))
    for label in set(labels):
        total //= math.factorial(labels.count(label))
    return total << int(free_rows)  # ×2 per free row: each free unit with a non-zero row brings it either way


def _least_columns(candidates: np.ndarray, *, may_flip: bool
                   ) -> tuple[np.ndarray, list[tuple[int, list[tuple[list[int], list[int] | None]]]]]:
    """The least matrix the candidates (C, rows, n) reach by flipping and sorting their columns.

    Returns that matrix and, for every candidate reaching it, its groups of tied columns in
    order: each group's units with their flips, or None when the units may take either sign.
    """
    first = first_nonzero(candidates)
    flips = np.where(first < 0, -1, 1).astype(np.int8) if may_flip else np.ones_like(first)
    normal = candidates * flips[:, None, :]
    ranks = _column_ranks(normal)
    order = np.argsort(ranks, axis=1, kind="stable")
    ranked = np.take_along_axis(ranks, order, axis=1)
    best = _least_rows(ranked)
    plans = []
    for c in best:
        groups = []
        for rank in dict.fromkeys(ranked[c].tolist()):
            units = order[c][ranked[c] == rank].tolist()
            free = may_flip and not first[c, units[0]]
            groups.append((units, None if free else [int(flips[c, u]) for u in units]))
        plans.append((int(c), groups))
    return normal[best[0]][:, order[best[0]]], plans


def _arrangements(plans: list[tuple[int, list[tuple[list[int], list[int] | None]]]],
                  rows: np.ndarray, *, layer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every arrangement of the next layer's rows the tied groups allow: parents, orders, flips.

    Raises SymmetryError when there are more than ARRANGEMENT_LIMIT of them.
    """
    total = 0
    for _, groups in plans:
        total += math.prod(_arrangement_count(u, f, rows) for u, f in groups)
        if total > ARRANGEMENT_LIMIT:
            raise SymmetryError(
                f"hidden layer {layer} has too many tied units to put in canonical order "
                f"exactly (more than {ARRANGEMENT_LIMIT} arrangements)")
    parents, orders, flips = [], [], []
    for c, groups in plans:
        o, f = _combine([_group_arrangements(u, fx, rows) for u, fx in groups])
        parents.append(np.full(len(o), c))
        orders.append(o)
        flips.append(f)
    return np.concatenate(parents), np.vstack(orders), np.vstack(flips)


def _distinct(arranged: np.ndarray) -> np.ndarray:
    """Indices of the first of each group of equal arrangements, in order."""
    flat = arranged.reshape(len(arranged), -1)
    return np.array(sorted({row.tobytes(): i for i, row in reversed(list(enumerate(flat)))}
                           .values()))


def canonical(signs: Sequence[np.ndarray], *, flippable: Sequence[bool]) -> Canonical:
    """The least pattern of the class under permutations and (where allowed) flips, exactly."""
    mats = checked_signs(signs)
    hidden = len(mats) - 1
    if len(flippable) != hidden:
        raise ValueError(f"flippable needs one entry per hidden layer ({hidden})")
    candidates = mats[0][None]  # (C, rows, n): arrangements of the current layer's rows
    trail: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # per hidden layer: parent, order, flips
    blocks: list[np.ndarray] = []
    for h in range(hidden):
        block, plans = _least_columns(candidates, may_flip=flippable[h])
        blocks.append(block)
        parents, orders, flips = _arrangements(plans, mats[h + 1], layer=h + 1)
        arranged = flips[:, :, None] * mats[h + 1][orders]
        # Arrangements bringing the same rows are the same from here on: keep the first of each.
        keep = _distinct(arranged)
        trail.append((parents[keep], orders[keep], flips[keep]))
        candidates = arranged[keep]
    # The outputs never move: the least arrangement of the last layer's rows wins.
    flat = _code(candidates.transpose(0, 2, 1).reshape(len(candidates), -1))
    chosen = int(np.lexsort(flat.T[::-1])[0]) if flat.shape[1] else 0
    blocks.append(candidates[chosen])
    transforms: list[Transform] = []
    for parents, orders, flips in reversed(trail):
        transforms.append(Transform(tuple(orders[chosen].tolist()), tuple(flips[chosen].tolist())))
        chosen = int(parents[chosen])
    transforms.reverse()
    result = tuple(np.ascontiguousarray(b, dtype=np.int8) for b in blocks)
    return Canonical(result, tuple(transforms), pattern_key(result))


def class_member(signs: Sequence[np.ndarray], *, flippable: Sequence[bool]) -> tuple[np.ndarray, ...]:
    """A pattern of the same class as `signs`, found cheaply: layer by layer, each hidden unit
    flipped (where it may flip) so that its first non-zero incoming sign is +, then the units
    sorted by their incoming column and outgoing row. Two patterns with equal results are of one
    class, so `canonical` need run once for them; unequal results may still be of one class."""
    mats = [m.astype(np.int8) for m in checked_signs(signs)]
    for h, may_flip in enumerate(flippable):
        inputs, outputs = mats[h], mats[h + 1]
        if may_flip:  # a flip negates the unit's incoming column and its outgoing row alike
            flips = np.where(first_nonzero(inputs[None])[0] < 0, -1, 1).astype(np.int8)
            inputs, outputs = inputs * flips, outputs * flips[:, None]
        units = sorted(range(inputs.shape[1]),
                       key=lambda j: (inputs[:, j].tobytes(), outputs[j].tobytes()))
        mats[h], mats[h + 1] = inputs[:, units], outputs[units]
    return tuple(mats)


def pattern_key(signs: Sequence[np.ndarray]) -> str:
    """A readable key for sign matrices: layers split by '|', units (columns) by ','."""
    symbol = {1: "+", 0: "0", -1: "-"}
    return "|".join(",".join("".join(symbol[int(v)] for v in col) for col in np.asarray(m).T)
                    for m in signs)

