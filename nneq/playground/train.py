"""Training exactly as the Playground does (docs/playground.md §9 to §14), vectorised.

One engine trains either a single network or a stack of S networks of the same shape in
lockstep (a sweep over seeds); a stack puts a member axis in front of every array and uses
batched matmul, a single network uses plain 2-D arrays and dot.

Layout. Each layer's bias and weights form one block P (n_in + 1, n_out) whose row 0 is the
bias, and the blocks of all layers are views into one flat parameter array, so that an
update is one expression over every parameter. Activations are stored transposed, one row
per unit and one column per example, with a row of ones on top: then zᵀ = Pᵀ [1; a]ᵀ, the
weight and bias gradient is [1; a]ᵀ δ, and every buffer a unit writes is contiguous.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nneq.playground.activations import ACTIVATIONS, OUTPUT_ACTIVATION
from nneq.playground.config import Config, check_epochs
from nneq.playground.features import feature_matrix
from nneq.playground.model import Model
from nneq.playground.network import Layer, Start, start


@dataclass(frozen=True)
class Snapshot:
    """The networks as they were after the last epoch each finished with finite numbers."""

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


def _t(a: np.ndarray) -> np.ndarray:
    return a.swapaxes(-1, -2)


class _Batch:
    """One batch's inputs [1; x]ᵀ and labels, with the buffers of a pass over m examples."""

    def __init__(self, x: np.ndarray, y: np.ndarray, sizes: tuple[int, ...],
                 lead: tuple[int, ...], rate: float) -> None:
        m = x.shape[-2]
        self.xt = np.ascontiguousarray(_t(np.concatenate([np.ones((*lead, m, 1)), x], axis=-1)))
        self.yt = np.ascontiguousarray(_t(y))
        self.scale = np.array(rate / m)  # lr / count, as a 0-d array for speed
        # Every unit's output in one flat buffer, so that one call gives every slope: [1; a]ᵀ
        # for each hidden layer, then the output's row.
        shapes = [(n + 1, m) for n in sizes[1:-1]] + [(1, m)]
        self.a_flat = np.ones((*lead, sum(r * c for r, c in shapes)))
        self.slope_flat = np.empty_like(self.a_flat)
        hidden = self.a_flat.shape[-1] - m
        self.h_flat, self.h_slope_flat = self.a_flat[..., :hidden], self.slope_flat[..., :hidden]
        *h, out = _blocks(self.a_flat, shapes)
        *slopes, self.out_slope = _blocks(self.slope_flat, shapes)
        self.inputs = [self.xt, *h]  # what each layer of links reads
        self.outputs = [b[..., 1:, :] for b in h] + [out]
        self.slopes = [b[..., 1:, :] for b in slopes]
        self.deltas = [np.empty((*lead, n, m)) for n in sizes[1:]]
        self.tmp = np.empty((*lead, 1, m))
        # dot takes δᵀ as a transposed view at full speed; batched matmul is several times
        # faster on a contiguous copy, so a stack keeps one.
        self.deltas_t = [np.empty((*lead, m, n)) if lead else _t(d)
                         for n, d in zip(sizes[1:], self.deltas)]
        self.transposes = [(_t(d), d_t) for d, d_t in zip(self.deltas, self.deltas_t)] if lead else []

    def wire(self, pt: list[np.ndarray], w: list[np.ndarray], grads: list[np.ndarray]) -> _Batch:
        """Name what each step reads and writes: (Pᵀ, input, output), (W, δ, δ below, slope),
        ([1; a]ᵀ, δᵀ, gradient), layer by layer."""
        links = list(zip(pt, self.inputs, self.outputs))
        self.forward, self.forward_out = links[:-1], links[-1]
        self.backward = list(zip(w[1:], self.deltas[1:], self.deltas[:-1], self.slopes))[::-1]
        self.gradients = list(zip(self.inputs, self.deltas_t, grads))
        return self


