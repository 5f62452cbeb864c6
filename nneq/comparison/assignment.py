"""Exact assignment: pair rows with columns to maximise a total weight.

Used to align a layer's predicted units with learnt units. Small problems use a dynamic
programme over subsets of columns, which can also list every optimal pairing (the ties);
large ones the Hungarian method, which gives one optimum in O(n³).
"""

from __future__ import annotations

import numpy as np

DP_UNITS = 12  # up to this many columns (after putting the smaller side in rows): DP; wider: Hungarian


def best_matchings(weights: np.ndarray, limit: int) -> tuple[int, list[tuple[int, ...]]]:
    """The best total weight of a matching covering min(rows, cols), and up to `limit` optima.

    Each matching gives, per row, its column or -1. Layers up to DP_UNITS wide use an exact DP
    over subsets of columns, which also lists the ties; wider ones the Hungarian method.
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
    """A maximum-weight matching by the Hungarian method (potentials, O(n³)) on the padded square."""
    rows, cols = weights.shape
    n = max(rows, cols)
    cost = np.zeros((n + 1, n + 1))
    cost[1:rows + 1, 1:cols + 1] = -weights  # minimise the negated weights; padding costs 0
    u, v = np.zeros(n + 1), np.zeros(n + 1)
    owner = np.zeros(n + 1, dtype=np.int64)  # owner[j]: the row matched to column j (1-based)
    way = np.zeros(n + 1, dtype=np.int64)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        slack = np.full(n + 1, np.inf)
        used = np.zeros(n + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = owner[j0]
            free = ~used
            free[0] = False
            reduced = cost[i0] - u[i0] - v
            better = free & (reduced < slack)
            slack[better] = reduced[better]
            way[better] = j0
            candidates = np.flatnonzero(free)
            j1 = int(candidates[np.argmin(slack[candidates])])
            delta = slack[j1]
            u[owner[used]] += delta
            v[used] -= delta
            slack[free] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = int(way[j0])
            owner[j0] = owner[j1]
            j0 = j1
    match = [-1] * rows
    for j in range(1, cols + 1):
        if 0 < owner[j] <= rows:
            match[owner[j] - 1] = j - 1
    return tuple(match)
