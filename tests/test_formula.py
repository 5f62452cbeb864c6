"""Predicted logic: formulas read by a small parser, scored on the data through the alignment."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.comparison import symmetry as S
from nneq.comparison.compare import compare
from nneq.comparison.report import to_dict, to_text
from nneq.comparison.tables import parse_tables
from nneq.explain.equations import equations
from nneq.explain.formula import (
    FormulaError,
    Gate,
    Not,
    Var,
    evaluate,
    overlap_rule,
    parse_formula,
    read_logic_section,
)
from nneq.explain.formula import (
    to_text as formula_text,
)
from nneq.explain.logic import score_formula, unit_places
from nneq.explain.render import markdown

from .equations_models import xnor_model

runner = CliRunner()
GATE_TABLES = {  # a, b = 00, 01, 10, 11
    "and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0],
    "nand": [1, 1, 1, 0], "nor": [1, 0, 0, 0], "xnor": [1, 0, 0, 1],
}
A = np.array([0, 0, 1, 1], dtype=bool)
B = np.array([0, 1, 0, 1], dtype=bool)


@pytest.mark.parametrize("gate", sorted(GATE_TABLES))
def test_every_gate_by_word_and_symbol_computes_its_truth_table(gate):
    formula = parse_formula(f"o1 = h11 {gate.upper()} h12")
    assert evaluate(formula.expression, {"h11": A, "h12": B}).astype(int).tolist() == GATE_TABLES[gate]


@pytest.mark.parametrize(("text", "words"), [
    ("o1 = h11 & h12", "h11 and h12"), ("o1 = h11 | h12", "h11 or h12"),
    ("o1 = h11 ^ h12", "h11 xor h12"), ("o1 = ~h11", "not h11"), ("o1 = !h11", "not h11"),
])
def test_symbols_are_the_gates_words(text, words):
    assert parse_formula(text) == parse_formula(f"o1 = {words}")


def test_binding_or_loosest_then_xor_then_and_then_not():
    b_and_c = Gate("and", Var("b"), Var("c"))
    assert parse_formula("o1 = a or b and c").expression == Gate("or", Var("a"), b_and_c)
    assert parse_formula("o1 = a xor b and c").expression == Gate("xor", Var("a"), b_and_c)
    assert parse_formula("o1 = not a and b").expression == Gate("and", Not(Var("a")), Var("b"))
    assert parse_formula("o1 = a nand b nand c").expression == Gate(
        "nand", Gate("nand", Var("a"), Var("b")), Var("c"))
    assert parse_formula("o1 = (a or b) and c").expression == Gate(
        "and", Gate("or", Var("a"), Var("b")), Var("c"))


def test_formulas_print_back_to_what_they_read():
    for text in ("o1 = a or b and c", "o1 = (a or b) and not c", "o1 = a nand (b nand c)",
                 "o1 = not (a xor b)", "o1 = (a nand b) nand c"):
        formula = parse_formula(text)
        assert parse_formula(formula.text()).expression == formula.expression
        # And against the truth table over every assignment.
        names = ["a", "b", "c"]
        for values in itertools.product([False, True], repeat=3):
            env = {n: np.array([v]) for n, v in zip(names, values)}
            assert (evaluate(parse_formula(formula.text()).expression, env)
                    == evaluate(formula.expression, env)).all()
    assert formula_text(parse_formula("o1 = (a or b) and c").expression) == "(a or b) and c"


@pytest.mark.parametrize(("text", "message"), [
    ("o1 = h11 xand h12", "unknown gate 'xand'"),
    ("o1 = h11 and", "expected a unit name, 0, 1, 'not' or '('"),
    ("o1 = (h11 or h12", "expected ')'"),
    ("o1 = h11 h12", "unknown gate 'h12'"),
    ("h11 xor h12", "expected 'unit = formula'"),
    ("o1 = h11 + h12", "unexpected '+'"),
    ("o1 = ", "expected a unit name"),
])
def test_malformed_formulas_say_where_and_what_was_expected(text, message):
    with pytest.raises(FormulaError, match=rf"^line 7: .*{re.escape(message)}"):
        parse_formula(text, where="line 7")


def test_formulas_too_long_or_too_deep_are_refused_and_the_largest_allowed_evaluate():
    """Reading and evaluating recurse over the formula: their size is bounded, so that no
    formula can exhaust Python's stack, and formulas at the bounds still work."""
    refused = ["o1 = " + "(" * 600 + "h21" + ")" * 600, "o1 = " + "not " * 1100 + "h21",
               "o1 = " + " xor ".join(["h21"] * 2000), "o1 = " + "(" * 40 + "a" + ")" * 40,
               "o1 = " + "not " * 40 + "a"]
    for text in refused:
        with pytest.raises(FormulaError, match=r"^line 3: .*(too long|more than 32 deep)"):
            parse_formula(text, where="line 3")
    env = {"a": np.array([True, False]), "b": np.array([True, True])}
    names = ["a", "b"] * 255 + ["a", "b"]  # 512 names, 511 gates: 1023 tokens
    chain = parse_formula("o1 = " + " xor ".join(names))
    expected = np.logical_xor.reduce([env[n] for n in names])
    assert evaluate(chain.expression, env).tolist() == expected.tolist()
    deep = parse_formula("o1 = " + "not (" * 16 + "a" + ")" * 16)  # 32 levels
    assert evaluate(deep.expression, env).tolist() == [True, False]
    assert parse_formula(deep.text()).text() == deep.text()
    assert parse_formula(chain.text()).text() == chain.text()
    wide = overlap_rule("o1", [(f"h1_{k}", 1 if k % 3 else -1) for k in range(100)])
    assert parse_formula(f"o1 = {formula_text(wide)}").expression == wide  # read back


