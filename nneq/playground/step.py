"""The numpy engine's training step: forward, backward, update (docs/playground.md §10 to §13).

The engine trains one network, or a stack of S networks of one shape in lockstep (a sweep),
a whole batch at a time. The maths, for layers l = 1 … L with P⁽ˡ⁾ = [b⁽ˡ⁾; W⁽ˡ⁾] (see
`layout`), f the hidden activation and g the output's, over the m examples of a batch:

    forward    a⁽⁰⁾ = x,   z⁽ˡ⁾ = b⁽ˡ⁾ + W⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾,   a⁽ˡ⁾ = f(z⁽ˡ⁾)   (g at l = L)
    backward   δ⁽ᴸ⁾ = (a⁽ᴸ⁾ − y) · g′(z⁽ᴸ⁾),   δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ δ⁽ˡ⁺¹⁾) · f′(z⁽ˡ⁾)
               Σ⁽ˡ⁾ = ∂E/∂P⁽ˡ⁾ = Σ over the batch of [1; a⁽ˡ⁻¹⁾] δ⁽ˡ⁾ᵀ
    update     w′ = w − (lr/m)·Σ,  b′ = b − (lr·Σ)/m,  then the regularization step

This is scikit-learn's `_backprop` order with the Playground's loss E = ½·(a⁽ᴸ⁾ − y)².
Activations are stored transposed, one row per unit and one column per example, with a row of
ones on top of each layer's input, so that z⁽ˡ⁾ᵀ is one product P⁽ˡ⁾ᵀ [1; a⁽ˡ⁻¹⁾] and every
buffer a unit writes is contiguous. Below, layers are counted from 0 (the links into the first
hidden layer) to L − 1 (the links into the output).

The sums over a batch run in BLAS's order, not example by example as the Playground adds
them, and tanh and exp are numpy's, so results agree with it to about 1e-13 rather than bit
for bit (the compiled engine adds in the Playground's order with its math library). A member
of a stack gets exactly the bits a single run gets: every product goes to the same BLAS
routine with its operands in the same memory layout (δᵀ is a transposed view in both; BLAS
may round a product differently when one side copies it and the other does not). A product
with one unit's δ is a matrix times a vector in both: `dot` with the vector, and `matmul`,
which takes a column as one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from nneq.playground.activations import ACTIVATIONS, OUTPUT_ACTIVATION
from nneq.playground.config import Config
from nneq.playground.layout import Layout, blocks
from nneq.playground.regularization import REGULARIZATIONS, Regularization
from nneq.playground.schedule import schedule
from nneq.playground.stack import Stack, member_groups

Forward = Callable[..., np.ndarray]  # an activation's a = f(z, out)
Product = Callable[[np.ndarray, np.ndarray], np.ndarray]  # right, out ↦ left · right, bound

LOSS_PASS_BYTES = 8 * 2**20  # about the most a forward pass of the losses may hold in buffers


def _t(a: np.ndarray) -> np.ndarray:
    return a.swapaxes(-1, -2)


class Scratch:
    """The buffers of a pass over m examples: every unit's output and slope, and δ.

    Batches of one size share them, as they are written afresh by every pass; only the rows
    of ones on top of each hidden layer's block are set once and never written again.
    """

    def __init__(self, lead: tuple[int, ...], m: int, sizes: tuple[int, ...], *,
                 backward: bool = True) -> None:
        # Every unit's output in one flat buffer, so that one call gives every slope: the
        # hidden layers' [1; a⁽ˡ⁾] blocks, then the output's row.
        shapes = [(n + 1, m) for n in sizes[1:-1]] + [(1, m)]
        self.a_flat = np.ones((*lead, sum(r * c for r, c in shapes)))
        # A pass only ever run forward (the losses) needs no slopes and no δ.
        self.slope_flat = np.empty_like(self.a_flat) if backward else self.a_flat
        hidden = self.a_flat.shape[-1] - m
        self.hidden_a, self.hidden_slope = self.a_flat[..., :hidden], self.slope_flat[..., :hidden]
        a_blocks, slope_blocks = blocks(self.a_flat, shapes), blocks(self.slope_flat, shapes)
        self.blocks = a_blocks
        self.a = [b[..., 1:, :] for b in a_blocks[:-1]] + [a_blocks[-1]]
        self.slope = [b[..., 1:, :] for b in slope_blocks[:-1]] + [slope_blocks[-1]]
        self.delta = [np.empty((*lead, n, m)) for n in sizes[1:]] if backward else []
        self.delta_t = [_t(d) for d in self.delta]  # δᵀ as views: BLAS reads them transposed
        self.error = np.empty((*lead, 1, m))


class Batch:
    """One batch: inputs [1; x]ᵀ, labels yᵀ, the update's scales, and the pass's buffers."""

    def __init__(self, x: np.ndarray, y: np.ndarray, layout: Layout, *, rate: float,
                 scratch: Scratch | None = None) -> None:
        lead, m = x.shape[:-2], x.shape[-2]
        self.size = m
        self.x1 = np.ascontiguousarray(_t(np.concatenate([np.ones((*lead, m, 1)), x], axis=-1)))
        self.y = np.ascontiguousarray(y[..., None, :])  # (…, 1, m)
        # The Playground rounds the step as (lr/m)·Σ for a weight and as (lr·Σ)/m for a bias.
        # One product (lr/m)·Σ over every parameter is one numpy call fewer per batch; for a
        # bias it may differ from (lr·Σ)/m by one rounding, at most 1 ulp of that step, far
        # inside the 1e-13 the reference tests hold.
        self.scale = np.array(rate / m)
        pass_ = scratch if scratch is not None else Scratch(lead, m, layout.sizes)
        self.a_flat, self.slope_flat = pass_.a_flat, pass_.slope_flat
        self.hidden_a, self.hidden_slope = pass_.hidden_a, pass_.hidden_slope
        # For the links of layer l: inputs[l] = [1; a⁽ˡ⁻¹⁾], and a[l], slope[l] their outputs.
        self.inputs = [self.x1, *pass_.blocks[:-1]]
        self.a, self.slope = pass_.a, pass_.slope
        self.delta, self.delta_t, self.error = pass_.delta, pass_.delta_t, pass_.error
        self.a_out, self.slope_out = self.a[-1], self.slope[-1]
        self.delta_out = self.delta[-1] if self.delta else self.error
        self.forward_steps: tuple[tuple[Product, np.ndarray, np.ndarray, Forward], ...] = ()
        self.backward_steps: tuple[tuple[Product, np.ndarray, np.ndarray, np.ndarray], ...] = ()
        self.sum_steps: tuple[tuple[Product, np.ndarray, np.ndarray], ...] = ()
        # a training pass's calls, with and without the update, and the engine whose
        # parameters they are bound to (NumpyEngine._compile); binding again clears them
        self.calls: tuple[tuple[Callable[..., object], tuple[object, ...]], ...] = ()
        self.backward_calls: tuple[tuple[Callable[..., object], tuple[object, ...]], ...] = ()
        self.owner: object = None

    def bind(self, PT: list[np.ndarray], W: list[np.ndarray], G: list[np.ndarray],
             f: list[Forward], *, stacked: bool) -> Batch:
        """Bind every layer's operands once: an epoch's loop then does no indexing (it is where
        a small network's training spends its time, a numpy call's fixed cost at a time).

        Each product is bound to its left operand: `ndarray.dot` for one network (a quarter
        cheaper per call than `np.dot`, the same routine), batched `matmul` for a stack.
        """
        def times(left: np.ndarray) -> Product:
            return functools.partial(np.matmul, left) if stacked else left.dot

        self.calls, self.backward_calls, self.owner = (), (), None

        self.forward_steps = tuple((times(p_t), inputs, a, g)
                                   for p_t, inputs, a, g in zip(PT, self.inputs, self.a, f,
                                                                strict=True))
        if self.delta:
            self.backward_steps = tuple(
                (times(W[k + 1]), self.delta[k + 1], self.delta[k], self.slope[k])
                for k in range(len(W) - 2, -1, -1))
            # A layer of one unit (the output, say) has a vector δ: its Σ, one product with that
            # vector, costs less as such for one network (a stack's matmul does so itself).
            self.sum_steps = tuple(
                (times(inputs), delta_t, g) if stacked or delta_t.shape[-1] > 1
                else (inputs.dot, delta_t[:, 0], g[:, 0])
                for inputs, delta_t, g in zip(self.inputs, self.delta_t, G, strict=True))
        return self

    @property
    def x(self) -> np.ndarray:
        """The batch's inputs (…, m, features)."""
        return _t(self.x1[..., 1:, :])

    @property
    def labels(self) -> np.ndarray:
        """The batch's labels (…, m)."""
        return self.y[..., 0, :]


