"""The signed tables: the post's Markdown format, text, JSON, and the properties every table keeps."""

from __future__ import annotations

import dataclasses
import json
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nneq.errors import ConfigError, NneqError
from nneq.explain.equations import check_threshold, equations, layer_title, ordinal
from nneq.explain.render import FORMATS, Options, equation_text, markdown, render, text, to_json
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.config import Config
from nneq.playground.model import Model
from nneq.playground.network import Layer

from .equations_models import ALL_FEATURES, model_from

POST_HEADER_ROW = "| ------------- |:-------------:|"


def small_model() -> Model:
    """2 inputs → 2 hidden → 1 output, every sign chosen by hand, one dead link (x2 → h12)."""
    config = Config(dataset="xor", shape=(2,), seed="1")
    return model_from(config,
                      weights=[[[0.5, -2.0], [-0.25, 0.0]], [[-1.5], [0.75]]],
                      biases=[[0.1, -0.2], [0.0]],
                      dead=[[[False, False], [False, True]], [[False], [False]]])


def test_markdown_is_the_posts_table_format():
    assert markdown(equations(small_model())) == (
        "| First Hidden Layer | Equation |\n"
        "| ------------- |:-------------:|\n"
        "| h11 | + x1w1 - x2w2 |\n"
        "| h12 | - x1w1 |\n"
        "\n"
        "| Output Layer | Equation |\n"
        "| ------------- |:-------------:|\n"
        "| o1 | - h11w11 + h12w12 |"
    )


def test_text_lists_each_unit_under_its_layer():
    assert text(equations(small_model())) == (
        "First Hidden Layer\n"
        "  h11 = + x1w1 - x2w2\n"
        "  h12 = - x1w1\n"
        "\n"
        "Output Layer\n"
        "  o1 = - h11w11 + h12w12"
    )


def test_values_and_biases_write_the_numbers_rounded():
    options = Options(values=True, biases=True, precision=2)
    assert render(small_model(), options=options).splitlines()[2:4] == [
        "| h11 | + 0.50 x1 - 0.25 x2 + 0.10 |",
        "| h12 | - 2.00 x1 - 0.20 |",
    ]
    assert render(small_model(), options=Options(values=True)).splitlines()[2] == \
        "| h11 | + 0.500 x1 - 0.250 x2 |"  # three decimals unless told
    symbols = render(small_model(), options=Options(biases=True)).splitlines()
    assert symbols[3] == "| h12 | - x1w1 - b12 |"
    assert symbols[-1] == "| o1 | - h11w11 + h12w12 + bo1 |"  # a zero bias counts as +


def test_a_unit_with_no_term_left_reads_zero():
    model = small_model()
    cut = equations(model, threshold=10)
    assert [equation_text(u) for layer in cut for u in layer.units] == ["0", "0", "0"]
    assert "| h11 | 0 |" in markdown(cut)
    assert equation_text(cut[0].units[1], biases=True) == "- b12"


def test_every_depth_has_its_ordinal_title():
    model = model_from(Config(dataset="xor", shape=(1, 1, 1), seed="1"),
                       weights=[[[1.0], [1.0]], [[1.0]], [[-1.0]], [[1.0]]],
                       biases=[[0.0], [0.0], [0.0], [0.0]])
    titles = [line for line in markdown(equations(model)).splitlines() if "Equation" in line]
    assert titles == ["| First Hidden Layer | Equation |", "| Second Hidden Layer | Equation |",
                      "| Third Hidden Layer | Equation |", "| Output Layer | Equation |"]
    assert "| h31 | - h21w21 |" in markdown(equations(model))


def test_ten_units_get_unambiguous_names():
    config = Config(dataset="xor", shape=(10,), seed="1")
    model = model_from(config, weights=[np.ones((2, 10)), -np.ones((10, 1))],
                       biases=[np.zeros(10), np.zeros(1)])
    table = markdown(equations(model))
    assert "| h1_10 | + x1w1 + x2w2 |" in table
    assert "- h1_9w1_9 - h1_10w1_10 |" in table


def test_every_feature_is_spelled_as_the_post_spells_it():
    config = Config(dataset="xor", features=ALL_FEATURES, shape=(), seed="1")
    model = model_from(config, weights=[[[1.0], [-1.0], [1.0], [-1.0], [1.0], [-1.0], [1.0]]],
                       biases=[[0.0]])
    assert markdown(equations(model)).splitlines()[2] == (
        "| o1 | + x1w1 - x2w2 + x1^2w3 - x2^2w4 + x1x2w5 - sin(x1)w6 + sin(x2)w7 |")


