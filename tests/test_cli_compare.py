"""`nneq compare` on the command line: reports, exit codes, and one-line errors for bad tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.comparison import symmetry as S

from .conftest import POST_TABLES

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    model = nneq.train(nneq.Config(dataset="xor", shape=(4, 2), seed="0.12345"), epochs=300)
    nneq.save(model, folder / "nneq-model.json")
    moved = S.transform_model(model, [S.Transform((3, 2, 1, 0), (1, -1, 1, -1)),
                                      S.Transform((1, 0), (-1, 1))])
    nneq.save(moved, folder / "moved.json")
    features = nneq.train(nneq.Config(dataset="xor", features=("x2", "x1x2"), shape=(2, 1),
                                      seed="x3"), epochs=100)
    nneq.save(features, folder / "x1x2.json")
    return folder


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch, trained):
    monkeypatch.chdir(tmp_path)
    for name in ("nneq-model.json", "moved.json", "x1x2.json"):
        shutil.copy(trained / name, name)
    for table in POST_TABLES.glob("*.md"):
        shutil.copy(table, table.name)
    return tmp_path


def write(name: str, text: str) -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


def test_compare_prints_the_report_and_exits_0():
    result = runner.invoke(app, ["compare", "exp01.md"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first == ("exp01.md against nneq-model.json: 13 of 18 predicted signs agree; a random "
                     "table of this shape agrees on 15.5 on average (p = 1, exact over 262144 "
                     "tables): no better than chance")
    for words in ("First Hidden Layer: 5 of 8 agree", "Alignment", "DIFFERS", "learnt h14, flipped"):
        assert words in result.output


def test_the_tables_nneq_equations_writes_agree_fully():
    written = runner.invoke(app, ["equations"])
    assert written.exit_code == 0, written.output
    write("own.md", written.output)
    data = json.loads(runner.invoke(app, ["compare", "own.md", "--format", "json", "--strict"]).output)
    assert data["agree"] == data["compared"] == 18 and data["disagree"] == 0


def test_a_zero_weight_model_agrees_with_the_tables_nneq_equations_writes():
    """Trained from zeros, every weight stays exactly zero: the tables read 0, and agree."""
    trained = runner.invoke(app, ["train", "--init-zero", "--epochs", "5", "--seed", "0.09375",
                                  "--out", "z.json", "--quiet"])
    assert trained.exit_code == 0, trained.output
    written = runner.invoke(app, ["equations", "z.json"])
    assert written.exit_code == 0, written.output
    assert "| h11 | 0 |" in written.stdout and "| o1 | 0 |" in written.stdout
    write("z.md", written.stdout)  # the caption line above the tables is read past
    result = runner.invoke(app, ["compare", "z.md", "z.json", "--strict"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ("z.md against z.json: 0 of 0 predicted signs agree "
                                             "(no sign to compare with chance)")
    assert result.stderr.startswith("nneq: warning: z.json: ")  # all zeros: no better than chance


def test_strict_exits_4_only_when_a_sign_disagrees():
    assert runner.invoke(app, ["compare", "exp01.md", "--strict"]).exit_code == 4
    write("mine.md", "| First Hidden Layer | Equation |\n|---|---|\n| h11 | -x1 + x2 |\n")
    assert runner.invoke(app, ["compare", "mine.md", "--strict"]).exit_code == 0


def test_no_symmetry_compares_units_by_name():
    aligned = json.loads(runner.invoke(app, ["compare", "moved.json", "--format", "json"]).output)
    literal = json.loads(runner.invoke(app, ["compare", "moved.json", "--format", "json",
                                             "--no-symmetry"]).output)
    assert aligned["agree"] == aligned["compared"] == 18
    assert aligned["symmetry"] is True and literal["symmetry"] is False
    assert literal["compared"] == 18 and literal["agree"] < 18
    assert all(not u["flipped"] and u["name"] == u["learnt"]
               for layer in literal["alignment"] for u in layer["units"])


def test_model_against_model():
    result = runner.invoke(app, ["compare", "nneq-model.json", "moved.json", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["agree"], data["compared"]) == (18, 18)
    assert data["predicted"] == "nneq-model.json" and data["model"] == "moved.json"
    flips = {u["name"]: (u["learnt"], u["flipped"]) for u in data["alignment"][1]["units"]}
    assert flips == {"h21": ("h22", False), "h22": ("h21", True)}


def test_a_model_file_is_known_by_its_content_not_its_name():
    Path("seed.model").write_text(Path("nneq-model.json").read_text())
    result = runner.invoke(app, ["compare", "seed.model", "moved.json", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert (json.loads(result.output)["agree"], json.loads(result.output)["compared"]) == (18, 18)


def test_aliases_name_the_posts_x3():
    assert runner.invoke(app, ["compare", "exp12.md", "x1x2.json"]).exit_code == 2
    result = runner.invoke(app, ["compare", "exp12.md", "x1x2.json", "--alias", "x3=x1x2",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    terms = data["layers"][0]["units"][0]["terms"]
    assert [(t["source"], t["text"]) for t in terms[:2]] == [("x2", "x2w2"), ("x1x2", "x3w3")]
    assert data["compared"] == 2 + 2 + 2 + 1


def test_markdown_report():
    result = runner.invoke(app, ["compare", "exp07.md", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "| First Hidden Layer | Learnt unit | Predicted | Learnt (aligned) | Agree |" in result.output


def test_threshold_makes_weak_links_absent():
    data = json.loads(runner.invoke(app, ["compare", "exp01.md", "--threshold", "1e6",
                                          "--format", "json"]).output)
    assert data["compared"] == 0 and data["absent"] == 18


MALFORMED = {
    "unknown unit": ("| First Hidden Layer | Equation |\n|---|---|\n| k11 | x1 |\n", 3),
    "unknown term": ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1w1 + z2 |\n", 3),
    "x3 without alias": ("Text.\n\n| First Hidden Layer | Equation |\n|---|---|\n| h11 | x3w3 |\n", 5),
    "missing sign": ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1w1 x2w2 |\n", 3),
    "double sign": ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 +- x2 |\n", 3),
    "trailing sign": ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 - |\n", 3),
    "empty equation": ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | |\n", 3),
    "three cells": ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 | x2 |\n", 3),
    "unit twice": ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 |\n| h11 | x2 |\n", 4),
    "both signs": ("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1 - x1 |\n", 3),
    "wrong heading": ("| Second Hidden Layer | Equation |\n|---|---|\n| h11 | x1 |\n", 3),
    "wrong source layer": ("| Second Hidden Layer | Equation |\n|---|---|\n| h21 | x1 |\n", 3),
    "wrong weight": ("| Second Hidden Layer | Equation |\n|---|---|\n| h21 | h11w12 |\n", 3),
    "no table": ("Nothing here.\n", 1),
    "unknown heading": ("| Hiden Layer One | Equation |\n|---|---|\n| h11 | x1 |\n", 1),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_tables_give_one_line_with_the_line_number_and_exit_2(case):
    text, line = MALFORMED[case]
    write("bad.md", text)
    result = runner.invoke(app, ["compare", "bad.md"])
    assert result.exit_code == 2, (case, result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"nneq: bad.md:{line}: ")
    assert "Traceback" not in result.output


BAD_ARGUMENTS = {
    "missing table file": ["compare", "nothing.md"],
    "missing model": ["compare", "exp01.md", "nothing.json"],
    "missing predicted model": ["compare", "nothing.json"],
    "bad alias": ["compare", "exp01.md", "--alias", "x3"],
    "alias of no input": ["compare", "exp01.md", "--alias", "x3=x9"],
    "bad format": ["compare", "exp01.md", "--format", "html"],
    "negative threshold": ["compare", "exp01.md", "--threshold", "-1"],
    "no predicted": ["compare", "--strict"],
}


@pytest.mark.parametrize("case", sorted(BAD_ARGUMENTS))
def test_bad_arguments_give_one_line_and_exit_2(case):
    result = runner.invoke(app, BAD_ARGUMENTS[case])
    assert result.exit_code == 2, (case, result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nneq: "), lines
