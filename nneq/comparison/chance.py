"""How well a random prediction would do: the chance level of an agreement count.

The null hypothesis: the predicted tables carry no knowledge of the network. A table of the
prediction's exact structure (the same units, the same links) whose signs are each + or -
with equal odds is scored exactly as the prediction is: aligned by the same search over the
network's symmetries, against the same learnt signs (same threshold). Its agreement count is
a random variable; `chance_level` gives its mean and the p-value of the prediction's own
count, P(random count >= observed).

Three ways, the first that applies:

- `exact` without symmetries: the links compared are fixed, and each agrees with probability
  1/2 independently, so the count is binomial.
- `exact` over every table: when the structure has at most 2**EXACT_SIGNS tables that can
  score differently and the network is small enough for the exact alignment
  (`nneq.comparison.alignment.exact_tables`), every table is scored, vectorised over tables
  and arrangements. Where hidden units may flip, negating a predicted unit's incoming and
  outgoing signs gives a table that aligns exactly as well (the alignment flips the learnt
  unit instead), so each such unit's first incoming sign is fixed to +: each table then
  stands for 2**units equally likely tables with the same count. (The fixed signs sit on
  links from inputs or from earlier units, so every table has exactly one such stand-in.)
- `sampled`: random tables from a generator seeded with CHANCE_SEED, so the figures are
  the same on every run. Tables are drawn in batches (scored together with the exact
  alignment's tables when the network is small, else each aligned alone), stopping as soon
  as the p-value's estimated standard error sqrt(p(1-p)/draws), with p read as
  (hits + 1)/(draws + 2) so that no hit is not taken for certainty, is at most 0.01, and at
  DEFAULT_DRAWS at the latest, where it is at most 0.5/sqrt(2500) = 0.01 for any p.
  Tables aligned one by one cost work in proportion to the predicted signs times the layers
  (the alignment re-solves the layers above each one), so a large network gets at most
  WORK_BUDGET / that cost draws, and never fewer than MIN_DRAWS: the count of draws depends
  on the structure alone, the figures stay the same on every run, and the reported standard
  error is wider. A given `draws` overrides the rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from nneq.comparison.alignment import ExactTables, exact_tables
from nneq.errors import ConfigError
from nneq.playground.config import whole_number

CHANCE_SEED = 20_240_601  # the generator's seed: sampled figures are the same on every run
DEFAULT_DRAWS = 2_500  # 0.5 / sqrt(2500) = 0.01: the largest standard error of a p-value
MAX_DRAWS = 1_000_000  # tables scored at once may be asked for: about half a minute at most
ALIGNED_DRAWS_FACTOR = 10  # tables aligned one by one may be asked for up to 10 × the default
BATCH = 100  # tables aligned one by one are drawn this many at a time
TARGET_ERROR = 0.01  # the p-value's standard error the sampling stops at
EXACT_SIGNS = 14  # every table is scored when the structure has at most 2**14 of them
CHUNK = 4_000_000  # entries (tables × arrangement pairs) scored at once
WORK_BUDGET = 2_000_000  # predicted signs × layers, summed over the tables aligned one by one
MIN_DRAWS = 20  # the fewest tables a sampled chance level draws: enough for p < 1/21 < 0.05
SIGNIFICANT = 0.05  # a prediction "beats chance" below this p-value

METHODS = ("exact", "sampled")


@dataclass(frozen=True)
class Chance:
    """The chance level of an agreement count: what random tables of the same shape reach.

    `mean` is the expected number of agreeing signs under the null, `p_value` the share of
    random tables agreeing on at least `observed` signs, `method` 'exact' or 'sampled',
    `draws` the tables scored (every table, for exact) and `standard_error` the p-value's
    (0 when exact).
    """

    observed: int
    signs: int  # predicted signs in the structure (those the random tables draw)
    mean: float
    p_value: float
    method: str
    draws: int
    standard_error: float = 0.0

    @property
    def beats_chance(self) -> bool:
        """Whether the prediction agrees more than random tables do (p below SIGNIFICANT)."""
        return self.p_value < SIGNIFICANT

    @property
    def verdict(self) -> str:
        """'better than chance' or 'no better than chance', at the SIGNIFICANT level."""
        return "better than chance" if self.beats_chance else "no better than chance"

    def p_text(self) -> str:
        """The p-value as written: 'p = 0.031', or 'p < 0.0004' when no sampled table reached it."""
        if self.method == "sampled" and self.p_value == 0:
            return f"p < {1 / self.draws:.2g}"
        if self.p_value < 0.001:
            return f"p = {self.p_value:.1e}"
        return f"p = {self.p_value:.3f}".rstrip("0").rstrip(".") if self.p_value else "p = 0"

    def how(self) -> str:
        """How the figure was found: 'exact over 1024 tables' or
        'from 100 random tables, standard error 0.0099'."""
        if self.method == "exact":
            return "exact" if self.draws == 0 else f"exact over {self.draws} tables"
        return f"from {self.draws} random tables, standard error {self.standard_error:.2g}"

    def to_dict(self) -> dict[str, object]:
        """The JSON `chance` object: mean, p_value, method, draws (and the standard error)."""
        return {"mean": round(self.mean, 6), "p_value": round(self.p_value, 6),
                "method": self.method, "draws": self.draws,
                "standard_error": round(self.standard_error, 6)}


Aligner = Callable[[Sequence[np.ndarray]], int]


def chance_level(predicted: Sequence[np.ndarray], learnt: Sequence[np.ndarray], *,
                 flippable: Sequence[bool], observed: int, symmetry: bool = True,
                 draws: int | None = None, seed: int = CHANCE_SEED) -> Chance:
    """The chance level of `observed` agreeing signs, for sign matrices laid out as `align` takes them.

    predicted[k]'s non-zero entries are the structure: random tables put + or - there. With
    `symmetry` False, units are compared by name (predicted unit i is learnt unit i). `draws`
    fixes the number of sampled tables instead of the default rule (`check_draws` says which
    numbers; tables aligned one by one are bounded by the structure too).

    >>> import numpy as np
    >>> p = [np.array([[1, -1]]), np.array([[1], [1]])]
    >>> chance_level(p, p, flippable=(True,), observed=4).p_value  # flips fit half the tables
    0.5
    >>> chance_level(p, p, flippable=(True,), observed=4, symmetry=False).p_value
    0.0625
    """
    pred = [np.asarray(m, dtype=np.int8) for m in predicted]
    mats = [np.asarray(m, dtype=np.int8) for m in learnt]
    support = [m != 0 for m in pred]
    signs = int(sum(int(s.sum()) for s in support))
    if not symmetry:
        return _binomial(pred, mats, observed, signs)
    tables = exact_tables(pred, mats, flippable)
    rng = np.random.default_rng(seed)
    if tables is not None:
        free = _free_signs(pred, flippable)
        if draws is None and len(free) <= EXACT_SIGNS:
            bits = np.arange(2 ** len(free))[:, None] >> np.arange(len(free))[None, :]
            counts = _exact_counts(tables, _tables(signs, free, (bits & 1) * 2 - 1))
            return _summary(counts, observed, signs, "exact", 2 ** signs)
        work = max(1, sum(p.shape[0] * p.shape[1] for p in tables.pairs))

        def batch(n: int) -> np.ndarray:
            sample = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, len(free)))
            return _exact_counts(tables, _tables(signs, free, sample))

        return _sample(batch, max(BATCH, CHUNK // work), observed, signs, draws)
    most = budget_draws(pred)
    if draws is not None and draws > ALIGNED_DRAWS_FACTOR * most:
        # Each such table is aligned alone, at a cost that grows with the structure: the
        # default's budget (WORK_BUDGET) times ALIGNED_DRAWS_FACTOR bounds the time to minutes.
        raise ConfigError("draws", draws, f"at most {ALIGNED_DRAWS_FACTOR * most} for this "
                          "prediction, whose random tables are aligned one by one")
    align_to = _one_by_one(pred, mats, flippable, rng)
    return _sample(align_to, BATCH, observed, signs, draws, most=most)


def check_draws(draws: object) -> int | None:
    """The number of tables to sample, a whole number from 1 to MAX_DRAWS, or None for the
    default rule; ConfigError naming `draws` otherwise."""
    return None if draws is None else whole_number("draws", draws, low=1, high=MAX_DRAWS)


def budget_draws(predicted: Sequence[np.ndarray]) -> int:
    """The most tables aligned one by one for a structure: WORK_BUDGET over the cost of one.

    One alignment weighs every predicted sign against the learnt units, layer after layer, and
    its passes solve the layers above each layer again: about signs × layers of work.

    >>> import numpy as np
    >>> budget_draws([np.ones((2, 8)), np.ones((8, 8)), np.ones((8, 1))])  # an 8,8 network
    2500
    >>> budget_draws([np.ones((2, 100))] + [np.ones((100, 100))] * 19 + [np.ones((100, 1))])
    20
    """
    signs = sum(int(np.count_nonzero(p)) for p in predicted)
    cost = max(1, signs * len(predicted))
    return max(MIN_DRAWS, min(DEFAULT_DRAWS, math.ceil(WORK_BUDGET / cost)))


def _free_signs(pred: Sequence[np.ndarray], flippable: Sequence[bool]) -> np.ndarray:
    """Positions (in support order) of the signs left free once each flippable unit's is fixed.

    A predicted hidden unit of a layer that may flip has its first incoming sign fixed; that
    link comes from an input or from the layer below, so fixing the units layer by layer
    leaves exactly one table per class of tables that flips turn into each other.
    """
    fixed, at = set(), 0
    for k, p in enumerate(pred):
        order = np.flatnonzero(p.ravel() != 0)  # the support, row-major: the tables' order
        if k < len(pred) - 1 and flippable[k]:
            _, cols = np.unravel_index(order, p.shape)
            for c in range(p.shape[1]):
                first = np.flatnonzero(cols == c)
                if len(first):
                    fixed.add(at + int(first[0]))  # the lowest row: the first incoming link
        at += len(order)
    return np.array([i for i in range(at) if i not in fixed], dtype=np.int64)


def _tables(signs: int, free: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Full sign rows: `values` at the free positions, + at the fixed ones."""
    rows = np.ones((len(values), signs), dtype=np.int8)
    rows[:, free] = values
    return rows


