"""The two engines: the same training, the auto rule, and numba only where it is chosen."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.playground import engine as engines
from nneq.playground.config import Config
from nneq.playground.engine import choose_engine, estimated_seconds
from nneq.playground.train import training
from nneq.sweeps.sweep import run_sweep

from .conftest import ENGINES

compiled_only = pytest.mark.skipif("compiled" not in ENGINES, reason="numba is not installed")
POST = Config(dataset="circle", shape=(4, 2), seed="0.53049")
DEEP = Config(dataset="circle", features=("x1", "x2", "x1^2", "x2^2"), shape=(8,) * 6,
              activation="relu", batch_size=1, learning_rate=0.003, seed="0.53049")


def test_auto_picks_compiled_only_when_installed_and_the_run_is_long(monkeypatch):
    monkeypatch.setattr(engines, "compiled_available", lambda: True)
    assert choose_engine("auto", POST, 500) == "numpy"  # batches of 10: numpy is as fast
    assert choose_engine("auto", DEEP, 5) == "numpy"  # too short to pay for loading numba
    assert choose_engine("auto", DEEP, 2000) == "compiled"
    assert choose_engine("auto", Config(shape=(8, 8), batch_size=1, seed="s"), 500) == "compiled"
    assert choose_engine("numpy", DEEP, 2000) == "numpy"
    monkeypatch.setattr(engines, "compiled_available", lambda: False)
    assert choose_engine("auto", DEEP, 2000) == "numpy"
    with pytest.raises(nneq.ConfigError, match="nneq\\[fast\\]"):
        choose_engine("compiled", DEEP, 10)
    with pytest.raises(nneq.ConfigError, match="engine='fast'"):
        choose_engine("fast", DEEP, 10)


def test_engine_names_are_matched_without_regard_to_case(tmp_path):
    """As every choice is (README, Commands): in the library, on the command line, in a run file."""
    assert choose_engine("NumPy", DEEP, 2000) == "numpy"
    assert nneq.train(Config(dataset="xor", seed="c"), epochs=2, engine="NUMPY").epochs == 2
    run = tmp_path / "run.toml"
    run.write_text('dataset = "xor"\nengine = "Numpy"\nepochs = 2\n')
    result = CliRunner().invoke(app, ["train", "--config", str(run), "--quiet",
                                      "--out", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output


def test_the_estimate_grows_with_epochs_and_charges_loading_once():
    assert estimated_seconds("compiled", POST, 0) == engines.LOAD_SECONDS
    assert estimated_seconds("numpy", POST, 0) == 0
    assert estimated_seconds("numpy", DEEP, 200) == pytest.approx(
        2 * estimated_seconds("numpy", DEEP, 100))


def test_without_numba_nothing_imports_it(tmp_path):
    """A short run with engine auto, and a run where numba cannot be imported at all."""
    script = textwrap.dedent("""
        import sys
        import nneq
        from nneq.playground.config import Config
        model = nneq.train(Config(dataset="xor", seed="n"), epochs=3)
        assert model.epochs == 3
        assert "numba" not in sys.modules, "numba was imported"
        class Refuse:
            def find_spec(self, name, path=None, target=None):
                if name == "numba" or name.startswith("numba."):
                    raise ImportError("no numba here")
        sys.meta_path.insert(0, Refuse())
        import importlib.util
        from nneq.playground import engine
        engine.compiled_available = lambda: False
        model = nneq.train(Config(shape=(8, 8), batch_size=1, seed="m"), epochs=600)
        assert model.epochs == 600 and "numba" not in sys.modules
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300)
    assert result.stdout.strip() == "ok", result.stderr


