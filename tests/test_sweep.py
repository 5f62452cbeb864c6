"""Sweeps: members equal single runs, symmetric twins share a pattern, predictions are counted."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.comparison.compare import compare
from nneq.comparison.symmetry import Transform, transform_model
from nneq.comparison.tables import read_tables
from nneq.playground.config import Config
from nneq.sweeps.report import to_dict, to_text
from nneq.sweeps.sweep import group_patterns, member_seeds, run_sweep

from .conftest import POST_TABLES

runner = CliRunner()


def test_members_equal_single_runs_with_their_seeds():
    config = Config(dataset="spiral", shape=(5, 3), features=("x1", "x2", "sin(x1)"),
                    regularization="L1", reg_rate=0.003, batch_size=30, train_percent=70, seed="eq")
    sweep = run_sweep(config, seeds=4, epochs=25, keep_models=True)
    assert [m.seed for m in sweep.members] == ["eq-1", "eq-2", "eq-3", "eq-4"]
    for member, model in zip(sweep.members, sweep.models, strict=True):
        alone = nneq.train(Config(**{**config.to_dict(), "seed": member.seed}), epochs=25)
        for a, b in zip(alone.layers, model.layers, strict=True):
            np.testing.assert_allclose(b.weights, a.weights, rtol=0, atol=1e-9)
            np.testing.assert_allclose(b.biases, a.biases, rtol=0, atol=1e-9)
            np.testing.assert_array_equal(b.dead, a.dead)
        np.testing.assert_allclose(model.loss_train, alone.loss_train, rtol=0, atol=1e-9)
        assert member.loss_test == pytest.approx(alone.loss_test[-1], abs=1e-9)


def test_a_network_and_its_permuted_flipped_twin_share_a_pattern():
    model = nneq.train(Config(dataset="xor", shape=(4, 3), seed="twin"), epochs=30)
    twin = transform_model(model, (Transform((2, 0, 3, 1), (1, -1, -1, 1)),
                                   Transform((1, 2, 0), (-1, 1, -1))))
    assert not np.array_equal(twin.layers[0].weights, model.layers[0].weights)
    np.testing.assert_allclose(twin.predict(np.array([[1.0, 2.0], [-3.0, 0.5]])),
                               model.predict(np.array([[1.0, 2.0], [-3.0, 0.5]])), atol=1e-12)
    other = nneq.train(Config(dataset="xor", shape=(4, 3), seed="other"), epochs=30)
    groups = group_patterns(model.config, {0: model.layers, 1: twin.layers, 2: other.layers})
    together = next(members for _, members in groups if 0 in members)
    assert together == [0, 1]


def test_relu_units_are_only_permuted():
    model = nneq.train(Config(dataset="xor", shape=(3,), activation="relu", seed="r"), epochs=10)
    permuted = transform_model(model, (Transform((2, 0, 1), (1, 1, 1)),))
    assert len(group_patterns(model.config, {0: model.layers, 1: permuted.layers})) == 1


def test_patterns_are_counted_most_frequent_first():
    sweep = run_sweep(Config(dataset="xor", shape=(2,), seed="count"), seeds=12, epochs=40)
    counts = [p.count for p in sweep.patterns]
    assert counts == sorted(counts, reverse=True)
    assert sum(counts) == 12
    for p in sweep.patterns:
        assert all(m.pattern == p.id for m in sweep.members if m.seed in p.seeds)
        assert p.seeds[0] in [m.seed for m in sweep.members]


def test_prediction_agreement_is_shared_and_distributed():
    prediction = read_tables(POST_TABLES / "exp07.md")
    sweep = run_sweep(Config(dataset="xor", shape=(2, 2), seed="p"), seeds=10, epochs=50,
                      prediction=prediction)
    assert sweep.predicted_signs == 10
    assert sum(sweep.agreement().values()) == 10
    assert all(0 <= p.agree <= 10 for p in sweep.patterns)
    assert sweep.full_agreement() == sum(p.count for p in sweep.patterns if p.agree == 10)


HEAD = "| First Hidden Layer | Equation |\n|--|--|\n"
# Tables the default 2-4-2-1 network of x1, x2 has no place for, and how the refusal reads.
MISFITS = {
    "unit beyond its layer": (HEAD + "| h15 | + x1w1 |\n", "h15 cannot exist"),
    "deeper layer only": ("| Third Hidden Layer | Equation |\n|--|--|\n| h31 | + h21w21 |\n",
                          "the prediction has 3 hidden layers, the network 2 hidden layers"),
    "output only": ("| Output | Equation |\n|--|--|\n| o1 | + x1w1 + x2w2 |\n",
                    "the prediction has 0 hidden layers, the network 2 hidden layers"),
    "input the network lacks": (HEAD + "| h11 | + x1w1 + x2w2 + x1x2w5 |\n",
                                "the prediction reads x1, x2, x1x2, the network x1, x2"),
    "no signed link": (HEAD + "| h11 | 0 |\n", "at least one signed link"),
}


@pytest.mark.parametrize("case", list(MISFITS))
def test_a_prediction_the_network_has_no_place_for_is_refused_before_training(monkeypatch, case):
    """Counting seeds that agree fully with tables of another shape would count nothing."""
    import nneq.sweeps.sweep as S

    table, words = MISFITS[case]
    monkeypatch.setattr(S, "stack", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(nneq.NneqError, match=words):
        nneq.sweep(seeds=2, epochs=2, seed="q", predicted=table)


@pytest.mark.parametrize("case", list(MISFITS))
def test_cli_sweep_refuses_a_prediction_the_network_has_no_place_for(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    table, words = MISFITS[case]
    Path("p.md").write_text(table, encoding="utf-8")
    result = runner.invoke(app, ["sweep", "--seeds", "2", "--epochs", "2", "--seed", "q",
                                 "--predicted", "p.md", "-q"])
    assert result.exit_code == 2, result.output
    line, = result.output.strip().splitlines()
    assert line.startswith("nneq: ") and words in line and "agrees fully" not in line
    if case == "unit beyond its layer":  # worded as compare words it
        assert line == ("nneq: p.md:3: h15 cannot exist: the network's First Hidden Layer has 4 "
                        "units (h11, h12, h13 … h14)")
    else:
        assert line.startswith("nneq: --predicted='p.md': expected tables ")


@pytest.mark.parametrize("table", [
    HEAD + "| h11 | + x1w1 - x2w2 |\n",  # the first layer only
    "| Second Hidden Layer | Equation |\n|--|--|\n| h21 | + h11w11 - h12w12 |\n",  # the second only
    HEAD + "| h11 | + x1w1 |\n| h12 | - x1w1 |\n",  # x1 only: x2's links predicted absent
])
def test_a_prediction_of_some_layers_or_inputs_only_is_counted(table):
    sweep = nneq.sweep(seeds=3, epochs=2, seed="q", predicted=table)
    assert sweep.sweep.predicted_signs == 2
    assert sweep.sweep.full_agreement() == sum(p.count for p in sweep.sweep.patterns if p.agree == 2)


def test_no_predicted_sign_is_no_full_agreement():
    prediction = read_tables(POST_TABLES / "exp07.md")
    sweep = run_sweep(Config(dataset="xor", shape=(2, 2), seed="p"), seeds=3, epochs=5,
                      prediction=prediction)
    empty = dataclasses.replace(sweep, predicted_signs=0, patterns=tuple(
        dataclasses.replace(p, agree=0) for p in sweep.patterns))
    assert empty.full_agreement() == 0


def test_each_seed_gets_its_agreements_chance_level():
    """A seed's p-value is what `compare` finds for its own model: patterns share it."""
    prediction = read_tables(POST_TABLES / "exp07.md")
    config = Config(dataset="xor", shape=(2, 2), seed="p")
    sweep = run_sweep(config, seeds=6, epochs=50, prediction=prediction, keep_models=True)
    assert sweep.models is not None
    for member, model in zip(sweep.members, sweep.models):
        alone = compare(prediction, model)
        assert alone.chance is not None
        assert sweep.p_value(member) == alone.chance.p_value
        assert sweep.patterns[member.pattern - 1].agree == alone.agree
    beating = sum(1 for m in sweep.members if (sweep.p_value(m) or 1) < 0.05)
    assert sweep.beating_chance() == beating
    data = to_dict(sweep)
    assert [m["p_value"] for m in data["seeds"]] == [sweep.p_value(m) for m in sweep.members]
    assert data["prediction"]["beating_chance"] == beating
    assert all(p["chance"]["method"] == "exact" for p in data["patterns"])
    assert "beats chance (p < 0.05" in to_text(sweep)
    assert all(p.mean_accuracy_test is not None for p in sweep.patterns)