def test_json_holds_every_term_and_why_it_was_left_out():
    document = json.loads(to_json(equations(small_model(), threshold=0.3),
                                  options=Options(threshold=0.3)))
    assert document["format"] == "nneq-equations"
    assert document["threshold"] == 0.3
    h11, h12 = document["layers"][0]["units"]
    assert h11["terms"] == [
        {"sign": "+", "source": "x1", "weight": "w1", "value": 0.5, "kept": True, "dropped": None},
        {"sign": "-", "source": "x2", "weight": "w2", "value": -0.25, "kept": False,
         "dropped": "threshold"},
    ]
    assert h12["terms"][1] == {"sign": "+", "source": "x2", "weight": "w2", "value": 0.0,
                               "kept": False, "dropped": "dead"}
    assert (h11["name"], h11["activation"], h11["bias"], h11["bias_symbol"], h11["equation"]) == \
        ("h11", "tanh", 0.1, "b11", "+ x1w1")
    assert document["layers"][1]["units"][0]["activation"] == "tanh"


def test_json_values_are_rounded_by_precision():
    document = json.loads(render(small_model(), fmt="json", options=Options(precision=0)))
    assert [t["value"] for t in document["layers"][1]["units"][0]["terms"]] == [-2.0, 1.0]


@pytest.mark.parametrize("bad", [
    {"threshold": -0.1}, {"threshold": float("nan")}, {"threshold": float("inf")},
    {"threshold": True}, {"threshold": "0.1"}, {"precision": -1}, {"precision": 18},
    {"precision": 2.5}, {"threshold": 1.5, "relative": True}, {"threshold": -0.1, "relative": True},
    {"threshold": float("nan"), "relative": True},
])
def test_bad_options_raise_config_errors(bad):
    with pytest.raises(ConfigError):
        Options(**bad)


def test_check_threshold_names_the_value_and_what_is_allowed():
    for threshold in (0, 0.0, 2.5, 1e9, np.float64(0.3)):
        check_threshold(threshold, relative=False)
    for threshold in (0, 0.5, 1, 1.0):
        check_threshold(threshold, relative=True)
    with pytest.raises(ConfigError, match=r"threshold=1\.5: expected a share .* from 0 to 1"):
        check_threshold(1.5, relative=True)
    with pytest.raises(ConfigError, match=r"threshold=-1: expected a magnitude: a finite number >= 0"):
        check_threshold(-1, relative=False)
    with pytest.raises(ConfigError, match="threshold=inf"):
        check_threshold(float("inf"), relative=False)
    with pytest.raises(ConfigError):  # the equations themselves check it too
        equations(small_model(), threshold=2.0, relative=True)


def test_unknown_format_and_misplaced_compose_are_refused():
    with pytest.raises(ConfigError, match="format"):
        render(small_model(), fmt="html")
    for fmt in FORMATS:
        if fmt not in ("sympy", "latex"):
            with pytest.raises(NneqError, match=r"^compose applies only to format sympy") as err:
                render(small_model(), fmt=fmt, options=Options(compose=True))
            # The library names its settings; the command line words them as flags.
            assert err.value.worded(lambda s: f"--{s}") == (
                "--compose applies only to --format sympy and latex")


@pytest.mark.parametrize("fmt", ["sympy", "latex", "json", "logic"])
def test_values_and_biases_are_refused_where_they_do_not_apply(fmt):
    for options, names in ((Options(values=True), "values applies"),
                           (Options(biases=True), "biases applies"),
                           (Options(values=True, biases=True), "values and biases apply")):
        with pytest.raises(NneqError, match=f"^{names} only to format markdown and text, not {fmt}"):
            render(small_model(), fmt=fmt, options=options)
    for fmt in ("markdown", "text"):
        assert render(small_model(), fmt=fmt, options=Options(values=True, biases=True))


# --- exactly zero weights ------------------------------------------------------------------


def zero_model() -> Model:
    """2 → 2 → 1 with exact zeros: x2 → h11 is 0, h12 has only zeros, and so has the output."""
    config = Config(dataset="xor", shape=(2,), seed="1")
    return model_from(config, weights=[[[0.5, 0.0], [0.0, -0.0]], [[0.0], [0.0]]],
                      biases=[[0.1, 0.0], [0.0]])