def _exact_counts(tables: ExactTables, flat: np.ndarray) -> np.ndarray:
    """Each table's agreement count under its best arrangement; tables are rows of signs."""
    sizes = [int(s.sum()) for s in tables.support]
    edges = np.cumsum([0, *sizes])
    work = max(1, sum(p.shape[0] * p.shape[1] for p in tables.pairs))
    step = max(1, CHUNK // work)
    counts = []
    for start in range(0, len(flat), step):
        part = flat[start:start + step]
        layers = [part[:, a:b] for a, b in pairwise(edges)]
        counts.append(tables.best(layers)[0])
    return np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)


def _summary(counts: np.ndarray, observed: int, signs: int, method: str, draws: int = 0) -> Chance:
    """Mean and tail share of the counts; `draws` the tables they stand for (default: one each)."""
    draws = draws or len(counts)
    p = float(np.mean(counts >= observed))
    # Sampled: p read as (hits + 1)/(draws + 2), so that no hit among few draws is not taken
    # for certainty (the error of a p-value of 0 from 20 tables is about 0.05, not 0).
    smoothed = (float(np.sum(counts >= observed)) + 1) / (len(counts) + 2)
    error = 0.0 if method == "exact" else math.sqrt(smoothed * (1 - smoothed) / len(counts))
    return Chance(observed, signs, float(np.mean(counts)), p, method, draws, error)


