"""Studies: cells equal single runs, local and Dask runs agree, resuming gives the same file,
statistics match brute force, and bad study files name their key."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.playground import history
from nneq.playground.config import Config
from nneq.studies import execution
from nneq.studies.cell import run_cell, task
from nneq.studies.grid import cells
from nneq.studies.statistics import curve_epochs, quartiles, rises
from nneq.studies.studyfile import read_study

from .conftest import ENGINES

runner = CliRunner()

TINY = """\
dataset = "gauss"
seed = "st"
seeds = 3
epochs = 12
paired = ["shape"]
target = { test-loss = 0.2 }
[vary]
shape = [[2, 1], [3, 1]]
noise = [0, 25]
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_cells_members_equal_single_runs(tmp_path):
    study = read_study(write(tmp_path, TINY))
    cell = cells(study)[3]  # shape 3,1, noise 25: seeds of their own along the unpaired noise
    assert cell.config.seed == "st/noise:25" and cell.config.shape == (3, 1)
    result = run_cell(task(study, cell))
    assert [m["seed"] for m in result.members] == ["st/noise:25-1", "st/noise:25-2",
                                                    "st/noise:25-3"]
    curves = []
    for member in result.members:
        alone = nneq.train(Config(dataset="gauss", shape=(3, 1), noise=25, seed=member["seed"]),
                           epochs=12)
        assert member["loss_train"] == pytest.approx(alone.loss_train[-1], abs=1e-12)
        assert member["loss_test"] == pytest.approx(alone.loss_test[-1], abs=1e-12)
        assert member["oscillations"] == rises(alone.loss_train, 0.001)
        assert member["reached"] == (alone.loss_test[-1] < 0.2)
        curves.append(alone.loss_test)
    median = np.median(np.array(curves), axis=0)
    np.testing.assert_allclose(result.curves["test"]["median"], median, rtol=0, atol=1e-12)
    assert result.stats.loss_test == pytest.approx(
        quartiles([m["loss_test"] for m in result.members]))


def test_a_long_runs_sparse_history_keeps_oscillations_and_curves_true(tmp_path, monkeypatch):
    """A long run's history keeps every s-th epoch: the oscillations still count every epoch,
    and the curves sit at the epochs kept."""
    study = read_study(write(tmp_path, TINY.replace("epochs = 12", "epochs = 40")))
    cell = cells(study)[3]
    with monkeypatch.context() as small:  # history of 8 entries for the cell's 3 members
        small.setattr(history, "MIN_ENTRIES", 4)
        small.setattr(history, "BUDGET", 16 * 3 * 8)
        result = run_cell(task(study, cell))
    epochs = result.curves["epochs"]
    assert epochs[0] == 0 and epochs[-1] == 40 and np.all(np.diff(epochs) == epochs[1])
    assert epochs[1] > 1  # the history was strided: this checks the case it is meant to
    curves = []
    for member in result.members:
        alone = nneq.train(dataclasses.replace(cell.config, seed=member["seed"]), epochs=40)
        assert member["oscillations"] == rises(alone.loss_train, 0.001)
        curves.append(alone.loss_train[epochs])
    median = np.median(np.array(curves), axis=0)
    np.testing.assert_allclose(result.curves["train"]["median"], median, rtol=0, atol=1e-12)


def test_a_cell_whose_every_member_diverges_is_reported_as_such(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, 'dataset = "reg-plane"\nactivation = "relu"\nlearning-rate = 3\nseed = "d"\n'
          "seeds = 3\nepochs = 20\n[vary]\nshape = [[4]]\n")
    result = runner.invoke(app, ["study", "s.toml", "--workers", "1", "-q", "--out", "o.json",
                                 "--page", "p.md", "--picture", "p.png"])
    assert result.exit_code == 0, result.output
    cell, = json.loads(Path("o.json").read_text())["cells"]
    assert cell["stats"]["diverged"] == 3 and cell["curves"]["train"] is None
    for member in cell["members"]:  # as a single run of its seed says
        alone = nneq.train(Config(dataset="reg-plane", activation="relu", learning_rate=3,
                                  shape=(4,), seed=member["seed"]), epochs=20)
        assert member["diverged_at"] == alone.diverged_at is not None