def test_a_logic_section_gives_its_formulas_with_their_lines():
    text = "| h11 | x1 |\n| o1 | h11 |\n\n## Logic\n\nSome words.\no1 = not h11\n\n# Next\nx = y\n"
    (formula,) = read_logic_section(text, source="p.md")
    assert formula.unit == "o1" and formula.where == "p.md:7"
    assert parse_tables(text, source="p.md").logic == (formula,)


def test_the_overlap_rule_unites_positive_and_intersects_away_negative_regions():
    rule = overlap_rule("h21", [("h11", 1), ("h12", 1), ("h13", -1)])
    assert formula_text(rule) == "(h11 or h12) and not h13"
    assert formula_text(overlap_rule("h21", [("h11", -1), ("h12", -1)])) == "not h11 and not h12"


# --- scoring on the hand-built XNOR network ----------------------------------------------------


@pytest.fixture(scope="module", params=["tanh", "sigmoid"])
def xnor(request):
    model, _, _ = xnor_model(request.param)
    return model


@pytest.mark.parametrize(("formula", "low", "high"), [
    ("o1 = h11 xnor h12", 1.0, 1.0),
    ("o1 = (h11 and h12) or not (h11 or h12)", 1.0, 1.0),
    ("o1 = h11 xor h12", 0.0, 0.0),
    ("o1 = h11", 0.3, 0.7),
    ("h21 = h11 and h12", 1.0, 1.0),
    ("h22 = h11 nor h12", 1.0, 1.0),
])
def test_formulas_on_the_xnor_network(xnor, formula, low, high):
    score = score_formula(xnor, parse_formula(formula), unit_places(xnor))
    for share in (score.train, score.test, score.grid):
        assert low <= share <= high, (formula, share)
    assert 0.5 <= score.majority_train <= 1 and 0.5 <= score.majority_test <= 1


def test_formulas_name_the_predictions_units_through_the_alignment(xnor):
    """Reorder and flip the network: the prediction's names still reach the same regions."""
    moved = S.transform_model(xnor, [S.Transform((1, 0), (-1, 1)), S.Transform((1, 0), (1, -1))])
    tables = markdown(equations(xnor))
    result = compare(parse_tables(tables + "\n\nLogic\no1 = h11 xnor h12\nh21 = h11 and h12\n"),
                     moved, chance=False)
    assert [(s.formula.unit, s.train, s.test) for s in result.logic] == [("o1", 1.0, 1.0),
                                                                       ("h21", 1.0, 1.0)]
    assert to_dict(result)["logic"][0]["train"] == 1.0
    assert "o1 = h11 xnor h12" in to_text(result)


