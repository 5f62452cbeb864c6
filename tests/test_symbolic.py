"""SymPy and LaTeX: expressions that compute exactly what the network computes, read back by SymPy."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
import sympy

import nneq
from nneq.explain.logic import grid
from nneq.explain.render import Options, render
from nneq.explain.symbolic import composed, latex_name, to_latex, to_str, unit_expressions
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.config import Config

from .equations_models import ALL_FEATURES, model_from, random_model

X1, X2 = sympy.symbols("x1 x2")
POINTS = grid(points=61)


def evaluate(text: str, symbols: list[sympy.Symbol], *columns: np.ndarray) -> np.ndarray:
    """Read `text` back with sympy.sympify and evaluate it with numpy on the given columns."""
    value = sympy.lambdify(symbols, sympy.sympify(text), "numpy")(*columns)
    return np.broadcast_to(value, columns[0].shape)


def composed_line(model: nneq.Model, **options: object) -> str:
    lines = render(model, fmt="sympy", options=Options(compose=True, **options)).splitlines()
    name, _, expression = lines[-1].partition(" = ")
    assert name == "o1"
    return expression


@pytest.mark.parametrize("dataset", ["xor", "reg-plane"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(3, 2), (2,), ()])
def test_composed_expression_equals_predict(activation, dataset, shape):
    model = random_model(dataset=dataset, activation=activation, features=ALL_FEATURES,
                         shape=shape, seed=len(shape))
    got = evaluate(composed_line(model), [X1, X2], POINTS[:, 0], POINTS[:, 1])
    np.testing.assert_allclose(got, model.predict(POINTS), rtol=0, atol=1e-9)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_composed_expression_of_a_trained_l1_model_equals_predict(activation):
    config = Config(dataset="reg-gauss" if activation == "linear" else "circle", activation=activation,
                    features=("x1", "x2", "x1^2", "sin(x2)"), shape=(3, 2), regularization="L1",
                    reg_rate=0.01, learning_rate=0.03, seed="0.42")
    model = nneq.train(config, epochs=30)
    got = evaluate(composed_line(model), [X1, X2], POINTS[:, 0], POINTS[:, 1])
    np.testing.assert_allclose(got, model.predict(POINTS), rtol=0, atol=1e-9)


def test_the_composed_line_is_announced_and_reads_back():
    model = random_model(activation="tanh", shape=(2,), seed=4)
    lines = render(model, fmt="sympy", options=Options(compose=True)).splitlines()
    assert [line.split(" = ")[0] for line in lines] == [
        "h11", "h12", "o1", "# the whole network as one expression of x1, x2", "o1"]
    assert sympy.sympify(lines[-1].partition(" = ")[2]).free_symbols == {X1, X2}
    assert "#" not in render(model, fmt="sympy")  # no note without --compose
    latex = render(model, fmt="latex", options=Options(compose=True)).splitlines()
    assert latex[-4] == r"&\text{the whole network as one expression of } x_{1}, x_{2} \\"
    assert latex[-3].startswith("o_{1} &= ")
    assert r"\text" not in render(model, fmt="latex")


def test_each_unit_line_computes_that_units_output_from_the_layer_below():
    model = random_model(activation="sigmoid", features=("x1", "x2", "x1x2", "sin(x1)"), shape=(4, 3))
    outputs = model.unit_outputs(POINTS)
    lines = render(model, fmt="sympy").splitlines()
    assert [line.split(" = ")[0] for line in lines] == \
        ["h11", "h12", "h13", "h14", "h21", "h22", "h23", "o1"]
    below = {"x1": POINTS[:, 0], "x2": POINTS[:, 1]}
    n = 0
    for layer in outputs:
        now = {}
        for j in range(layer.shape[1]):
            name, _, expression = lines[n].partition(" = ")
            n += 1
            symbols = [sympy.Symbol(s) for s in below]
            got = evaluate(expression, symbols, *below.values())
            np.testing.assert_allclose(got, layer[:, j], rtol=0, atol=1e-12)
            now[name] = layer[:, j]
        below = now


def test_lines_keep_the_tables_activation_forms():
    model = model_from(Config(dataset="xor", shape=(1,), activation="relu", seed="1"),
                       weights=[[[0.5], [-1.25]], [[2.0]]], biases=[[0.1], [-0.5]])
    assert render(model, fmt="sympy") == ("h11 = Max(0, 0.5*x1 - 1.25*x2 + 0.1)\n"
                                          "o1 = tanh(2.0*h11 - 0.5)")
    sigmoid = model_from(Config(dataset="reg-plane", shape=(1,), activation="sigmoid", seed="1"),
                         weights=[[[0.5], [-1.25]], [[2.0]]], biases=[[0.1], [-0.5]])
    assert render(sigmoid, fmt="sympy") == ("h11 = 1/(1 + exp(-(0.5*x1 - 1.25*x2 + 0.1)))\n"
                                            "o1 = 2.0*h11 - 0.5")


def test_full_precision_reads_back_to_the_same_doubles():
    model = random_model(activation="tanh", shape=(2,), seed=7)
    line = render(model, fmt="sympy").splitlines()[0].partition(" = ")[2]
    numbers = sorted(abs(float(f)) for f in sympy.sympify(line).atoms(sympy.Float))
    w = model.layers[0].weights[:, 0]
    assert numbers == sorted(abs(float(v)) for v in (w[0], w[1], model.layers[0].biases[0]))


def test_precision_rounds_every_number_and_composes_the_rounded_network():
    model = random_model(activation="tanh", features=("x1", "x2", "x2^2"), shape=(3,), seed=3)
    text = render(model, fmt="sympy", options=Options(precision=2, compose=True))
    assert all(len(n.split(".")[1]) <= 2 for n in re.findall(r"\d+\.\d+", text))
    round2 = np.vectorize(lambda v: round(v, 2))
    rounded = model_from(model.config, [round2(la.weights) for la in model.layers],
                         [round2(la.biases) for la in model.layers])
    got = evaluate(text.splitlines()[-1].partition(" = ")[2], [X1, X2], POINTS[:, 0], POINTS[:, 1])
    np.testing.assert_allclose(got, rounded.predict(POINTS), rtol=0, atol=1e-9)


def test_threshold_leaves_links_out_of_the_expressions():
    model = model_from(Config(dataset="xor", shape=(), seed="1"),
                       weights=[[[0.01], [-2.0]]], biases=[[0.5]])
    assert render(model, fmt="sympy", options=Options(threshold=0.1)) == "o1 = tanh(-2.0*x2 + 0.5)"
    # Every link left out: the unit is the constant f(b).
    constant = render(model, fmt="sympy", options=Options(threshold=5))
    assert constant.startswith("o1 = ")
    assert float(constant[5:]) == pytest.approx(np.tanh(0.5), abs=1e-15)


def test_expression_objects_are_the_ones_printed():
    model = random_model(shape=(2,), seed=5)
    units = unit_expressions(model)
    assert [u.name for u in units] == ["h11", "h12", "o1"]
    assert units[-1].expression.free_symbols == {sympy.Symbol("h11"), sympy.Symbol("h12")}
    assert composed(model)[0].expression.free_symbols == {X1, X2}
    assert to_str(units[0].expression) == render(model, fmt="sympy").splitlines()[0].split(" = ")[1]


def test_latex_goes_through_sympys_printer():
    model = model_from(Config(dataset="xor", shape=(1,), seed="1"),
                       weights=[[[0.5], [-1.25]], [[2.0]]], biases=[[0.1], [-0.5]])
    assert render(model, fmt="latex") == (
        "$$\n"
        "\\begin{aligned}\n"
        "h_{11} &= \\tanh{\\left(0.5 x_{1} - 1.25 x_{2} + 0.1 \\right)} \\\\\n"
        "o_{1} &= \\tanh{\\left(2.0 h_{11} - 0.5 \\right)}\n"
        "\\end{aligned}\n"
        "$$"
    )
    composed_latex = render(model, fmt="latex", options=Options(compose=True)).splitlines()[-3]
    assert composed_latex == (
        "o_{1} &= \\tanh{\\left(2.0 \\tanh{\\left(0.5 x_{1} - 1.25 x_{2} + 0.1 \\right)} - 0.5 \\right)}")


def test_latex_names_and_small_numbers():
    assert [latex_name(n) for n in ("h11", "h1_10", "o1")] == ["h_{11}", "h_{1,10}", "o_{1}"]
    assert to_latex(sympy.Float(1e-05) * X1) == r"1 \cdot 10^{-5} x_{1}"
    assert to_latex(sympy.Float(-2.5e-07) * X1) == r"- 2.5 \cdot 10^{-7} x_{1}"


def test_importing_nneq_does_not_load_sympy():
    code = "import sys, nneq, nneq.cli, nneq.explain.render; print('sympy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