@pytest.mark.parametrize("engine", ENGINES)
def test_a_study_trains_with_the_engine_its_file_names(tmp_path, engine):
    """Bit for bit the single runs of that engine; the engine is part of the cell's spec."""
    study = read_study(write(tmp_path, TINY.replace("seeds = 3",
                                                    f'seeds = 3\nengine = "{engine}"')))
    assert study.engine == engine and study.to_dict()["engine"] == engine
    cell = cells(study)[0]
    result = run_cell(task(study, cell))
    assert result.spec["engine"] == engine
    for member in result.members:
        alone = nneq.train(dataclasses.replace(cell.config, seed=member["seed"]), epochs=12,
                           engine=engine)
        assert member["loss_test"] == alone.loss_test[-1]
    auto = read_study(write(tmp_path, TINY, "auto.toml"))
    assert auto.engine == "auto" and "engine" not in task(auto, cells(auto)[0]).spec()


def test_rises_and_quartiles_against_brute_force():
    rng = np.random.default_rng(5)
    for _ in range(20):
        curve = rng.random(30)
        tol = float(rng.random() * 0.3)
        assert rises(curve, tol) == sum(curve[e] - curve[e - 1] > tol for e in range(1, 30))
    data = [4.0, 1.0, 3.0, 2.0, 5.0]
    assert quartiles(data) == (2.0, 3.0, 4.0)
    assert quartiles([]) is None
    assert curve_epochs(10) == list(range(11))
    long = curve_epochs(5000)
    assert long[0] == 0 and long[-1] == 5000 and len(long) <= 201


def test_paired_cells_share_seeds_and_differences_are_per_seed(tmp_path):
    result = execution.run_study(read_study(write(tmp_path, TINY)), workers=1)
    assert result.complete and len(result.cells) == 4 and len(result.pairs) == 2
    for pair in result.pairs:
        a = next(c for c in result.cells if c.values["shape"] == [2, 1] and pair.fixed in c.label)
        b = next(c for c in result.cells if c.values["shape"] == [3, 1] and pair.fixed in c.label)
        assert [m["seed"] for m in a.members] == [m["seed"] for m in b.members]
        diff = [mb["loss_test"] - ma["loss_test"] for ma, mb in zip(a.members, b.members)]
        assert pair.difference == pytest.approx(quartiles(diff))
        assert pair.a_better == sum(d > 0 for d in diff)
        assert pair.b_better == sum(d < 0 for d in diff)
    # Unpaired noise: its cells trained seeds of their own.
    seeds = {c.label: c.members[0]["seed"] for c in result.cells}
    assert seeds["shape=2,1 noise=0"] != seeds["shape=2,1 noise=25"]


