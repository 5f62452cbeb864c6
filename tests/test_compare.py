"""Comparing predictions with learnt networks: fair under symmetries, exact, and reported."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.comparison import symmetry as S
from nneq.comparison.compare import compare, compare_models, idle_units, read_predicted
from nneq.comparison.report import RENDERERS, to_dict
from nneq.comparison.tables import Prediction, from_equations, parse_tables, read_tables
from nneq.errors import NneqError
from nneq.explain.equations import equations
from nneq.explain.render import Options, markdown
from nneq.playground.features import FEATURES
from nneq.playground.model import Model
from nneq.playground.network import Layer

from .conftest import POST_TABLES

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "golden"
runner = CliRunner()


def post_format(model: Model, **options: object) -> str:
    """A model's tables in the post's format, as `nneq equations` writes them."""
    return markdown(equations(model), options=Options(**options))


@pytest.fixture(scope="module")
def xor_model() -> Model:
    return nneq.train(nneq.Config(dataset="xor", shape=(4, 2), seed="0.12345"), epochs=300)


@pytest.mark.parametrize("biases", [False, True])
def test_a_model_agrees_fully_with_its_own_tables(xor_model, biases):
    result = compare(parse_tables(post_format(xor_model, biases=biases)), xor_model)
    assert result.agree == result.compared == 8 + 8 + 2
    assert result.count("disagree") == result.count("absent") == result.count("unpredicted") == 0
    for layer in result.layers:
        assert not layer.missing and not layer.unpredicted
        assert all(not m.flipped and m.name == m.learnt for m in layer.alignment)


def test_a_model_agrees_fully_with_a_reordered_flipped_copy_of_itself(xor_model):
    moved = S.transform_model(xor_model, [S.Transform((2, 0, 3, 1), (-1, 1, -1, 1)),
                                          S.Transform((1, 0), (-1, -1))])
    result = compare(parse_tables(post_format(moved)), xor_model)
    assert result.agree == result.compared == 18
    # Learnt h12 and h13 have the same signs in and out, so either may stand for the other.
    first = {m.name: (m.learnt, m.flipped) for m in result.layers[0].alignment}
    assert first["h12"] == ("h11", False) and first["h13"] == ("h14", True)
    assert {first["h11"], first["h14"]} in ({("h13", True), ("h12", False)},
                                            {("h12", True), ("h13", False)})
    literal = compare(parse_tables(post_format(moved)), xor_model, symmetry=False)
    assert literal.compared == 18 and literal.agree < 18


# --- the property: symmetries of the learnt network change nothing ------------------------


@st.composite
def models(draw):
    """A model with random weights (some exactly zero, some dead): no training needed."""
    features = draw(st.lists(st.sampled_from(list(FEATURES)), min_size=1, max_size=4, unique=True))
    shape = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    activation = draw(st.sampled_from(["tanh", "sigmoid", "linear", "relu"]))
    config = nneq.Config(dataset=draw(st.sampled_from(["xor", "reg-plane"])), features=features,
                         shape=shape, activation=activation, seed="p")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    layers = []
    for a, b in pairwise(config.layer_sizes):
        weights = rng.normal(size=(a, b))
        weights[rng.random((a, b)) < 0.15] = 0.0
        layers.append(Layer(weights, rng.normal(size=b), rng.random((a, b)) < 0.15))
    return Model(config, tuple(layers), np.zeros(1), np.zeros(1)), rng


def random_prediction(rng: np.random.Generator, model: Model) -> str:
    """Tables of random signs, with a random number of units and sometimes another depth."""
    depth = len(model.config.shape) + int(rng.choice([0, 0, 0, -1, 1]))
    depth = max(depth, 0)
    # Units the network has, in its layers (a unit it cannot have is an error, tested apart).
    shape = model.config.shape
    sizes = [int(rng.integers(1, (shape[i] if i < len(shape) else 5) + 1)) for i in range(depth)]
    inputs = list(dict.fromkeys([*model.config.features, "sin(x2)"]))  # maybe one it lacks
    blocks = []
    for layer in range(1, depth + 2):
        output = layer == depth + 1
        sources = inputs if layer == 1 else [f"h{layer - 1}{i}" for i in range(1, sizes[layer - 2] + 1)]
        title = "Output Layer" if output else f"Hidden Layer {layer}"
        rows = [f"| {title} | Equation |", "|---|---|"]
        for index in range(1, 2 if output else sizes[layer - 1] + 1):
            chosen = [s for s in sources if rng.random() < 0.7]
            terms = " ".join(f"{rng.choice(['+', '-'])} {s}" for s in chosen) or "0"
            rows.append(f"| {'o' if output else f'h{layer}'}{index} | {terms} |")
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks)


def random_symmetry(rng: np.random.Generator, model: Model) -> list[S.Transform]:
    odd = S.flippable(model.config)[0] if model.config.shape else False
    return [S.Transform(tuple(rng.permutation(n).tolist()),
                        tuple(rng.choice([-1, 1], size=n).tolist()) if odd else (1,) * n)
            for n in model.config.shape]


@settings(max_examples=int(os.environ.get("NNEQ_EXAMPLES", "100")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_symmetries_of_the_network_change_neither_agreement_nor_canonical_form(drawn):
    model, rng = drawn
    prediction = parse_tables(random_prediction(rng, model))
    moved = S.transform_model(model, random_symmetry(rng, model))
    before, after = compare(prediction, model, chance=False), compare(prediction, moved, chance=False)
    assert (before.agree, before.compared) == (after.agree, after.compared)
    assert 0 <= before.agree <= before.compared
    assert (S.canonical(S.sign_matrices(model), flippable=S.flippable(model)).key
            == S.canonical(S.sign_matrices(moved), flippable=S.flippable(moved)).key)
    # The report's totals are the alignment's own.
    plan_total = sum(la.agree for la in before.layers)
    assert plan_total == before.agree


@settings(max_examples=int(os.environ.get("NNEQ_EXAMPLES", "100")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.sampled_from([0.0, 0.5, 1.0]))
def test_a_model_agrees_fully_with_its_own_tables_in_every_case(drawn, threshold):
    """Zeros, dead links, thresholds, any activation: the tables equations writes read back whole."""
    model, _ = drawn
    layers = equations(model, threshold=threshold)
    tables = markdown(layers, options=Options(threshold=threshold))
    # Links touching idle units (no live incoming link) are left out of the counts.
    idle = idle_units(layers)
    kept = sum(1 for layer in layers for u in layer.units if u.name not in idle
               for t in u.kept if t.source not in idle)
    for prediction in (parse_tables(tables), from_equations(layers)):
        result = compare(prediction, model, threshold=threshold, chance=False)
        assert result.agree == result.compared == result.total == kept
        assert result.count("disagree") == result.count("unpredicted") == 0
        assert all(t.reason == "idle" for la in result.layers for u in la.units for t in u.terms
                   if t.status == "absent")
        for layer in result.layers:
            assert not layer.missing and not layer.unpredicted


def test_a_zero_weight_model_agrees_with_its_own_tables():
    """A network started from zeros keeps every weight at exactly zero: every unit reads 0."""
    config = nneq.Config(dataset="circle", shape=(4, 2), init_zero=True, seed="0.09375")
    model = nneq.train(config, epochs=5)
    assert all((la.weights == 0).all() for la in model.layers)
    tables = post_format(model)
    assert "| h11 | 0 |" in tables and "| o1 | 0 |" in tables
    result = compare(parse_tables(tables), model)
    assert result.agree == result.compared == 0
    assert result.count("absent") == result.count("disagree") == result.count("unpredicted") == 0
    assert all(not la.missing and not la.unpredicted for la in result.layers)


# --- names: one rule everywhere, and never two namings confused ----------------------------


def ten_unit_model() -> Model:
    config = nneq.Config(dataset="xor", shape=(10, 3), seed="ten")
    rng = np.random.default_rng(10)
    layers = tuple(Layer(rng.normal(size=(a, b)), rng.normal(size=b), np.zeros((a, b), dtype=bool))
                   for a, b in pairwise(config.layer_sizes))
    return Model(config, layers, np.zeros(1), np.zeros(1))


def test_a_ten_unit_layer_keeps_one_naming_from_equations_to_the_comparison():
    model = ten_unit_model()
    tables = post_format(model)
    names = [f"h1_{i}" for i in range(1, 11)]
    assert [row.split("|")[1].strip() for row in tables.splitlines()[2:12]] == names
    prediction = parse_tables(tables)
    assert [u.name for u in prediction.layers[0].units] == names
    assert [t.source for t in prediction.layers[1].units[0].terms] == names
    def reading(p: Prediction) -> list:
        return [(u.name, [(t.source, t.sign, t.text) for t in u.terms])
                for layer in p.layers for u in layer.units]

    assert reading(prediction) == reading(from_equations(equations(model)))
    result = compare(prediction, model, chance=False)
    assert result.agree == result.compared == 2 * 10 + 10 * 3 + 3
    first, second = result.layers[0], result.layers[1]
    assert [u.name for u in first.units] == [u.learnt for u in first.units] == names
    assert [m.name for m in first.alignment] == [m.learnt for m in first.alignment] == names
    assert [t.source for t in second.units[0].terms] == names
    text = RENDERERS["text"](result)
    assert "h1_1 = learnt h1_1; h1_2 = learnt h1_2" in text and "h11" not in text


def test_a_short_prediction_of_a_ten_unit_layer_is_named_by_the_layer():
    """Three predicted units of a ten-unit layer: h11 is position 1 of it, written h1_1."""
    model = ten_unit_model()
    result = compare(parse_tables("| First Hidden Layer | Equation |\n|---|---|\n"
                                  "| h11 | x1 |\n| h12 | x2 |\n| h13 | -x1 |"), model)
    first = result.layers[0]
    assert [u.name for u in first.units] == ["h1_1", "h1_2", "h1_3"]
    assert [u.terms[0].text for u in first.units] == ["x1", "x2", "x1"]  # as written
    assert sorted(m.name for m in first.alignment) == sorted(f"h1_{i}" for i in range(1, 11))


def test_learnt_names_never_pass_for_predicted_ones(xor_model):
    """Predicted h11 is read as learnt h14: learnt h11, not predicted, is written as learnt."""
    text = "| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 - x2 |\n"
    result = compare(parse_tables(text), xor_model)
    (unit,) = result.layers[0].units
    assert (unit.name, unit.learnt, unit.flipped) == ("h11", "h14", True)
    unpredicted = [(m.name, m.learnt) for m in result.layers[0].unpredicted]
    assert unpredicted == [("h12", "h11"), ("h13", "h12"), ("h14", "h13")]
    report = RENDERERS["text"](result).splitlines()
    assert "  h11 = learnt h14, flipped" in report
    assert ("Learnt but not predicted: learnt h11 (read as h12), learnt h12 (read as h13), "
            "learnt h13 (read as h14), learnt h21, learnt h22, learnt o1") in report
    alignment = next(line for line in report if line.startswith("  First Hidden Layer"))
    assert alignment.split(None, 3)[3] == ("h11 = learnt h14, flipped; h12 = learnt h11; "
                                           "h13 = learnt h12; h14 = learnt h13")
    markdown_report = RENDERERS["markdown"](result)
    assert "- First Hidden Layer: h11 = learnt h14, flipped; h12 = learnt h11;" in markdown_report
    assert "- Learnt but not predicted: learnt h11 (read as h12), " in markdown_report
    data = to_dict(result)
    assert data["layers"][0]["unpredicted"][0] == {"name": "h12", "learnt": "h11"}
    assert data["layers"][0]["units"][0]["name"] == "h11"
    assert data["layers"][0]["units"][0]["learnt"] == "h14"
    assert data["alignment"][0]["units"][0] == {"name": "h11", "learnt": "h14", "flipped": True,
                                                "predicted": True}


# --- a second model file, told apart by its content ----------------------------------------


def test_read_predicted_tells_a_model_from_tables_by_content(tmp_path, xor_model):
    nneq.save(xor_model, tmp_path / "model.txt")
    assert isinstance(read_predicted(tmp_path / "model.txt"), Model)
    spaced = tmp_path / "spaced.md"
    spaced.write_text(" \n" + (tmp_path / "model.txt").read_text(), encoding="utf-8")
    assert isinstance(read_predicted(spaced), Model)
    marked = tmp_path / "marked.md"  # a byte-order mark: still a model file, reported as such
    marked.write_text("\ufeff" + (tmp_path / "model.txt").read_text(), encoding="utf-8")
    with pytest.raises(NneqError, match=r"marked\.md: not valid JSON"):
        read_predicted(marked)
    tables = tmp_path / "tables.json"
    tables.write_text("| h11 | x3 |\n| o1 | h11 |\n", encoding="utf-8")
    prediction = read_predicted(tables, aliases={"x3": "x1x2"})
    assert isinstance(prediction, Prediction) and prediction.source == str(tables)
    assert prediction.layers[0].units[0].terms[0].source == "x1x2"
    broken = tmp_path / "broken.md"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(NneqError, match="not valid JSON"):
        read_predicted(broken)
    with pytest.raises(NneqError, match="no such file"):
        read_predicted(tmp_path / "nothing.md")


# --- a configuration of the post, with its table ------------------------------------------


def test_golden_report_for_the_posts_first_experiment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(POST_TABLES / "exp01.md", "exp01.md")
    trained = runner.invoke(app, ["train", "--dataset", "xor", "--features", "x1,x2", "--shape", "4,2",
                                  "--activation", "tanh", "--seed", "0.12345", "--epochs", "300",
                                  "--quiet"])
    assert trained.exit_code == 0, trained.output
    for report, name in (("text", "exp01_xor_4-2_tanh.txt"), ("markdown", "exp01_xor_4-2_tanh.md")):
        result = runner.invoke(app, ["compare", "exp01.md", "--format", report])
        assert result.exit_code == 0, result.output
        golden = GOLDEN / name
        if os.environ.get("NNEQ_UPDATE_GOLDEN"):
            golden.write_text(result.output, encoding="utf-8")
        assert result.output == golden.read_text(encoding="utf-8")


def test_the_golden_comparison_in_numbers(xor_model):
    result = compare(read_tables(POST_TABLES / "exp01.md"), xor_model)
    assert (result.agree, result.compared) == (13, 18)
    assert [(la.agree, la.compared) for la in result.layers] == [(5, 8), (7, 8), (1, 2)]


# --- two learnt networks -------------------------------------------------------------------


def test_two_seeds_compared_the_same_way():
    config = nneq.Config(dataset="xor", shape=(3,), seed="one")
    one = nneq.train(config, epochs=100)
    two = nneq.train(dataclasses.replace(config, seed="two"), epochs=100)
    assert compare_models(one, one).agree == compare_models(one, one).compared == 6 + 3
    result = compare_models(one, two, predicted_source="one.json", model_source="two.json")
    assert result.predicted == "one.json" and result.model == "two.json"
    assert result.compared == 9
    # Symmetric in agreement: the alignment of one onto two inverts to that of two onto one.
    assert compare_models(two, one).agree == result.agree


# --- partial and mismatched predictions ----------------------------------------------------


def test_missing_and_unpredicted_units(xor_model):
    text = ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 - x2 |\n| h13 | x1 |\n")
    result = compare(parse_tables(text), xor_model)
    first = result.layers[0]
    assert first.missing == () and len(first.unpredicted) == 2
    assert [(m.name, m.learnt) for m in result.layers[1].unpredicted] == [("h21", "h21"),
                                                                          ("h22", "h22")]
    assert [(m.name, m.learnt) for m in result.layers[2].unpredicted] == [("o1", "o1")]
    literal = compare(parse_tables(text), xor_model, symmetry=False)
    assert [m.learnt for m in literal.layers[0].unpredicted] == ["h12", "h14"]


@pytest.mark.parametrize(("text", "line", "what"), [
    ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 - x2 |\n| h15 | x1 |\n", 4,
     "h15 cannot exist: the network's First Hidden Layer has 4 units"),
    ("| h11 | x1 |\n| h21 | h11 |\n\n| h31 | h23w23 |\n| o1 | h31 |", 4,
     "h23w23 in h31's equation cannot exist: the network's Second Hidden Layer has 2 units"),
    ("| h11 | x1 |\n| h21 | h11 |\n| o2 | h21 |", 3, "o2 cannot exist: the network has 1 output"),
])
def test_units_the_network_cannot_have_are_errors_with_their_line(xor_model, text, line, what):
    with pytest.raises(NneqError, match=rf"^line {line}: {what}"):
        compare(parse_tables(text), xor_model)


def test_learnt_links_not_predicted_take_free_names(xor_model):
    text = "| Second Hidden Layer | Equation |\n|---|---|\n| h21 | h13 |\n"
    result = compare(parse_tables(text), xor_model, symmetry=False)
    (unit,) = result.layers[1].units
    assert [(t.source, t.status) for t in unit.terms] == [
        ("h13", "agree" if unit.terms[0].learnt == 1 else "disagree"),
        ("h11", "unpredicted"), ("h12", "unpredicted"), ("h14", "unpredicted")]


def test_threshold_and_dead_links_are_absent_not_wrong(xor_model):
    text = "| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 + x2 |\n| h12 | x1 + x2 |"
    result = compare(parse_tables(text), xor_model, threshold=100.0)
    assert result.compared == 0
    assert {t.reason for u in result.layers[0].units for t in u.terms} == {"threshold"}
    layers = list(xor_model.layers)
    layers[0] = Layer(layers[0].weights, layers[0].biases, np.ones_like(layers[0].dead))
    dead = dataclasses.replace(xor_model, layers=tuple(layers))
    assert {t.reason for u in compare(parse_tables(text), dead).layers[0].units
            for t in u.terms} == {"dead"}


def test_a_deeper_or_shallower_prediction(xor_model):
    shallow = "| h11 | x1 |\n| o1 | h11 + h12 |"
    result = compare(parse_tables(shallow), xor_model)
    output = result.layers[-1].units[0]
    assert {t.reason for t in output.terms if t.predicted} == {"no unit"}
    deep = "| h11 | x1 |\n| h21 | h11 |\n| h31 | h21 |\n| o1 | h31 |"
    result = compare(parse_tables(deep), xor_model)
    assert [la.title for la in result.layers] == [
        "First Hidden Layer", "Second Hidden Layer", "Third Hidden Layer", "Output Layer"]
    assert result.layers[2].missing == ("h31",)


def test_an_input_the_network_lacks(xor_model):
    text = "| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 + sin(x1) |"
    (unit,) = compare(parse_tables(text), xor_model).layers[0].units
    assert unit.terms[1].status == "absent" and unit.terms[1].reason == "no input"


def test_json_has_top_level_integers_and_the_alignment(xor_model):
    result = compare(read_tables(POST_TABLES / "exp01.md"), xor_model)
    data = json.loads(RENDERERS["json"](result))
    assert data["agree"] == 13 and data["compared"] == 18
    assert isinstance(data["agree"], int) and isinstance(data["compared"], int)
    assert [la["layer"] for la in data["alignment"]] == ["First Hidden Layer", "Second Hidden Layer"]
    assert {t["status"] for la in data["layers"] for u in la["units"] for t in u["terms"]} <= {
        "agree", "disagree", "absent", "unpredicted"}
    assert data == to_dict(result)
