"""The compiled engine: the Playground's own loop, example by example, compiled with numba.

It follows `nn.ts` step for step (docs/playground.md §9 to §13): for each training example in
order, `forwardProp` (a unit's input starts at its bias and adds w_ij·a_i for i in order),
`backProp` (δ_j = g_j·f′(z_j) into the bias and live-link sums, g_i = Σ_j w_ij·δ_j back through
every link), and after every batch-size examples `updateWeights` (biases by (lr·A)/count, live
links by (lr/count)·E, then the regularization step and the L1 dead-link rule). Sums carry from
one epoch to the next exactly as they do in the Playground, so the carried tail needs no special
case. Every sum is added in the Playground's order, so results differ from it only where the
math library's exp and tanh differ from the JavaScript engine's in the last bit.

Importing this module imports numba (the `fast` extra). Its compiled code is cached in the
user's cache directory ($NUMBA_CACHE_DIR if set, else $XDG_CACHE_HOME/nneq/numba or
~/.cache/nneq/numba), never inside the package.
"""

from __future__ import annotations

import math
import os
from pathlib import Path


def cache_dir() -> Path:
    """Where numba keeps the compiled kernels: the user's cache directory, not the package."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nneq" / "numba"


os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))

import numba  # noqa: E402 (numba reads NUMBA_CACHE_DIR when imported)
import numpy as np  # noqa: E402

from nneq.playground.config import Config  # noqa: E402
from nneq.playground.regularization import REGULARIZATIONS  # noqa: E402
from nneq.playground.schedule import schedule  # noqa: E402
from nneq.playground.stack import Stack  # noqa: E402

TANH, RELU, SIGMOID, LINEAR = 0, 1, 2, 3
ACTIVATION_CODES = {"tanh": TANH, "relu": RELU, "sigmoid": SIGMOID, "linear": LINEAR}
OUTPUT_CODES = {"classification": TANH, "regression": LINEAR}
NONE, L1, L2 = 0, 1, 2
REGULARIZATION_CODES = {"none": NONE, "L1": L1, "L2": L2}

njit = numba.njit(cache=True, nogil=True, error_model="numpy")  # IEEE division, as JavaScript
# The per-example steps are inlined into the loops that call them: a call that passes arrays
# costs more than a small layer's arithmetic.
inline = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")


@inline
def activation(code: int, z: float) -> float:
    """a = f(z)."""
    if code == TANH:
        return math.tanh(z)
    if code == RELU:
        return z if z > 0.0 or z != z else 0.0  # max(0, z), NaN kept as JavaScript keeps it
    if code == SIGMOID:
        return 1.0 / (1.0 + math.exp(-z))
    return z


@inline
def derivative(code: int, a: float) -> float:
    """f′(z) from the output a = f(z): nn.ts works it out again from z, which gives the same
    numbers (tanh and sigmoid recompute a itself; relu's z ≤ 0 is a ≤ 0, NaN giving 1 both ways)."""
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 0.0 if a <= 0.0 else 1.0
    if code == SIGMOID:
        return a * (1.0 - a)
    return 1.0


@inline
def regularization_derivative(code: int, w: float) -> float:
    """ρ(w): the penalty's derivative (L1: the sign, 0 at 0 and for NaN; L2: w; none: 0)."""
    if code == L1:
        return -1.0 if w < 0.0 else (1.0 if w > 0.0 else 0.0)
    if code == L2:
        return w
    return 0.0


# Parameters are in the flat layout of `layout`: the links into layer l form a block starting
# at block[l - 1], whose row 0 holds the biases b_j and row i + 1 the weights w_ij, so w_ij is
# p[off + (i + 1)·n_out + j]. Unit values (a, and g or δ) are stored layer after layer, layer l
# starting at first_unit[l], the inputs first. Loops run over i outside and j inside: each
# unit's sum still adds its terms in the order of i, and the inner loop reads a row.


@inline
def forward_prop(p: np.ndarray, sizes: np.ndarray, block: np.ndarray, first_unit: np.ndarray,
                 codes: np.ndarray, x: np.ndarray, a: np.ndarray) -> float:
    """forwardProp: a of every unit for one example x (its features); returns the output."""
    for i in range(sizes[0]):
        a[i] = x[i]
    for layer in range(1, len(sizes)):
        n_in, n_out = sizes[layer - 1], sizes[layer]
        off, below, here = block[layer - 1], first_unit[layer - 1], first_unit[layer]
        for j in range(n_out):
            a[here + j] = p[off + j]  # z_j starts at the bias b_j
        for i in range(n_in):
            a_i, row = a[below + i], off + (i + 1) * n_out
            for j in range(n_out):
                a[here + j] += p[row + j] * a_i  # z_j += w_ij·a_i
        code = codes[layer]
        for j in range(n_out):
            a[here + j] = activation(code, a[here + j])  # a_j = f(z_j)
    return float(a[first_unit[len(sizes) - 1]])


@inline
def back_prop(p: np.ndarray, acc: np.ndarray, sizes: np.ndarray, block: np.ndarray,
              first_unit: np.ndarray, codes: np.ndarray, a: np.ndarray, g: np.ndarray, out: float,
              label: float) -> None:
    """backProp: δ_j = g_j·f′(z_j) into the bias and link sums, then g_i = Σ_j w_ij·δ_j."""
    last = len(sizes) - 1
    g[first_unit[last]] = out - label  # the output's error derivative
    for layer in range(last, 0, -1):
        n_in, n_out = sizes[layer - 1], sizes[layer]
        off, below, here = block[layer - 1], first_unit[layer - 1], first_unit[layer]
        code = codes[layer]
        for j in range(n_out):
            g[here + j] *= derivative(code, a[here + j])  # δ_j = g_j·f′(z_j), in place of g_j
            acc[off + j] += g[here + j]  # the bias sum
        for i in range(n_in):
            # Every link's sum: a dead link's is never read (its update is skipped), so adding
            # to it changes nothing the Playground would show.
            a_i, row = a[below + i], off + (i + 1) * n_out
            for j in range(n_out):
                acc[row + j] += g[here + j] * a_i  # δ_j·a_i
        if layer > 1:
            for i in range(n_in):
                total, row = 0.0, off + (i + 1) * n_out
                for j in range(n_out):
                    total += p[row + j] * g[here + j]  # g_i = Σ_j w_ij·δ_j, dead links too
                g[below + i] = total


@inline
def update_weights(p: np.ndarray, dead: np.ndarray, acc: np.ndarray, count: int, sizes: np.ndarray,
                   block: np.ndarray, rate: float, reg_code: int, reg_rate: float,
                   kills: bool) -> None:
    """updateWeights: b −= (lr·A)/count; live w′ = w − (lr/count)·E, w″ = w′ − (lr·λ)·ρ(w)."""
    if count == 0:
        return
    step, shrink = rate / count, rate * reg_rate  # lr/count and lr·λ, as nn.ts rounds them
    for layer in range(1, len(sizes)):
        n_in, n_out = sizes[layer - 1], sizes[layer]
        off = block[layer - 1]
        for j in range(n_out):
            p[off + j] = p[off + j] - (rate * acc[off + j]) / count
            acc[off + j] = 0.0
        for k in range(off + n_out, off + (n_in + 1) * n_out):
            if dead[k]:
                acc[k] = 0.0
                continue
            w = p[k]
            rho = regularization_derivative(reg_code, w)  # at w before the step
            w1 = w - step * acc[k]
            w2 = w1 - shrink * rho
            if kills and w1 * w2 < 0.0:
                p[k] = 0.0  # carried across zero: the link dies for good
                dead[k] = True
            else:
                p[k] = w2
            acc[k] = 0.0


@njit
def train_epoch(params: np.ndarray, dead: np.ndarray, acc: np.ndarray, counts: np.ndarray,
                x: np.ndarray, y: np.ndarray, sizes: np.ndarray, block: np.ndarray,
                first_unit: np.ndarray, codes: np.ndarray, batch_size: int, rate: float,
                reg_code: int, reg_rate: float, kills: bool, a: np.ndarray, g: np.ndarray) -> None:
    """One epoch of every member: each example in order, an update after every batch."""
    for s in range(params.shape[0]):
        p, d, sums = params[s], dead[s], acc[s]
        for k in range(x.shape[1]):
            out = forward_prop(p, sizes, block, first_unit, codes, x[s, k], a)
            back_prop(p, sums, sizes, block, first_unit, codes, a, g, out, y[s, k])
            counts[s] += 1
            if (k + 1) % batch_size == 0:
                update_weights(p, d, sums, counts[s], sizes, block, rate, reg_code, reg_rate,
                               kills)
                counts[s] = 0


@njit
def mean_loss(params: np.ndarray, x: np.ndarray, y: np.ndarray, sizes: np.ndarray,
              block: np.ndarray, first_unit: np.ndarray, codes: np.ndarray, a: np.ndarray,
              out: np.ndarray) -> None:
    """out[s] = Σ over the points, in order, of 0.5·(e·e), divided by their count."""
    for s in range(params.shape[0]):
        total = 0.0
        for k in range(x.shape[1]):
            e = forward_prop(params[s], sizes, block, first_unit, codes, x[s, k], a) - y[s, k]
            total += 0.5 * (e * e)
        out[s] = total / x.shape[1]


class CompiledEngine:
    """S networks of `config` trained example by example with the compiled kernels."""

    name = "compiled"

    def __init__(self, config: Config, data: Stack) -> None:
        self.config = config
        self.layout = data.layout
        sizes = np.array(data.layout.sizes, dtype=np.int64)
        self.sizes = sizes
        self.block = np.cumsum([0] + [r * c for r, c in data.layout.shapes])[:-1].astype(np.int64)
        self.first_unit = np.cumsum(np.r_[0, sizes])[:-1].astype(np.int64)
        hidden = ACTIVATION_CODES[config.activation]
        self.codes = np.array([hidden] * (len(sizes) - 1) + [OUTPUT_CODES[config.problem]],
                              dtype=np.int64)
        self.params = np.ascontiguousarray(data.params, dtype=np.float64).copy()
        self.dead = data.dead.copy()
        self.acc = np.zeros_like(self.params)  # the bias and link sums, carried across epochs
        self.counts = np.zeros(len(self.params), dtype=np.int64)
        self.x_train = np.ascontiguousarray(data.x_train, dtype=np.float64)
        self.y_train = np.ascontiguousarray(data.y_train, dtype=np.float64)
        self.x_test = np.ascontiguousarray(data.x_test, dtype=np.float64)
        self.y_test = np.ascontiguousarray(data.y_test, dtype=np.float64)
        rule = REGULARIZATIONS[config.regularization]
        self.reg_code = REGULARIZATION_CODES[rule.name]
        self.kills = rule.kills_on_crossing
        self.schedule = schedule(data.training_points, config.batch_size)
        units = int(sizes.sum())
        self._a, self._g = np.zeros(units), np.zeros(units)

    def epoch(self, first: bool) -> None:
        """Every example of one epoch, in order, for every member."""
        c = self.config
        train_epoch(self.params, self.dead, self.acc, self.counts, self.x_train, self.y_train,
                    self.sizes, self.block, self.first_unit, self.codes, c.batch_size,
                    c.learning_rate, self.reg_code, c.reg_rate, self.kills,
                    self._a, self._g)

    def losses(self) -> np.ndarray:
        """(S, 2): the training and the test loss of every member."""
        out = np.empty((len(self.params), 2))
        for column, (x, y) in enumerate(((self.x_train, self.y_train),
                                          (self.x_test, self.y_test))):
            losses = np.empty(len(self.params))
            if x.shape[1]:
                mean_loss(self.params, x, y, self.sizes, self.block, self.first_unit,
                          self.codes, self._a, losses)
            else:
                losses[:] = np.nan
            out[:, column] = losses
        return out
