"""`nneq report` on the command line: what it prints, where it writes, one-line errors."""

from __future__ import annotations

import glob
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nneq.cli import app
from nneq.pages import report as R

ROOT = Path(__file__).parent.parent
runner = CliRunner()
RUN = 'dataset = "xor"\nshape = [2]\nseed = "0.7"\nepochs = 10\n'
TABLE = "| First Hidden Layer | Equation |\n| --- | --- |\n| h11 | x1w1 - x2w2 |\n"


pytestmark = pytest.mark.usefixtures("in_tmp")  # every test in its own folder


def write(name: str, text: str) -> str:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(text, encoding="utf-8")
    return name


def test_report_writes_pages_and_index_and_says_where():
    write("t.md", TABLE)
    write("one.toml", RUN + 'predicted = "t.md"\n')
    write("two.toml", RUN.replace("xor", "circle"))
    result = runner.invoke(app, ["report", "one.toml", "two.toml", "--dpi", "30"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert re.fullmatch(r"one: trained 10 epochs, loss train \d\.\d{3} test \d\.\d{3}, "
                        r"\d of 2 predicted signs agree \(chance \d\.\d, p = [\d.]+\) "
                        r"-> report/one\.md", lines[0])
    assert lines[1].startswith("two: trained 10 epochs") and "agree" not in lines[1]
    assert lines[2] == "index written to report/index.md"
    # the folder stands alone: run files and predicted tables are copied into runs/
    assert sorted(p.name for p in Path("report").iterdir()) == [
        "index.md", "one.json", "one.md", "one.png", "runs", "two.json", "two.md", "two.png"]
    assert sorted(p.name for p in Path("report/runs").iterdir()) == ["one.toml", "t.md", "two.toml"]
    again = runner.invoke(app, ["report", "one.toml", "--out-dir", "report"])
    assert again.output.startswith("one: reused 10 epochs")
    forced = runner.invoke(app, ["report", "one.toml", "--retrain"])
    assert forced.output.startswith("one: trained 10 epochs")


def write_dir(table: str, text: str) -> str:
    """Write a table file, and name the default output folder (so both appear in one call)."""
    write(table, text)
    return "report"


BAD = {
    "no run file": lambda: ["report"],
    "missing run file": lambda: ["report", "nothing.toml"],
    "unknown key": lambda: ["report", write("k.toml", RUN + "momentum = 0.9\n")],
    "bad value": lambda: ["report", write("v.toml", RUN + 'activation = "softmax"\n')],
    "bad epochs": lambda: ["report", write("e.toml", 'epochs = "many"\n')],
    "invalid toml": lambda: ["report", write("i.toml", "shape = [\n")],
    "missing predicted file": lambda: ["report", write("p.toml", RUN + 'predicted = "no.md"\n')],
    "unreadable table": lambda: ["report", write("u.toml", RUN + 'predicted = "u.md"\n'),
                                 "--out-dir", write_dir("u.md", "| First Hidden Layer | Equation |\n"
                                                        "| --- | --- |\n| h11 | x1w1 * x2w2 |\n")],
    "inline table": lambda: ["report", write("n.toml", RUN + 'predicted = "| q11 | x1 |"\n')],
    "bad alias": lambda: ["report", write("a.toml", RUN + 'alias = ["x1=x2"]\n')],
    "bad threshold": lambda: ["report", write("h.toml", RUN + "threshold = -0.5\n")],
    "same names": lambda: ["report", write("s.toml", RUN), write("sub/s.toml", RUN)],
    "bad dpi": lambda: ["report", write("d.toml", RUN), "--dpi", "5"],
    "out dir is a file": lambda: ["report", write("o.toml", RUN), "--out-dir", write("f", "")],
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_run_files_give_one_line_and_exit_2(case):
    result = runner.invoke(app, BAD[case]())
    assert result.exit_code == 2, (case, result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nneq: "), lines
    assert "Traceback" not in result.output
    assert not Path("report").exists()  # checked before anything is trained or written


def test_messages_name_the_run_file_and_the_problem():
    write("k.toml", RUN + "momentum = 0.9\n")
    assert "k.toml: unknown key 'momentum' (allowed keys: dataset" in runner.invoke(
        app, ["report", "k.toml"]).output
    write("p.toml", RUN + 'predicted = "no.md"\n')
    assert "p.toml: predicted file no.md does not exist" in runner.invoke(
        app, ["report", "p.toml"]).output


def test_a_unit_the_network_cannot_have_is_worded_as_a_parse_error():
    """The other run's page and the index are written; the bad run's line names its file."""
    write("p_h15.md", "| First Hidden Layer | Equation |\n|--|--|\n| h15 | + x1w1 |\n")
    write("p_ok.md", "| First Hidden Layer | Equation |\n|--|--|\n| h11 | + x1w1 |\n")
    write("run1.toml", 'dataset="xor"\nseed="s"\nepochs=5\npredicted="p_h15.md"\n')
    write("run2.toml", 'dataset="xor"\nseed="s"\nepochs=5\npredicted="p_ok.md"\n')
    result = runner.invoke(app, ["report", "run1.toml", "run2.toml", "--out-dir", "rep", "-q",
                                 "--dpi", "30"])
    assert result.exit_code == 2, result.output
    assert ("nneq: p_h15.md:3: h15 cannot exist: the network's First Hidden Layer has 4 units "
            "(h11, h12, h13 … h14); no page for run1.toml") in result.output.splitlines()
    assert sorted(p.name for p in Path("rep").iterdir()) == [
        "index.md", "run2.json", "run2.md", "run2.png", "runs"]
    alone = runner.invoke(app, ["report", "run1.toml", "--out-dir", "alone"])
    assert alone.exit_code == 2 and alone.output.strip().splitlines() == [
        "nneq: p_h15.md:3: h15 cannot exist: the network's First Hidden Layer has 4 units "
        "(h11, h12, h13 … h14)"]
    assert not Path("alone").exists()


def test_the_examples_readme_gives_one_command_for_every_post_report(monkeypatch):
    """The command in examples/README.md names every post run file, and each of them reads."""
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("nneq report examples/post")]
    assert commands == ["nneq report examples/post/*.toml --out-dir examples/post/report --html"]
    words = shlex.split(commands[0])
    monkeypatch.chdir(ROOT)
    files = sorted(glob.glob(words[2]))
    assert len(files) == 18
    # Experiment 15 only announces the next ones and shows no tables; every other has some.
    assert [Path(f).stem for f in files if R.read_run(f).prediction is None] == ["exp15"]
    assert words[3:] == ["--out-dir", "examples/post/report", "--html"] and Path(words[4]).is_dir()
