"""The sign logic: later units as Boolean functions of first-layer regions, and how often they are right."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import nneq
from nneq.errors import NneqError
from nneq.explain.logic import MAX_ATOMS, grid, logic
from nneq.explain.render import render
from nneq.playground.features import feature_matrix

from .equations_models import random_model, xnor_model

H11, H12 = sympy.symbols("h11 h12")
XNOR = (H11 & H12) | (~H11 & ~H12)


def truth_table(expression: str, atoms: list[sympy.Symbol]) -> list[bool]:
    """The expression's value for every assignment of the atoms."""
    parsed = sympy.sympify(expression)
    rows = range(1 << len(atoms))
    return [bool(parsed.subs({a: bool((r >> k) & 1) for k, a in enumerate(atoms)})) for r in rows]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_hand_built_xnor_of_two_half_planes(activation):
    model, c1, c2 = xnor_model(activation)
    xy = grid()
    # The network really computes XNOR of the half-planes on every grid point.
    a1, a2 = xy[:, 0] - xy[:, 1] > c1, xy[:, 0] + xy[:, 1] > c2
    assert np.array_equal(model.predict(xy) > 0, a1 == a2)

    view = logic(model)
    assert [a.name for a in view.atoms] == ["h11", "h12"]
    assert view.atoms[0].region == "500.00*x1 - 500.00*x2 - 6.15 > 0"  # 2 decimals each
    rules = {r.name: r for r in view.rules}
    assert truth_table(rules["o1"].expression, [H11, H12]) == truth_table(str(XNOR), [H11, H12])
    assert rules["o1"].expression == "(h11 & h12) | (~h11 & ~h12)"
    assert truth_table(rules["h21"].expression, [H11, H12]) == [False, False, False, True]  # AND
    assert truth_table(rules["h22"].expression, [H11, H12]) == [True, False, False, False]  # NOR
    assert [r.agreement for r in view.rules] == [1.0, 1.0, 1.0]
    assert view.points == 241 * 241


def test_trained_xor_model_is_read_with_high_agreement():
    config = nneq.Config(dataset="xor", shape=(4, 2), seed="0.12345")
    view = logic(nneq.train(config, epochs=200))
    output = view.rules[-1]
    assert output.name == "o1"
    assert output.agreement >= 0.95
    assert len(view.rules) == 3 and all(0.5 <= r.agreement <= 1.0 for r in view.rules)


def test_agreement_is_the_share_of_grid_points_where_the_expression_is_right():
    model = random_model(activation="tanh", features=("x1", "x2", "x1x2"), shape=(3, 2), seed=11)
    view = logic(model, points=101)
    xy = grid(points=101)
    # An independent forward pass: the weighted sums z, layer by layer, in plain numpy.
    a = feature_matrix(model.config.features, xy[:, 0], xy[:, 1])
    sums = []
    for layer in model.layers:
        z = a @ layer.weights + layer.biases
        sums.append(z)
        a = np.tanh(z)
    atoms = sums[0] > 0
    symbols = [sympy.Symbol(f"h1{j + 1}") for j in range(3)]
    pattern = atoms @ (1 << np.arange(3))
    names = ["h21", "h22", "o1"]
    signs = np.column_stack([sums[1], sums[2]]) > 0
    for rule, name, sign in zip(view.rules, names, signs.T, strict=True):
        assert rule.name == name
        table = np.array(truth_table(rule.expression, symbols))
        predicted = table[pattern]
        assert rule.agreement == pytest.approx(np.mean(predicted == sign), abs=1e-12)
        # On every pattern that occurs, the expression gives the sign most of its points have.
        for p in np.unique(pattern):
            ups, count = sign[pattern == p].sum(), (pattern == p).sum()
            if 2 * ups != count:
                assert table[p] == (2 * ups > count)


def test_a_network_without_hidden_layers_has_atoms_only():
    model = random_model(shape=(), seed=2)
    view = logic(model)
    assert [a.name for a in view.atoms] == ["o1"] and view.rules == ()
    assert render(model, fmt="logic").splitlines()[1].startswith("o1: ")


def test_too_many_atoms_are_refused():
    with pytest.raises(NneqError, match="at most 8"):
        logic(random_model(shape=(MAX_ATOMS + 1,)))


def test_the_logic_view_as_text():
    model, _, _ = xnor_model("tanh")
    assert render(model, fmt="logic").splitlines()[1:] == [
        "h11: 500.00*x1 - 500.00*x2 - 6.15 > 0",
        "h12: 500.00*x1 + 500.00*x2 + 18.55 > 0",
        "# later units: the sign each takes, as a function of the atoms (a named gate where it is "
        "one), and the share of the training points, the test points and the grid where that is "
        "right",
        "h21 = h11 & h12 = AND(h11, h12)                    train 1.00  test 1.00  grid 1.0000",
        "h22 = ~h11 & ~h12 = NOR(h11, h12)                  train 1.00  test 1.00  grid 1.0000",
        "o1 = (h11 & h12) | (~h11 & ~h12) = XNOR(h11, h12)  train 1.00  test 1.00  grid 1.0000",
    ]


def test_a_wide_first_layer_is_read_without_dont_cares_and_still_exactly():
    # Eight atoms: the rules are minimised without don't-cares (which would take seconds per
    # unit), so on every grid pattern each rule still gives the sign most of its points have.
    model = random_model(activation="tanh", shape=(8, 2), seed=5)
    view = logic(model, points=61)
    xy = grid(points=61)
    outputs = model.unit_outputs(xy)
    pattern = (outputs[0] > 0) @ (1 << np.arange(8))
    symbols = [sympy.Symbol(f"h1{j + 1}") for j in range(8)]
    signs = np.column_stack([outputs[1], outputs[2]]) > 0
    for rule, sign in zip(view.rules, signs.T, strict=True):
        constant = {"True": True, "False": False}.get(rule.expression)
        table = (np.full(1 << 8, constant) if constant is not None
                 else np.array(truth_table(rule.expression, symbols)))
        for p in np.unique(pattern):
            ups, count = sign[pattern == p].sum(), (pattern == p).sum()
            if 2 * ups != count:
                assert table[p] == (2 * ups > count)
