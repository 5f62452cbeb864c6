"""Aligning a learnt network with a prediction, layer after layer, on sign matrices.

The public entry is `nneq.comparison.symmetry.align`, which first puts the learnt network in canonical
form; everything here works on plain matrices: predicted[k] has as rows the learnt inputs
(k = 0) or the predicted units of the layer below, and as columns the predicted units of
layer k + 1; learnt[k] likewise for the learnt network. An alignment is, per layer, a pair
(units, flips): the learnt unit each predicted unit is read as (-1 for none), and -1 where it
is read flipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations, product

import numpy as np

from nneq.comparison.assignment import hungarian

EXACT_WORK = 3_000_000  # entries of the exact tables (arrangement pairs × links) `search` builds at most
GREEDY_PASSES = 20  # re-solving passes of `greedy_search`; each kept pass improves the scores

LayerChoice = tuple[tuple[int, ...], tuple[int, ...]]


# Layer after layer, the learnt rows are first arranged as the layer below was aligned: row i
# of predicted unit i's learnt unit m_i, times its flip f_i. A predicted unit p read as learnt
# unit m with flip f then agrees on  a = #{i : P[i,p] = f·A[i,m] ≠ 0}  signs and disagrees on
# d = #{i : P[i,p] = -f·A[i,m] ≠ 0}; with P·A counting agreements minus disagreements and
# |P|·|A| their sum, a and d for f = +1 are (|P|ᵀ|A| ± PᵀA)/2, and f = -1 swaps them. The
# weight a·(L + 1) - d, L the layer's predicted links, maximises the layer's agreements first
# and, among equals, prefers fewer disagreements (d never reaches L + 1). Small networks are
# searched exactly over every arrangement; larger ones layer by layer with assignments.


def arranged(learnt: np.ndarray, rows: tuple[tuple[int, int], ...] | None) -> np.ndarray:
    """The learnt matrix's rows in predicted order: f_i times learnt row m_i, zeros for none."""
    if rows is None:
        return learnt.astype(np.int64)
    if not rows or learnt.shape[0] == 0:
        return np.zeros((len(rows), learnt.shape[1]), dtype=np.int64)
    units, flips = (np.asarray(v, dtype=np.int64) for v in zip(*rows))
    # -1 (no unit) picks the last row, then its flip is zeroed: a row of zeros.
    return learnt.astype(np.int64)[units] * np.where(units >= 0, flips, 0)[:, None]