class NumpyEngine:
    """S networks of `config` trained a batch at a time with numpy; see the module's maths.

    A single network (S = 1, not `stacked`) uses 2-D arrays and `dot`; a stack puts the
    member axis in front and uses batched `matmul`, which gives each member the same bits.
    """

    name = "numpy"

    def __init__(self, config: Config, data: Stack, *, stacked: bool = False) -> None:
        self.config = config
        self.layout = layout = data.layout
        count = data.members
        lead: tuple[int, ...] = (count,) if stacked or count > 1 else ()
        self._stacked = bool(lead)

        def shaped(a: np.ndarray) -> np.ndarray:
            return a if lead else a[0]

        self.flat_params = shaped(data.params.copy())  # (…, total)
        self.flat_dead = shaped(data.dead.copy())
        self.params = self.flat_params.reshape(count, -1)  # (S, total) views
        self.dead = self.flat_dead.reshape(count, -1)
        self.P = layout.blocks(self.flat_params)  # P[l] = [b; W], (…, n_in + 1, n_out)
        self.PT = [_t(p) for p in self.P]
        self.W = [p[..., 1:, :] for p in self.P]
        self.grad = np.empty_like(self.flat_params)  # Σ for every parameter, same layout
        self.G = layout.blocks(self.grad)
        self.L = len(self.P)
        hidden = ACTIVATIONS[config.activation]
        output = ACTIVATIONS[OUTPUT_ACTIVATION[config.problem]]
        self._f = [hidden.forward] * (self.L - 1) + [output.forward]  # f, and g last
        self._hidden_slope, self._out_slope = hidden.slope, output.slope
        self._output_has_slope = output.has_slope
        self._same_slope = hidden is output
        rule = REGULARIZATIONS[config.regularization]
        self.rule = rule if config.reg_rate > 0 and rule.name != "none" else None
        # lr·λ on every weight, 0 on biases, which are never regularized.
        self.reg_step = np.where(layout.weights(), config.learning_rate * config.reg_rate, 0.0)
        x_train, y_train = shaped(data.x_train), shaped(data.y_train)
        plan = self.schedule = schedule(data.training_points, config.batch_size)

        scratch: dict[int, Scratch] = {}

        def batch(rows: np.ndarray) -> Batch:
            m = len(rows)
            if m not in scratch:
                scratch[m] = Scratch(lead, m, layout.sizes)
            return Batch(x_train[..., rows, :], y_train[..., rows], layout,
                         rate=config.learning_rate, scratch=scratch[m])

        made = {id(rows): self._compile(batch(rows).bind(self.PT, self.W, self.G, self._f,
                                                        stacked=bool(lead)))
                for rows in (*plan.first, *plan.later)}
        self.first_epoch = tuple(made[id(rows)] for rows in plan.first)
        self.later_epochs = tuple(made[id(rows)] for rows in plan.later)
        # An epoch's calls, every batch's in turn, as one list: its loop then has nothing else.
        # They are the calls of these batches, bound here to this engine's parameters.
        self._epoch_calls = {
            first: tuple(call for b in batches for call in b.calls)
            for first, batches in ((True, self.first_epoch), (False, self.later_epochs))}
        # Both losses come from forward passes over the training and then the test points,
        # their buffers made when first needed (a sweep needs them once, at the end). A stack
        # is passed a few members at a time, as many as LOSS_PASS_BYTES hold, which keeps the
        # passes' buffers small; a member's numbers do not depend on the members passed with it.
        self._all_x = (x_train, shaped(data.x_test))
        self._all_y = (y_train, shaped(data.y_test))
        self._everything: list[Batch] | None = None
        self._split = [0, data.training_points]
        # ½·Σe²/n as Σe²/(2n): the halving is exact, so this is the same rounding in one call.
        self._twice_counts = 2.0 * np.array([data.training_points, data.x_test.shape[1]])

    def forward(self, b: Batch) -> np.ndarray:
        """Every unit's output over the batch; returns the network's output (…, 1, m)."""
        for p_t_times, inputs, a, f in b.forward_steps:
            p_t_times(inputs, a)  # z⁽ˡ⁾ᵀ = P⁽ˡ⁾ᵀ [1; a⁽ˡ⁻¹⁾]
            f(a, a)  # a⁽ˡ⁾ = f(z⁽ˡ⁾), in place
        return b.a_out

    def _compile(self, b: Batch) -> Batch:
        """Write out the batch's steps as calls with their operands bound, in order: training
        then runs them one after another, with no branches or unpacking (which cost as much as
        a tiny numpy call)."""
        if not b.delta:
            raise ValueError("this batch was made for forward passes only and cannot train")
        mul, sub = np.multiply, np.subtract
        calls: list[tuple[Callable[..., object], tuple[object, ...]]] = []
        for p_t_times, inputs, a, f in b.forward_steps:
            calls += [(p_t_times, (inputs, a)),  # z⁽ˡ⁾ᵀ = P⁽ˡ⁾ᵀ [1; a⁽ˡ⁻¹⁾]
                      (f, (a, a))]  # a⁽ˡ⁾ = f(z⁽ˡ⁾), in place
        # f′ from the outputs a = f(z): for every unit at once when all share it.
        if self._same_slope:
            calls += self._out_slope(b.a_flat, b.slope_flat)
        else:
            calls += self._hidden_slope(b.hidden_a, b.hidden_slope)
            calls += self._out_slope(b.a_out, b.slope_out)
        calls.append((sub, (b.a_out, b.y, b.delta_out)))  # δ⁽ᴸ⁾ = (a⁽ᴸ⁾ − y) · g′
        if self._output_has_slope:
            calls.append((mul, (b.delta_out, b.slope_out, b.delta_out)))
        for w_times, upper, delta, slope in b.backward_steps:
            calls += [(w_times, (upper, delta)),  # δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ δ⁽ˡ⁺¹⁾) · f′
                      (mul, (delta, slope, delta))]
        for inputs_times, delta_t, g in b.sum_steps:
            calls.append((inputs_times, (delta_t, g)))  # Σ⁽ˡ⁾ = [1; a⁽ˡ⁻¹⁾] δ⁽ˡ⁾ᵀ
        b.backward_calls = tuple(calls)
        step = self.grad
        calls.append((mul, (step, b.scale, step)))  # (lr/m)·Σ
        if self.rule is None:
            calls.append((sub, (self.flat_params, step, self.flat_params)))  # w − (lr/m)·Σ
        else:
            calls.append((self._regularize, (step, self.rule)))
        b.calls = tuple(calls)
        b.owner = self
        return b

    def train(self, batches: Sequence[Batch], *, update: bool = True) -> None:
        """Forward, backward and (unless `update` is False) update, for each batch in turn.

        Backward: δ of every unit over the batch, then Σ⁽ˡ⁾ = [1; a⁽ˡ⁻¹⁾] δ⁽ˡ⁾ᵀ into `grad`.
        Update: the mean-gradient step, then the regularization's, on every parameter at once.
        The calls are the batch's, written out once by `_compile` for this engine.
        """
        with np.errstate(all="ignore"):
            for b in batches:
                if b.owner is not self:
                    if b.owner is not None:
                        raise ValueError("this batch is bound to another engine's parameters")
                    self._compile(b)
                for call, operands in (b.calls if update else b.backward_calls):
                    call(*operands)

    def _regularize(self, step: np.ndarray, rule: Regularization) -> None:
        """w′ = w − (lr/m)·Σ, then the regularization's step w″ = w′ − (lr·λ)·ρ(w)."""
        params = self.flat_params
        shrink = self.reg_step * rule.derivative(params)  # (lr·λ)·ρ(w), ρ at w before the step
        params -= step  # w′
        if not rule.kills_on_crossing:
            params -= shrink  # w″ = w′ − (lr·λ)·ρ(w)
            return
        after = params - shrink
        self.flat_dead |= params * after < 0  # w′·w″ < 0: carried across zero, dead for good
        np.copyto(params, np.where(self.flat_dead, 0.0, after))

    def gradient(self, b: Batch) -> np.ndarray:
        """The mean gradient of ½·e² over the batch for every parameter, (…, total)."""
        self.train([b], update=False)
        mean: np.ndarray = self.grad / b.size
        return mean

    def step(self, b: Batch) -> None:
        """One update from one batch: forward, backward, update."""
        self.train([b])

    def epoch(self, first: bool) -> None:
        """Every update of one epoch (the first, or any later one), as `train` would do them."""
        with np.errstate(all="ignore"):
            for call, operands in self._epoch_calls[first]:
                call(*operands)

    def losses(self) -> np.ndarray:
        """(S, 2): the mean of ½·e² over the training, then the test points, per member."""
        if self._everything is None:
            self._everything = self._loss_passes()
        out = []
        with np.errstate(all="ignore"):
            for every in self._everything:
                e = np.subtract(self.forward(every), every.y, every.error)
                np.multiply(e, e, e)
                sums = np.add.reduceat(e[..., 0, :], self._split, axis=-1)
                out.append(np.divide(sums, self._twice_counts, sums))
        return (out[0] if len(out) == 1 else np.concatenate(out)).reshape(-1, 2)

    def _loss_passes(self) -> list[Batch]:
        """The forward passes of the losses, each over every point of a few members (bound to
        their parameters); passes of one size share their buffers."""
        x = np.concatenate(self._all_x, axis=-2)
        y = np.concatenate(self._all_y, axis=-1)
        if not self._stacked:
            scratch = Scratch((), x.shape[-2], self.layout.sizes, backward=False)
            return [Batch(x, y, self.layout, rate=0.0, scratch=scratch).bind(
                self.PT, self.W, self.G, self._f, stacked=False)]
        count, points = len(x), x.shape[-2]
        # Per member and point: [1; a] of every hidden layer, the output and its error, [1; x].
        sizes = self.layout.sizes
        rows_each = sum(n + 1 for n in sizes[1:-1]) + 2 + sizes[0] + 1
        scratches: dict[int, Scratch] = {}
        passes = []
        for rows in member_groups(count, 8 * points * rows_each, LOSS_PASS_BYTES):
            size = rows.stop - rows.start
            if size not in scratches:
                scratches[size] = Scratch((size,), x.shape[-2], self.layout.sizes, backward=False)
            batch = Batch(x[rows], y[rows], self.layout, rate=0.0, scratch=scratches[size])
            passes.append(batch.bind([p[rows] for p in self.PT], [w[rows] for w in self.W],
                                     [g[rows] for g in self.G], self._f, stacked=True))
        return passes