class Lockstep:
    """One network, or S networks of one configuration trained together, each on its own data."""

    def __init__(self, configs: Sequence[Config], starts: Sequence[Start], *,
                 stacked: bool = False, track_losses: bool = True) -> None:
        self.configs = list(configs)
        config = self.config = configs[0]  # members differ by seed only
        stacked = stacked or len(starts) > 1
        lead = (len(starts),) if stacked else ()
        self._mm = np.matmul if stacked else np.dot
        self.sizes = config.layer_sizes
        self.shapes = [(n_in + 1, n_out) for n_in, n_out in zip(self.sizes, self.sizes[1:])]
        total = sum(r * c for r, c in self.shapes)
        self.params = np.empty((*lead, total))
        self.dead = np.zeros((*lead, total), dtype=bool)
        self.P = _blocks(self.params, self.shapes)
        self.PT = [_t(p) for p in self.P]
        self.W = [p[..., 1:, :] for p in self.P]
        for k, (p, d) in enumerate(zip(self.P, _blocks(self.dead, self.shapes))):
            p[..., 0, :] = np.reshape([s.layers[k].biases for s in starts], p[..., 0, :].shape)
            p[..., 1:, :] = np.reshape([s.layers[k].weights for s in starts], p[..., 1:, :].shape)
            d[..., 1:, :] = np.reshape([s.layers[k].dead for s in starts], d[..., 1:, :].shape)
        # lr·λ on every weight, 0 on biases, which are never regularized.
        self.reg_step = np.zeros(total)
        for block in _blocks(self.reg_step, self.shapes):
            block[1:, :] = config.learning_rate * config.reg_rate
        rule = config.regularization if config.reg_rate > 0 else "none"
        self._update = {"none": self._plain_update, "L1": self._l1_update,
                        "L2": self._l2_update}[rule]
        hidden = ACTIVATIONS[config.activation]
        output = ACTIVATIONS[OUTPUT_ACTIVATION[config.problem]]
        self._act, self._slope = hidden.forward, hidden.slope
        self._out_act, self._out_slope = output.forward, output.slope
        self._output_has_slope = output.has_slope
        self._same_slope = hidden is output
        self._grad = np.empty_like(self.params)
        self._grads = _blocks(self._grad, self.shapes)
        self._data(starts, lead)
        self.track_losses = track_losses  # a sweep may skip them: finiteness is then checked
        self.epochs_run = 0                # on the parameters each epoch, on the losses at the end
        self._all_running = True
        self.history = [self._losses()] if track_losses else []
        count = len(starts)
        self.snapshot = Snapshot(
            self.params.reshape(count, -1).copy(), self.dead.reshape(count, -1).copy(),
            np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64),
        )

    def _data(self, starts: Sequence[Start], lead: tuple[int, ...]) -> None:
        features = self.config.features

        def stack(arrays: list[np.ndarray]) -> np.ndarray:
            return np.stack(arrays) if lead else arrays[0]

        x_train = stack([feature_matrix(features, s.train.x, s.train.y) for s in starts])
        y_train = stack([s.train.label for s in starts])[..., None]
        x_test = stack([feature_matrix(features, s.test.x, s.test.y) for s in starts])
        y_test = stack([s.test.label for s in starts])[..., None]
        self._split = [0, x_train.shape[-2]]
        self._counts = np.array([x_train.shape[-2], x_test.shape[-2]], dtype=np.float64)
        self._everything = _Batch(
            np.concatenate([x_train, x_test], axis=-2), np.concatenate([y_train, y_test], axis=-2),
            self.sizes, lead, 0.0).wire(self.PT, self.W, self._grads)
        size = self.config.batch_size
        n = self.training_points = x_train.shape[-2]
        full = n // size
        tail = n - full * size

        def batch(rows: np.ndarray | slice) -> _Batch:
            return _Batch(x_train[..., rows, :], y_train[..., rows, :], self.sizes, lead,
                          self.config.learning_rate).wire(self.PT, self.W, self._grads)

        self.first_epoch = [batch(slice(k * size, (k + 1) * size)) for k in range(full)]
        self.next_epochs = list(self.first_epoch)
        if tail and full:
            # The tail of an epoch is not applied: its sums carry into the first update of
            # the next epoch, made with the same weights, so that update is one batch of
            # tail + size examples.
            self.next_epochs[0] = batch(np.r_[full * size : n, 0:size])

    def _forward(self, b: _Batch) -> np.ndarray:
        """Every unit's output over the batch; returns the network's output (…, 1, m)."""
        mm, act = self._mm, self._act
        for pt, x, a in b.forward:
            mm(pt, x, a)
            act(a, a)
        pt, x, out = b.forward_out
        mm(pt, x, out)
        return self._out_act(out, out)

    def _step(self, b: _Batch) -> None:
        """One update: forward and backward over a batch, then the mean-gradient step."""
        self._backward(b)
        self._update(b.scale)

    def _backward(self, b: _Batch) -> None:
        """Forward and backward over a batch: the summed gradient of every parameter into _grad."""
        mm, mul = self._mm, np.multiply
        out = self._forward(b)
        if self._same_slope:  # one call for every unit's slope
            self._slope(b.a_flat, b.slope_flat)
        else:
            self._slope(b.h_flat, b.h_slope_flat)
            self._out_slope(out, b.out_slope)
        # δ at the output is (output − label)·slope; it goes back through the weights.
        delta = np.subtract(out, b.yt, b.deltas[-1])
        if self._output_has_slope:
            mul(delta, b.out_slope, delta)
        for w, d, below, slope in b.backward:
            mm(w, d, below)
            mul(below, slope, below)
        for d, d_t in b.transposes:
            np.copyto(d_t, d)
        for x, d_t, grad in b.gradients:
            mm(x, d_t, grad)

    # w′ = w − (lr/count)·E, then w″ = w′ − (lr·λ)·ρ(w), ρ the regularization's derivative
    # taken at the weight before the step; biases are never regularized (reg_step is 0 there).

    def _plain_update(self, scale: np.ndarray) -> None:
        """No regularization: w″ = w′."""
        np.subtract(self.params, np.multiply(self._grad, scale, self._grad), self.params)

    def _l2_update(self, scale: np.ndarray) -> None:
        """L2: ρ(w) = w."""
        shrink = self.reg_step * self.params
        self.params -= np.multiply(self._grad, scale, self._grad)
        self.params -= shrink

    def _l1_update(self, scale: np.ndarray) -> None:
        """L1: ρ(w) = sign(w); a link the penalty carries across zero dies for good."""
        shrink = self.reg_step * np.sign(self.params)
        self.params -= np.multiply(self._grad, scale, self._grad)
        after = self.params - shrink
        self.dead |= self.params * after < 0
        np.copyto(self.params, np.where(self.dead, 0.0, after))

    def _losses(self) -> np.ndarray:
        """(S, 2): mean half squared error on the training, then the test data, per member."""
        everything = self._everything
        e = np.subtract(self._forward(everything), everything.yt, everything.tmp)
        np.multiply(e, e, e)
        # Σ ½·e·e over the training points, then over the test points, each over its count.
        sums = np.add.reduceat(e[..., 0, :], self._split, axis=-1)
        return (sums * 0.5 / self._counts).reshape(-1, 2)

    def epoch(self) -> np.ndarray | None:
        """Train one epoch; returns the (S, 2) training and test losses after it, if tracked."""
        batches = self.next_epochs if self.epochs_run else self.first_epoch
        with np.errstate(all="ignore"):
            for b in batches:
                self._step(b)
            losses = self._losses() if self.track_losses else None
        self._record(losses)
        return losses

    def _record(self, losses: np.ndarray | None) -> None:
        """Keep each member's state if its numbers are still finite; otherwise freeze it."""
        self.epochs_run += 1
        epoch = self.epochs_run
        count = len(self.snapshot.epochs)
        params = self.params.reshape(count, -1)
        dead = self.dead.reshape(count, -1)
        previous = self.snapshot
        if losses is not None:
            self.history.append(losses)
        # One assignment each, so that an interrupt never leaves a half-updated snapshot.
        if self._all_running and np.isfinite(params).all() and (
                losses is None or np.isfinite(losses).all()):
            self.snapshot = Snapshot(params.copy(), dead.copy(), previous.epochs + 1,
                                     previous.diverged_at)
            return
        running = previous.diverged_at == 0
        finite = np.isfinite(params).all(axis=1)
        if losses is not None:
            finite &= np.isfinite(losses).all(axis=1)
        ok = (running & finite)[:, None]
        self.snapshot = Snapshot(
            np.where(ok, params, previous.params), np.where(ok, dead, previous.dead),
            np.where(ok[:, 0], epoch, previous.epochs),
            np.where(running & ~finite, epoch, previous.diverged_at),
        )
        self._all_running = bool((self.snapshot.diverged_at == 0).all())

    def final_losses(self) -> np.ndarray:
        """(S, 2) training and test losses of the networks as they are now."""
        with np.errstate(all="ignore"):
            return self._losses()

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
                on_epoch(self.epochs_run, losses)

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


def training(config: Config) -> Lockstep:
    """A single network ready to train, set up exactly as the Playground sets it up."""
    config = config.with_seed()
    return Lockstep([config], [start(config)])


def train(config: Config, *, epochs: int = 500,
          on_epoch: Callable[[int, np.ndarray], object] | None = None,
          snapshots: int = 0) -> Model:
    """Train `config` for `epochs` epochs as the Playground would, and return the model.

    A config without a seed gets a fresh Playground-style one, as the Playground does; the
    model records it, so the run can be repeated. `snapshots` > 0 keeps the layers at that
    many evenly spaced epochs, plus the first and the last, in `model.snapshots`.
    """
    from nneq.playground.snapshots import SnapshotRecorder, check_snapshots

    check_epochs(epochs)
    check_snapshots(snapshots)
    run = training(config)
    recorder = SnapshotRecorder(run, snapshots, epochs, on_epoch)
    run.run(epochs, recorder)
    return recorder.finish(run.model())
