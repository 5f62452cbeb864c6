"""The nneq command: training, model files, links and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import pty
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.storage.modelfile import to_dict

from .conftest import ENGINES, POST_LINK, read_until, reference

runner = CliRunner()


def nneq_executable() -> str:
    beside = Path(sys.executable).parent / "nneq"
    found = str(beside) if beside.exists() else shutil.which("nneq")
    if found is None:
        pytest.skip("the nneq executable is not installed")
    return found


pytestmark = pytest.mark.usefixtures("in_tmp")  # every test in its own folder


def test_post_link_trains_the_reference_weights():
    result = runner.invoke(app, ["train", "--url", POST_LINK, "--epochs", "200", "--quiet"])
    assert result.exit_code == 0, result.output
    model = nneq.load("nneq-model.json")
    expected = next(s for s in reference("v01_post_circle")["snapshots"] if s["epoch"] == 200)
    for layer, ref in zip(model.layers, expected["layers"], strict=True):
        np.testing.assert_allclose(layer.weights, ref["weights"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(layer.biases, ref["biases"], rtol=0, atol=1e-9)
    assert "seed 0.53049" in result.output


def test_summary_and_model_file_contract():
    result = runner.invoke(app, ["train", "--dataset", "xor", "--seed", "s", "--epochs", "30",
                                 "--out", "xor.json"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "trained 30 epochs: xor, 2-4-2-1 tanh, seed s"
    assert lines[1].split() == ["train", "test"]
    assert lines[2].startswith("loss ") and lines[2].split()[1].startswith("0.")
    assert lines[3].startswith("accuracy ") and lines[3].endswith("%")
    # the figures line up under their headings, right-aligned
    assert {len(line) for line in lines[1:4]} == {len(lines[3])}
    assert lines[4] == "model written to xor.json"
    data = json.loads(Path("xor.json").read_text())
    assert data["format"] == "nneq-model" and data["version"] == 2 and data["snapshots"] == []
    assert data["config"]["seed"] == "s" and data["features"] == ["x1", "x2"]
    assert [np.shape(layer["weights"]) for layer in data["layers"]] == [(2, 4), (4, 2), (2, 1)]
    assert len(data["history"]["loss_train"]) == 31 and data["epochs"] == 30
    assert data["diverged"] is False


def test_seed_is_picked_printed_and_saved_when_not_given():
    result = runner.invoke(app, ["train", "--epochs", "1"])
    seed = nneq.load("nneq-model.json").config.seed
    assert f"seed {seed}" in result.output


def test_flags_override_link_and_config_file(in_tmp):
    Path("run.toml").write_text('dataset = "gauss"\nshape = [3]\nlearning-rate = 0.01\nepochs = 4\n'
                                f'url = "{POST_LINK}"\n')
    result = runner.invoke(app, ["train", "--config", "run.toml", "--learning-rate", "0.1"])
    assert result.exit_code == 0, result.output
    model = nneq.load("nneq-model.json")
    c = model.config
    assert (c.dataset, c.shape, c.learning_rate, c.seed, model.epochs) == ("gauss", (3,), 0.1, "0.53049", 4)


def test_url_round_trip():
    runner.invoke(app, ["train", "--dataset", "spiral", "--features", "x1,x2,sin(x1)", "--shape", "5",
                        "--regularization", "L1", "--reg-rate", "0.003", "--seed", "trip",
                        "--epochs", "20", "--out", "a.json"])
    link = runner.invoke(app, ["url", "a.json"]).output.strip()
    assert link.startswith("https://playground.tensorflow.org/#")
    runner.invoke(app, ["train", "--url", link, "--epochs", "20", "--out", "b.json"])
    a, b = nneq.load("a.json"), nneq.load("b.json")
    assert a.config == b.config
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_array_equal(la.weights, lb.weights)
        np.testing.assert_array_equal(la.dead, lb.dead)


def test_datasets_lists_one_line_each():
    result = runner.invoke(app, ["datasets"])
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == ["circle", "xor", "gauss", "spiral", "reg-plane",
                                                   "reg-gauss"]


def test_divergence_saves_last_finite_epoch_and_exits_1():
    result = runner.invoke(app, ["train", "--dataset", "reg-plane", "--learning-rate", "10",
                                 "--shape", "8,8", "--seed", "d", "--epochs", "50"])
    assert result.exit_code == 1
    assert "diverged at epoch 2" in result.output and "learning rate below 10" in result.output
    data = json.loads(Path("nneq-model.json").read_text())
    assert data["diverged"] is True and data["epochs"] == 1


def write(name: str, text: str) -> str:
    Path(name).write_text(text)
    return name


def model_file(**changes: object) -> str:
    data = to_dict(nneq.train(nneq.Config(seed="m"), epochs=1))
    data.update(changes)
    return write("changed.json", json.dumps(data))


BAD_INPUTS = {
    "unknown dataset": lambda: ["train", "--dataset", "moons"],
    "unknown activation": lambda: ["train", "--activation", "softplus"],
    "unknown feature": lambda: ["train", "--features", "x1,cos(x1)"],
    "no features": lambda: ["train", "--features", ""],
    "unknown regularization": lambda: ["train", "--regularization", "L3"],
    "zero layer size": lambda: ["train", "--shape", "4,0"],
    "text layer size": lambda: ["train", "--shape", "four"],
    "learning rate text": lambda: ["train", "--learning-rate", "fast"],
    "learning rate zero": lambda: ["train", "--learning-rate", "0"],
    "learning rate inf": lambda: ["train", "--learning-rate", "inf"],
    "batch size zero": lambda: ["train", "--batch-size", "0"],
    "noise too high": lambda: ["train", "--noise", "60"],
    "train percent": lambda: ["train", "--train-percent", "100"],
    "negative reg rate": lambda: ["train", "--reg-rate", "-1"],
    "negative epochs": lambda: ["train", "--epochs", "-5"],
    "unknown flag": lambda: ["train", "--momentum", "0.9"],
    "unparsable link": lambda: ["train", "--url", "not a link"],
    "link without settings": lambda: ["train", "--url", "https://example.com/#top"],
    "link bad shape": lambda: ["train", "--url", "#networkShape=4,x"],
    "link bad learning rate": lambda: ["train", "--url", "#learningRate=-1"],
    "missing toml": lambda: ["train", "--config", "nothing.toml"],
    "invalid toml": lambda: ["train", "--config", write("bad.toml", "dataset = \n")],
    "unknown toml key": lambda: ["train", "--config", write("k.toml", "momentum = 0.9\n")],
    "bad toml value": lambda: ["train", "--config", write("v.toml", "shape = [4, -2]\n")],
    "bad toml epochs": lambda: ["train", "--config", write("e.toml", "epochs = \"many\"\n")],
    "output folder missing": lambda: ["train", "--out", "no/such/folder/m.json"],
    "output is a folder": lambda: ["train", "--out", "."],
    "model missing": lambda: ["url", "missing.json"],
    "model not json": lambda: ["url", write("x.json", "{not json")],
    "model foreign json": lambda: ["url", write("f.json", '{"weights": []}')],
    "model newer version": lambda: ["url", model_file(version=3)],
    "model bad weights": lambda: ["equations", model_file(layers=[{"weights": [[1]], "biases": [0],
                                                              "dead": [[False]]}])],
    "model missing history": lambda: ["url", write("h.json", json.dumps(
        {k: v for k, v in json.loads(Path(model_file()).read_text()).items() if k != "history"}))],
    "model bad config": lambda: ["url", model_file(config={"dataset": "moons", "seed": "x"})],
    "unknown command": lambda: ["fly"],
    "empty link": lambda: ["train", "--url", ""],
    "seed a link cannot carry": lambda: ["train", "--seed", "a&b"],
    "huge layer": lambda: ["train", "--shape", "100000,100000"],
    "deeply nested toml": lambda: ["train", "--config", write("d.toml", "shape = " + "[" * 5000 +
                                                              "]" * 5000 + "\n")],
    "deeply nested model": lambda: ["url", write("d.json", "[" * 100000 + "]" * 100000)],
    "model is a folder": lambda: ["url", "."],
    "empty output path": lambda: ["train", "--out", ""],
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(case):
    result = runner.invoke(app, BAD_INPUTS[case]())
    assert result.exit_code == 2, (case, result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("nneq: ")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not Path("nneq-model.json").exists()  # nothing half-made was left behind


def test_messages_name_the_problem_and_what_is_allowed():
    cases = {
        ("train", "--out", ""): ["--out=''", "a path, not blank"],
        ("plot", "m.json", "--out", " "): ["--out=' '", "a path, not blank"],
        ("plot", ""): ["nneq: MODEL='': expected a path, not blank"],
        ("train", "--features", "x1,X1"): ["--features='x1,X1'", "x1 is given twice"],
        ("train", "--regularization", "l3"): ["one of none, L1, L2 (closest: L"],
        ("train", "--seed", "ü"): ["printable ASCII characters"],
        ("train", "--dataset", "moons"): ["moons", "circle, xor"],
        ("train", "--noise", "60"): ["noise", "0 to 50"],
        ("train", "--config", write("k.toml", "momentum = 1\n")): ["momentum", "allowed keys"],
        ("url", "missing.json"): ["missing.json", "no such file"],
    }
    for args, words in cases.items():
        message = runner.invoke(app, list(args)).output
        for word in words:
            assert word in message


def test_a_model_files_bad_config_names_the_file_once():
    path = model_file(config={"dataset": "moons", "seed": "x"})
    assert runner.invoke(app, ["url", path]).output.strip() == (
        f"nneq: {path}: config: dataset='moons': expected one of circle, xor, gauss, spiral, "
        "reg-plane, reg-gauss")


def test_installed_executable_trains_and_reports_errors(in_tmp):
    exe = nneq_executable()
    done = subprocess.run([exe, "train", "--dataset", "xor", "--epochs", "5", "--seed", "e"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert nneq.load(in_tmp / "nneq-model.json").epochs == 5
    assert done.stderr == ""  # not a terminal: nothing but the summary
    bad = subprocess.run([exe, "train", "--shape", "0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_ctrl_c_saves_the_last_finished_epoch(in_tmp, engine):
    exe = nneq_executable()
    # stderr on a terminal, so that the progress bar shows once training is under way.
    terminal, child = pty.openpty()
    process = subprocess.Popen([exe, "train", "--epochs", "1000000", "--out", "m.json",
                                "--engine", engine],
                               stdout=subprocess.PIPE, stderr=child, text=True)
    os.close(child)
    try:
        # The bar is redrawn in place ("\r"); a second drawing means epochs have finished.
        shown = read_until(terminal, lambda t: t.count("\r") >= 2, timeout=120)
        assert shown.count("\r") >= 2, shown
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        err = read_until(terminal, lambda t: False, timeout=5)
    finally:
        os.close(terminal)
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == 130, err
    model = nneq.load(in_tmp / "m.json")
    assert 0 < model.epochs < 1000000
    assert f"epoch {model.epochs}" in err
    assert [p.name for p in in_tmp.iterdir()] == ["m.json"]  # no temporary file left


def test_python_dash_m_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "nneq", "datasets"], capture_output=True, text=True,
                          timeout=60, env={**os.environ})
    assert done.returncode == 0 and "circle" in done.stdout


def test_a_value_the_playground_does_not_know_is_refused_with_the_closest(in_tmp):
    result = runner.invoke(app, ["train", "--url", "#dataset=xr&seed=n", "--epochs", "1"])
    assert result.exit_code == 2
    assert result.output.strip() == ("nneq: dataset='xr' in the link: expected one of circle, xor, "
                                     "gauss, spiral (closest: xor)")
    assert not Path("nneq-model.json").exists()


def test_a_cut_link_names_the_settings_left_to_defaults_and_says_to_quote_it(in_tmp):
    # what the shell passes on for an unquoted link: everything up to the first '&'
    result = runner.invoke(app, ["train", "--url", "https://playground.tensorflow.org/"
                                 "#activation=tanh", "--epochs", "1"])
    assert result.exit_code == 0
    note = next(line for line in result.output.splitlines() if line.startswith("nneq: note:"))
    assert "sets only activation;" in note and "dataset" in note and "networkShape" in note
    assert "quotes" in note
    full = runner.invoke(app, ["train", "--url", POST_LINK, "--epochs", "1"])
    assert "nneq: note" not in full.output


def test_a_short_link_with_its_ampersands_is_not_told_to_be_quoted(in_tmp):
    """Only a link of one setting and no '&' may have been cut by the shell."""
    result = runner.invoke(app, ["train", "--url", "#dataset=xor&networkShape=4,2&seed=0.12345",
                                 "--epochs", "1"])
    note = next(line for line in result.output.splitlines() if line.startswith("nneq: note:"))
    assert "sets only dataset, networkShape, seed;" in note and "quotes" not in note


def test_a_run_files_url_names_the_file(in_tmp):
    write("u.toml", 'url = "https://playground.tensorflow.org/#dataset=xr"\n')
    result = runner.invoke(app, ["train", "--config", "u.toml"])
    assert result.exit_code == 2
    assert result.output.strip() == ("nneq: dataset='xr' in the url of u.toml: expected one of "
                                     "circle, xor, gauss, spiral (closest: xor)")


@pytest.mark.parametrize("keys", [("reg-rate", "reg_rate"), ("learning_rate", "learning-rate")])
def test_a_run_file_giving_one_key_in_both_spellings_is_refused(in_tmp, keys):
    write("both.toml", f"{keys[0]} = 0.1\n{keys[1]} = 0.2\n")
    result = runner.invoke(app, ["train", "--config", "both.toml", "--epochs", "1"])
    assert result.exit_code == 2
    assert result.output.strip() == (f"nneq: both.toml: {keys[0]!r} and {keys[1]!r} are one key, "
                                     f"{keys[0].replace('_', '-')!r}; give it once")
    assert not Path("nneq-model.json").exists()


def test_a_bad_run_file_value_names_the_key_and_the_file(in_tmp):
    write("typo.toml", 'shape = "abc"\n')
    result = runner.invoke(app, ["train", "--config", "typo.toml"])
    assert result.exit_code == 2
    assert "shape='abc' in typo.toml: expected hidden layer sizes" in result.output
    result = runner.invoke(app, ["train", "--learning-rate", "-1"])
    assert "--learning-rate=-1.0: expected a positive finite number" in result.output


def test_a_batch_larger_than_the_data_is_noted(in_tmp):
    result = runner.invoke(app, ["train", "--batch-size", "400", "--epochs", "1", "--seed", "b"])
    assert result.exit_code == 0
    assert "larger than the 250 training points" in result.output


def test_a_diverged_loss_is_printed_in_powers_of_ten(in_tmp):
    result = runner.invoke(app, ["train", "--dataset", "reg-plane", "--learning-rate", "10",
                                 "--shape", "8,8", "--seed", "d", "--epochs", "50", "--out", "d.json"])
    loss_line = result.output.splitlines()[2]
    assert len(loss_line) < 60 and "e+" in loss_line


def test_one_epoch_reads_in_the_singular(in_tmp):
    result = runner.invoke(app, ["train", "--epochs", "1", "--seed", "s"])
    assert result.output.startswith("trained 1 epoch: ")