def _counts(p: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agreements and disagreements (p_units, a_units) with every learnt unit read unflipped."""
    # In floating point for the BLAS product: sums of ±1 are exact far beyond these sizes.
    # C order: a transposed (Fortran-ordered) operand makes the product about 1000 times slower.
    p, a = np.ascontiguousarray(p, dtype=np.float64), np.ascontiguousarray(a, dtype=np.float64)
    both = (np.abs(p).T @ np.abs(a)).astype(np.int64)
    net = (p.T @ a).astype(np.int64)
    return (both + net) // 2, (both - net) // 2


def score(p: np.ndarray, a: np.ndarray, units: Sequence[int], flips: Sequence[int]) -> tuple[int, int]:
    """(agree, compared) of predicted columns read as learnt columns `units` with `flips`."""
    u, f = np.asarray(units, dtype=np.int64), np.asarray(flips, dtype=np.int64)
    valid = (u >= 0) & (u < a.shape[1])
    read = a[:, u[valid]] * f[valid][None, :]
    mine = p[:, valid]
    live = (mine != 0) & (read != 0)
    return int((live & (mine == read)).sum()), int(live.sum())


def search(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool],
           hint: list[LayerChoice] | None = None) -> list[LayerChoice]:
    """The best alignment onto `learnt`: layer 1's agreement first, then layer 2's, and so on.

    Exact (`exact_search`) while the network is small enough to weigh every pair of
    consecutive layers' arrangements (EXACT_WORK); otherwise `greedy_search`, whose guarantee
    is weaker. `hint` is another alignment to keep if it scores better.
    """
    tables = exact_tables(predicted, learnt, flips_allowed)
    if tables is not None:
        found = tables.best_chain([p[t] for p, t in zip(predicted, tables.support)])
    else:
        found = greedy_search(predicted, learnt, flips_allowed)
    for other in (hint, identity_alignment(predicted, learnt)):
        if other is not None and (layer_scores(predicted, learnt, other)
                                  > layer_scores(predicted, learnt, found)):
            found = other
    return found


# --- exact: every arrangement, weighed layer pair by layer pair -----------------------------


def layer_choices(predicted: int, learnt: int, flips: bool) -> tuple[np.ndarray, np.ndarray]:
    """Every arrangement of one hidden layer: (units, flips), each (arrangements, predicted).

    An arrangement reads each predicted unit as a distinct learnt unit (or none, -1, once the
    learnt units run out), and with `flips` each read unit flipped or not.
    """
    if predicted <= learnt:
        found = list(permutations(range(learnt), predicted))
        units = np.array(found, dtype=np.int64).reshape(len(found), predicted)
    else:  # learnt unit j sits at predicted position seats[j]; the other positions read none
        places = list(permutations(range(predicted), learnt))
        seats = np.array(places, dtype=np.int64).reshape(len(places), learnt)
        units = np.full((len(seats), predicted), -1, dtype=np.int64)
        units[np.arange(len(seats))[:, None], seats] = np.arange(learnt)[None, :]
    if not flips or predicted == 0:
        return units, np.ones_like(units)
    signs = np.array(list(product((1, -1), repeat=predicted)), dtype=np.int64)
    matched = units >= 0
    # Flipping an unmatched unit changes nothing: keep those at +1, so each arrangement counts once.
    keep = ~(((signs[None, :, :] < 0) & ~matched[:, None, :]).any(axis=2))
    a, b = np.nonzero(keep)
    return units[a], signs[b]


def choice_count(predicted: int, learnt: int, flips: bool) -> int:
    """How many arrangements `layer_choices` lists."""
    matched = min(predicted, learnt)
    return math.perm(max(predicted, learnt), matched) * (2 ** matched if flips else 1)


@dataclass(frozen=True)
class ExactTables:
    """Every arrangement's learnt signs laid out at the predicted links, layer pair by layer pair.

    support[k] marks layer k's predicted links (non-zero entries); pairs[k][g', g, e] is the
    learnt sign read at link e when layer k's rows are arranged by the lower layer's
    arrangement g' and its columns by arrangement g (the outputs have one: their own order).
    A table of signs on the support then scores, per layer, agreements a and disagreements d
    from one matrix product; s = a·(links + 1) - d orders agreements first, fewer
    disagreements next, and a dynamic programme over the layers finds the arrangement whose
    scores are lexicographically best (layer 1 first): exactly what `search` maximises.
    """

    support: tuple[np.ndarray, ...]
    choices: tuple[tuple[np.ndarray, np.ndarray], ...]
    pairs: tuple[np.ndarray, ...]  # (G_below, G, links) int8
    outputs: int  # the learnt network's output units

    def scores(self, k: int, signs: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        """Layer k's scores s for tables `signs` (draws, links), as (draws, G_below, G).

        With a = (both + net)/2 agreements and d = both - a disagreements, s = a·(L + 1) - d
        = a·(L + 2) - both; every value is a small integer, exact in floating point.
        """
        pair = self.pairs[k]
        g_below, g, links = pair.shape
        if links == 0:  # nothing predicted in this layer: every arrangement scores 0
            return np.zeros((len(signs), g_below, g), dtype=dtype)
        flat = pair.reshape(-1, links).astype(np.float32)
        net: np.ndarray = (signs.astype(np.float32) @ flat.T).astype(dtype)
        both = np.abs(flat).sum(axis=1).astype(dtype)
        s: np.ndarray = (both[None, :] + net) * dtype((links + 2) / 2) - both[None, :]
        return s.reshape(-1, g_below, g)

    def _weights(self) -> tuple[list[int], type]:
        """Per layer, the factor that makes the summed keys lexicographic in the layers' scores,
        and the floating type that holds every key exactly."""
        base = 2 * max(links * (links + 1) for links in (p.shape[2] for p in self.pairs)) + 1
        weights = [base ** (len(self.pairs) - 1 - k) for k in range(len(self.pairs))]
        return weights, (np.float32 if base * weights[0] < 2 ** 24 else np.float64)

    def best(self, signs: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Per table, the agreements of its best arrangement, and the back-pointers per layer.

        signs[k] is (draws, links of layer k): the tables' signs on the support. The best
        arrangement maximises the key sum of s_k·weight_k by dynamic programming over the
        layers (each layer's score depends on its own and the lower layer's arrangement);
        agreements are read back from s: a = ceil(s / (L + 1)), since 0 <= d <= L.
        """
        weights, dtype = self._weights()
        value: np.ndarray | None = None
        agreed: np.ndarray | None = None
        back = []
        for k, w in enumerate(weights):
            s = self.scores(k, signs[k], dtype)
            links = self.pairs[k].shape[2]
            total = s * dtype(w)
            if value is not None:
                total += value[:, :, None]
            pick = np.argmax(total, axis=1)  # (draws, G): the best lower arrangement per one here
            value = np.take_along_axis(total, pick[:, None, :], axis=1)[:, 0, :]
            here = np.ceil(np.take_along_axis(s, pick[:, None, :], axis=1)[:, 0, :] / (links + 1))
            agreed = here if agreed is None else np.take_along_axis(agreed, pick, axis=1) + here
            back.append(pick)
        if agreed is None:
            raise ValueError("expected at least the output layer")
        return agreed[:, 0].astype(np.int64), back

    def best_chain(self, signs: Sequence[np.ndarray]) -> list[LayerChoice]:
        """The best arrangement of one table, layer by layer (the outputs last, unmoved)."""
        _, back = self.best([s.reshape(1, -1) for s in signs])
        chosen, found = 0, []
        for k in range(len(self.pairs) - 1, 0, -1):
            chosen = int(back[k][0, chosen])
            units, flips = self.choices[k - 1]
            found.append((tuple(int(u) for u in units[chosen]), tuple(int(f) for f in flips[chosen])))
        outputs = self.support[-1].shape[1]
        fixed = (tuple(i if i < self.outputs else -1 for i in range(outputs)), (1,) * outputs)
        return [*reversed(found), fixed]