def test_an_exactly_zero_weight_is_left_out_as_zero():
    layers = equations(zero_model())
    assert [[t.dropped for t in u.terms] for la in layers for u in la.units] == [
        [None, "zero"], ["zero", "zero"], ["zero", "zero"]]
    assert markdown(layers).splitlines()[2:4] == ["| h11 | + x1w1 |", "| h12 | 0 |"]
    assert markdown(layers).splitlines()[-1] == "| o1 | 0 |"
    # Whatever the threshold, absolute or relative, a zero is "zero", not "threshold".
    for threshold, relative in ((0.3, False), (1.0, True), (0.0, True)):
        cut = equations(zero_model(), threshold=threshold, relative=relative)
        assert cut[0].units[1].terms[0].dropped == "zero"
    # Dead takes precedence: a dead link's weight is zero too.
    dead = model_from(Config(dataset="xor", shape=(), seed="1"), weights=[[[0.0], [1.0]]],
                      biases=[[0.0]], dead=[[[True], [False]]])
    assert [t.dropped for t in equations(dead)[0].units[0].terms] == ["dead", None]


def test_json_documents_why_a_zero_weight_is_left_out():
    document = json.loads(render(zero_model(), fmt="json"))
    assert document["dropped_reasons"] == {"dead": "removed by L1", "zero": "weight exactly zero",
                                   "threshold": "under the threshold"}
    h11, h12 = document["layers"][0]["units"]
    assert h11["terms"][1] == {"sign": "+", "source": "x2", "weight": "w2", "value": 0.0,
                               "kept": False, "dropped": "zero"}
    assert h12["equation"] == "0"
    assert {t["dropped"] for la in document["layers"] for u in la["units"] for t in u["terms"]} == {
        None, "zero"}


def test_sympy_leaves_zero_terms_out():
    assert render(zero_model(), fmt="sympy").splitlines() == [
        "h11 = tanh(0.5*x1 + 0.1)", "h12 = 0", "o1 = 0"]


# --- ordinals ------------------------------------------------------------------------------


def test_ordinals_beyond_the_words():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24, 101, 111, 112, 113,
                                  121, 1002)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "14th", "21st", "22nd", "23rd",
        "24th", "101st", "111th", "112th", "113th", "121st", "1002nd"]
    assert layer_title(12, 30) == "Twelfth Hidden Layer"
    assert [layer_title(n, 30) for n in (13, 21, 22, 23)] == [
        "13th Hidden Layer", "21st Hidden Layer", "22nd Hidden Layer", "23rd Hidden Layer"]
    assert layer_title(31, 30) == "Output Layer"


# --- properties --------------------------------------------------------------------------

nonzero = st.one_of(st.floats(0.001, 5.0), st.floats(-5.0, -0.001))
anything = st.one_of(nonzero, st.just(0.0))


@st.composite
def models(draw: st.DrawFn, *, weights: st.SearchStrategy = anything, dead: bool = False) -> Model:
    """Any network the Playground can draw: features, depth, widths, activation and weights."""
    features = draw(st.lists(st.sampled_from(ALL_FEATURES), min_size=1, max_size=7, unique=True))
    config = Config(dataset=draw(st.sampled_from(["xor", "reg-plane"])), features=tuple(features),
                    shape=tuple(draw(st.lists(st.integers(1, 4), max_size=3))),
                    activation=draw(st.sampled_from(list(ACTIVATIONS))), seed="1")
    layers = []
    for a, b in pairwise(config.layer_sizes):
        w = np.array(draw(st.lists(weights, min_size=a * b, max_size=a * b))).reshape(a, b)
        mask = (np.array(draw(st.lists(st.booleans(), min_size=a * b, max_size=a * b))).reshape(a, b)
                if dead else np.zeros((a, b), dtype=bool))
        layers.append(Layer(w, np.array(draw(st.lists(anything, min_size=b, max_size=b))), mask))
    return Model(config, tuple(layers), np.zeros(1), np.zeros(1))


def equation_tokens(row: str) -> list[str]:
    """'| h11 | + x1w1 - x2w2 |' → ['+', 'x1w1', '-', 'x2w2']."""
    return row.split("|")[2].split()


def rows(table: str) -> list[str]:
    return [r for r in table.splitlines() if r.startswith("| ") and "Equation" not in r
            and r != POST_HEADER_ROW]


