"""The compiled engine against an oracle: nn.ts written out plainly, node by node and link by link.

The oracle shares nothing with the engine but the data and the starting network: it keeps a
bias, a sum and a count per node, and a weight, a sum, a count and a dead flag per link, and
runs forwardProp, backProp and updateWeights exactly as nn.ts writes them, in Python floats
(IEEE doubles, with the JavaScript engine's tanh and exp from jsmath). Adding in the same
order, the two must agree to the bit: every weight, bias and dead link, and both losses after
every epoch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nneq.playground import jsmath
from nneq.playground.config import Config
from nneq.playground.train import training

from .conftest import ENGINES

pytestmark = pytest.mark.skipif("compiled" not in ENGINES, reason="numba is not installed")


def output(activation: str, x: float) -> float:
    """nn.ts Activations.*.output."""
    if activation == "tanh":
        return jsmath.tanh(x)
    if activation == "relu":
        return x if x > 0 or x != x else 0.0  # Math.max(0, x): NaN stays NaN, −0 gives 0
    if activation == "sigmoid":
        return 1 / (1 + jsmath.exp(-x))
    return x


def der(activation: str, x: float) -> float:
    """nn.ts Activations.*.der, worked out again from the total input x as nn.ts does."""
    if activation == "tanh":
        out = jsmath.tanh(x)
        return 1 - out * out
    if activation == "relu":
        return 0.0 if x <= 0 else 1.0
    if activation == "sigmoid":
        out = 1 / (1 + jsmath.exp(-x))
        return out * (1 - out)
    return 1.0


def regularization_der(regularization: str, w: float) -> float:
    """nn.ts RegularizationFunction.*.der (0 when there is none)."""
    if regularization == "L1":
        return -1.0 if w < 0 else (1.0 if w > 0 else 0.0)
    if regularization == "L2":
        return w
    return 0.0


class Node:
    def __init__(self, bias: float, activation: str) -> None:
        self.bias, self.activation = bias, activation
        self.total_input = self.output = self.output_der = self.input_der = 0.0
        self.acc_input_der, self.num_accumulated_ders = 0.0, 0
        self.input_links: list[Link] = []
        self.outputs: list[Link] = []


class Link:
    def __init__(self, source: Node, dest: Node, weight: float, dead: bool) -> None:
        self.source, self.dest, self.weight, self.is_dead = source, dest, weight, dead
        self.acc_error_der, self.num_accumulated_ders = 0.0, 0


class Oracle:
    """A network of `config` built from `layers` (the Playground's weights[i][j] layout)."""

    def __init__(self, config: Config, layers) -> None:
        self.config = config
        n_inputs = len(layers[0].weights)
        self.network = [[Node(0.0, "linear") for _ in range(n_inputs)]]
        for k, layer in enumerate(layers):
            last = k == len(layers) - 1
            activation = config.activation if not last else (
                "tanh" if config.problem == "classification" else "linear")
            nodes = [Node(float(b), activation) for b in layer.biases]
            for j, node in enumerate(nodes):
                for i, source in enumerate(self.network[-1]):
                    link = Link(source, node, float(layer.weights[i][j]), bool(layer.dead[i][j]))
                    node.input_links.append(link)
                    source.outputs.append(link)
            self.network.append(nodes)

    def forward_prop(self, inputs) -> float:
        for node, value in zip(self.network[0], inputs, strict=True):
            node.output = float(value)
        for layer in self.network[1:]:
            for node in layer:
                node.total_input = node.bias
                for link in node.input_links:
                    node.total_input += link.weight * link.source.output
                node.output = output(node.activation, node.total_input)
        return self.network[-1][0].output

    def back_prop(self, target: float) -> None:
        out = self.network[-1][0]
        out.output_der = out.output - target  # Errors.SQUARE.der
        for layer_idx in range(len(self.network) - 1, 0, -1):
            layer = self.network[layer_idx]
            for node in layer:
                node.input_der = node.output_der * der(node.activation, node.total_input)
                node.acc_input_der += node.input_der
                node.num_accumulated_ders += 1
            for node in layer:
                for link in node.input_links:
                    if link.is_dead:
                        continue
                    link.acc_error_der += node.input_der * link.source.output
                    link.num_accumulated_ders += 1
            if layer_idx == 1:
                continue
            for node in self.network[layer_idx - 1]:
                node.output_der = 0.0
                for link in node.outputs:
                    node.output_der += link.weight * link.dest.input_der

    def update_weights(self) -> None:
        rate, reg_rate = self.config.learning_rate, self.config.reg_rate
        regularization = self.config.regularization
        for layer in self.network[1:]:
            for node in layer:
                if node.num_accumulated_ders > 0:
                    node.bias -= rate * node.acc_input_der / node.num_accumulated_ders
                    node.acc_input_der, node.num_accumulated_ders = 0.0, 0
                for link in node.input_links:
                    if link.is_dead:
                        continue
                    regul_der = regularization_der(regularization, link.weight)
                    if link.num_accumulated_ders > 0:
                        link.weight = link.weight - (
                            rate / link.num_accumulated_ders) * link.acc_error_der
                        new_weight = link.weight - (rate * reg_rate) * regul_der
                        if regularization == "L1" and link.weight * new_weight < 0:
                            link.weight, link.is_dead = 0.0, True
                        else:
                            link.weight = new_weight
                        link.acc_error_der, link.num_accumulated_ders = 0.0, 0

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        total = 0.0
        for inputs, label in zip(x, y, strict=True):
            e = self.forward_prop(inputs) - float(label)
            total += 0.5 * (e * e)
        return total / len(x) if len(x) else math.nan

    def one_step(self, x: np.ndarray, y: np.ndarray) -> None:
        """playground.ts oneStep: every training point in order, an update after each batch."""
        for i, (inputs, label) in enumerate(zip(x, y, strict=True)):
            self.forward_prop(inputs)
            self.back_prop(float(label))
            if (i + 1) % self.config.batch_size == 0:
                self.update_weights()

    def layers(self) -> list[tuple[list[float], list[list[float]], list[list[bool]]]]:
        """(biases, weights[i][j], dead[i][j]) of every layer."""
        out = []
        for below, layer in zip(self.network, self.network[1:], strict=False):
            weights = [[0.0] * len(layer) for _ in below]
            dead = [[False] * len(layer) for _ in below]
            for j, node in enumerate(layer):
                for i, link in enumerate(node.input_links):
                    weights[i][j], dead[i][j] = link.weight, link.is_dead
            out.append(([node.bias for node in layer], weights, dead))
        return out


ALL_FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)", "sin(x2)")
CASES = {
    "no hidden layer, tanh, batch 1": Config(dataset="circle", shape=(), batch_size=1,
                                             train_percent=20, seed="o1"),
    "relu 5-9, L1 kills links, batch 3 with a carried tail": Config(
        dataset="xor", shape=(5, 9), activation="relu", batch_size=3, regularization="L1",
        reg_rate=0.03, learning_rate=0.3, train_percent=20, seed="o2"),
    "sigmoid regression, L2, batch 10": Config(
        dataset="reg-plane", shape=(4,), activation="sigmoid", batch_size=10,
        regularization="L2", reg_rate=0.01, learning_rate=0.1, train_percent=10, seed="o3"),
    "linear 8-4-6, all features, batch 30": Config(
        dataset="spiral", features=ALL_FEATURES, shape=(8, 4, 6), activation="linear",
        batch_size=30, learning_rate=0.001, train_percent=30, seed="o4"),
    "tanh 6-7, zero start, batch 7": Config(dataset="gauss", shape=(6, 7), batch_size=7,
                                            init_zero=True, train_percent=20, seed="o5"),
    "relu 4-8-8, L2, batch 1": Config(
        dataset="circle", features=("x1", "x2", "x1^2", "x2^2"), shape=(4, 8, 8),
        activation="relu", batch_size=1, regularization="L2", reg_rate=0.003,
        learning_rate=0.01, train_percent=10, seed="o6"),
    "tanh 3-2, batch 33: two forward blocks a batch and a carried tail": Config(
        dataset="circle", shape=(3, 2), batch_size=33, train_percent=30, seed="o8"),
    "sigmoid 5, batch 32: one forward block a batch": Config(
        dataset="xor", shape=(5,), activation="sigmoid", batch_size=32, train_percent=40,
        seed="o9"),
    "tanh regression that diverges": Config(
        dataset="reg-gauss", shape=(8, 8), learning_rate=10, batch_size=3, train_percent=10,
        seed="o7"),
}
EPOCHS = 12


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_engine_is_nn_ts_to_the_bit(name):
    config = CASES[name]
    run = training(config, engine="compiled")
    oracle = Oracle(config, run.layers(0))
    data = run.data
    x_train, y_train = data.x_train[0], data.y_train[0]
    x_test, y_test = data.x_test[0], data.y_test[0]
    expected = [(oracle.loss(x_train, y_train), oracle.loss(x_test, y_test))]
    finite = True
    for epoch in range(1, EPOCHS + 1):
        run.epoch()
        oracle.one_step(x_train, y_train)
        losses = (oracle.loss(x_train, y_train), oracle.loss(x_test, y_test))
        layers = oracle.layers()
        finite = all(math.isfinite(v) for v in losses) and all(
            math.isfinite(v) for biases, weights, _ in layers
            for v in [*biases, *(w for row in weights for w in row)])
        if not finite:  # the engine stops here and keeps the last finite epoch
            assert run.model().diverged_at == epoch
            break
        expected.append(losses)
        for (biases, weights, dead), layer in zip(layers, run.layers(0), strict=True):
            assert layer.biases.tolist() == biases
            assert layer.weights.tolist() == weights
            assert layer.dead.tolist() == dead
    model = run.model()
    assert model.loss_train.tolist() == [train for train, _ in expected]
    assert model.loss_test.tolist() == [test for _, test in expected]
    if name.startswith("relu 5-9"):
        assert model.layers[0].dead.any() or model.layers[1].dead.any()
    if name.endswith("diverges"):
        assert not finite