@compiled_only
def test_the_compile_cache_is_in_the_users_cache_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    script = ("import nneq.playground.compiled, numba, os; "
              "print(os.environ['NUMBA_CACHE_DIR']); print(numba.config.CACHE_DIR)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    told, used = result.stdout.split()
    assert told == used and Path(used).parent == tmp_path / "cache" / "nneq" / "numba"
    assert "site-packages" not in used and "nneq/playground" not in used


@compiled_only
@pytest.mark.parametrize("config", [
    Config(dataset="spiral", features=("x1", "x2", "sin(x1)"), shape=(5, 3), batch_size=7,
           regularization="L1", reg_rate=0.01, learning_rate=0.1, train_percent=70, seed="a"),
    Config(dataset="reg-gauss", shape=(4,), activation="sigmoid", batch_size=3,
           regularization="L2", reg_rate=0.003, seed="b"),
    Config(dataset="gauss", shape=(3, 3), activation="relu", batch_size=400, seed="c"),
])
def test_both_engines_train_the_same_network(config):
    numpy_model = nneq.train(config, epochs=30, engine="numpy")
    compiled_model = nneq.train(config, epochs=30, engine="compiled")
    for a, b in zip(numpy_model.layers, compiled_model.layers, strict=True):
        np.testing.assert_allclose(a.weights, b.weights, rtol=0, atol=1e-12)
        np.testing.assert_allclose(a.biases, b.biases, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(a.dead, b.dead)
    np.testing.assert_allclose(numpy_model.loss_test, compiled_model.loss_test, rtol=0,
                               atol=1e-12)


@compiled_only
def test_both_engines_diverge_at_the_same_epoch():
    config = Config(dataset="reg-plane", activation="tanh", learning_rate=10, shape=(8, 8),
                    seed="d")
    numpy_model = nneq.train(config, epochs=50, engine="numpy")
    compiled_model = nneq.train(config, epochs=50, engine="compiled")
    assert numpy_model.diverged_at == compiled_model.diverged_at == 2
    assert compiled_model.epochs == 1


@compiled_only
def test_compiled_sweep_members_are_bit_identical_to_compiled_runs():
    config = Config(dataset="xor", shape=(3, 2), batch_size=5, regularization="L1",
                    reg_rate=0.01, seed="cs")
    sweep = run_sweep(config, seeds=5, epochs=15, keep_models=True, engine="compiled")
    assert sweep.engine == "compiled"
    for model in sweep.models:
        alone = nneq.train(model.config, epochs=15, engine="compiled")
        for a, b in zip(alone.layers, model.layers, strict=True):
            assert a.weights.tobytes() == b.weights.tobytes()
            assert a.biases.tobytes() == b.biases.tobytes()
        assert alone.loss_train.tobytes() == model.loss_train.tobytes()


@compiled_only
def test_engine_flag_and_run_file_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["train", "--dataset", "xor", "--seed", "e", "--epochs", "5",
                                 "--engine", "compiled", "--out", "c.json"])
    assert result.exit_code == 0, result.output
    (tmp_path / "run.toml").write_text('dataset = "xor"\nseed = "e"\nepochs = 5\n'
                                       'engine = "numpy"\n')
    result = runner.invoke(app, ["train", "--config", "run.toml", "--out", "n.json"])
    assert result.exit_code == 0, result.output
    a, b = nneq.load(tmp_path / "c.json"), nneq.load(tmp_path / "n.json")
    np.testing.assert_allclose(a.layers[0].weights, b.layers[0].weights, rtol=0, atol=1e-13)
    result = runner.invoke(app, ["sweep", "--seeds", "2", "--epochs", "3", "--seed", "s",
                                 "--engine", "compiled", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"engine": "compiled"' in result.output


def test_a_bad_engine_is_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["train", "--engine", "fast", "--epochs", "1"])
    assert result.exit_code == 2
    assert "engine" in result.output and "auto, numpy, compiled" in result.output
    (tmp_path / "run.toml").write_text('engine = "gpu"\n')
    result = runner.invoke(app, ["train", "--config", "run.toml"])
    assert result.exit_code == 2 and "run.toml" in result.output


def test_training_refuses_auto_without_epochs_by_taking_numpy():
    assert training(POST, engine="auto").engine.name == "numpy"


def test_the_numpy_engine_trains_only_batches_bound_to_its_own_parameters():
    """A batch bound to an engine's parameters trains there (its calls written out when first
    trained); one bound to another engine, or made for the losses' forward passes, is refused."""
    from nneq.playground.step import Batch

    config = Config(dataset="xor", shape=(3,), seed="own")
    engine, other = training(config).engine, training(config).engine
    ready = engine.later_epochs[0]
    fresh = Batch(ready.x, ready.labels, engine.layout, rate=config.learning_rate).bind(
        engine.PT, engine.W, engine.G, engine._f, stacked=False)
    engine.train([fresh])
    other.train([other.later_epochs[0]])
    np.testing.assert_array_equal(engine.params, other.params)  # the same step as its own batch
    with pytest.raises(ValueError, match="another engine"):
        other.train([ready])
    with pytest.raises(ValueError, match="forward passes only"):
        engine.step(engine._loss_passes()[0])


def test_an_epoch_does_what_training_its_batches_does():
    """`epoch` runs the batches' calls as one list: the same bits as `train` over them, with
    L1 (links dying) and batches of two sizes (250 points in batches of 7)."""
    config = Config(dataset="circle", shape=(4, 3), batch_size=7, regularization="L1",
                    reg_rate=0.01, learning_rate=0.1, seed="epoch")
    one, other = training(config).engine, training(config).engine
    assert len({b.size for b in one.later_epochs}) == 2
    for first in (True, False, False):
        one.epoch(first)
        other.train(other.first_epoch if first else other.later_epochs)
        np.testing.assert_array_equal(one.params, other.params)
        np.testing.assert_array_equal(one.dead, other.dead)
    assert one.dead.any()
