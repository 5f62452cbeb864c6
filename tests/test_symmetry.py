"""The network's symmetries: canonical patterns, exact assignments, alignment, model transforms."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nneq
from nneq.comparison import canonical as canonical_module
from nneq.comparison import symmetry as S
from nneq.comparison.assignment import best_matchings, hungarian
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.network import Layer

from .equations_models import model_from


@st.composite
def networks(draw, *, max_inputs: int = 3, max_units: int = 5, max_hidden: int = 3):
    """Random sign matrices (with zeros, so that many units tie) and which layers may flip."""
    sizes = [draw(st.integers(1, max_inputs))]
    sizes += [*draw(st.lists(st.integers(1, max_units), min_size=0, max_size=max_hidden)), 1]
    seed = draw(st.integers(0, 2**32 - 1))
    zeros = draw(st.sampled_from([0.0, 0.4, 0.8]))
    rng = np.random.default_rng(seed)
    p = [(1 - zeros) / 2, zeros, (1 - zeros) / 2]
    signs = [rng.choice([-1, 0, 1], p=p, size=(a, b)).astype(np.int8) for a, b in itertools.pairwise(sizes)]
    flip = tuple(draw(st.booleans()) for _ in sizes[1:-1])
    return signs, flip, rng


def random_transforms(signs, flip, rng):
    return [S.Transform(tuple(rng.permutation(m.shape[1]).tolist()),
                        tuple(rng.choice([-1, 1], size=m.shape[1]).tolist()) if f
                        else (1,) * m.shape[1])
            for m, f in zip(signs[:-1], flip)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_canonical_is_the_same_for_every_member_of_the_class(net):
    signs, flip, rng = net
    first = S.canonical(signs, flippable=flip)
    other = S.canonical(S.apply(signs, random_transforms(signs, flip, rng)), flippable=flip)
    assert first.key == other.key
    assert all((a == b).all() for a, b in zip(first.signs, other.signs))
    # The transforms found lead from the network to its canonical pattern, which is its own.
    assert all((a == b).all() for a, b in zip(S.apply(signs, first.transforms), first.signs))
    assert S.canonical(first.signs, flippable=flip).key == first.key


def test_canonical_tells_different_classes_apart():
    a = [np.array([[1, 1], [1, -1]], np.int8), np.array([[1], [1]], np.int8)]
    b = [np.array([[1, 1], [1, 1]], np.int8), np.array([[1], [1]], np.int8)]
    assert S.canonical(a, flippable=(True,)).key != S.canonical(b, flippable=(True,)).key
    # relu units only permute: a flipped unit is another network.
    c = S.apply(a, [S.Transform((0, 1), (1, -1))])
    assert S.canonical(a, flippable=(False,)).key != S.canonical(c, flippable=(False,)).key
    assert S.canonical(a, flippable=(True,)).key == S.canonical(c, flippable=(True,)).key


def test_canonical_key_is_readable():
    signs = [np.array([[-1, 1], [0, 1]], np.int8), np.array([[1], [-1]], np.int8)]
    canon = S.canonical(signs, flippable=(True,))
    # Unit 1 (+,+) sorts before unit 0 flipped to (+,0); the flip turns unit 0's outgoing sign.
    assert canon.key == "++,+0|--"
    assert canon.transforms == (S.Transform((1, 0), (1, -1)),)
    assert S.pattern_key(signs) == "-0,++|+-"


def test_too_many_tied_units_is_an_error_not_a_guess():
    # Ten units with no live incoming link but different outgoing rows: 10!·2^10 arrangements.
    rng = np.random.default_rng(0)
    signs = [np.zeros((1, 10), np.int8), rng.choice([-1, 1], size=(10, 6)).astype(np.int8),
             np.ones((6, 1), np.int8)]
    with pytest.raises(S.SymmetryError, match="too many tied units"):
        S.canonical(signs, flippable=(True, True))
    # align still works: it aligns the network as it is.
    assert S.align(signs, signs, flippable=(True, True)).agree == 10 * 6 + 6


def brute_force(weights):
    """The best matching covering the smaller side, by trying every one."""
    if weights.shape[0] > weights.shape[1]:
        weights = weights.T
    rows, cols = weights.shape
    return max(sum(weights[i, j] for i, j in enumerate(chosen))
               for chosen in itertools.permutations(range(cols), rows))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_assignments_are_exact(rows, cols, seed):
    weights = np.random.default_rng(seed).integers(-4, 5, size=(rows, cols))
    best = brute_force(weights)
    total, matchings = best_matchings(weights, 1000)
    assert total == best
    for matching in matchings:  # every tie listed is optimal and covers min(rows, cols)
        assert sum(weights[i, j] for i, j in enumerate(matching) if j >= 0) == best
        assert sum(j >= 0 for j in matching) == min(rows, cols)
    assert len(set(matchings)) == len(matchings)
    single = hungarian(weights)
    assert sum(weights[i, j] for i, j in enumerate(single) if j >= 0) == best


def test_hungarian_on_a_layer_too_wide_for_the_dp():
    rng = np.random.default_rng(3)
    weights = rng.integers(0, 9, size=(12, 12))
    total, (matching,) = best_matchings(weights, 10)
    assert sorted(matching) == list(range(12))
    # Against a known optimum: a permuted diagonal of large weights.
    perm = rng.permutation(12)
    weights[np.arange(12), perm] = 100
    total, (matching,) = best_matchings(weights, 10)
    assert total == 1200 and list(matching) == perm.tolist()


@settings(max_examples=100, deadline=None)
@given(networks(max_units=4, max_hidden=2), st.integers(0, 2**32 - 1))
def test_layer_one_agreement_is_the_exact_maximum(net, seed):
    signs, flip, _ = net
    if len(signs) < 2:
        return
    rng = np.random.default_rng(seed)
    units = signs[0].shape[1]
    predicted_units = int(rng.integers(1, 5))
    predicted = [rng.choice([-1, 0, 1], size=(signs[0].shape[0], predicted_units)).astype(np.int8),
                 rng.choice([-1, 0, 1], size=(predicted_units, *signs[1].shape[1:])).astype(np.int8),
                 *[np.zeros(m.shape, np.int8) for m in signs[2:]]]
    alignment = S.align(predicted, signs, flippable=flip)
    agree = np.zeros((predicted_units, units), dtype=np.int64)
    for p, m in itertools.product(range(predicted_units), range(units)):
        live = (predicted[0][:, p] != 0) & (signs[0][:, m] != 0)
        same = int((live & (predicted[0][:, p] == signs[0][:, m])).sum())
        agree[p, m] = max(same, int(live.sum()) - same) if flip[0] else same
    best = brute_force(agree)
    assert alignment.layers[0].agree == best


def test_align_finds_a_permuted_flipped_copy():
    rng = np.random.default_rng(5)
    signs = [rng.choice([-1, 1], size=(3, 5)).astype(np.int8),
             rng.choice([-1, 1], size=(5, 3)).astype(np.int8),
             rng.choice([-1, 1], size=(3, 1)).astype(np.int8)]
    moved = S.apply(signs, random_transforms(signs, (True, True), rng))
    alignment = S.align(signs, moved, flippable=(True, True))
    assert alignment.agree == alignment.compared == 15 + 15 + 3


def test_ties_are_broken_for_the_next_layer():
    # Predicted h11 and h12 look alike from the inputs and differ only in what they feed.
    predicted = [np.array([[1, 1]], np.int8), np.array([[1], [-1]], np.int8), np.array([[1]], np.int8)]
    learnt = [np.array([[1, 1]], np.int8), np.array([[-1], [1]], np.int8), np.array([[1]], np.int8)]
    alignment = S.align(predicted, learnt, flippable=(False, False))
    assert alignment.agree == alignment.compared == 2 + 2 + 1
    assert alignment.layers[0].units == (1, 0)


def test_evaluate_counts_a_given_alignment():
    predicted = [np.array([[1, -1]], np.int8), np.array([[1], [1]], np.int8)]
    learnt = [np.array([[-1, 0]], np.int8), np.array([[1], [1]], np.int8)]
    result = S.evaluate(predicted, learnt, [((0, 1), (-1, 1)), ((0,), (1,))])
    assert [(la.agree, la.compared) for la in result.layers] == [(1, 1), (1, 2)]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear", "relu"])
def test_transformed_models_compute_the_same_function(activation):
    config = nneq.Config(dataset="circle", shape=(4, 3), activation=activation, seed="sym",
                         learning_rate=0.01 if activation == "relu" else 0.03)
    model = nneq.train(config, epochs=20)
    rng = np.random.default_rng(1)
    transforms = random_transforms(S.sign_matrices(model), S.flippable(model), rng)
    moved = S.transform_model(model, transforms)
    points = rng.uniform(-6, 6, size=(50, 2))
    np.testing.assert_allclose(moved.predict(points), model.predict(points), atol=1e-12)
    assert [a.tolist() for a in S.sign_matrices(moved)] == [
        a.tolist() for a in S.apply(S.sign_matrices(model), transforms)]
    assert S.flippable(model) == (activation != "relu",) * 2


def test_which_units_flip_comes_from_the_activation_table():
    for name, activation in ACTIVATIONS.items():
        config = nneq.Config(dataset="xor", shape=(3, 2, 1), activation=name, seed="t")
        assert S.flippable(config) == (activation.mirror is not None,) * 3
    assert S.flippable(nneq.Config(dataset="xor", shape=(), seed="t")) == ()


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear"])
def test_a_flip_moves_the_mirror_times_the_outgoing_weights_into_the_next_biases(activation):
    """f(-z) = c - f(z): flipping h11 gives o1 the bias b + c·v, with c the table's mirror."""
    model = model_from(nneq.Config(dataset="reg-plane", shape=(1,), activation=activation, seed="m"),
                       weights=[[[0.5], [-1.25]], [[2.0]]], biases=[[0.1], [-0.5]])
    moved = S.transform_model(model, [S.Transform((0,), (-1,))])
    assert moved.layers[0].weights.tolist() == [[-0.5], [1.25]]
    assert moved.layers[0].biases.tolist() == [-0.1]
    assert moved.layers[1].weights.tolist() == [[-2.0]]
    assert moved.layers[1].biases.tolist() == [-0.5 + ACTIVATIONS[activation].mirror * 2.0]
    points = np.random.default_rng(0).uniform(-6, 6, size=(20, 2))
    np.testing.assert_allclose(moved.predict(points), model.predict(points), atol=1e-12)