def exact_tables(predicted: Sequence[np.ndarray], learnt: Sequence[np.ndarray],
                 flips_allowed: Sequence[bool], *, limit: int = EXACT_WORK) -> ExactTables | None:
    """The tables of `ExactTables`, or None when they would exceed `limit` entries."""
    hidden = len(learnt) - 1
    counts = [choice_count(p.shape[1], m.shape[1], f)
              for p, m, f in zip(predicted[:-1], learnt[:-1], flips_allowed)]
    below = [1, *counts]
    here = [*counts, 1]
    links = [int(np.count_nonzero(p)) for p in predicted]
    if sum(a * b * max(e, 1) for a, b, e in zip(below, here, links)) > limit:
        return None
    base = 2 * max(e * (e + 1) for e in links) + 1
    if base ** len(links) >= 2 ** 52:  # keys beyond a float's exact integers
        return None
    choices = tuple(layer_choices(p.shape[1], m.shape[1], f)
                    for p, m, f in zip(predicted[:-1], learnt[:-1], flips_allowed))
    outputs = learnt[-1].shape[1]
    out_units = np.array([[i if i < outputs else -1 for i in range(predicted[-1].shape[1])]])
    columns = [*choices, (out_units, np.ones_like(out_units))]
    support, pairs = [], []
    for k in range(hidden + 1):
        m = np.asarray(learnt[k], dtype=np.int8)
        padded = np.zeros((m.shape[0] + 1, m.shape[1] + 1), dtype=np.int8)
        padded[:-1, :-1] = m  # index -1 reads the zero pad: no unit, no link
        if k == 0:
            rows_u = np.arange(m.shape[0])[None, :]
            rows_f = np.ones_like(rows_u)
        else:
            rows_u, rows_f = choices[k - 1]
        cols_u, cols_f = columns[k]
        read = padded[rows_u] * rows_f[:, :, None].astype(np.int8)  # (G', r, n + 1)
        full = read[:, :, cols_u]  # (G', r, G, c)
        full = np.transpose(full, (0, 2, 1, 3)) * cols_f[None, :, None, :].astype(np.int8)
        mask = np.asarray(predicted[k]) != 0
        support.append(mask)
        pairs.append(np.ascontiguousarray(full[:, :, mask]))
    return ExactTables(tuple(support), choices, tuple(pairs), outputs)