def test_local_processes_and_dask_give_identical_json(tmp_path):
    distributed = pytest.importorskip("distributed")
    study = read_study(write(tmp_path, TINY))
    execution.run_study(study, out=tmp_path / "inline.json", workers=1)
    execution.run_study(study, out=tmp_path / "pool.json", workers=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        execution.run_study(study, out=tmp_path / "dask.json", scheduler=cluster.scheduler_address)
    inline = (tmp_path / "inline.json").read_text()
    assert json.loads(inline)["complete"] is True
    assert (tmp_path / "pool.json").read_text() == inline
    assert (tmp_path / "dask.json").read_text() == inline


def test_resuming_after_an_interrupt_gives_the_same_file(tmp_path, monkeypatch):
    study = read_study(write(tmp_path, TINY))
    execution.run_study(study, out=tmp_path / "whole.json", workers=1)

    def stop_after_two(result, done, total):
        if done == 2:
            raise KeyboardInterrupt

    out = tmp_path / "part.json"
    with pytest.raises(KeyboardInterrupt):
        execution.run_study(study, out=out, workers=1, on_cell=stop_after_two)
    part = json.loads(out.read_text())
    assert part["complete"] is False and len(part["cells"]) == 2
    ran = []

    def counting(work):
        ran.append(work.cell.label)
        return run_cell(work)

    monkeypatch.setattr(execution, "run_cell", counting)
    result = runner.invoke(app, ["study", str(tmp_path / "s.toml"), "--out", str(out),
                                 "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert len(ran) == 2  # only the cells the file did not hold
    assert out.read_text() == (tmp_path / "whole.json").read_text()


def test_ctrl_c_stops_a_study_on_a_process_pool_with_its_workers(tmp_path):
    import multiprocessing
    import os
    import signal

    study = read_study(write(tmp_path, TINY.replace("epochs = 12", "epochs = 400")))

    def ctrl_c_after_one(result, done, total):
        if done == 1:
            os.kill(os.getpid(), signal.SIGINT)  # the library leaves SIGINT to Python

    out = tmp_path / "o.json"
    with pytest.raises(KeyboardInterrupt):
        execution.run_study(study, out=out, workers=2, on_cell=ctrl_c_after_one)
    left = multiprocessing.active_children()
    assert left == [], [(p.name, p.pid, p._parent_pid) for p in left]
    part = json.loads(out.read_text())
    assert part["complete"] is False and 1 <= len(part["cells"]) < 4


def test_a_study_without_a_seed_resumes_with_the_seed_it_started_with(tmp_path):
    path = write(tmp_path, TINY.replace('seed = "st"\n', ""))
    out = tmp_path / "o.json"
    first = execution.run_study(read_study(path), out=out, workers=1)
    again = execution.run_study(read_study(path), out=out, workers=1)
    assert again.study.base.seed == first.study.base.seed
    assert again.to_json() == first.to_json()


def test_another_studys_results_are_not_replaced(tmp_path, monkeypatch):
    """--out naming another study's JSON (no cell with the settings of one of this study's) is
    refused: resuming would take over its seed and replace its results. The same study run
    again, renamed or with more seeds or epochs after a quick look, goes on as before."""
    monkeypatch.chdir(tmp_path)
    small = TINY.replace("seeds = 3", "seeds = 1").replace("epochs = 12", "epochs = 2")
    write(tmp_path, small.replace('seed = "st"\n', ""), "one.toml")
    write(tmp_path, small.replace('seed = "st"\n', "").replace('"gauss"', '"xor"'), "two.toml")
    quick = ["--seeds", "1", "--epochs", "1", "--workers", "1", "-q"]
    first = runner.invoke(app, ["study", "one.toml", "--out", "o.json", *quick])
    assert first.exit_code == 0, first.output
    kept = Path("o.json").read_bytes()
    result = runner.invoke(app, ["study", "two.toml", "--out", "o.json", *quick])
    assert result.exit_code == 2 and "none of the 4 cells in it has the settings" in (
        result.output)
    assert Path("o.json").read_bytes() == kept
    Path("two.toml").rename("one.toml.bak")  # the same name for another study: still refused
    Path("other").mkdir()
    Path("one.toml.bak").rename("other/one.toml")
    again = runner.invoke(app, ["study", "other/one.toml", "--out", "o.json", *quick])
    assert again.exit_code == 2 and Path("o.json").read_bytes() == kept
    Path("one.toml").rename("renamed.toml")  # this study under another name resumes
    full = runner.invoke(app, ["study", "renamed.toml", "--out", "o.json", "--workers", "1",
                               "-q"])
    assert full.exit_code == 0, full.output
    assert json.loads(Path("o.json").read_text())["study"]["epochs"] == 2


def test_cli_outputs_page_and_picture(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, TINY.replace("seeds = 3", "seeds = 2"))
    result = runner.invoke(app, ["study", "s.toml", "--workers", "1", "--format", "markdown",
                                 "--page", "page.md", "--picture", "pic.png", "--out", "o.json"])
    assert result.exit_code == 0, result.output
    assert "| shape " in result.output and "## Paired comparisons" in result.output
    page = Path("page.md").read_text()
    assert "![" in page and "(pic.png)" in page
    assert Path("pic.png").read_bytes()[:4] == b"\x89PNG"
    data = json.loads(runner.invoke(app, ["study", "s.toml", "--format", "json", "--quiet",
                                          "--out", "o.json"]).output)
    assert data == json.loads(Path("o.json").read_text())
    text = runner.invoke(app, ["study", "s.toml", "--out", "o.json"]).output
    assert "reached target" in text and "sign test p" in text


def test_an_accuracy_target_counts_seeds_by_their_test_accuracy(tmp_path):
    study = read_study(write(tmp_path, TINY.replace("test-loss = 0.2", "test-accuracy = 0.9")))
    result = run_cell(task(study, cells(study)[1]))
    for member in result.members:
        alone = nneq.train(Config(dataset="gauss", shape=(2, 1), noise=25, seed=member["seed"]),
                           epochs=12)
        accuracy = alone.accuracy(alone.data()[1])
        assert member["accuracy_test"] == accuracy
        assert member["reached"] == (accuracy >= 0.9)
    assert result.stats.reached == sum(m["reached"] for m in result.members)


BAD = {
    "unknown axis": ("[vary]\nmomentum = [1, 2]\n", "vary.momentum"),
    "empty axis": ("[vary]\nnoise = []\n", "vary.noise"),
    "mixed types": ('[vary]\nshape = [[2, 1], 3]\n', "vary.shape"),
    "mixed text and number": ('[vary]\nactivation = ["tanh", 1]\n', "vary.activation"),
    "bad value": ("[vary]\nnoise = [10, 90]\n", "vary.noise"),
    "repeated value": ("[vary]\nnoise = [10, 10.0]\n", "vary.noise"),
    "unknown key": ("colour = 1\n[vary]\nnoise = [0]\n", "colour"),
    "no axes": ("seeds = 2\n", "vary"),
    "paired not an axis": ('paired = ["shape"]\n[vary]\nnoise = [0]\n', "paired"),
    "bad target": ("target = { test-loss = -1 }\n[vary]\nnoise = [0]\n", "target.test-loss"),
    "unknown target": ("target = { loss = 1 }\n[vary]\nnoise = [0]\n", "target"),
    "seeds": ("seeds = 0\n[vary]\nnoise = [0]\n", "seeds"),
    "seed as axis": ('[vary]\nseed = ["a", "b"]\n', "vary.seed"),
    "snapshots": ("snapshots = 3\n[vary]\nnoise = [0]\n", "snapshots"),
    "bad engine": ('engine = "fast"\n[vary]\nnoise = [0]\n', "engine"),
    "one axis in both spellings": ("[vary]\nlearning-rate = [0.1]\nlearning_rate = [0.3]\n",
                                   "'vary.learning-rate' and 'vary.learning_rate' are one key"),
    "one target in both spellings": ("target = { test-loss = 0.2, test_loss = 0.3 }\n[vary]\n"
                                     "noise = [0]\n", "'target.test-loss' and 'target.test_loss'"),
    "one key in both spellings": ("reg-rate = 0.1\nreg_rate = 0.2\n[vary]\nnoise = [0]\n",
                                  "'reg-rate' and 'reg_rate' are one key"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_study_files_exit_2_naming_the_key(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    text, key = BAD[case]
    write(tmp_path, 'dataset = "xor"\nepochs = 1\n' + text)
    result = runner.invoke(app, ["study", "s.toml", "--out", "o.json"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nneq: ")
    assert key in lines[0]
    assert not Path("o.json").exists()


def test_an_out_file_of_something_else_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, TINY)
    Path("o.json").write_text('{"format": "nneq-model"}')
    result = runner.invoke(app, ["study", "s.toml", "--out", "o.json"])
    assert result.exit_code == 2 and "not a study" in result.output


@pytest.mark.parametrize("empty", ["", "\n"])
def test_an_empty_out_file_is_taken_as_a_new_one(tmp_path, monkeypatch, empty):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, TINY)
    Path("o.json").write_text(empty)  # as `touch o.json` leaves it
    result = runner.invoke(app, ["study", "s.toml", "--out", "o.json", "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    saved = json.loads(Path("o.json").read_text())
    assert saved["format"] == "nneq-study" and saved["complete"] is True
    assert len(saved["cells"]) == 4


def test_an_out_file_of_text_is_refused_and_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, TINY)
    Path("o.json").write_text("notes\n")
    result = runner.invoke(app, ["study", "s.toml", "--out", "o.json", "--workers", "1", "-q"])
    assert result.exit_code == 2 and "not a study's JSON" in result.output
    assert Path("o.json").read_text() == "notes\n"


PREDICTED = """
| First Hidden Layer | Equation |
| --- | --- |
| h11 | + x1w1 + x2w2 |
| h12 | - x1w1 - x2w2 |

| Second Hidden Layer | Equation |
| --- | --- |
| h21 | + h11w11 + h12w12 |

| Output Layer | Equation |
| --- | --- |
| o1 | - h21w21 |
"""


def test_agreement_and_its_chance_level_per_seed(tmp_path):
    from nneq.comparison.chance import chance_level
    from nneq.comparison.compare import predicted_signs
    from nneq.comparison.symmetry import align, equation_signs, flippable
    from nneq.explain.equations import network_equations

    text = TINY.replace("[vary]", f'predicted = """{PREDICTED}"""\n[vary]').replace(
        "shape = [[2, 1], [3, 1]]", "shape = [[1, 1], [2, 1]]").replace("noise = [0, 25]", "noise = [25]")
    study = read_study(write(tmp_path, text))
    small, fitting = (run_cell(task(study, c)) for c in cells(study))
    assert small.stats.full_agreement is None and small.stats.chance is None  # no h12 in 1,1
    assert all(m["agree"] is None for m in small.members)
    config = Config(dataset="gauss", shape=(2, 1), noise=25)
    wanted = predicted_signs(study.prediction, config)
    expected_chance = []
    for member in fitting.members:
        alone = nneq.train(Config(**{**config.to_dict(), "seed": member["seed"]}), epochs=12)
        signs = equation_signs(network_equations(alone.config, alone.layers))
        agree = align(wanted, signs, flippable=flippable(config)).agree
        assert member["agree"] == agree
        level = chance_level(wanted, signs, flippable=flippable(config), observed=agree)
        assert member["chance"] == pytest.approx(level.mean)
        assert member["chance_p"] == pytest.approx(level.p_value)
        expected_chance.append(level.mean)
    assert fitting.stats.predicted_signs == 7
    assert fitting.stats.chance == pytest.approx(np.mean(expected_chance))
    assert fitting.stats.full_agreement == sum(m["agree"] == 7 for m in fitting.members)


NO_H15 = "| First Hidden Layer | Equation |\n|--|--|\n| h15 | + x1w1 + x2w2 |\n"
THREE_LAYERS = ("| First Hidden Layer | Equation |\n|--|--|\n| h11 | + x1w1 + x2w2 |\n\n"
                "| Second Hidden Layer | Equation |\n|--|--|\n| h21 | + h11w11 |\n\n"
                "| Third Hidden Layer | Equation |\n|--|--|\n| h31 | + h21w21 |\n")


NO_SIGNS = ("| First Hidden Layer | Equation |\n|--|--|\n| h11 | 0 |\n| h12 | 0 |\n| h13 | 0 |\n"
            "| h14 | 0 |\n")


@pytest.mark.parametrize(("tables", "why"), [
    (NO_H15, "p.md:3: h15 cannot exist: the network's First Hidden Layer has 4 units"),
    (THREE_LAYERS, "the prediction has 3 hidden layers, the network 2 hidden layers"),
], ids=["unit beyond a layer", "layer beyond the network"])
def test_a_prediction_that_fits_no_cell_refuses_the_study_file(tmp_path, monkeypatch, tables, why):
    monkeypatch.chdir(tmp_path)
    Path("p.md").write_text(tables)
    write(tmp_path, 'dataset = "xor"\nseed = "s"\nseeds = 3\nepochs = 5\npredicted = "p.md"\n'
          "[vary]\nshape = [[4, 2], [2, 2]]\n")
    ran = []
    monkeypatch.setattr(execution, "run_cell", lambda work: ran.append(work))
    result = runner.invoke(app, ["study", "s.toml", "--out", "o.json", "--workers", "1", "-q"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nneq: predicted='p.md' in s.toml: ")
    assert f"shape=4,2 ({why}" in lines[0] and "shape=2,2 (" in lines[0]
    assert ran == [] and not Path("o.json").exists()
    with pytest.raises(nneq.ConfigError) as refused:
        nneq.study("s.toml", workers=1)
    assert refused.value.field == "predicted" and refused.value.source == "s.toml"


def test_tables_with_no_signed_link_refuse_the_study_file_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("p.md").write_text(NO_SIGNS)
    write(tmp_path, 'dataset = "xor"\nseed = "s"\nseeds = 3\nepochs = 5\npredicted = "p.md"\n'
          "[vary]\nshape = [[4, 2], [2, 2]]\n")
    result = runner.invoke(app, ["study", "s.toml", "--out", "o.json", "--workers", "1", "-q"])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        "nneq: predicted='p.md' in s.toml: expected tables with at least one signed link: the "
        "tables give no signed link (every unit given is 0)")
    assert not Path("o.json").exists()


def test_the_cells_a_prediction_does_not_fit_are_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("p.md").write_text(NO_H15)
    write(tmp_path, 'dataset = "xor"\nseed = "s"\nseeds = 2\nepochs = 3\npredicted = "p.md"\n'
          "[vary]\nshape = [[4, 2], [5], [2, 2]]\nnoise = [0, 5]\n")
    result = runner.invoke(app, ["study", "s.toml", "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert ("prediction: p.md; it does not fit the network of shape=4,2, shape=2,2 "
            "(no agreement there: –)") in result.output.splitlines()
    rows = [line.split() for line in result.output.splitlines() if line.startswith(("4,2", "5 "))]
    assert [row[-1] != "–" for row in rows] == [False, False, True, True]  # shape 5 fits


BIG = ('dataset = "xor"\nseed = "s"\nseeds = 50\nepochs = 2\nshape = [8, 8]\n'
       "[vary]\nnoise = [0, 5]\n")


def room_for(monkeypatch, networks: int) -> None:
    """Memory for about `networks` members of BIG's networks, whatever this machine has."""
    from nneq.sweeps import sweep

    each = sweep.member_bytes(Config(dataset="xor", shape=(8, 8)))
    monkeypatch.setattr(sweep, "available_memory", lambda: int(networks * each / 0.8) + 1)


@pytest.mark.parametrize(("args", "named"), [([], "seeds=50 in s_big.toml"),
                                             (["--seeds", "40"], "--seeds=40")])
def test_too_many_seeds_for_memory_names_where_the_number_was_given(tmp_path, monkeypatch, args,
                                                                    named):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, BIG, "s_big.toml")
    room_for(monkeypatch, 30)
    result = runner.invoke(app, ["study", "s_big.toml", "--out", "o.json", "-q", *args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"nneq: {named}: expected at most 30 networks of this size")
    assert len(result.output.strip().splitlines()) == 1
    assert not Path("o.json").exists()  # refused before the file is claimed


def test_a_cell_refusing_its_seeds_on_a_process_pool_names_the_study_files_key(tmp_path,
                                                                               monkeypatch):
    room_for(monkeypatch, 30)  # the forked workers see it too
    monkeypatch.setattr(execution, "check_memory", lambda config, seeds: None)  # not here
    study = read_study(write(tmp_path, BIG, "s_big.toml"))
    with pytest.raises(nneq.ConfigError) as refused:
        execution.run_study(study, workers=2)
    assert str(refused.value).startswith(f"seeds=50 in {tmp_path / 's_big.toml'}: expected at "
                                         "most 30 networks")


def test_errors_survive_pickling_whole():
    import pickle

    from nneq.errors import ConfigError, TableError

    for err in (ConfigError("seeds", 5, "at most 4", source="s.toml"),
                TableError(3, "h15 cannot exist", source="p.md", unknown_input="x3")):
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is type(err) and str(again) == str(err)
        assert vars(again) == vars(err)


def test_the_sign_test_equals_scipys_exact_binomial_test():
    from scipy.stats import binomtest

    from nneq.studies.statistics import sign_test

    for n in range(1, 41):
        for wins in range(n + 1):
            expected = binomtest(wins, n, 0.5).pvalue
            assert sign_test(wins, n - wins) == pytest.approx(expected, rel=1e-12, abs=0)
    assert sign_test(600, 400) == pytest.approx(binomtest(600, 1000, 0.5).pvalue, rel=1e-9)


def test_the_library_runs_a_study_file_and_its_result_equals_the_commands(tmp_path,
                                                                          monkeypatch):
    path = write(tmp_path, TINY)
    result = nneq.study(path, workers=1, epochs=6, out=tmp_path / "lib.json")
    assert repr(result).startswith(f"<nneq.StudyResult 's': 4 cells of 3 seeds, 6 epochs, "
                                   f"{len(result.pairs)} paired comparisons>")
    assert [c.label for c in result.cells] == [
        "shape=2,1 noise=0", "shape=2,1 noise=25", "shape=3,1 noise=0", "shape=3,1 noise=25"]
    assert result.study.epochs == 6 and len(result.pairs) == 2
    assert result._repr_markdown_() == result.to_markdown()
    first = result.cells[0]
    assert repr(first) == (f"<CellResult 0 'shape=2,1 noise=0': {first.stats.reached} of 3 seeds "
                           f"reached the target, median test loss {first.stats.loss_test[1]:.3f}, "
                           f"{first.stats.diverged} diverged>")
    assert type(result.plot(dpi=20)).__name__ == "Figure"
    (tmp_path / "cli").mkdir()
    write(tmp_path / "cli", TINY.replace("epochs = 12", "epochs = 6"))  # the same title, s
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["study", "cli/s.toml", "--workers", "1", "--quiet",
                               "--out", "cli.json"])
    assert done.exit_code == 0, done.output
    lib, cli = (json.loads((tmp_path / n).read_text()) for n in ("lib.json", "cli.json"))
    assert lib["cells"] == cli["cells"] and lib["paired"] == cli["paired"]
    assert result.to_text() + "\n" == done.output


@pytest.mark.parametrize(("option", "value"), [("seeds", 0), ("epochs", -1), ("workers", 0),
                                               ("seeds", True), ("workers", 1.5), ("out", 5),
                                               ("scheduler", 8786)])
def test_the_library_study_refuses_bad_overrides_naming_them(tmp_path, option, value):
    with pytest.raises(nneq.ConfigError, match=f"^{option}="):
        nneq.study(write(tmp_path, TINY), **{option: value})


@pytest.mark.parametrize("path", [None, 5])
def test_the_library_study_refuses_a_path_that_is_not_one(path):
    with pytest.raises(nneq.ConfigError, match=r"^path="):
        nneq.study(path)


def test_the_command_overrides_seeds_and_epochs_for_a_quick_look(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, TINY)
    done = runner.invoke(app, ["study", "s.toml", "--seeds", "2", "--epochs", "3", "--workers",
                               "1", "--quiet", "--format", "json"])
    assert done.exit_code == 0, done.output
    study = json.loads(done.output)["study"]
    assert (study["seeds"], study["epochs"]) == (2, 3)
    bad = runner.invoke(app, ["study", "s.toml", "--seeds", "0"])
    assert bad.exit_code == 2 and bad.output.startswith("nneq: --seeds=0: expected")


def test_a_bad_dpi_is_refused_before_any_work_even_without_a_picture(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, TINY)
    done = runner.invoke(app, ["study", "s.toml", "--dpi", "0", "--workers", "1", "--quiet",
                               "--out", "s.json"])
    assert done.exit_code == 2 and "--dpi" in done.output, done.output
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize(("given", "words"), [("", "an empty folder name"),
                                              ("taken", "expected a folder, and it is a file")])
def test_save_models_must_name_a_folder(tmp_path, monkeypatch, given, words):
    """As for `nneq sweep`: '' is refused rather than read as the current folder."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, TINY, "study.toml")
    (tmp_path / "taken").write_text("mine\n")
    result = CliRunner().invoke(app, ["study", "study.toml", "--save-models", given, "-q"])
    assert result.exit_code == 2 and words in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml", "taken"]


def test_an_accuracy_target_with_a_regression_cell_is_refused(tmp_path):
    """Regression has no accuracy: such a cell could only ever show 0% reaching the target."""
    text = TINY.replace("test-loss = 0.2", "test-accuracy = 0.9").replace(
        'dataset = "gauss"', 'dataset = "xor"').replace("noise = [0, 25]",
                                                        'dataset = ["xor", "reg-plane"]')
    with pytest.raises(nneq.ConfigError, match=r"test-loss for regression datasets \(reg-plane\)"):
        read_study(write(tmp_path, text))
    with pytest.raises(nneq.ConfigError, match="reg-gauss"):
        read_study(write(tmp_path, TINY.replace("test-loss = 0.2", "test-accuracy = 0.9")
                         .replace('dataset = "gauss"', 'dataset = "reg-gauss"')))


def test_the_api_takes_numpy_numbers_for_seeds_epochs_and_workers(tmp_path):
    import numpy as np

    result = nneq.study(write(tmp_path, TINY), seeds=np.int64(1), epochs=np.int64(2),
                        workers=np.int64(1))
    assert result.study.seeds == 1 and result.study.epochs == 2
    with pytest.raises(nneq.ConfigError, match="seeds"):
        nneq.study(write(tmp_path, TINY), seeds=np.float64(1.5))


def test_a_learning_rate_beyond_a_thousand_is_refused_when_the_file_is_read(tmp_path):
    base = TINY.replace('dataset = "gauss"', 'dataset = "gauss"\nlearning-rate = 2000')
    with pytest.raises(nneq.ConfigError, match=r"^learning-rate=2000\.0 in .*up to 1000"):
        read_study(write(tmp_path, base))
    varied = TINY.replace("noise = [0, 25]", "learning-rate = [0.03, 2000]")
    with pytest.raises(nneq.ConfigError, match=r"^vary\.learning-rate=2000\.0 in .*up to 1000"):
        read_study(write(tmp_path, varied))