def test_the_canonical_form_lives_in_its_own_module():
    signs = [np.array([[1, -1]], np.int8), np.array([[1], [-1]], np.int8)]
    assert S.canonical is canonical_module.canonical and S.Transform is canonical_module.Transform
    assert canonical_module.canonical(signs, flippable=(True,)).key == "+,+|++"


def test_relu_units_cannot_flip():
    model = nneq.train(nneq.Config(dataset="xor", shape=(2,), activation="relu", seed="r"), epochs=1)
    with pytest.raises(ValueError, match="cannot flip"):
        S.transform_model(model, [S.Transform((0, 1), (1, -1))])


def test_sign_matrices_mark_dead_small_and_zero_links_as_zero():
    model = nneq.train(nneq.Config(dataset="xor", shape=(2,), seed="z"), epochs=5)
    layers = list(model.layers)
    weights = layers[0].weights.copy()
    weights[0, 0] = 0.0
    dead = layers[0].dead.copy()
    dead[1, 1] = True
    layers[0] = Layer(weights, layers[0].biases, dead)
    model = dataclasses.replace(model, layers=tuple(layers))
    signs = S.sign_matrices(model)
    assert signs[0][0, 0] == 0 and signs[0][1, 1] == 0
    assert (S.sign_matrices(model, threshold=1e9)[1] == 0).all()