# --- beyond that: assignments layer after layer ----------------------------------------------


def greedy_search(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool]
                  ) -> list[LayerChoice]:
    """Layer after layer, an exact assignment given the layers below; then passes that re-solve.

    Guarantee: layer 1's agreement is the exact maximum, and every later layer's is the exact
    maximum given how the layers below were aligned. Each pass solves layer k again so that,
    among its equally good alignments, the one the next layer prefers wins (`_resolve`), then
    the layers above it again; a pass is kept only when it improves the layer scores
    lexicographically. Polynomial: O(n³) per layer and pass.
    """
    hidden = len(learnt) - 1
    layers: list[LayerChoice] = []
    rows = None
    for k in range(hidden):
        layers.append(_solve(predicted, learnt, flips_allowed, rows, k))
        rows = tuple(zip(*layers[k]))
    outputs = predicted[hidden].shape[1]
    columns = min(outputs, learnt[hidden].shape[1])
    layers.append((tuple(range(columns)) + (-1,) * (outputs - columns), (1,) * outputs))
    scores = layer_scores(predicted, learnt, layers)
    # solved[j]: layer j is what `_solve` gives on the layer below as it stands. Where a layer
    # comes out as it was and every layer above is solved, the layers above come out as they
    # were too (`_solve` is a function of the rows): they are kept, not solved again.
    solved = [True] * hidden
    for _ in range(GREEDY_PASSES):
        improved = False
        for k in range(hidden - 1):
            if _perfect(predicted, learnt, layers, k + 1):
                continue  # every predicted link above agrees: no tie of layer k can do better
            candidate = list(layers)
            candidate[k] = _resolve(predicted, learnt, flips_allowed, candidate, k)
            for j in range(k + 1, hidden):
                if candidate[j - 1] == layers[j - 1] and all(solved[j:]):
                    break  # candidate[j:] would be layers[j:] again
                candidate[j] = _solve(predicted, learnt, flips_allowed, tuple(zip(*candidate[j - 1])), j)
            if candidate == layers:
                continue
            # Layers below k are unchanged: only k and those above are scored again.
            candidate_scores = scores[:k] + layer_scores(predicted, learnt, candidate, start=k)
            if candidate_scores > scores:
                layers, scores, improved = candidate, candidate_scores, True
                solved[k:] = [False] + [True] * (hidden - 1 - k)
        if not improved:
            break
    return layers


def _perfect(predicted: list[np.ndarray], learnt: list[np.ndarray], layers: list[LayerChoice],
             k: int) -> bool:
    """Whether every predicted link of layer k agrees under `layers` (none absent, none wrong)."""
    rows = tuple(zip(*layers[k - 1])) if k else None
    agree, _ = score(predicted[k], arranged(learnt[k], rows), *layers[k])
    return agree == int(np.count_nonzero(predicted[k]))