def test_the_overlap_rule_on_the_xnor_networks_table(xnor):
    result = compare(parse_tables(markdown(equations(xnor))), xnor, chance=False, rule="overlap")
    formulas = {s.formula.unit: s for s in result.logic}
    assert set(formulas) == {"h21", "h22", "o1"}
    # h21 = + h11w11 + h12w12 as sets is h11 or h12; o1 = + h21 + h22 is h21 or h22, which is
    # what the network computes from its second layer.
    assert formulas["h21"].formula.text() == "h21 = h11 or h12"
    assert formulas["o1"].formula.text() == "o1 = h21 or h22"
    assert formulas["o1"].train == 1.0 and formulas["o1"].origin == "overlap"


def test_compare_prints_and_scores_the_overlap_rule_and_given_formulas(tmp_path, monkeypatch, xnor):
    monkeypatch.chdir(tmp_path)
    nneq.save(xnor, "xnor.json")
    (tmp_path / "xnor.md").write_text(markdown(equations(xnor)), encoding="utf-8")
    result = runner.invoke(app, ["compare", "xnor.md", "xnor.json", "--rule", "overlap",
                                 "--logic", "o1 = h11 xnor h12", "--logic", "o1 = not (h11 xnor h12)"])
    assert result.exit_code == 0, result.output
    assert "o1 = h21 or h22  [overlap rule]" in result.output
    assert "o1 = h11 xnor h12" in result.output and "train 1.00" in result.output
    assert "o1 = not (h11 xnor h12)" in result.output and "train 0.00" in result.output


@pytest.mark.parametrize(("args", "start"), [
    (["--logic", "o1 = h11 xand h12"], "nneq: --logic 1: unknown gate 'xand'"),
    (["--logic", "o1 = h11", "--logic", "o1 = (h11"], "nneq: --logic 2: expected ')'"),
    (["--logic", "o1 = h19"], "nneq: --logic 1: unknown unit 'h19'"),
    (["--rule", "union"], "nneq: "),
])
def test_bad_formulas_exit_2_with_one_line_saying_where(tmp_path, monkeypatch, xnor, args, start):
    monkeypatch.chdir(tmp_path)
    nneq.save(xnor, "xnor.json")
    (tmp_path / "xnor.md").write_text(markdown(equations(xnor)), encoding="utf-8")
    result = runner.invoke(app, ["compare", "xnor.md", "xnor.json", *args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), lines


def test_a_bad_formula_in_the_file_names_its_line(tmp_path, monkeypatch, xnor):
    monkeypatch.chdir(tmp_path)
    nneq.save(xnor, "xnor.json")
    text = markdown(equations(xnor)) + "\n\n## Logic\n\no1 = h11 xor\n"
    (tmp_path / "xnor.md").write_text(text, encoding="utf-8")
    line = text.splitlines().index("o1 = h11 xor") + 1
    result = runner.invoke(app, ["compare", "xnor.md", "xnor.json"])
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"nneq: xnor.md:{line}: expected a unit name")


@pytest.mark.parametrize(("table", "line", "what"), [
    ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 |\n| h15 | x2 |\n", 4, "h15 cannot exist"),
    ("| h11 | x1 |\n| h21 | h11 |\n| h22 | h11 |\n| h31 | h23w23 |\n| o1 | h31 |\n", 4,
     "h23w23 in h31's equation cannot exist"),
])
def test_units_a_layer_cannot_have_exit_2_with_their_line(tmp_path, monkeypatch, xnor, table, line, what):
    monkeypatch.chdir(tmp_path)
    nneq.save(xnor, "xnor.json")
    (tmp_path / "bad.md").write_text(table, encoding="utf-8")
    result = runner.invoke(app, ["compare", "bad.md", "xnor.json"])
    assert result.exit_code == 2, result.output
    assert result.output.strip().startswith(f"nneq: bad.md:{line}: {what}")
