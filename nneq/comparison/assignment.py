"""Exact assignment: pair rows with columns to maximise a total weight.

Used to align a layer's predicted units with learnt units. Small problems use a dynamic
programme over subsets of columns, which can also list every optimal pairing (the ties);
large ones SciPy's `linear_sum_assignment` (a shortest augmenting path method, O(n³)),
which gives one optimum.
"""

from __future__ import annotations

import numpy as np

DP_UNITS = 12  # up to this many columns (after putting the smaller side in rows): DP; wider: Hungarian


def best_matchings(weights: np.ndarray, limit: int) -> tuple[int, list[tuple[int, ...]]]:
    """The best total weight of a matching covering min(rows, cols), and up to `limit` optima.

    Each matching gives, per row, its column or -1. Layers up to DP_UNITS wide use an exact DP
    over subsets of columns, which also lists the ties; wider ones `linear_sum_assignment`.
    """
    rows, cols = weights.shape
    if rows == 0 or cols == 0:
        return 0, [(-1,) * rows]
    if rows > cols:  # match the columns to the rows instead, then read the result back
        total, transposed = best_matchings(weights.T, limit)
        back = []
        for matching in transposed:
            rows_to = [-1] * rows
            for j, i in enumerate(matching):
                rows_to[i] = j
            back.append(tuple(rows_to))
        return total, back
    if cols > DP_UNITS:
        match = hungarian(weights)
        return int(sum(weights[i, j] for i, j in enumerate(match) if j >= 0)), [match]
    # best[mask]: the best weight of rows 0 … k-1 matched to exactly the columns in mask, k its
    # number of bits; the last row matched took one of them. Filled level by level, vectorised.
    masks = np.arange(1 << cols)
    bits = sum((masks >> j) & 1 for j in range(cols))
    lowest = np.iinfo(np.int64).min // 4
    best = np.full(1 << cols, lowest, dtype=np.int64)
    best[0] = 0
    w = weights.astype(np.int64)
    for k in range(1, rows + 1):
        level = masks[bits == k]
        top = np.full(len(level), lowest, dtype=np.int64)
        for j in range(cols):
            has = (level >> j) & 1 == 1
            top[has] = np.maximum(top[has], best[level[has] ^ (1 << j)] + w[k - 1, j])
        best[level] = top
    finals = masks[bits == rows]
    total = int(best[finals].max())
    found: list[tuple[int, ...]] = []
    chosen = [-1] * rows
    table, wl = best.tolist(), w.tolist()

    def walk(mask: int, k: int) -> None:
        if len(found) >= limit:
            return
        if k == 0:
            found.append(tuple(chosen))
            return
        for j in range(cols):
            if mask >> j & 1 and table[mask ^ 1 << j] + wl[k - 1][j] == table[mask]:
                chosen[k - 1] = j
                walk(mask ^ 1 << j, k - 1)

    for mask in finals[best[finals] == total].tolist():
        walk(mask, rows)
    return total, found


def hungarian(weights: np.ndarray) -> tuple[int, ...]:
    """A maximum-weight matching covering min(rows, cols): per row its column, or -1."""
    # Loaded here: SciPy's optimisation package takes long to import, and small networks,
    # aligned exactly by enumeration, never need it.
    from scipy.optimize import linear_sum_assignment

    w = np.asarray(weights, dtype=np.float64)
    match = [-1] * w.shape[0]
    if w.size:
        rows, cols = linear_sum_assignment(w, maximize=True)
        for i, j in zip(rows.tolist(), cols.tolist()):
            match[i] = j
    return tuple(match)
