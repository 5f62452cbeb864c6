"""What a user gives can be huge, strange or long: each case ends in one line and exit 2.

Huge numbers anywhere, non-ASCII digits in links, and inputs that once took quadratic time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.playground.link import js_number, parse_link

runner = CliRunner()
HUGE = "1" + "0" * 309  # an integer beyond the largest double
LONG = "1" * 4301  # more digits than Python reads as an integer
TABLE = "| First Hidden Layer | Equation |\n| --- | --- |\n{rows}\n"


@pytest.fixture
def model(in_tmp) -> Path:
    path = in_tmp / "m.json"
    nneq.save(nneq.train(nneq.Config(dataset="xor", shape=(2,), seed="h"), epochs=2), path)
    return path


def refused(args: list[str], *, word: str = "") -> str:
    """Run the command; it must refuse in one line on stderr with exit 2, and nothing on stdout."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args[:3], result.output[-500:])
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nneq: "), lines[:3]
    assert len(lines[0]) < 600  # the value is cut, not echoed in full
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert word in lines[0]
    return lines[0]


# --- case 6: huge numbers ----------------------------------------------------------------

def test_a_hex_number_beyond_a_double_in_a_link_is_infinity(in_tmp):
    assert js_number("0x" + "f" * 256) == float("inf")
    refused(["train", "--url", "#batchSize=0x" + "f" * 256, "--epochs", "1"], word="batchSize")
    refused(["train", "--url", "#learningRate=" + "9" * 400, "--epochs", "1"], word="learningRate")


@pytest.mark.parametrize("line", [
    f"learning-rate = {HUGE}", f"reg-rate = {HUGE}", f"noise = {HUGE}", f"train-percent = {HUGE}",
    f"shape = [{HUGE}]", f"learning-rate = {LONG}", f"epochs = {LONG}", f"seed = {LONG}",
])
def test_huge_numbers_in_a_run_file_are_refused(in_tmp, line):
    Path("run.toml").write_text(line + "\n")
    refused(["train", "--config", "run.toml", "--epochs", "1"], word="run.toml")


@pytest.mark.parametrize("args", [
    ["train", "--epochs", "99999999999999999999999"],
    ["train", "--epochs", "1000001"],
    ["sweep", "--seeds", "2", "--epochs", "1000001"],
])
def test_epochs_beyond_a_million_are_refused_at_once(in_tmp, args):
    """A typo such as an extra zero or two would otherwise train for days."""
    refused(args, word="from 0 to 1000000")


def test_draws_beyond_a_million_are_refused_at_once(model):
    tables = Path("p.md")
    tables.write_text(TABLE.format(rows="| h11 | x1w1 - x2w2 |"))
    for draws in ("99999999999", "1000001", "0"):
        refused(["compare", "p.md", str(model), "--draws", draws], word="from 1 to 1000000")
    with pytest.raises(nneq.NneqError, match="draws"):
        nneq.compare(tables, nneq.load(model), draws=10**7)


@pytest.mark.parametrize("where", ["weight", "bias", "loss", "long"])
def test_huge_numbers_in_a_model_file_are_refused(model, where):
    data = json.loads(model.read_text())
    text = json.dumps(data)  # the model as it was, for the case that edits the text
    if where == "weight":
        data["layers"][0]["weights"][0][0] = 10**309
    elif where == "bias":
        data["layers"][0]["biases"][0] = 10**309
    elif where == "loss":
        data["history"]["loss_train"][0] = 10**309
    model.write_text(text.replace('"epochs": 2', f'"epochs": {LONG}') if where == "long"
                     else json.dumps(data))
    refused(["equations", str(model)], word=str(model.name))
    refused(["plot", str(model), "--out", "p.png"], word=str(model.name))
    assert not Path("p.png").exists()


