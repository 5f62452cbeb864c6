"""Aligning a learnt network with a prediction, layer after layer, on sign matrices.

The public entry is `nneq.comparison.symmetry.align`, which first puts the learnt network in canonical
form; everything here works on plain matrices: predicted[k] has as rows the learnt inputs
(k = 0) or the predicted units of the layer below, and as columns the predicted units of
layer k + 1; learnt[k] likewise for the learnt network. An alignment is, per layer, a pair
(units, flips): the learnt unit each predicted unit is read as (-1 for none), and -1 where it
is read flipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations, product

import numpy as np

from nneq.comparison.assignment import best_matchings
from nneq.comparison.canonical import first_nonzero

STATE_LIMIT = 256  # alignments kept per layer while breaking ties
MATCHING_LIMIT = 256  # optimal matchings enumerated per kept alignment
ORDER_ROUNDS = 20  # re-pairings `_order_guess` makes at most
EXACT_BLOCK = 8  # blocks of tied units up to this size are ordered by trying every order
ORDER_TIES = 24  # equally good orders per block `_order_guess` passes on
REFINE_PASSES = 1000  # a safety net: every pass but the last improves, so few are needed

LayerChoice = tuple[tuple[int, ...], tuple[int, ...]]


# Layer after layer, the learnt rows are first arranged as the layer below was aligned: row i
# of predicted unit i's learnt unit m_i, times its flip f_i. A predicted unit p read as learnt
# unit m with flip f then agrees on  a = #{i : P[i,p] = f·A[i,m] ≠ 0}  signs and disagrees on
# d = #{i : P[i,p] = -f·A[i,m] ≠ 0}; with P·A counting agreements minus disagreements and
# |P|·|A| their sum, a and d for f = +1 are (|P|ᵀ|A| ± PᵀA)/2, and f = -1 swaps them. The
# weight a·(rows + 1) - d maximises agreements first and, among equals, prefers fewer
# disagreements; an exact assignment then picks the units. When several assignments are
# optimal, the one that lets the next layers agree most wins: searched exhaustively up to the
# limits, then improved by `_refine`. Running on the learnt network's canonical form makes
# every choice, ties included, independent of how the learnt network orders and signs its units.


def arranged(learnt: np.ndarray, rows: tuple[tuple[int, int], ...] | None) -> np.ndarray:
    """The learnt matrix's rows in predicted order: f_i times learnt row m_i, zeros for none."""
    if rows is None:
        return learnt.astype(np.int64)
    out = np.zeros((len(rows), learnt.shape[1]), dtype=np.int64)
    for i, (m, f) in enumerate(rows):
        if m >= 0:
            out[i] = f * learnt[m]
    return out


