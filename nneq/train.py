"""Training exactly as the Playground does (SEMANTICS.md sections 7 to 11), vectorised.

One engine trains a stack of S networks of the same shape in lockstep (S = 1 for a single
run, many seeds for a sweep): every array has a leading member axis. Each layer's weights
and bias live in one block P of shape (S, n_in + 1, n_out) whose row 0 is the bias, so that
with a column of ones in front of every layer's inputs, z = [1, a] @ P and the gradient of
P is [1, a]ᵀ @ δ, biases included. The blocks of all layers are views into one flat array,
so that an update is a single numpy expression over every parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nneq.activations import ACTIVATIONS, OUTPUT_ACTIVATION
from nneq.config import Config
from nneq.errors import ConfigError
from nneq.features import feature_matrix
from nneq.model import Model
from nneq.network import Layer, Start, forward, start


@dataclass(frozen=True)
class Snapshot:
    """The stack as it was after the last epoch each member finished with finite numbers."""

    params: np.ndarray  # (S, total) flat parameters
    dead: np.ndarray  # (S, total) dead links
    epochs: np.ndarray  # (S,) epochs completed
    diverged_at: np.ndarray  # (S,) epoch whose numbers stopped being finite, or 0


def _blocks(flat: np.ndarray, shapes: list[tuple[int, int]]) -> list[np.ndarray]:
    """Views of `flat` (…, total) as one (…, rows, cols) block per layer."""
    views, offset = [], 0
    for rows, cols in shapes:
        views.append(flat[..., offset : offset + rows * cols].reshape(*flat.shape[:-1], rows, cols))
        offset += rows * cols
    return views


def _with_ones(x: np.ndarray) -> np.ndarray:
    return np.concatenate([np.ones((*x.shape[:-1], 1)), x], axis=-1)


class _Pass:
    """Buffers for one forward and backward pass over batches of `m` examples."""

    def __init__(self, sizes: tuple[int, ...], stack: int, m: int) -> None:
        hidden = sizes[1:-1]
        self.h_flat = np.ones((stack, sum(m * (n + 1) for n in hidden)))
        self.slope_flat = np.empty_like(self.h_flat)
        self.h = _blocks(self.h_flat, [(m, n + 1) for n in hidden])  # [1, a] of hidden layers
        self.slope = [s[..., 1:] for s in _blocks(self.slope_flat, [(m, n + 1) for n in hidden])]
        self.z = [np.empty((stack, m, n)) for n in sizes[1:]]
        self.out = np.empty((stack, m, 1))
        self.delta = [np.empty((stack, m, n)) for n in sizes[1:]]


class Lockstep:
    """S networks of one configuration, trained together; each member has its own data."""

    def __init__(self, configs: Sequence[Config], starts: Sequence[Start]) -> None:
        self.configs = list(configs)
        config = self.config = configs[0]  # the members differ by seed only
        self.sizes = config.layer_sizes
        stack = len(starts)
        self.shapes = [(n_in + 1, n_out) for n_in, n_out in zip(self.sizes, self.sizes[1:])]
        total = sum(r * c for r, c in self.shapes)
        self.params = np.empty((stack, total))
        self.dead = np.zeros((stack, total), dtype=bool)
        self.P = _blocks(self.params, self.shapes)
        dead_blocks = _blocks(self.dead, self.shapes)
        for k, layer in enumerate(zip(*(s.layers for s in starts), strict=True)):
            self.P[k][:, 0, :] = [lay.biases for lay in layer]
            self.P[k][:, 1:, :] = [lay.weights for lay in layer]
            dead_blocks[k][:, 1:, :] = [lay.dead for lay in layer]
        self.W = [p[:, 1:, :] for p in self.P]
        self.WT = [w.swapaxes(1, 2) for w in self.W]
        # λ·lr on every weight, 0 on biases, which are never regularized.
        self.reg_step = np.zeros(total)
        for block in _blocks(self.reg_step, self.shapes):
            block[1:, :] = config.learning_rate * config.reg_rate
        self.hidden = ACTIVATIONS[config.activation]
        self.output = ACTIVATIONS[OUTPUT_ACTIVATION[config.problem]]
        self._data(starts)
        self._grad = np.empty_like(self.params)
        self._grad_blocks = _blocks(self._grad, self.shapes)
        self.history = [np.array([[a, b] for a, b in self._losses()])]
        self.snapshot = Snapshot(
            self.params.copy(), self.dead.copy(), np.zeros(stack, dtype=np.int64),
            np.zeros(stack, dtype=np.int64),
        )

    def _data(self, starts: Sequence[Start]) -> None:
        features = self.config.features
        self.x_train = np.stack([feature_matrix(features, s.train.x, s.train.y) for s in starts])
        self.x_test = np.stack([feature_matrix(features, s.test.x, s.test.y) for s in starts])
        self.y_train = np.stack([s.train.label for s in starts])[..., None]
        self.y_test = np.stack([s.test.label for s in starts])[..., None]
        x = _with_ones(self.x_train)
        n, size = x.shape[1], self.config.batch_size
        full = n // size
        tail = n - full * size
        passes: dict[int, _Pass] = {}

        def batch(xs: np.ndarray, ys: np.ndarray) -> tuple:
            m = xs.shape[1]
            if m not in passes:
                passes[m] = _Pass(self.sizes, len(starts), m)
            return xs, ys, passes[m], self.config.learning_rate / m

        rows = [slice(k * size, (k + 1) * size) for k in range(full)]
        self.first_epoch = [batch(x[:, r], self.y_train[:, r]) for r in rows]
        self.next_epochs = list(self.first_epoch)
        if tail and full:
            # The tail of each epoch is not applied; its sums carry into the first update of
            # the next epoch, made with the same weights: one batch of tail + size examples.
            carried = np.r_[full * size : n, 0:size]
            self.next_epochs[0] = batch(x[:, carried], self.y_train[:, carried])

    def _step(self, x: np.ndarray, y: np.ndarray, buf: _Pass, scale: float) -> None:
        """One update: forward and backward over a batch, then the mean-gradient step."""
        matmul = np.matmul
        last = len(self.P) - 1
        a = x
        for k in range(last):
            matmul(a, self.P[k], out=buf.z[k])
            self.hidden.forward(buf.z[k], out=buf.h[k][..., 1:])
            a = buf.h[k]
        out = buf.out
        matmul(a, self.P[last], out=buf.z[last])
        self.output.forward(buf.z[last], out=out)
        # δ at the output: (output − label) · slope; then back through W, layer by layer.
        delta = buf.delta[last]
        np.subtract(out, y, out=delta)
        np.multiply(delta, self.output.slope(out, buf.z[last]), out=delta)
        self.hidden.slope(buf.h_flat, buf.slope_flat)
        for k in range(last, 0, -1):
            matmul(buf.delta[k], self.WT[k], out=buf.delta[k - 1])
            np.multiply(buf.delta[k - 1], buf.slope[k - 1], out=buf.delta[k - 1])
        grads = self._grad_blocks
        matmul(x.swapaxes(1, 2), buf.delta[0], out=grads[0])
        for k in range(1, last + 1):
            matmul(buf.h[k - 1].swapaxes(1, 2), buf.delta[k], out=grads[k])
        self._update(scale)

    def _update(self, scale: float) -> None:
        """w′ = w − (lr/count)·E, then w″ = w′ − (lr·λ)·ρ(w) with ρ taken before the step."""
        rule = self.config.regularization
        if rule == "none" or self.config.reg_rate == 0:
            self.params -= self._grad * scale
            return
        if rule == "L2":
            self.params -= self._grad * scale + self.reg_step * self.params
            return
        # L1: a link whose weight the regularization step carries across zero dies for good.
        shrink = self.reg_step * np.sign(self.params)
        self.params -= self._grad * scale
        after = self.params - shrink
        self.dead |= self.params * after < 0
        np.copyto(self.params, np.where(self.dead, 0.0, after))

    def _losses(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Mean half squared error on the training and the test data, per member."""
        weights = [w for w in self.W]
        biases = [p[:, 0, :] for p in self.P]
        result = []
        for x, y in ((self.x_train, self.y_train), (self.x_test, self.y_test)):
            out = forward(weights, biases, x, hidden=self.config.activation,
                          problem=self.config.problem)[-1]
            e = out - y
            result.append((0.5 * (e * e)).mean(axis=(1, 2)))
        return list(zip(*result, strict=True))

    def epoch(self) -> np.ndarray:
        """Train one epoch; returns (S, 2) train and test losses after it."""
        batches = self.next_epochs if len(self.history) > 1 else self.first_epoch
        with np.errstate(all="ignore"):
            for x, y, buf, scale in batches:
                self._step(x, y, buf, scale)
            losses = np.array(self._losses())
        self._record(losses)
        return losses

    def _record(self, losses: np.ndarray) -> None:
        epoch = len(self.history)
        self.history.append(losses)
        previous = self.snapshot
        running = previous.diverged_at == 0
        finite = np.isfinite(losses).all(axis=1) & np.isfinite(self.params).all(axis=1)
        ok = running & finite
        self.snapshot = Snapshot(
            np.where(ok[:, None], self.params, previous.params),
            np.where(ok[:, None], self.dead, previous.dead),
            np.where(ok, epoch, previous.epochs),
            np.where(running & ~finite, epoch, previous.diverged_at),
        )

    @property
    def running(self) -> bool:
        """Whether any member is still finite."""
        return bool((self.snapshot.diverged_at == 0).any())

    def run(self, epochs: int, on_epoch: Callable[[int, np.ndarray], object] | None = None) -> None:
        """Train up to `epochs` more epochs, stopping early once every member has diverged."""
        for _ in range(epochs):
            if not self.running:
                return
            losses = self.epoch()
            if on_epoch is not None:
                on_epoch(len(self.history) - 1, losses)

    def layers(self, member: int) -> tuple[Layer, ...]:
        """A member's network as of its snapshot, in the Playground's layout."""
        params = _blocks(self.snapshot.params[member], self.shapes)
        dead = _blocks(self.snapshot.dead[member], self.shapes)
        return tuple(Layer(p[1:].copy(), p[0].copy(), d[1:].copy()) for p, d in zip(params, dead))

    def losses(self, member: int) -> tuple[np.ndarray, np.ndarray]:
        """A member's training and test loss by epoch, up to its snapshot."""
        history = np.array(self.history[: int(self.snapshot.epochs[member]) + 1])[:, member, :]
        return history[:, 0].copy(), history[:, 1].copy()

    def model(self, member: int = 0) -> Model:
        """A member's trained model, as of its last finite epoch."""
        config = self.configs[member]
        loss_train, loss_test = self.losses(member)
        diverged_at = int(self.snapshot.diverged_at[member]) or None
        return Model(config, self.layers(member), loss_train, loss_test, diverged_at)


def check_epochs(epochs: object) -> int:
    """Epochs must be a whole number >= 0."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ConfigError("epochs", epochs, "a whole number >= 0")
    return epochs


def training(config: Config) -> Lockstep:
    """A single network ready to train, set up exactly as the Playground sets it up."""
    config = config.with_seed()
    return Lockstep([config], [start(config)])


def train(config: Config, *, epochs: int = 500,
          on_epoch: Callable[[int, np.ndarray], object] | None = None) -> Model:
    """Train `config` for `epochs` epochs as the Playground would, and return the model."""
    check_epochs(epochs)
    run = training(config)
    run.run(epochs, on_epoch)
    return run.model()
