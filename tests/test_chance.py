"""The chance level: random tables of the prediction's shape, scored as the prediction is."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

import nneq
from nneq.comparison import symmetry as S
from nneq.comparison.chance import DEFAULT_DRAWS, MIN_DRAWS, WORK_BUDGET, budget_draws, chance_level
from nneq.comparison.compare import compare
from nneq.comparison.report import to_dict, to_text
from nneq.comparison.tables import parse_tables
from nneq.errors import ConfigError
from nneq.explain.equations import equations
from nneq.explain.render import markdown

from .equations_models import random_model

POST_TABLES = Path(__file__).parent.parent / "examples" / "post"


def best_agreement(table, learnt, flips):
    """Brute force: every arrangement of every hidden layer, the layer scores compared as
    (agreements, -disagreements) layer after layer; the agreements of the best."""
    hidden = len(learnt) - 1
    per_layer = []
    for k in range(hidden):
        p, n = table[k].shape[1], learnt[k].shape[1]
        options = []
        for chosen in itertools.permutations(range(max(p, n)), p):
            units = tuple(u if u < n else -1 for u in chosen)
            if len({u for u in units if u >= 0}) < min(p, n):
                continue
            for signs in itertools.product((1, -1) if flips[k] else (1,), repeat=p):
                options.append((units, signs))
        per_layer.append(sorted(set(options)))
    best = None
    for choice in itertools.product(*per_layer):
        rows = None
        key, agree_total = [], 0
        layers = [*choice, (tuple(range(table[-1].shape[1])), (1,) * table[-1].shape[1])]
        for k, (units, signs) in enumerate(layers):
            a = d = 0
            for q, (m, f) in enumerate(zip(units, signs)):
                if m < 0:
                    continue
                for i in range(table[k].shape[0]):
                    if rows is None:
                        src, g = i, 1
                    else:
                        src, g = rows[i]
                    if src < 0 or table[k][i, q] == 0:
                        continue
                    value = g * f * learnt[k][src, m]
                    if value == 0:
                        continue
                    a += value == table[k][i, q]
                    d += value != table[k][i, q]
            key += [a, -d]
            agree_total += a
            rows = list(zip(units, signs))
        if best is None or key > best[0]:
            best = (key, agree_total)
    return best[1]


def every_table(structure):
    """Every table of signs on the structure's non-zero entries."""
    where = [np.nonzero(s) for s in structure]
    count = sum(len(w[0]) for w in where)
    for signs in itertools.product((1, -1), repeat=count):
        tables, at = [], 0
        for s, w in zip(structure, where):
            t = np.zeros_like(s)
            t[w] = signs[at:at + len(w[0])]
            tables.append(t)
            at += len(w[0])
        yield tables


CASES = [
    # inputs 2, hidden 3 (tanh, may flip), one output: 9 signs
    ([np.ones((2, 3), np.int8), np.ones((3, 1), np.int8)],
     [np.array([[1, -1, 0], [1, 1, -1]], np.int8), np.array([[1], [-1], [1]], np.int8)], (True,)),
    # relu: units only reorder; a sparse structure; a predicted layer larger than the learnt
    ([np.array([[1, 0, 1], [1, 1, 0]], np.int8), np.array([[1], [1], [0]], np.int8)],
     [np.array([[1, -1], [-1, -1]], np.int8), np.array([[1], [-1]], np.int8)], (False,)),
    # two hidden layers, 2 and 2, flips: 10 signs
    ([np.ones((2, 2), np.int8), np.ones((2, 2), np.int8), np.ones((2, 1), np.int8)],
     [np.array([[1, -1], [1, 1]], np.int8), np.array([[-1, 1], [0, 1]], np.int8),
      np.array([[1], [1]], np.int8)], (True, True)),
]


@pytest.mark.parametrize(("structure", "learnt", "flips"), CASES)
def test_the_exact_null_is_the_brute_force_over_every_table(structure, learnt, flips):
    counts = np.array([best_agreement(t, learnt, flips) for t in every_table(structure)])
    for observed in range(int(counts.max()) + 2):
        chance = chance_level(structure, learnt, flippable=flips, observed=observed)
        assert chance.method == "exact"
        assert chance.draws == len(counts)
        assert chance.mean == pytest.approx(counts.mean(), abs=1e-12)
        assert chance.p_value == pytest.approx(np.mean(counts >= observed), abs=1e-12)


@pytest.mark.parametrize(("structure", "learnt", "flips"), CASES)
def test_the_alignment_scores_each_table_as_the_brute_force(structure, learnt, flips):
    for table in itertools.islice(every_table(structure), 0, None, 7):
        assert S.align(table, learnt, flippable=flips).agree == best_agreement(table, learnt, flips)


@pytest.mark.parametrize(("structure", "learnt", "flips"), CASES)
def test_sampled_figures_lie_within_three_standard_errors_of_the_exact(structure, learnt, flips):
    observed = 5
    exact = chance_level(structure, learnt, flippable=flips, observed=observed)
    sampled = chance_level(structure, learnt, flippable=flips, observed=observed, draws=DEFAULT_DRAWS)
    assert sampled.method == "sampled" and sampled.draws == DEFAULT_DRAWS
    error = math.sqrt(exact.p_value * (1 - exact.p_value) / DEFAULT_DRAWS)
    assert abs(sampled.p_value - exact.p_value) <= 3 * error + 1e-12
    assert sampled.standard_error <= 0.01
    # The same seed gives the same figures on every run.
    again = chance_level(structure, learnt, flippable=flips, observed=observed, draws=DEFAULT_DRAWS)
    assert again == sampled