def _counts(p: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agreements and disagreements (p_units, a_units) with every learnt unit read unflipped."""
    p, a = p.astype(np.int64), a.astype(np.int64)
    both = np.abs(p).T @ np.abs(a)
    net = p.T @ a
    return (both + net) // 2, (both - net) // 2


def score(p: np.ndarray, a: np.ndarray, units: Sequence[int], flips: Sequence[int]) -> tuple[int, int]:
    """(agree, compared) of predicted columns read as learnt columns `units` with `flips`."""
    agree = compared = 0
    for col, (m, f) in enumerate(zip(units, flips)):
        if m < 0 or m >= a.shape[1]:
            continue
        live = (p[:, col] != 0) & (a[:, m] != 0)
        compared += int(live.sum())
        agree += int((live & (p[:, col] == f * a[:, m])).sum())
    return agree, compared


@dataclass(frozen=True)
class _State:
    rows: tuple[tuple[int, int], ...] | None  # the layer below's alignment: (learnt unit, flip)
    done: tuple[LayerChoice, ...]  # (units, flips) per layer so far


def search(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool],
           hint: list[LayerChoice] | None = None) -> list[LayerChoice]:
    """The lexicographically best alignment (layer 1's agreement first) onto `learnt`.

    `hint` is another alignment to start from if it scores better than the search's.
    """
    states = [_State(None, ())]
    last = len(learnt) - 1
    for k in range(last):
        p = predicted[k].astype(np.int64)
        solved = []
        for state in states:
            plus, minus = _weights(p, arranged(learnt[k], state.rows))
            weight = np.maximum(plus, minus) if flips_allowed[k] else plus
            total, matchings = best_matchings(weight, MATCHING_LIMIT)
            solved.append((total, state, matchings, plus, minus))
        top = max(s[0] for s in solved)
        following = predicted[k + 1]
        seen: set[tuple[tuple[bytes, bytes], ...]] = set()
        states = []
        for total, state, matchings, plus, minus in solved:
            if total != top:
                continue
            for matching in matchings:
                choices = []
                for i, m in enumerate(matching):
                    if m < 0:
                        choices.append([(-1, 1)])
                    elif not flips_allowed[k] or plus[i, m] > minus[i, m]:
                        choices.append([(m, 1)])
                    elif minus[i, m] > plus[i, m]:
                        choices.append([(m, -1)])
                    else:  # both readings agree equally: the next layer decides
                        choices.append([(m, 1), (m, -1)])
                for rows in product(*choices):
                    if len(states) >= STATE_LIMIT:
                        break
                    # The next layer sees only the pairs (predicted row, arranged learnt row), in
                    # any order: alignments giving the same pairs are interchangeable from here on.
                    next_rows = arranged(learnt[k + 1], rows)
                    key = tuple(sorted((following[i].tobytes(), next_rows[i].tobytes())
                                       for i in range(len(rows))))
                    if key in seen:
                        continue
                    seen.add(key)
                    units = tuple(m for m, _ in rows)
                    flips = tuple(f for _, f in rows)
                    states.append(_State(rows, (*state.done, (units, flips))))
    # The outputs stay where they are: the best arrangement of the last layer's rows wins.
    p = predicted[last]
    columns = min(p.shape[1], learnt[last].shape[1])
    fixed = (tuple(range(columns)) + (-1,) * (p.shape[1] - columns), (1,) * p.shape[1])
    best = max(states, key=lambda s: score(p, arranged(learnt[last], s.rows), *fixed))
    found = [*best.done, fixed]
    for other in (hint, identity_alignment(predicted, learnt)):
        if other is not None and (layer_scores(predicted, learnt, other)
                                  > layer_scores(predicted, learnt, found)):
            found = other
    return _refine(predicted, learnt, flips_allowed, found)


def identity_alignment(predicted: Sequence[np.ndarray], learnt: Sequence[np.ndarray]
                       ) -> list[LayerChoice]:
    """Predicted unit i read as learnt unit i, unflipped; none where the learnt layer is smaller."""
    return [(tuple(u if u < m.shape[1] else -1 for u in range(p.shape[1])), (1,) * p.shape[1])
            for p, m in zip(predicted, learnt)]


def _weights(p: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (predicted, learnt) unit: agreements·(rows + 1) - disagreements, unflipped and flipped."""
    agree, disagree = _counts(p, a)
    scale = p.shape[0] + 1
    return agree * scale - disagree, disagree * scale - agree


def layer_scores(predicted: list[np.ndarray], learnt: list[np.ndarray],
                 layers: list[LayerChoice]) -> tuple[int, ...]:
    """Each layer's weighted score (agreements first, then fewer disagreements) under `layers`."""
    scores, rows = [], None
    for k, (units, flips) in enumerate(layers):
        plus, minus = _weights(predicted[k].astype(np.int64), arranged(learnt[k], rows))
        scores.append(sum(int(plus[c, m] if f > 0 else minus[c, m])
                          for c, (m, f) in enumerate(zip(units, flips)) if m >= 0))
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
    keep, turn = plus * big + next_plus, minus * big + next_minus
    weight = np.maximum(keep, turn) if flips_allowed[k] else keep
    _, (matching, *_) = best_matchings(weight, 1)
    flips = tuple(-1 if m >= 0 and flips_allowed[k] and turn[i, m] > keep[i, m] else 1
                  for i, m in enumerate(matching))
    return tuple(matching), flips


def _moves(layer: LayerChoice, flips_allowed: bool) -> list[LayerChoice]:
    """Small changes of one layer's alignment: two predicted units trade learnt units, or one flips."""
    units, flips = layer
    found = []
    for i, j in itertools.combinations(range(len(units)), 2):
        if units[i] >= 0 or units[j] >= 0:
            u, f = list(units), list(flips)
            u[i], u[j] = u[j], u[i]
            for fi, fj in ((f[j], f[i]), (f[i], f[j])) if flips_allowed else ((1, 1),):
                f[i], f[j] = fi, fj
                found.append((tuple(u), tuple(f)))
    if flips_allowed:
        for i in range(len(units)):
            f = list(flips)
            f[i] = -f[i]
            found.append((units, tuple(f)))
    return found


def _blocks(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool],
            layers: list[LayerChoice], k: int) -> tuple[np.ndarray, ...]:
    """Layer k's blocks of interchangeable units, and layer k + 1's rows read block-wise.

    Learnt units of layer k whose aligned columns are equal up to sign form a block: the
    predicted units read as them may trade them freely, flips following, without changing
    layer k's score. Reading each learnt row of layer k + 1 with the sign s that makes its
    column start with +, and each predicted row with t = f·s (f its current flip), makes
    every pairing inside a block look the same. Returns the block of each predicted and each
    learnt unit (-1 outside any), t, s and those read rows.
    """
    units, flips = layers[k]
    below = None if k == 0 else tuple(zip(*layers[k - 1]))
    a = arranged(learnt[k], below)
    first = first_nonzero(a[None].astype(np.int8))[0] if a.shape[0] else np.ones(a.shape[1])
    s = np.where((first < 0) & flips_allowed[k], -1, 1)
    blocks: dict[bytes, int] = {}
    block_p = np.full(len(units), -1)
    block_l = np.full(a.shape[1], -1)
    t = np.ones(len(units), dtype=np.int64)
    for i, (m, f) in enumerate(zip(units, flips)):
        if m >= 0:
            block_p[i] = block_l[m] = blocks.setdefault((s[m] * a[:, m]).tobytes(), len(blocks))
            t[i] = f * s[m]
    return (block_p, block_l, t, s, predicted[k + 1].astype(np.int64) * t[:, None],
            learnt[k + 1].astype(np.int64) * s[:, None])


def _block_guess(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool],
                 layers: list[LayerChoice], k: int) -> LayerChoice:
    """Layer k + 1 aligned without trusting the order inside layer k's blocks (`_blocks`).

    Within a block, a predicted column q of layer k + 1 can agree with learnt column m on at
    most min(#+, #+) + min(#-, #-) signs, whatever the order; the assignment on these bounds
    guesses layer k + 1.
    """
    block_p, block_l, _, _, p, rows = _blocks(predicted, learnt, flips_allowed, layers, k)
    count = int(max(block_p.max(initial=-1), block_l.max(initial=-1))) + 1
    member_p = (block_p[None, :] == np.arange(count)[:, None]).astype(np.int64)
    member_l = (block_l[None, :] == np.arange(count)[:, None]).astype(np.int64)
    p_plus, p_minus = member_p @ (p > 0), member_p @ (p < 0)  # (block, predicted column)
    l_plus, l_minus = member_l @ (rows > 0), member_l @ (rows < 0)  # (block, learnt column)

    def bound(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.asarray(np.minimum(x[:, :, None], y[:, None, :]).sum(axis=0))

    keep = bound(p_plus, l_plus) + bound(p_minus, l_minus)
    turn = bound(p_plus, l_minus) + bound(p_minus, l_plus)
    weight = np.maximum(keep, turn) if flips_allowed[k + 1] else keep
    _, (matching, *_) = best_matchings(weight, 1)
    guess_flips = tuple(-1 if m >= 0 and flips_allowed[k + 1] and turn[q, m] > keep[q, m] else 1
                        for q, m in enumerate(matching))
    return tuple(matching), guess_flips


def _order_guess(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool],
                 layers: list[LayerChoice], k: int) -> list[LayerChoice]:
    """Layer k reordered inside its blocks (`_blocks`) by how layer k + 1's rows resemble each other.

    Two rows of layer k + 1 agree on a number of signs that no permutation or flip of layer
    k + 1 changes (the entries of R·Rᵀ). A row's agreements with the rows of each block, sorted,
    do not depend on the order inside the blocks either, so predicted and learnt units of a
    block are paired by how close these signatures are. Orders that fit equally well are all
    returned (a few per block), for the next layer to choose from.
    """
    units, flips = layers[k]
    block_p, block_l, t, s, p, rows = _blocks(predicted, learnt, flips_allowed, layers, k)
    like_p, like_l = p @ p.T, rows @ rows.T
    blocks = sorted(set(block_p[block_p >= 0].tolist()))

    def signature(like: np.ndarray, block: np.ndarray, i: int) -> list[int]:
        return [v for b in blocks for v in sorted(like[i, block == b].tolist())]

    pairs = {b: (np.flatnonzero(block_p == b), np.flatnonzero(block_l == b)) for b in blocks}
    mapping = {int(i): int(units[i]) for i in np.flatnonzero(block_p >= 0)}
    for ps, ls in pairs.values():
        cost = np.array([[-sum(abs(x - y) for x, y in zip(signature(like_p, block_p, int(i)),
                                                          signature(like_l, block_l, int(m))))
                          for m in ls] for i in ps], dtype=np.int64)
        _, (matching, *_) = best_matchings(cost, 1)
        mapping.update({int(i): int(ls[j]) for i, j in zip(ps, matching)})
    mapping, ties = _settle(like_p, like_l, pairs, mapping)

    def layer(chosen: dict[int, int]) -> LayerChoice:
        new_units, new_flips = list(units), list(flips)
        for i, m in chosen.items():
            new_units[i], new_flips[i] = m, int(t[i] * s[m])  # the flip that keeps f·s = t
        return tuple(new_units), tuple(new_flips)

    found = [layer(mapping)]
    for b, orders in ties.items():
        ps, ls = pairs[b]
        for order in orders[1:]:
            found.append(layer({**mapping, **{int(i): int(ls[j]) for i, j in zip(ps, order)}}))
    return found