# An absolute threshold is any magnitude; a relative one a share from 0 to 1.
thresholds = st.one_of(st.tuples(st.floats(0.0, 6.0), st.just(False)),
                       st.tuples(st.floats(0.0, 1.0), st.just(True)))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), cut=thresholds)
def test_flipping_one_weight_flips_exactly_that_term(data, cut):
    model = data.draw(models(weights=nonzero))
    k = data.draw(st.integers(0, len(model.layers) - 1))
    weights = model.layers[k].weights
    i = data.draw(st.integers(0, weights.shape[0] - 1))
    j = data.draw(st.integers(0, weights.shape[1] - 1))
    flipped_weights = weights.copy()
    flipped_weights[i, j] = -flipped_weights[i, j]
    layers = list(model.layers)
    layers[k] = dataclasses.replace(layers[k], weights=flipped_weights)
    flipped = dataclasses.replace(model, layers=tuple(layers))

    threshold, relative = cut
    before = equations(model, threshold=threshold, relative=relative)
    after = equations(flipped, threshold=threshold, relative=relative)
    for kk, (la, lb) in enumerate(zip(before, after, strict=True)):
        for jj, (ua, ub) in enumerate(zip(la.units, lb.units, strict=True)):
            for ii, (ta, tb) in enumerate(zip(ua.terms, ub.terms, strict=True)):
                assert (ta.source, ta.weight, ta.dropped) == (tb.source, tb.weight, tb.dropped)
                assert (ta.sign != tb.sign) == ((kk, jj, ii) == (k, j, i))

    # In the Markdown, the only token that changes is that term's sign, if the term is shown.
    changed = []
    for ra, rb in zip(rows(markdown(before)), rows(markdown(after)), strict=True):
        ta, tb = equation_tokens(ra), equation_tokens(rb)
        assert len(ta) == len(tb)
        changed += [(ra.split("|")[1].strip(), x, y, ta[n + 1]) for n, (x, y) in enumerate(zip(ta, tb))
                    if x != y]
    term = before[k].units[j].terms[i]
    if term.kept:
        assert changed == [(before[k].units[j].name, "+-"[term.sign < 0], "-+"[term.sign < 0],
                            term.source + term.weight)]
    else:
        assert changed == []


@settings(max_examples=150, deadline=None)
@given(model=models(dead=True), cut=thresholds)
def test_a_dead_link_never_appears(model, cut):
    import sympy

    from nneq.explain.symbolic import weighted_sum

    threshold, relative = cut
    layers = equations(model, threshold=threshold, relative=relative)
    table_rows = rows(markdown(layers))
    document = json.loads(to_json(layers))
    n = 0
    for k, layer in enumerate(layers):
        for j, unit in enumerate(layer.units):
            row = equation_tokens(table_rows[n])
            units_json = document["layers"][k]["units"][j]
            n += 1
            # Every source a distinct symbol, so the unit's sum shows exactly which links it uses.
            symbols = {t.source: sympy.Symbol(f"s{i}") for i, t in enumerate(unit.terms)}
            used = weighted_sum(unit, symbols).free_symbols
            for i, term in enumerate(unit.terms):
                if model.layers[k].dead[i, j]:
                    assert term.dropped == "dead" and not term.kept
                    assert term.source + term.weight not in row
                    assert symbols[term.source] not in used
                    assert units_json["terms"][i]["dropped"] == "dead"
                    assert units_json["terms"][i]["kept"] is False


@settings(max_examples=150, deadline=None)
@given(model=models(dead=True), cut=thresholds)
def test_a_threshold_never_drops_a_term_above_it(model, cut):
    threshold, relative = cut
    layers = equations(model, threshold=threshold, relative=relative)
    table_rows = rows(markdown(layers))
    n = 0
    for k, layer in enumerate(layers):
        weights, dead = model.layers[k].weights, model.layers[k].dead
        for j, unit in enumerate(layer.units):
            row = equation_tokens(table_rows[n])
            n += 1
            live = np.abs(weights[:, j][~dead[:, j]])
            limit = threshold * (live.max() if live.size else 0.0) if relative else threshold
            for i, term in enumerate(unit.terms):
                if dead[i, j]:
                    continue
                if weights[i, j] == 0:
                    assert term.dropped == "zero"
                    assert term.source + term.weight not in row
                elif abs(weights[i, j]) >= limit:
                    assert term.kept
                    assert term.source + term.weight in row
                else:
                    assert term.dropped == "threshold"