def test_by_name_the_count_is_binomial():
    structure, learnt, _ = CASES[0]
    chance = chance_level(structure, learnt, flippable=(True,), observed=4, symmetry=False)
    # Literal reading: 8 links live on both sides (learnt h13 has a zero from x1).
    literal = [(tuple(range(3)), (1,) * 3), ((0,), (1,))]
    compared = S.evaluate(structure, learnt, literal).compared
    counts = [S.evaluate(t, learnt, literal).agree for t in every_table(structure)]
    assert compared == 8
    assert chance.mean == pytest.approx(np.mean(counts))
    assert chance.p_value == pytest.approx(np.mean(np.array(counts) >= 4))


def test_without_the_exact_tables_random_tables_are_aligned_one_by_one():
    """A network too large to weigh every arrangement: sampled, deterministic, SE at most 0.01."""
    model = random_model(shape=(9, 3), seed=4)
    prediction = parse_tables(markdown(equations(model)))
    result = compare(prediction, model)
    assert result.chance is not None and result.chance.method == "sampled"
    assert result.chance.p_value < 0.01
    assert result.chance.standard_error <= 0.01
    assert compare(prediction, model).chance == result.chance


def test_a_model_against_its_own_tables_beats_chance():
    model = nneq.train(nneq.Config(dataset="xor", shape=(4, 2), seed="0.12345"), epochs=300)
    result = compare(parse_tables(markdown(equations(model))), model)
    assert result.chance is not None
    assert result.agree == result.total == 18
    assert result.chance.p_value < 0.01 and result.chance.beats_chance
    assert "better than chance" in to_text(result).splitlines()[0]
    chance = to_dict(result)["chance"]
    assert set(chance) >= {"mean", "p_value", "method", "draws"}
    assert chance["method"] == "exact" and chance["p_value"] < 0.01


def test_the_posts_first_table_is_no_better_than_chance_on_that_network():
    model = nneq.train(nneq.Config(dataset="xor", shape=(4, 2), seed="0.12345"), epochs=300)
    result = compare(parse_tables((POST_TABLES / "exp01.md").read_text()), model)
    assert result.agree == 13 and result.chance is not None
    assert result.chance.mean > 13 and not result.chance.beats_chance
    first = to_text(result).splitlines()[0]
    assert first.endswith(f"13 of 18 predicted signs agree; a random table of this shape agrees "
                          f"on {result.chance.mean:.1f} on average (p = 1, exact over 262144 "
                          f"tables): no better than chance")


def test_large_networks_draw_a_number_of_tables_fixed_by_their_size():
    # The largest network allowed (20 hidden layers of 100) gets the fewest draws; an 8,8 one
    # keeps the full default; in between, the work budget over signs × layers.
    largest = [np.ones((2, 100))] + [np.ones((100, 100))] * 19 + [np.ones((100, 1))]
    assert budget_draws(largest) == MIN_DRAWS
    assert budget_draws([np.ones((2, 8)), np.ones((8, 8)), np.ones((8, 1))]) == DEFAULT_DRAWS
    rng = np.random.default_rng(3)
    shape = [(2, 60), (60, 60), (60, 60), (60, 1)]
    signs = [rng.choice(np.array([-1, 1], np.int8), size=s) for s in shape]
    expected = math.ceil(WORK_BUDGET / (sum(a * b for a, b in shape) * len(shape)))
    assert MIN_DRAWS < expected < 100  # the standard-error rule alone would draw 100 here
    assert budget_draws(signs) == expected
    observed = sum(int(np.count_nonzero(s)) for s in signs)  # the network's own tables
    chance = chance_level(signs, signs, flippable=(True,) * 3, observed=observed)
    assert chance.method == "sampled" and chance.draws == expected
    assert chance.p_value == 0
    # No table reached the count: the error is read off (0 + 1)/(draws + 2), never 0.
    smoothed = 1 / (expected + 2)
    assert chance.standard_error == pytest.approx(math.sqrt(smoothed * (1 - smoothed) / expected))
    assert f"from {expected} random tables" in chance.how()
    assert chance.beats_chance
    # --draws overrides the budget.
    assert chance_level(signs, signs, flippable=(True,) * 3, observed=observed, draws=7).draws == 7


def test_draws_asked_for_tables_aligned_one_by_one_are_bounded_by_the_structure():
    """Aligning a table alone costs more the larger the structure: at most ten times the
    default's budget may be asked for, and so many are drawn exactly."""
    rng = np.random.default_rng(3)
    shape = [(2, 60), (60, 60), (60, 60), (60, 1)]
    signs = [rng.choice(np.array([-1, 1], np.int8), size=s) for s in shape]
    most = 10 * budget_draws(signs)
    observed = sum(int(np.count_nonzero(s)) for s in signs)
    with pytest.raises(ConfigError, match=rf"^draws={most + 1}: expected at most {most} for "
                                          "this prediction"):
        chance_level(signs, signs, flippable=(True,) * 3, observed=observed, draws=most + 1)
    assert chance_level(signs[:1] + signs[-1:], signs[:1] + signs[-1:], flippable=(True,),
                        observed=0, draws=30).draws == 30