def _settle(like_p: np.ndarray, like_l: np.ndarray, pairs: dict[int, tuple[np.ndarray, np.ndarray]],
            mapping: dict[int, int]) -> tuple[dict[int, int], dict[int, list[list[int]]]]:
    """Pair each block's units again until the pairing settles; also the tied orders per block.

    Predicted and learnt units of a block are paired by their agreements with every other row
    under the current pairing: a block of up to EXACT_BLOCK units tries every order (the
    quadratic objective vectorised over all of them), larger blocks take the linearised
    assignment.
    """
    mapping = dict(mapping)
    ties: dict[int, list[list[int]]] = {}
    for _ in range(ORDER_ROUNDS):
        changed = False
        for b, (ps, ls) in pairs.items():
            inside = set(ps.tolist())
            outside = np.array([j for j in sorted(mapping) if j not in inside], dtype=np.int64)
            cross = np.abs(like_p[np.ix_(ps, outside)][:, None, :]
                           - like_l[np.ix_(ls, np.array([mapping[j] for j in outside.tolist()],
                                                        dtype=np.int64))][None, :, :]
                           ).sum(axis=2)  # (ps, ls)
            if len(ps) <= EXACT_BLOCK and len(ps) == len(ls):
                orders = np.array(list(permutations(range(len(ls)))), dtype=np.int64)
                inner = np.abs(like_p[np.ix_(ps, ps)][None]
                               - like_l[np.ix_(ls, ls)][orders[:, :, None], orders[:, None, :]])
                total = inner.sum(axis=(1, 2)) + 2 * cross[np.arange(len(ps)), orders].sum(axis=1)
                best = orders[total == total.min()]
                ties[b] = best[:ORDER_TIES].tolist()
                matching = best[0].tolist()
            else:
                _, (matching, *_) = best_matchings(-cross, 1)
            for i, j in zip(ps, matching):
                changed |= mapping[int(i)] != int(ls[j])
                mapping[int(i)] = int(ls[j])
        if not changed:
            break
    return mapping, ties


