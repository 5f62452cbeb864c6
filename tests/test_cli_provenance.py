"""Captions on `nneq equations`, and warnings about models that learnt nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nneq.cli import app
from nneq.playground.link import parse_link
from nneq.storage.modelfile import load

runner = CliRunner()
XOR = ["--dataset", "xor", "--shape", "4,2", "--seed", "0.12345", "--epochs", "300", "--quiet"]
FACTS = "xor, 2-4-2-1 tanh, seed 0.12345, 300 epochs: test loss 0.020, accuracy 98.8%"
WARNING = "nneq: warning: "


@pytest.fixture
def trained(tmp_path, monkeypatch):
    """A good xor model (nneq-model.json) and one trained a single epoch (one.json)."""
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["train", *XOR]).exit_code == 0
    one = runner.invoke(app, ["train", "--dataset", "xor", "--seed", "1", "--epochs", "1",
                              "--quiet", "--out", "one.json"])
    assert one.exit_code == 0, one.output
    return tmp_path


def _caption(fmt: str) -> tuple[str, list[str]]:
    result = runner.invoke(app, ["equations", "--format", fmt])
    assert result.exit_code == 0 and result.stderr == "", result.output
    return result.stdout.splitlines()[0], result.stdout.splitlines()


def test_markdown_caption_is_one_emphasised_line_with_a_link_that_gives_the_model(trained):
    caption, lines = _caption("markdown")
    assert lines[1] == "" and lines[2] == "| First Hidden Layer | Equation |"
    prefix = f"*{FACTS} · [open in the Playground]("
    assert caption.startswith(prefix) and caption.endswith(")*")
    link = caption[len(prefix):-2]
    assert parse_link(link).config == load("nneq-model.json").config  # the seed included


@pytest.mark.parametrize(("fmt", "start"), [("text", ""), ("latex", "% "), ("sympy", "# "),
                                            ("logic", "# ")])
def test_every_text_format_starts_with_the_same_facts(trained, fmt, start):
    caption, lines = _caption(fmt)
    assert caption.startswith(f"{start}{FACTS} · https://playground.tensorflow.org/#")
    assert "seed=0.12345&" in caption and lines[1] == ""


@pytest.mark.parametrize("fmt", ["markdown", "text", "latex", "sympy", "logic"])
def test_no_caption_leaves_out_exactly_the_caption(trained, fmt):
    full = runner.invoke(app, ["equations", "--format", fmt]).stdout
    bare = runner.invoke(app, ["equations", "--format", fmt, "--no-caption"]).stdout
    assert full.splitlines()[2:] == bare.splitlines()
    assert "0.12345" not in bare


def test_json_has_the_caption_facts_as_fields(trained):
    data = json.loads(runner.invoke(app, ["equations", "--format", "json"]).stdout)
    assert list(data)[:3] == ["format", "version", "model"]
    facts = data["model"]
    assert {k: facts[k] for k in ("dataset", "shape", "activation", "seed", "epochs", "diverged")} \
        == {"dataset": "xor", "shape": "2-4-2-1", "activation": "tanh", "seed": "0.12345",
            "epochs": 300, "diverged": False}
    model = load("nneq-model.json")
    assert facts["loss_test"] == float(model.loss_test[-1])
    _, test = model.data()
    assert facts["accuracy_test"] == model.accuracy(test) == 0.988
    assert parse_link(facts["link"]).config == model.config
    bare = json.loads(runner.invoke(app, ["equations", "--format", "json", "--no-caption"]).stdout)
    assert "model" not in bare and bare["layers"] == data["layers"]


def _warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(WARNING)]


def test_a_good_model_gets_no_warning(trained):
    for args in (["equations"], ["plot", "--out", "good.png"], ["compare", "one.json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and result.stderr == "", (args, result.output)


@pytest.mark.parametrize("args", [["equations", "one.json"], ["plot", "one.json"],
                                  ["compare", "nneq-model.json", "one.json"],
                                  ["equations", "one.json", "--format", "json"]])
def test_a_model_no_better_than_the_majority_class_warns_once_and_goes_on(trained, args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _warnings(result) == [
        f"{WARNING}one.json: the model classifies 45.2% of the test points right, no better "
        "than always answering the majority class (52.4%); it has learnt little"]
    assert result.stdout.strip()  # the output is written all the same
    if args[0] == "plot":
        assert Path("one.png").stat().st_size > 0


def test_a_diverged_model_warns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    trained = runner.invoke(app, ["train", "--dataset", "reg-plane", "--learning-rate", "10",
                                  "--shape", "8,8", "--seed", "d", "--epochs", "50"])
    assert trained.exit_code == 1
    result = runner.invoke(app, ["equations"])
    assert result.exit_code == 0
    assert _warnings(result) == [f"{WARNING}nneq-model.json: training diverged at epoch 2; this is "
                                 "epoch 1, the last finite one"]
    assert "diverged at epoch 2" in result.stdout.splitlines()[0]  # and the caption says so


def test_a_regression_model_no_better_than_the_mean_warns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["train", "--dataset", "reg-plane", "--seed", "1", "--epochs", "0", "-q"])
    model = load("nneq-model.json")
    _, test = model.data()
    constant = 0.5 * float(((test.label - test.label.mean()) ** 2).mean())
    assert float(model.loss_test[-1]) >= constant  # the oracle: the untrained net is worse
    result = runner.invoke(app, ["equations"])
    assert _warnings(result) == [f"{WARNING}nneq-model.json: the model's test loss 0.154 is no "
                                 "better than always answering the mean (0.122); it has learnt little"]
    runner.invoke(app, ["train", "--dataset", "reg-plane", "--seed", "1", "--epochs", "50", "-q"])
    assert _warnings(runner.invoke(app, ["equations"])) == []


def test_report_warns_for_the_run_that_learnt_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("good.toml").write_text('dataset = "xor"\nshape = [4, 2]\nseed = "0.12345"\nepochs = 300\n')
    Path("bad.toml").write_text('dataset = "xor"\nseed = "1"\nepochs = 1\n')
    result = runner.invoke(app, ["report", "good.toml", "bad.toml", "--out-dir", "out", "--quiet"])
    assert result.exit_code == 0, result.output
    warnings = _warnings(result)
    assert len(warnings) == 1 and warnings[0].startswith(f"{WARNING}bad: the model classifies")


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_the_engine_that_trained_a_model_is_in_its_file_its_summary_and_its_json(
        tmp_path, monkeypatch, engine):
    if engine == "compiled":
        pytest.importorskip("numba")
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["train", "--dataset", "xor", "--shape", "2", "--epochs", "3",
                               "--seed", "e", "--engine", engine, "--json", "--quiet"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["engine"] == engine
    assert json.loads(Path("nneq-model.json").read_text())["engine"] == engine
    assert load("nneq-model.json").engine == engine
    shown = runner.invoke(app, ["equations", "--format", "json"])
    assert json.loads(shown.stdout)["model"]["engine"] == engine
    text = runner.invoke(app, ["train", "--dataset", "xor", "--shape", "2", "--epochs", "3",
                               "--seed", "e", "--engine", engine, "--quiet"]).output
    assert text.startswith("trained 3 epochs with the compiled engine:" if engine == "compiled"
                           else "trained 3 epochs: xor")


def test_a_model_file_without_an_engine_loads_and_a_wrong_one_is_refused(tmp_path,
                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["train", "--epochs", "2", "--seed", "e", "--quiet"]).exit_code == 0
    data = json.loads(Path("nneq-model.json").read_text())
    del data["engine"]
    Path("old.json").write_text(json.dumps(data))
    assert load("old.json").engine is None
    data["engine"] = "gpu"
    Path("bad.json").write_text(json.dumps(data))
    refused = runner.invoke(app, ["equations", "bad.json"])
    assert refused.exit_code == 2 and "engine should be one of numpy, compiled" in refused.output