def test_huge_but_finite_values_are_written_in_powers_of_ten(model):
    """A weight or loss of 1e200 is a number a model file may hold: every command writes it
    in a few characters, never as two hundred digits."""
    data = json.loads(model.read_text())
    data["layers"][0]["weights"] = [[-3.5e200 for _ in row] for row in data["layers"][0]["weights"]]
    data["layers"][0]["biases"] = [2.5e200 for _ in data["layers"][0]["biases"]]
    data["history"]["loss_test"][-1] = 1.5e200
    model.write_text(json.dumps(data))
    Path("p.md").write_text(TABLE.format(rows="| h11 | x1w1 - x2w2 |"))
    for args in (["equations", str(model), "--values", "--biases"],
                 ["equations", str(model), "--values", "--format", "text"],
                 ["compare", "p.md", str(model)], ["compare", "p.md", str(model), "--format",
                                                    "markdown"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "e+200" in result.output and not re.search(r"\d{30}", result.output), args


@pytest.mark.parametrize("tables", [
    TABLE.format(rows=f"| h1_{LONG} | x1w1 |"),
    TABLE.format(rows=f"| h11 | x1w1 + h1_{LONG}w1 |"),
    f"| {LONG}th Hidden Layer | Equation |\n| --- | --- |\n| h11 | x1w1 |\n",
])
def test_huge_numbers_in_tables_are_refused(model, tables):
    Path("p.md").write_text(tables)
    refused(["compare", "p.md", str(model)], word="p.md")
    refused(["sweep", "--seeds", "2", "--epochs", "1", "--dataset", "xor", "--predicted", "p.md"],
            word="p.md")
    Path("run.toml").write_text('dataset = "xor"\nepochs = 1\npredicted = "p.md"\n')
    refused(["report", "run.toml", "--out-dir", "out"], word="p.md")


def test_a_huge_threshold_in_a_report_run_file_is_refused(in_tmp):
    Path("run.toml").write_text(f'dataset = "xor"\nepochs = 1\nthreshold = {HUGE}\n')
    refused(["report", "run.toml", "--out-dir", "out"], word="threshold")


# --- case 14: long inputs are refused early and read in linear time -----------------------

def test_a_link_with_a_million_layers_is_refused_before_reading_them(in_tmp):
    link = "#networkShape=" + ",".join(["4"] * 1_000_000)
    with pytest.raises(nneq.ConfigError, match="at most 20 hidden layers"):
        parse_link(link)
    Path("run.toml").write_text(f'url = "{link}"\n')
    refused(["train", "--config", "run.toml"], word="networkShape")


def test_a_long_table_row_is_read_and_refused_in_one_line(model):
    # Each term once copied the rest of the row; reading is now linear (benchmarks/bench_parse.py).
    row = " + ".join(["x1w1"] * 50_000)
    Path("p.md").write_text(TABLE.format(rows=f"| h11 | x1w1 |\n| h12 | {row} x2w2 |"))
    message = refused(["compare", "p.md", str(model)], word="p.md:4")
    assert "expected + or - before 'x2w2'" in message


# --- case 16: digits are ASCII, as JavaScript's Number() reads them -----------------------

@pytest.mark.parametrize("text", ["١٠", "٣", "１０", "१०", "1٠"])
def test_non_ascii_digits_are_nan(text):
    assert js_number(text) != js_number(text)  # NaN


def test_a_link_with_non_ascii_digits_is_refused(in_tmp):
    refused(["train", "--url", "#batchSize=١٠&seed=a", "--epochs", "1"], word="batchSize")
    refused(["train", "--url", "#networkShape=٣,٢&seed=a", "--epochs", "1"], word="networkShape")


def test_javascript_white_space_only_is_ignored_around_numbers():
    assert js_number("\u3000 7\ufeff") == 7
    assert js_number("\x1c5") != js_number("\x1c5")  # not white space to JavaScript
    assert js_number("+-Infinity") != js_number("+-Infinity")
    assert js_number("-Infinity") == float("-inf")


# --- case 8: user text in pictures is shown literally -------------------------------------

@pytest.mark.parametrize("seed", ["$$", r"$\alpha$", "$x^2$_{}"])
def test_a_seed_with_dollars_is_drawn_literally(in_tmp, seed):
    from nneq.picture.plot import draw

    result = runner.invoke(app, ["train", "--dataset", "xor", "--shape", "2", "--epochs", "2",
                                 "--seed", seed, "--out", "m.json", "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["plot", "m.json", "--out", "m.png", "--dpi", "30"])
    assert result.exit_code == 0, result.output
    assert Path("m.png").stat().st_size > 0
    figure = draw(nneq.load("m.json"), dpi=30).figure
    captions = [t for t in figure.texts if seed in t.get_text()]
    assert captions and not any(t.get_parse_math() for t in captions)
    Path("run.toml").write_text(f'dataset = "xor"\nshape = [2]\nepochs = 2\nseed = {json.dumps(seed)}\n'
                                f'title = {json.dumps(seed)}\n')
    result = runner.invoke(app, ["report", "run.toml", "--out-dir", "out", "--dpi", "30"])
    assert result.exit_code == 0, result.output
    assert Path("out/run.png").exists() and Path("out/index.md").exists()


# --- case 17: messages point at the cause -------------------------------------------------

def test_divergence_from_the_regularization_rate_advises_that_rate(in_tmp):
    result = runner.invoke(app, ["train", "--dataset", "xor", "--regularization", "L2",
                                 "--reg-rate", "1e308", "--epochs", "5", "--seed", "r", "--quiet"])
    assert result.exit_code == 1, result.output
    assert "try a regularization rate below 33.3" in result.stderr
    assert "learning rate below" not in result.stderr
    result = runner.invoke(app, ["train", "--dataset", "reg-plane", "--activation", "linear",
                                 "--learning-rate", "10", "--epochs", "20", "--seed", "r", "--quiet"])
    assert result.exit_code == 1, result.output
    assert "try a learning rate below 10" in result.stderr


def test_a_memory_error_names_no_cause_it_cannot_know(in_tmp, monkeypatch):
    import nneq.storage.modelfile as command

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(command, "load", exhausted)
    result = runner.invoke(app, ["equations", "anything.json"])
    assert result.exit_code == 2
    assert "not enough memory" in result.stderr
    assert "layers" not in result.stderr and "seeds" not in result.stderr


# --- case 18: report pages show user text literally and read only beside the run file ------

def test_titles_and_descriptions_are_escaped_in_pages_and_the_index(in_tmp):
    Path("run.toml").write_text(
        'title = "<script>alert(1)</script> *bold* [link](http://x) | cell"\n'
        'description = "# not a heading\\n- not a list <b>x</b> & more"\n'
        'dataset = "xor"\nshape = [2]\nepochs = 2\nseed = "e"\n')
    result = runner.invoke(app, ["report", "run.toml", "--out-dir", "out", "--dpi", "30"])
    assert result.exit_code == 0, result.output
    page = Path("out/run.md").read_text()
    index = Path("out/index.md").read_text()
    for text in (page, index):
        assert "<script>" not in text and "*bold*" not in text and "[link](http" not in text
    assert page.startswith(r"# \<script\>alert(1)\</script\> \*bold\* \[link\](http://x) \| cell")
    assert "\n\\# not a heading - not a list \\<b\\>x\\</b\\> &amp; more\n" in page
    assert r"\<script\>" in index and r"\| cell" in index


def test_predicted_tables_are_read_only_beside_the_run_file(in_tmp, model):
    outside = in_tmp / "elsewhere"
    outside.mkdir()
    (outside / "p.md").write_text(TABLE.format(rows="| h11 | x1w1 |"))
    runs = in_tmp / "runs"
    runs.mkdir()
    (runs / "run.toml").write_text('dataset = "xor"\nshape = [2]\nepochs = 2\nseed = "e"\n'
                                   f'predicted = "{outside / "p.md"}"\n')
    (runs / "up.toml").write_text('dataset = "xor"\nshape = [2]\nepochs = 2\nseed = "e"\n'
                                  'predicted = "../elsewhere/p.md"\n')
    for name in ("run.toml", "up.toml"):
        refused(["report", f"runs/{name}", "--out-dir", "out"], word="inside the run file's folder")
    result = runner.invoke(app, ["report", "runs/run.toml", "runs/up.toml", "--out-dir", "out",
                                 "--dpi", "30", "--predicted-anywhere"])
    assert result.exit_code == 0, result.output
    assert "Compared with the prediction" in Path("out/run.md").read_text()


# --- case 12: composing a deep network is refused before the work starts --------------------

def test_the_composed_size_is_counted_without_building(in_tmp):
    from nneq.explain.equations import equations
    from nneq.explain.symbolic import composed, composed_size

    small = nneq.train(nneq.Config(dataset="xor", shape=(4, 2), seed="c"), epochs=0)
    # 2 inputs → 4 units of 1 + 2 → 2 units of 1 + 4·3 → one output of 1 + 2·13.
    assert composed_size(equations(small)) == 27
    (expression,) = composed(small)
    floats = [a for a in expression.expression.atoms() if a.is_Float]
    assert 0 < len(floats) <= 27


def test_composing_the_playgrounds_largest_network_is_refused_at_once(in_tmp):
    nneq.save(nneq.train(nneq.Config(dataset="xor", shape=(8,) * 6, seed="d"), epochs=0), "big.json")
    for fmt in ("sympy", "latex"):
        message = refused(["equations", "big.json", "--format", fmt, "--compose"], word="--compose")
        assert "weights (at most 200,000)" in message and "--threshold" in message


# --- case 13: a network too large to draw is refused before drawing ------------------------

def test_plotting_a_huge_network_is_refused_at_once(in_tmp):
    nneq.save(nneq.train(nneq.Config(dataset="reg-plane", shape=(100,) * 20, seed="b"), epochs=0),
              "big.json")
    message = refused(["plot", "big.json", "--out", "big.png"], word="190,300 links")
    assert "at most 20,000" in message
    assert not Path("big.png").exists()
