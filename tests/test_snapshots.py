"""Snapshots: the layers kept at evenly spaced epochs, in the model, the model file and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.errors import ConfigError, ModelFileError
from nneq.playground.snapshots import snapshot_epochs
from nneq.storage.modelfile import from_dict, to_dict
from nneq.storage.runfile import read_run_file

runner = CliRunner()
XOR = nneq.Config(dataset="xor", shape=(3, 2), seed="snap")


def _same_layers(a, b) -> bool:
    return all(np.array_equal(x.weights, y.weights) and np.array_equal(x.biases, y.biases)
               and np.array_equal(x.dead, y.dead) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize(("count", "epochs", "expected"), [
    (0, 100, ()),
    (1, 100, (0, 50, 100)),
    (3, 100, (0, 25, 50, 75, 100)),
    (4, 10, (0, 2, 4, 6, 8, 10)),
    (20, 5, (0, 1, 2, 3, 4, 5)),  # more snapshots than epochs: every epoch once
    (2, 0, (0,)),
])
def test_snapshot_epochs_evenly_spaced_with_first_and_last(count, epochs, expected):
    assert snapshot_epochs(count, epochs) == expected


def test_snapshot_epochs_count_and_spacing_by_brute_force():
    for epochs in range(0, 60):
        for count in range(0, 12):
            kept = snapshot_epochs(count, epochs)
            if count == 0:
                assert kept == ()
                continue
            assert kept[0] == 0 and kept[-1] == epochs
            assert len(kept) == min(count + 2, epochs + 1)
            gaps = np.diff(kept)
            if len(kept) == count + 2:  # no two coincided: gaps differ by at most one epoch
                assert gaps.max() - gaps.min() <= 1


@pytest.mark.parametrize("bad", [-1, 1001, 2.5, True, "3"])
def test_bad_snapshot_counts_are_refused(bad):
    with pytest.raises(ConfigError, match="snapshots"):
        nneq.train(XOR, epochs=3, snapshots=bad)


def test_each_snapshot_is_the_network_trained_that_many_epochs():
    model = nneq.train(XOR, epochs=40, snapshots=3)
    assert [s.epoch for s in model.snapshots] == [0, 10, 20, 30, 40]
    for snap in model.snapshots:
        alone = nneq.train(XOR, epochs=snap.epoch)
        assert _same_layers(snap.layers, alone.layers)
        at = model.at_epoch(snap.epoch)
        points = np.array([[0.5, -2.0], [3.0, 3.0]])
        np.testing.assert_array_equal(at.predict(points), alone.predict(points))
        np.testing.assert_array_equal(at.loss_train, alone.loss_train)
    # Training is unchanged by keeping snapshots.
    assert _same_layers(model.layers, nneq.train(XOR, epochs=40).layers)
    with pytest.raises(nneq.ConfigError, match=r"epoch=5: expected an epoch with a snapshot: "
                       r"\[0, 10, 20, 30, 40\]"):
        model.at_epoch(5)
    with pytest.raises(nneq.ConfigError, match="kept none"):
        nneq.train(XOR, epochs=2).at_epoch(2)


def test_no_snapshots_by_default():
    assert nneq.train(XOR, epochs=2).snapshots is None


def test_diverged_training_keeps_snapshots_up_to_the_last_finite_epoch():
    config = nneq.Config(dataset="reg-plane", learning_rate=10, shape=(8, 8), seed="d")
    model = nneq.train(config, epochs=50, snapshots=49)  # every epoch wanted
    assert model.diverged and model.epochs == 1
    assert [s.epoch for s in model.snapshots] == [0, 1]
    assert _same_layers(model.snapshots[-1].layers, model.layers)


def test_model_file_round_trip_and_version(tmp_path):
    model = nneq.train(XOR, epochs=12, snapshots=2)
    nneq.save(model, tmp_path / "m.json")
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["version"] == 2
    assert [s["epoch"] for s in data["snapshots"]] == [0, 4, 8, 12]
    back = nneq.load(tmp_path / "m.json")
    for a, b in zip(model.snapshots, back.snapshots, strict=True):
        assert a.epoch == b.epoch and _same_layers(a.layers, b.layers)


def test_version_1_files_still_load():
    model = nneq.train(XOR, epochs=5)
    data = to_dict(model)
    data["version"] = 1
    del data["snapshots"]
    back = from_dict(data)
    assert back.snapshots is None and _same_layers(back.layers, model.layers)


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s.__setitem__(0, "x"), r"snapshots\[0\] should be an object"),
    (lambda s: s[1].__setitem__("epoch", 0), r"snapshots\[1\].epoch should be a whole number above 0"),
    (lambda s: s[1].__setitem__("epoch", 99), r"at most 6"),
    (lambda s: s[0]["layers"][0].__setitem__("weights", [[1.0]]),
     r"snapshots\[0\].layers\[0\].weights should be a list of shape"),
    # the last snapshot is the model's final layers: not another epoch, nor other numbers
    (lambda s: s[-1].__setitem__("epoch", 5), r"the last snapshot should be the layers at epoch 6"),
    (lambda s: s.pop(), r"the last snapshot should be the layers at epoch 6"),
    (lambda s: s[-1]["layers"][1]["biases"].__setitem__(0, 1e300), r"the last snapshot should be"),
    (lambda s: s[-1]["layers"][0]["dead"][0].__setitem__(0, True), r"the last snapshot should be"),
])
def test_bad_snapshots_in_a_model_file_are_named(change, message):
    data = to_dict(nneq.train(XOR, epochs=6, snapshots=1))
    change(data["snapshots"])
    with pytest.raises(ModelFileError, match=message):
        from_dict(data)


def test_run_file_key_and_cli_flag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("run.toml").write_text('dataset = "xor"\nseed = "k"\nepochs = 10\nsnapshots = 4\n')
    assert read_run_file("run.toml").snapshots == 4
    result = runner.invoke(app, ["train", "--config", "run.toml", "-q"])
    assert result.exit_code == 0, result.output
    assert [s.epoch for s in nneq.load("nneq-model.json").snapshots] == [0, 2, 4, 6, 8, 10]
    result = runner.invoke(app, ["train", "--config", "run.toml", "--snapshots", "1", "-q"])
    assert [s.epoch for s in nneq.load("nneq-model.json").snapshots] == [0, 5, 10]
    result = runner.invoke(app, ["train", "--epochs", "3", "--snapshots", "-2"])
    assert result.exit_code == 2 and "snapshots=-2" in result.output
    Path("bad.toml").write_text('snapshots = "many"\n')
    result = runner.invoke(app, ["train", "--config", "bad.toml"])
    assert result.exit_code == 2 and "snapshots='many' in bad.toml" in result.output


def test_report_retrains_when_the_snapshots_asked_for_change(tmp_path):
    from nneq.pages.report import report

    run = tmp_path / "r.toml"
    run.write_text('dataset = "xor"\nseed = "k"\nepochs = 8\n')
    first = report([run], out_dir=tmp_path / "out", dpi=20).pages[0]
    assert first.model.snapshots is None and not first.reused
    assert report([run], out_dir=tmp_path / "out", dpi=20).pages[0].reused
    run.write_text('dataset = "xor"\nseed = "k"\nepochs = 8\nsnapshots = 3\n')
    second = report([run], out_dir=tmp_path / "out", dpi=20).pages[0]
    assert not second.reused and [s.epoch for s in second.model.snapshots] == [0, 2, 4, 6, 8]
    assert report([run], out_dir=tmp_path / "out", dpi=20).pages[0].reused