def _solve(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool],
           rows: tuple[tuple[int, int], ...] | None, k: int) -> LayerChoice:
    """Layer k's exact best assignment with its rows arranged as `rows` says."""
    plus, minus = _weights(predicted[k].astype(np.int64), arranged(learnt[k], rows))
    weight = np.maximum(plus, minus) if flips_allowed[k] else plus
    matching = hungarian(weight)
    flips = tuple(-1 if m >= 0 and flips_allowed[k] and minus[i, m] > plus[i, m] else 1
                  for i, m in enumerate(matching))
    return tuple(matching), flips


def identity_alignment(predicted: Sequence[np.ndarray], learnt: Sequence[np.ndarray]
                       ) -> list[LayerChoice]:
    """Predicted unit i read as learnt unit i, unflipped; none where the learnt layer is smaller."""
    return [(tuple(u if u < m.shape[1] else -1 for u in range(p.shape[1])), (1,) * p.shape[1])
            for p, m in zip(predicted, learnt)]


def _weights(p: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (predicted, learnt) unit: agreements·(links + 1) - disagreements, unflipped and flipped."""
    agree, disagree = _counts(p, a)
    scale = int(np.count_nonzero(p)) + 1
    return agree * scale - disagree, disagree * scale - agree


def layer_scores(predicted: list[np.ndarray], learnt: list[np.ndarray],
                 layers: list[LayerChoice], *, start: int = 0) -> tuple[int, ...]:
    """Each layer's weighted score (agreements first, then fewer disagreements) under `layers`,
    from layer `start` on."""
    scores: list[int] = []
    rows = tuple(zip(*layers[start - 1])) if start else None
    for k, (units, flips) in enumerate(layers[start:], start):
        plus, minus = _weights(predicted[k].astype(np.int64), arranged(learnt[k], rows))
        u, f = np.asarray(units, dtype=np.int64), np.asarray(flips, dtype=np.int64)
        c = np.flatnonzero(u >= 0)
        scores.append(int(np.where(f[c] > 0, plus[c, u[c]], minus[c, u[c]]).sum()))
        rows = tuple(zip(units, flips))
    return tuple(scores)


def _resolve(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool],
             layers: list[LayerChoice], k: int) -> LayerChoice:
    """Layer k solved again: its exact maximum, and among its optima the next layer's favourite.

    With layer k + 1 aligned as it is, its score is a sum over its rows, i.e. over layer k's
    units: predicted row i read as learnt row m with flip f contributes what that row agrees
    with. So layer k is one assignment with weight W_k·BIG + that contribution, BIG outweighing
    any next-layer total.
    """
    rows = None if k == 0 else tuple(zip(*layers[k - 1]))
    plus, minus = _weights(predicted[k].astype(np.int64), arranged(learnt[k], rows))
    following = predicted[k + 1].astype(np.int64)
    read = np.zeros((learnt[k + 1].shape[0], following.shape[1]), dtype=np.int64)
    for q, (m, f) in enumerate(zip(*layers[k + 1])):
        if m >= 0:
            read[:, q] = f * learnt[k + 1][:, m]
    next_plus, next_minus = _weights(following.T, read.T)  # (predicted rows, learnt rows)
    big = 2 * int(np.abs(next_plus).sum() + np.abs(next_minus).sum()) + 1
    if big * (int(np.abs(plus).max(initial=0)) + int(np.abs(minus).max(initial=0)) + 1) >= 2 ** 52:
        return _solve(predicted, learnt, flips_allowed, rows, k)  # beyond a float's exact integers
    keep, turn = plus * big + next_plus, minus * big + next_minus
    weight = np.maximum(keep, turn) if flips_allowed[k] else keep
    matching = hungarian(weight)
    flips = tuple(-1 if m >= 0 and flips_allowed[k] and turn[i, m] > keep[i, m] else 1
                  for i, m in enumerate(matching))
    return tuple(matching), flips


