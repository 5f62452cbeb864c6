"""`nneq equations`: golden outputs for a fixed model file, the default model, and one-line errors.

The golden files are the command's exact output; after a deliberate change of format,
regenerate them with NNEQ_UPDATE_GOLDEN=1 pytest tests/test_cli_equations.py and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nneq.cli import app

DATA = Path(__file__).parent / "data"
MODEL = DATA / "equations_xor_l1.json"  # xor, x1,x2,x1x2 → 3 → 2 → 1, tanh, L1: x2 → h11 is dead
GOLDEN = DATA / "golden"
runner = CliRunner()

GOLDEN_CASES = {
    "equations_markdown.md": [],
    "equations_markdown_values.md": ["--values", "--biases", "--precision", "2"],
    "equations_text.txt": ["--format", "text", "--threshold", "0.1"],
    "equations_latex.tex": ["--format", "latex"],
    "equations_json.json": ["--format", "json", "--threshold", "0.2", "--relative"],
    "equations_sympy.txt": ["--format", "sympy", "--compose"],
}


@pytest.mark.parametrize("name", list(GOLDEN_CASES))
def test_golden_output(name):
    result = runner.invoke(app, ["equations", str(MODEL), *GOLDEN_CASES[name]])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / name
    if os.environ.get("NNEQ_UPDATE_GOLDEN"):
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_golden_markdown_has_the_signs_of_the_model_file():
    """An oracle from the raw file: every live weight's sign, in the post's notation."""
    raw = json.loads(MODEL.read_text())
    names = [raw["features"], ["h11", "h12", "h13"], ["h21", "h22"]]
    symbols = [["w1", "w2", "w3"], ["w11", "w12", "w13"], ["w21", "w22"]]
    units = [["h11", "h12", "h13"], ["h21", "h22"], ["o1"]]
    expected = []
    for k, layer in enumerate(raw["layers"]):
        for j, unit in enumerate(units[k]):
            terms = [("-" if layer["weights"][i][j] < 0 else "+") + f" {names[k][i]}{symbols[k][i]}"
                     for i in range(len(names[k])) if not layer["dead"][i][j]]
            expected.append(f"| {unit} | {' '.join(terms)} |")
    table = (GOLDEN / "equations_markdown.md").read_text().splitlines()
    assert [row for row in table if row.startswith("| h") or row.startswith("| o")] == expected
    assert "| h11 | + x1w1 + x1x2w3 |" in table  # the dead x2 → h11 link is left out


def test_equations_after_train_with_no_arguments(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    trained = runner.invoke(app, ["train", "--dataset", "xor", "--epochs", "20", "--seed", "0.1",
                                  "--quiet"])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(app, ["equations"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("*xor, 2-4-2-1 tanh, seed 0.1, 20 epochs: test loss ") and lines[1] == ""
    assert lines[2:4] == ["| First Hidden Layer | Equation |", "| ------------- |:-------------:|"]
    assert lines[-3:-1] == ["| Output Layer | Equation |", "| ------------- |:-------------:|"]
    assert lines[-1].startswith("| o1 | ")


@pytest.mark.parametrize("fmt", ["markdown", "text", "latex", "json", "sympy", "logic"])
def test_every_format_runs_on_the_default_model(tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    shutil.copy(MODEL, "nneq-model.json")
    result = runner.invoke(app, ["equations", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() and result.stderr == ""


def write(name: str, text: str) -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


BAD_INPUTS = {
    "missing default model": lambda: [],
    "missing model": lambda: ["missing.json"],
    "model not json": lambda: [write("x.json", "{not json")],
    "model foreign json": lambda: [write("f.json", '{"weights": []}')],
    "bad format": lambda: [str(MODEL), "--format", "html"],
    "negative threshold": lambda: [str(MODEL), "--threshold", "-1"],
    "threshold not a number": lambda: [str(MODEL), "--threshold", "big"],
    "nan threshold": lambda: [str(MODEL), "--threshold", "nan"],
    "negative precision": lambda: [str(MODEL), "--precision", "-2", "--values"],
    "huge precision": lambda: [str(MODEL), "--format", "sympy", "--precision", "40"],
    "compose with markdown": lambda: [str(MODEL), "--compose"],
    "values with sympy": lambda: [str(MODEL), "--format", "sympy", "--values"],
    "biases with latex": lambda: [str(MODEL), "--format", "latex", "--biases"],
    "values with json": lambda: [str(MODEL), "--format", "json", "--values"],
    "biases with logic": lambda: [str(MODEL), "--format", "logic", "--biases"],
    "relative threshold above 1": lambda: [str(MODEL), "--threshold", "1.5", "--relative"],
    "unknown flag": lambda: [str(MODEL), "--colour"],
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_on_stderr_and_exit_2(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["equations", *BAD_INPUTS[case]()])
    assert result.exit_code == 2, (case, result.output)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nneq: "), lines
    assert "Traceback" not in result.output


def test_messages_say_what_is_allowed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = runner.invoke(app, ["equations", str(MODEL), "--format", "sympy", "--values"])
    assert "--values applies only to --format markdown and text, not sympy" in values.stderr
    both = runner.invoke(app, ["equations", str(MODEL), "--format", "json", "--values", "--biases"])
    assert "--values and --biases apply only to --format markdown and text, not json" in both.stderr
    compose = runner.invoke(app, ["equations", str(MODEL), "--compose"])
    assert "--compose applies only to --format sympy and latex" in compose.stderr
    share = runner.invoke(app, ["equations", str(MODEL), "--threshold", "1.5", "--relative"])
    assert "--threshold=1.5" in share.stderr and "from 0 to 1" in share.stderr
    precision = runner.invoke(app, ["equations", str(MODEL), "--precision", "-2", "--values"])
    assert "--precision=-2: expected a whole number of decimals from 0 to 17" in precision.stderr
    bad_format = runner.invoke(app, ["equations", str(MODEL), "--format", "html"])
    assert "markdown, text, latex, json, sympy, logic" in bad_format.stderr
    missing = runner.invoke(app, ["equations"])
    assert "nneq-model.json" in missing.stderr and "nneq train" in missing.stderr


def test_alias_and_predicted_write_the_learnt_tables_in_the_predictions_terms(tmp_path, monkeypatch):
    """The post's x3 for x1x2 with its weight w3, units reordered and flipped as aligned."""
    import nneq
    from nneq.comparison import symmetry as S
    from nneq.comparison.compare import compare
    from nneq.comparison.report import learnt_tables
    from nneq.comparison.tables import parse_tables

    monkeypatch.chdir(tmp_path)
    model = nneq.train(nneq.Config(dataset="xor", features=("x2", "x1x2"), shape=(2, 2),
                                   seed="x3"), epochs=60)
    nneq.save(model, "x3.json")
    plain = runner.invoke(app, ["equations", "x3.json", "--alias", "x3=x1x2"])
    assert plain.exit_code == 0, plain.output
    assert "x3w3" in plain.output and "x1x2" not in plain.output and "x2w1" in plain.output
    # Tables of a reordered, flipped copy read as a prediction: the learnt network, aligned to
    # it, is written as that copy is.
    moved = S.transform_model(model, [S.Transform((1, 0), (-1, 1)), S.Transform((1, 0), (1, -1))])
    nneq.save(moved, "moved.json")
    copy = runner.invoke(app, ["equations", "moved.json", "--alias", "x3=x1x2", "--no-caption"])
    Path("moved.md").write_text(copy.output, encoding="utf-8")
    aligned = runner.invoke(app, ["equations", "x3.json", "--alias", "x3=x1x2",
                                  "--predicted", "moved.md", "--no-caption"])
    assert aligned.exit_code == 0, aligned.output
    assert aligned.output == copy.output
    result = compare(parse_tables(copy.output, aliases={"x3": "x1x2"}), model, chance=False)
    assert learnt_tables(result) == copy.output.rstrip("\n")
    logic = runner.invoke(app, ["equations", "x3.json", "--format", "logic", "--alias",
                                "x3=x1x2", "--predicted", "moved.md"])
    assert logic.exit_code == 0, logic.output