def _binomial(pred: list[np.ndarray], mats: list[np.ndarray], observed: int, signs: int) -> Chance:
    """Units by name: each link live on both sides agrees with probability 1/2, independently."""
    from nneq.comparison.symmetry import evaluate

    literal = [(tuple(u if u < m.shape[1] else -1 for u in range(p.shape[1])), (1,) * p.shape[1])
               for p, m in zip(pred, mats)]
    compared = evaluate(pred, mats, literal).compared
    tail = sum(math.comb(compared, k) for k in range(max(observed, 0), compared + 1))
    return Chance(observed, signs, compared / 2, tail / 2 ** compared, "exact", 0)


def _sample(batch: Callable[[int], np.ndarray], size: int, observed: int, signs: int,
            draws: int | None, *, most: int = DEFAULT_DRAWS) -> Chance:
    """Counts of random tables, `size` at a time, until the p-value is known well enough.

    With `draws` given, exactly that many; otherwise until the estimated standard error is at
    most TARGET_ERROR, and `most` at most.
    """
    limit = draws or most
    counts: list[np.ndarray] = []
    done = 0
    while done < limit:
        counts.append(batch(min(size, limit - done)))
        done += len(counts[-1])
        if draws is None:
            hits = sum(int((c >= observed).sum()) for c in counts)
            smoothed = (hits + 1) / (done + 2)
            if math.sqrt(smoothed * (1 - smoothed) / done) <= TARGET_ERROR:
                break
    return _summary(np.concatenate(counts), observed, signs, "sampled")


def _one_by_one(pred: list[np.ndarray], mats: list[np.ndarray], flippable: Sequence[bool],
                rng: np.random.Generator) -> Callable[[int], np.ndarray]:
    """Random tables aligned one at a time with the comparison's own `align`: their counts."""
    from nneq.comparison.symmetry import aligner

    align_to = aligner(mats, flippable=flippable)
    where = [np.nonzero(s != 0) for s in pred]
    sizes = [len(w[0]) for w in where]
    signs = sum(sizes)

    def batch(n: int) -> np.ndarray:
        counts = []
        for _ in range(n):
            flat = rng.choice(np.array([-1, 1], dtype=np.int8), size=signs)
            tables, at = [], 0
            for p, w, size in zip(pred, where, sizes):
                table = np.zeros_like(p)
                table[w] = flat[at:at + size]
                tables.append(table)
                at += size
            counts.append(align_to(tables).agree)
        return np.array(counts, dtype=np.int64)

    return batch
