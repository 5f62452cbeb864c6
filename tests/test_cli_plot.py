"""`nneq plot`: the files it writes and the one-line errors it refuses with."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "circle.json"
    nneq.save(nneq.train(nneq.Config(dataset="circle", seed="0.53049"), epochs=300), path)
    return path


@pytest.fixture
def workdir(tmp_path, monkeypatch, model_file) -> Path:
    (tmp_path / "nneq-model.json").write_bytes(model_file.read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(app, ["plot", *args])


def refused(result) -> str:
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("nneq: ")
    return lines[0]


def test_default_model_and_picture(workdir):
    result = run()
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "picture written to nneq-model.png\n"
    assert (workdir / "nneq-model.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(("name", "start"), [("net.svg", b"<?xml"), ("net.pdf", b"%PDF")])
def test_svg_and_pdf_by_extension(workdir, name, start):
    result = run("nneq-model.json", "--out", name, "--dpi", "50")
    assert result.exit_code == 0, result.stderr
    data = (workdir / name).read_bytes()
    assert data.startswith(start)
    assert len(data) > 1000


def test_every_option_together(workdir):
    result = run("--out", "h12.png", "--unit", "h12", "--show-test", "--discretize", "--dpi", "40")
    assert result.exit_code == 0, result.stderr
    assert (workdir / "h12.png").stat().st_size > 1000


def test_bad_extension(workdir):
    line = refused(run("--out", "net.jpg"))
    assert ".png, .svg or .pdf" in line
    assert sorted(p.name for p in workdir.iterdir()) == ["nneq-model.json"]


def test_bad_unit_lists_the_valid_names_and_keeps_the_old_picture(workdir):
    (workdir / "net.png").write_bytes(b"old")
    line = refused(run("--out", "net.png", "--unit", "h31"))
    assert "h31" in line
    assert "h11, h12, h13, h14, h21, h22, o1" in line
    assert (workdir / "net.png").read_bytes() == b"old"
    assert sorted(p.name for p in workdir.iterdir()) == ["net.png", "nneq-model.json"]


def test_missing_model(workdir):
    line = refused(run("absent.json", "--out", "net.png"))
    assert "absent.json" in line
    assert not (workdir / "net.png").exists()


def test_bad_dpi_and_unwritable_folder(workdir):
    assert "dpi" in refused(run("--dpi", "0"))
    assert "does not exist" in refused(run("--out", "no/such/folder/net.png"))
    assert sorted(p.name for p in workdir.iterdir()) == ["nneq-model.json"]


def test_the_command_line_loads_matplotlib_only_to_plot():
    code = "import sys, nneq.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
