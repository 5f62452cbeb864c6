"""The example notebook runs through a real kernel, and the library behaves as the command does."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app

ROOT = Path(__file__).parent.parent
NOTEBOOK = ROOT / "examples" / "notebook.ipynb"
runner = CliRunner()
XOR = dict(dataset="xor", shape=(4, 2), seed="0.12345", epochs=300)
FLAGS = ["--dataset", "xor", "--shape", "4,2", "--seed", "0.12345", "--epochs", "300", "--quiet"]


def test_the_notebook_runs_in_a_kernel_and_shows_tables_an_image_and_a_comparison(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # The kernel is this interpreter, whatever kernels the machine has installed.
    spec = KernelSpecManager().get_kernel_spec("python3")
    spec.argv[0] = sys.executable
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.km = client.kernel_manager_class(kernel_name="python3")
    client.km._kernel_spec = spec
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs]
    html = "".join(d.get("text/html", "") for d in data)
    markdown = "".join(d.get("text/markdown", "") for d in data)
    assert "<th>First Hidden Layer</th>" in html and "<td>h11</td><td>+ x1w1 + x2w2</td>" in html
    assert "| h14 | - x1w1 + x2w2 |" in markdown
    assert sum("image/png" in d for d in data) >= 2  # the model's picture and the plot cell
    assert "data:image/png;base64," in html
    streams = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert streams.startswith("*xor, 2-4-2-1 tanh, seed 0.12345, 300 epochs")
    assert "predicted signs agree" in markdown  # the comparison's report
    assert "(7, 8)" in "".join(d.get("text/plain", "") for d in data)


def test_the_library_gives_what_the_command_gives(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    m = nneq.train(**XOR)
    assert runner.invoke(app, ["train", *FLAGS]).exit_code == 0
    command = nneq.load("nneq-model.json")
    for ours, theirs in zip(m.layers, command.layers, strict=True):
        assert np.array_equal(ours.weights, theirs.weights)
        assert np.array_equal(ours.biases, theirs.biases)
    assert np.array_equal(m.loss_test, command.loss_test)
    written = runner.invoke(app, ["equations"]).stdout
    caption, blank, *tables = written.splitlines()
    assert caption.startswith("*xor") and blank == ""
    assert m.equations() == "\n".join(tables)
    assert m.equations(caption=True) == written.rstrip("\n")
    for fmt in ("text", "latex", "json", "sympy", "logic"):
        cli = runner.invoke(app, ["equations", "--format", fmt, "--no-caption"]).stdout
        assert m.equations(fmt) == cli.rstrip("\n"), fmt
    from matplotlib.figure import Figure

    figure = m.plot()
    assert isinstance(figure, Figure) and list(tmp_path.iterdir()) == [tmp_path / "nneq-model.json"]
    table_text = "| h11 | + x1w1 - x2w2 |\n| h12 | + x1w1 + x2w2 |\n| o1 | - h21w21 + h22w22 |\n"
    Path("pred.md").write_text(table_text)
    cli = json.loads(runner.invoke(app, ["compare", "pred.md", "--format", "json"]).stdout)
    assert nneq.compare(table_text, m).agree == cli["agree"]
    assert nneq.compare("pred.md", "nneq-model.json").compared == cli["compared"]
    assert nneq.compare(m, m).agree == nneq.compare(m, m).compared > 0  # a model against itself


def test_the_library_warns_where_the_command_does():
    poor = nneq.train(dataset="xor", seed="1", epochs=1)
    good = nneq.train(**XOR)
    for call in (poor.equations, poor.plot, lambda: nneq.compare(good, poor)):
        with pytest.warns(nneq.PoorModelWarning, match="no better than always answering"):
            call()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        good.equations()
        nneq.compare(poor, good)


def test_results_display_as_reports_and_reprs_stay_short():
    m = nneq.train(**XOR)
    bundle = m._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "text/markdown", "image/png"}
    assert bundle["image/png"].startswith(b"\x89PNG")
    result = nneq.compare("| h11 | + x1w1 + x2w2 |", m)
    assert result._repr_markdown_() == result.to_markdown()
    sweep = nneq.sweep(nneq.Config(dataset="xor", shape=(2,), seed="a"), seeds=4, epochs=20)
    assert sweep._repr_markdown_() == sweep.to_markdown()
    assert sum(p.count for p in sweep.patterns) == 4
    for thing in (m, result, sweep):
        assert len(repr(thing)) < 160