def test_diverged_members_are_reported_apart():
    sweep = run_sweep(Config(dataset="reg-plane", learning_rate=3, shape=(8, 8), seed="div"),
                      seeds=6, epochs=15)
    assert sweep.diverged
    assert all(m.pattern is None and m.loss_train is None for m in sweep.diverged)
    assert sum(p.count for p in sweep.patterns) == 6 - len(sweep.diverged)


def test_member_seeds():
    assert member_seeds("0.5", 3) == ["0.5-1", "0.5-2", "0.5-3"]
    with pytest.raises(nneq.ConfigError):
        member_seeds("0.5", 0)


def test_cli_sweep_json_and_saved_models(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", "--seeds", "5", "--epochs", "20", "--dataset", "xor",
                                 "--shape", "2", "--seed", "cli", "--out", "sweep.json",
                                 "--save-models", "models", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Sweep: 5 seeds of xor")
    data = json.loads(Path("sweep.json").read_text())
    assert [s["seed"] for s in data["seeds"]] == [f"cli-{k}" for k in range(1, 6)]
    assert {"seed", "pattern", "loss_train", "loss_test"} <= set(data["seeds"][0])
    assert {"id", "count"} <= set(data["patterns"][0])
    assert sum(p["count"] for p in data["patterns"]) == 5
    saved = nneq.load(Path("models") / "cli-3.json")
    alone = nneq.train(saved.config, epochs=20)
    np.testing.assert_allclose(saved.layers[0].weights, alone.layers[0].weights, atol=1e-9)
    assert saved.epochs == 20


@pytest.mark.parametrize("args", [
    ["--seeds", "0"], ["--seeds", "many"], ["--format", "yaml"], ["--threshold", "-1"],
    ["--predicted", "missing.md"], ["--dataset", "moons"], ["--out", "no/dir/s.json"],
    ["--epochs", "-1"], ["--seeds", "100000"], ["--alias", "x3"], ["--relative", "--threshold", "2"],
    ["--workers", "0"], ["--workers", "two"],
])
def test_cli_sweep_bad_input(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sweep", "--epochs", "1", "--seeds", "2", *args])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_sweep_refuses_a_file_as_models_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("taken.json").write_text("{}")
    result = runner.invoke(app, ["sweep", "--seeds", "2", "--epochs", "1", "--save-models",
                                 "taken.json"])
    assert result.exit_code == 2
    assert "expected a folder" in result.output
    assert Path("taken.json").read_text() == "{}"


def test_text_report_lists_every_seed_of_every_pattern():
    from nneq.sweeps.report import to_text

    sweep = run_sweep(Config(dataset="xor", shape=(2,), seed="list"), seeds=6, epochs=10)
    report = to_text(sweep)
    for p in sweep.patterns:
        assert "seeds: " + ", ".join(p.seeds) in report
    assert sorted(s for p in sweep.patterns for s in p.seeds) == sorted(m.seed for m in sweep.members)


def test_relative_threshold_drops_weak_links():
    config = Config(dataset="xor", shape=(3,), seed="rel")
    plain = run_sweep(config, seeds=3, epochs=20)
    strict = run_sweep(config, seeds=3, epochs=20, threshold=0.9, relative=True)
    count = sum(int(np.count_nonzero(s)) for p in plain.patterns for s in p.signs for _ in p.seeds)
    kept = sum(int(np.count_nonzero(s)) for p in strict.patterns for s in p.signs for _ in p.seeds)
    assert kept < count


def test_a_diverged_member_reports_the_epoch_a_single_run_reports():
    config = Config(dataset="reg-plane", activation="relu", learning_rate=10, shape=(8, 8), seed="d")
    sweep = run_sweep(config, seeds=2, epochs=20)
    for member in sweep.diverged:
        alone = nneq.train(Config(**{**config.to_dict(), "seed": member.seed}), epochs=20)
        assert member.diverged_at == alone.diverged_at


def test_a_sweep_that_cannot_fit_in_memory_is_refused_before_it_starts():
    from nneq.sweeps.sweep import check_memory, member_bytes

    wide = Config(dataset="xor", shape=(100,) * 20, seed="m")
    each = member_bytes(wide)
    assert 16 * 2**20 < each < 20 * 2**20  # measured: about 17.7 MB a member
    check_memory(wide, 10, available=100 * each)  # fits: nothing raised
    with pytest.raises(nneq.ConfigError, match=r"at most 80 networks of this size"):
        check_memory(wide, 1000, available=100 * each)


def _random_networks(config, count, seed, values=(-2.0, -0.5, -0.01, 0.0, 0.01, 0.5, 2.0)):
    """Networks of `config`'s shape with weights among `values` (exact zeros among them) and
    some dead links."""
    from nneq.playground.network import Layer

    rng = np.random.default_rng(seed)
    networks = []
    for _ in range(count):
        layers = []
        for n_in, n_out in zip(config.layer_sizes, config.layer_sizes[1:]):
            weights = rng.choice(values, size=(n_in, n_out))
            layers.append(Layer(weights, rng.normal(size=n_out), rng.random((n_in, n_out)) < 0.15))
        networks.append(tuple(layers))
    return networks


@pytest.mark.parametrize(("threshold", "relative"), [(0.0, False), (0.4, False), (0.3, True), (1, True)])
def test_sign_tables_read_links_as_the_equations_do(threshold, relative):
    from nneq.comparison.symmetry import equation_signs
    from nneq.explain.equations import network_equations
    from nneq.sweeps.sweep import sign_tables

    config = Config(dataset="xor", shape=(3, 2), seed="t")
    networks = _random_networks(config, 40, 1)
    for got, layers in zip(sign_tables(networks, threshold=threshold, relative=relative), networks,
                           strict=True):
        want = equation_signs(network_equations(config, layers, threshold=threshold,
                                                relative=relative))
        assert [g.tobytes() for g in got] == [w.tobytes() for w in want]
        assert [g.shape for g in got] == [w.shape for w in want]


@pytest.mark.parametrize("config", [Config(dataset="xor", shape=(4, 2), seed="g"),
                                    Config(dataset="xor", shape=(2, 2), activation="relu", seed="g"),
                                    Config(dataset="xor", shape=(2,), activation="sigmoid", seed="g")])
def test_grouping_finds_each_class_once_as_every_member_alone_would(config):
    """The shortcut (a cheap member of each class, canonicalised once) against every member's
    own canonical form, on many small symmetric networks."""
    from nneq.comparison.symmetry import flippable
    from nneq.sweeps.sweep import _own_form, sign_tables

    networks = dict(enumerate(_random_networks(config, 400, 2, values=(-1.0, 0.0, 1.0, 1.0, -1.0))))
    groups = group_patterns(config, networks)
    forms = [_own_form(t, flippable(config)) for t in sign_tables(list(networks.values()))]
    members: dict[str, list[int]] = {}
    for k, form in enumerate(forms):
        members.setdefault(form.key, []).append(k)
    assert len(groups) < len(networks)  # classes shared by several members
    assert sorted(ks for _, ks in groups) == sorted(members.values())
    for form, ks in groups:
        alone = forms[ks[0]]
        assert form.key == alone.key and form.transforms == alone.transforms
        assert [s.tobytes() for s in form.signs] == [s.tobytes() for s in alone.signs]


def test_member_accuracy_is_what_its_model_counts(monkeypatch):
    """Members' accuracies come from one pass over the whole stack, a few members at a time:
    each is its own model's share of points on the right side, training and test."""
    config = Config(dataset="spiral", shape=(4, 3), seed="acc", features=("x1", "x2", "sin(x1)"))
    together = run_sweep(config, seeds=5, epochs=30, keep_models=True, engine="numpy")
    assert together.models is not None
    for member, model in zip(together.members, together.models):
        train_points, test_points = model.data()
        assert member.accuracy_train == model.accuracy(train_points)
        assert member.accuracy_test == model.accuracy(test_points)
    assert len({m.accuracy_test for m in together.members}) > 1  # the members differ
    # Groups of 2, 2 and 1 members: each member's share is the same.
    each = 8 * 500 * sum(config.layer_sizes[1:])
    monkeypatch.setattr("nneq.sweeps.sweep.ACCURACY_PASS_BYTES", 2 * each)
    grouped = run_sweep(config, seeds=5, epochs=30, engine="numpy")
    assert [(m.accuracy_train, m.accuracy_test) for m in grouped.members] == [
        (m.accuracy_train, m.accuracy_test) for m in together.members]