def _refine(predicted: list[np.ndarray], learnt: list[np.ndarray], flips_allowed: Sequence[bool],
            layers: list[LayerChoice]) -> list[LayerChoice]:
    """Improve the choice among tied optima, keeping every layer at its exact maximum.

    Each step is kept only if it improves the per-layer scores lexicographically (so the passes
    end): layer k solved again for the next layer's sake (`_resolve`); fresh guesses that do not
    trust the order inside layer k's ties, for layer k + 1 (`_block_guess`) or for that order
    itself (`_order_guess`), with both layers solved again; and a small change of layer k that
    keeps its score (`_moves`) with layer k + 1 solved again. The guesses and moves escape
    alignments where two layers are wrong together.
    """
    scores = layer_scores(predicted, learnt, layers)
    for _ in range(REFINE_PASSES):
        improved = False
        for k in range(len(learnt) - 1):
            candidates = [[*layers[:k], _resolve(predicted, learnt, flips_allowed, layers, k),
                           *layers[k + 1:]]]
            if k + 1 < len(learnt) - 1:  # a fresh guess for layer k + 1, then both solved again
                guess = [*layers[:k + 1], _block_guess(predicted, learnt, flips_allowed, layers, k),
                         *layers[k + 2:]]
                guess[k] = _resolve(predicted, learnt, flips_allowed, guess, k)
                guess[k + 1] = _resolve(predicted, learnt, flips_allowed, guess, k + 1)
                candidates.append(guess)
                for guessed in _order_guess(predicted, learnt, flips_allowed, layers, k):
                    order = [*layers[:k], guessed, *layers[k + 1:]]
                    order[k + 1] = _resolve(predicted, learnt, flips_allowed, order, k + 1)
                    order[k] = _resolve(predicted, learnt, flips_allowed, order, k)
                    candidates.append(order)
            for move in _moves(layers[k], flips_allowed[k]):
                changed = [*layers[:k], move, *layers[k + 1:]]
                if layer_scores(predicted, learnt, changed)[k] != scores[k]:
                    continue
                if k + 1 < len(learnt) - 1:
                    changed[k + 1] = _resolve(predicted, learnt, flips_allowed, changed, k + 1)
                candidates.append(changed)
            for candidate in candidates:
                candidate_scores = layer_scores(predicted, learnt, candidate)
                if candidate_scores > scores:
                    layers, scores, improved = candidate, candidate_scores, True
        if not improved:
            break
    return layers
