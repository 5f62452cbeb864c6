"""The compiled engine: the Playground's own loop, example by example, compiled with numba.

It follows `nn.ts` step for step (docs/playground.md §9 to §13): for each training example in
order, `forwardProp` (a unit's input starts at its bias and adds w_ij·a_i for i in order),
`backProp` (δ_j = g_j·f′(z_j) into the bias and live-link sums, g_i = Σ_j w_ij·δ_j back through
every link), and after every batch-size examples `updateWeights` (biases by (lr·A)/count, live
links by (lr/count)·E, then the regularization step and the L1 dead-link rule). Sums carry from
one epoch to the next exactly as they do in the Playground, so the carried tail needs no special
case. Every sum is added in the Playground's order, and exp and tanh are the JavaScript
engine's (`jsmath`), so the results are the Playground's to the bit. Forward passes made with
the same parameters (a batch's examples before its update, and the losses') go through a block
of examples at a time, each example's sums still in that order.

Importing this module imports numba (the `fast` extra). Its compiled code is cached in the
user's cache directory ($NUMBA_CACHE_DIR if set, else a folder under $XDG_CACHE_HOME/nneq/numba
or ~/.cache/nneq/numba), never inside the package.
"""

from __future__ import annotations

import math
import os
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path


def cache_dir() -> Path:
    """Where numba keeps the compiled kernels: the user's cache directory, not the package.

    One folder per version of the code compiled: numba notices when this file changes, but
    not jsmath.py, whose exp and tanh the kernels compile in.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    here = Path(__file__).parent
    version = zlib.crc32((here / "compiled.py").read_bytes() + (here / "jsmath.py").read_bytes())
    return Path(base) / "nneq" / "numba" / f"{version:08x}"


os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))

import numba  # noqa: E402 (numba reads NUMBA_CACHE_DIR when imported)
import numpy as np  # noqa: E402
from numba.extending import register_jitable  # noqa: E402

from nneq.playground import jsmath  # noqa: E402
from nneq.playground.config import Config  # noqa: E402
from nneq.playground.regularization import REGULARIZATIONS  # noqa: E402
from nneq.playground.schedule import schedule  # noqa: E402
from nneq.playground.stack import Stack  # noqa: E402

TANH, RELU, SIGMOID, LINEAR = 0, 1, 2, 3
ACTIVATION_CODES = {"tanh": TANH, "relu": RELU, "sigmoid": SIGMOID, "linear": LINEAR}
OUTPUT_CODES = {"classification": TANH, "regression": LINEAR}
NONE, L1, L2 = 0, 1, 2
EXACT_NONE = 3  # none, with lr·λ finite and of positive sign (+0 too): w′ − (lr·λ)·0 is w′
REGULARIZATION_CODES = {"none": NONE, "L1": L1, "L2": L2}

njit = numba.njit(cache=True, nogil=True, error_model="numpy")  # IEEE division, as JavaScript
# The per-example steps are inlined into the loops that call them: a call that passes arrays
# costs more than a small layer's arithmetic.
inline = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")


# The JavaScript engine's exp and tanh, compiled into the loop (tanh calls expm1, which is
# compiled wherever it is called from compiled code).
# They are left to LLVM to inline: numba's own inlining of functions with several returns
# warns about them.
register_jitable(error_model="numpy", inline="always")(jsmath.expm1)
js_exp = inline(jsmath.exp)
js_tanh = inline(jsmath.tanh)


@inline
def activation(code: int, z: float) -> float:
    """a = f(z)."""
    if code == TANH:
        return js_tanh(z)
    if code == RELU:
        return z if z > 0.0 or z != z else 0.0  # max(0, z), NaN kept as JavaScript keeps it
    if code == SIGMOID:
        return 1.0 / (1.0 + js_exp(-z))
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


# Parameters are in the flat layout of `layout`: the links into layer l form a block whose row 0
# holds the biases b_j (from bias_at[l]) and row i + 1 the weights w_ij (from weight_at[l]), so
# w_ij is p[weight_at[l] + i·n_out + j]. Unit values (a, and g or δ) are stored layer after
# layer, layer l from first_unit[l], the inputs first. Sizes and offsets are unsigned, so that
# no index needs the check for negative (from-the-end) indices.


@inline
def layer_at(layer: int, sizes: np.ndarray, bias_at: np.ndarray, weight_at: np.ndarray,
             first_unit: np.ndarray, hidden: int, output: int
             ) -> tuple[int, int, int, int, int, int, int]:
    """The links into `layer`: its sizes n_in and n_out, where its biases and weights start,
    where the units below and its own start, and its activation's code."""
    last = len(sizes) - 1
    return (sizes[layer - 1], sizes[layer], bias_at[layer], weight_at[layer],
            first_unit[layer - 1], first_unit[layer], hidden if layer < last else output)


# Four units are worked on at a time where a layer has them: four sums of their own, each still
# added in the Playground's order, that the processor can run side by side (and in one vector
# register). U1…U4 are unsigned ones, as an unsigned index plus a signed one would be a float.
U0, U1, U2, U3, U4 = (np.uint64(k) for k in range(5))


@inline
def forward_prop(p: np.ndarray, sizes: np.ndarray, bias_at: np.ndarray, weight_at: np.ndarray,
                 first_unit: np.ndarray, hidden: int, output: int, x: np.ndarray,
                 a: np.ndarray) -> float:
    """forwardProp: a of every unit for one example x (its features); returns the output."""
    for i in range(sizes[0]):
        a[i] = x[i]
    last = len(sizes) - 1
    for layer in range(1, last + 1):
        n_in, n_out, b, w, below, here, code = layer_at(layer, sizes, bias_at, weight_at,
                                                        first_unit, hidden, output)
        j = U0
        while j + U4 <= n_out:
            # z_j starts at the bias b_j and adds w_ij·a_i for i in order, for units j to j + 3
            z0, z1, z2, z3 = p[b + j], p[b + j + U1], p[b + j + U2], p[b + j + U3]
            for i in range(n_in):
                a_i, row = a[below + i], w + i * n_out + j
                z0 += p[row] * a_i
                z1 += p[row + U1] * a_i
                z2 += p[row + U2] * a_i
                z3 += p[row + U3] * a_i
            a[here + j], a[here + j + U1], a[here + j + U2], a[here + j + U3] = z0, z1, z2, z3
            j += U4
        while j < n_out:
            z = p[b + j]
            for i in range(n_in):
                z += p[w + i * n_out + j] * a[below + i]  # z_j += w_ij·a_i, i in order
            a[here + j] = z
            j += U1
        # a_j = f(z_j), in a pass of its own: one place in the loop where tanh is compiled in
        for unit in range(n_out):
            a[here + unit] = activation(code, a[here + unit])
    return float(a[first_unit[last]])


# Forward passes with the same parameters (the losses', and a batch's before its update) are
# independent of each other: a block of examples goes through side by side, so that their tanh
# calls overlap and their sums run in vector registers.
FORWARD_BLOCK = 32


@inline
def forward_block(p: np.ndarray, sizes: np.ndarray, bias_at: np.ndarray, weight_at: np.ndarray,
                  first_unit: np.ndarray, hidden: int, output: int, x: np.ndarray, start: int,
                  count: int, a: np.ndarray) -> None:
    """forwardProp for examples start … start + count − 1 of x at once, a[unit, example]:
    each example's z_j is added in forward_prop's order, so it gets the same bits."""
    for e in range(count):
        for i in range(sizes[0]):
            a[i, e] = x[start + e, i]
    last = len(sizes) - 1
    for layer in range(1, last + 1):
        n_in, n_out, b, w, below, here, code = layer_at(layer, sizes, bias_at, weight_at,
                                                        first_unit, hidden, output)
        for j in range(n_out):
            for e in range(count):
                a[here + j, e] = p[b + j]  # z_j starts at the bias
            for i in range(n_in):
                weight = p[w + i * n_out + j]
                for e in range(count):
                    a[here + j, e] += weight * a[below + i, e]  # z_j += w_ij·a_i, i in order
        for j in range(n_out):
            for e in range(count):
                a[here + j, e] = activation(code, a[here + j, e])


@inline
def back_prop(p: np.ndarray, acc: np.ndarray, sizes: np.ndarray, bias_at: np.ndarray,
              weight_at: np.ndarray, first_unit: np.ndarray, hidden: int, output: int,
              a: np.ndarray, g: np.ndarray, out: float, label: float) -> None:
    """backProp: δ_j = g_j·f′(z_j) into the bias and link sums, then g_i = Σ_j w_ij·δ_j."""
    last = len(sizes) - 1
    g[first_unit[last]] = out - label  # the output's error derivative
    for layer in range(last, 0, -1):
        n_in, n_out, b, w, below, here, code = layer_at(layer, sizes, bias_at, weight_at,
                                                        first_unit, hidden, output)
        for j in range(n_out):
            d = g[here + j] * derivative(code, a[here + j])  # δ_j = g_j·f′(z_j)
            g[here + j] = d
            acc[b + j] += d  # the bias sum
        # Every link's sum gets δ_j·a_i: a dead link's is never read (its update is skipped), so
        # adding to it changes nothing the Playground would show.
        if layer == 1:
            for i in range(n_in):
                a_i, row = a[below + i], w + i * n_out
                for j in range(n_out):
                    acc[row + j] += g[here + j] * a_i  # δ_j·a_i
        else:
            links_and_outputs(p, acc, a, g, w, n_in, n_out, below, here)


@inline
def links_and_outputs(p: np.ndarray, acc: np.ndarray, a: np.ndarray, g: np.ndarray, w: int,
                      n_in: int, n_out: int, below: int, here: int) -> None:
    """For every unit i below (a and g from `below`, δ from `here`), in one pass over its links:
    each link's sum gets δ_j·a_i, and g_i = Σ_j w_ij·δ_j, j in order from 0 and through dead
    links too, as nn.ts adds it."""
    i = U0
    while i + U4 <= n_in:
        # units i to i + 3: rows r0…r3 of the block, g_i summed in t0…t3
        a0, a1, a2, a3 = a[below + i], a[below + i + U1], a[below + i + U2], a[below + i + U3]
        r0 = w + i * n_out
        r1, r2, r3 = r0 + n_out, r0 + U2 * n_out, r0 + U3 * n_out
        t0 = t1 = t2 = t3 = 0.0
        for j in range(n_out):
            d = g[here + j]
            acc[r0 + j] += d * a0
            acc[r1 + j] += d * a1
            acc[r2 + j] += d * a2
            acc[r3 + j] += d * a3
            t0 += p[r0 + j] * d
            t1 += p[r1 + j] * d
            t2 += p[r2 + j] * d
            t3 += p[r3 + j] * d
        g[below + i], g[below + i + U1], g[below + i + U2], g[below + i + U3] = t0, t1, t2, t3
        i += U4
    while i < n_in:
        a_i, row, total = a[below + i], w + i * n_out, 0.0
        for j in range(n_out):
            d = g[here + j]
            acc[row + j] += d * a_i
            total += p[row + j] * d
        g[below + i] = total
        i += U1


@inline
def update_weights(p: np.ndarray, dead: np.ndarray, acc: np.ndarray, count: int, sizes: np.ndarray,
                   bias_at: np.ndarray, weight_at: np.ndarray, rate: float, reg_code: int,
                   reg_rate: float, kills: bool) -> None:
    """updateWeights: b −= (lr·A)/count; live w′ = w − (lr/count)·E, w″ = w′ − (lr·λ)·ρ(w)."""
    step, shrink = rate / count, rate * reg_rate  # lr/count and lr·λ, as nn.ts rounds them
    for layer in range(1, len(sizes)):
        b, w = bias_at[layer], weight_at[layer]
        for k in range(b, w):
            p[k] = p[k] - (rate * acc[k]) / count
            acc[k] = 0.0
        end = w + sizes[layer - 1] * sizes[layer]
        if reg_code == EXACT_NONE:
            # ρ = 0 and (lr·λ)·0 = +0, and w′ − (+0) is w′ to the bit: the step is w′ alone.
            for k in range(w, end):
                if not dead[k]:
                    p[k] = p[k] - step * acc[k]
                acc[k] = 0.0
            continue
        if reg_code == L2:
            for k in range(w, end):
                if not dead[k]:
                    v = p[k]
                    p[k] = (v - step * acc[k]) - shrink * v  # w″ = w′ − (lr·λ)·w
                acc[k] = 0.0
            continue
        if reg_code == L1:
            # As below, without branches on the weights' signs (the processor cannot guess them)
            # and with the rare deaths marked in the spent sums, then recorded in a second pass:
            # a loop that writes dead links is not run on several links at once.
            killed = False
            for k in range(w, end):
                mark = 0.0
                if not dead[k]:
                    v = p[k]
                    rho = (1.0 if v > 0.0 else 0.0) - (1.0 if v < 0.0 else 0.0)  # ±1; 0 at 0, NaN
                    v1 = v - step * acc[k]
                    v2 = v1 - shrink * rho
                    crossed = v1 * v2 < 0.0  # carried across zero: the link dies for good
                    p[k] = 0.0 if crossed else v2
                    mark = 1.0 if crossed else 0.0
                    killed |= crossed
                acc[k] = mark
            if killed:
                for k in range(w, end):
                    if acc[k] != 0.0:
                        dead[k] = True
                        acc[k] = 0.0
            continue
        # none with an lr·λ that is not finite or has a negative sign: the rule as nn.ts has it.
        for k in range(w, end):
            if dead[k]:
                acc[k] = 0.0
                continue
            v = p[k]
            rho = regularization_derivative(reg_code, v)  # at w before the step
            v1 = v - step * acc[k]
            v2 = v1 - shrink * rho
            if kills and v1 * v2 < 0.0:
                p[k] = 0.0  # carried across zero: the link dies for good
                dead[k] = True
            else:
                p[k] = v2
            acc[k] = 0.0


@njit
def train_epoch(params: np.ndarray, dead: np.ndarray, acc: np.ndarray, counts: np.ndarray,
                x: np.ndarray, y: np.ndarray, sizes: np.ndarray, bias_at: np.ndarray,
                weight_at: np.ndarray, first_unit: np.ndarray, hidden: int, output: int,
                batch_size: int, rate: float, reg_code: int, reg_rate: float, kills: bool,
                a: np.ndarray, g: np.ndarray, a_block: np.ndarray) -> None:
    """One epoch of every member: each example in order, an update after every batch.

    Between two updates the parameters do not change, so the examples there go forward a
    block at a time (forward_block) and then back one by one, in order, from their outputs."""
    n, units, result = x.shape[1], len(a), first_unit[len(sizes) - 1]
    for s in range(params.shape[0]):
        p, d, sums = params[s], dead[s], acc[s]
        k = 0
        while k < n:
            stop = min(n, (k // batch_size + 1) * batch_size, k + FORWARD_BLOCK)
            if stop - k == 1:
                out = forward_prop(p, sizes, bias_at, weight_at, first_unit, hidden, output,
                                   x[s, k], a)
                back_prop(p, sums, sizes, bias_at, weight_at, first_unit, hidden, output, a, g,
                          out, y[s, k])
            else:
                forward_block(p, sizes, bias_at, weight_at, first_unit, hidden, output, x[s], k,
                              stop - k, a_block)
                for e in range(stop - k):
                    for unit in range(units):
                        a[unit] = a_block[unit, e]
                    back_prop(p, sums, sizes, bias_at, weight_at, first_unit, hidden, output, a,
                              g, a_block[result, e], y[s, k + e])
            counts[s] += stop - k
            if stop % batch_size == 0:
                update_weights(p, d, sums, counts[s], sizes, bias_at, weight_at, rate, reg_code,
                               reg_rate, kills)
                counts[s] = 0
            k = stop


@njit
def both_losses(params: np.ndarray, x_train: np.ndarray, y_train: np.ndarray,
                x_test: np.ndarray, y_test: np.ndarray, sizes: np.ndarray, bias_at: np.ndarray,
                weight_at: np.ndarray, first_unit: np.ndarray, hidden: int, output: int,
                a: np.ndarray, out: np.ndarray) -> None:
    """out[s] = the training and the test loss: Σ over the points, in order, of 0.5·(e·e),
    divided by their count (NaN for no points)."""
    result = first_unit[len(sizes) - 1]
    for s in range(params.shape[0]):
        for column in range(2):
            x, y = (x_train, y_train) if column == 0 else (x_test, y_test)
            n = x.shape[1]
            total = 0.0
            for start in range(0, n, FORWARD_BLOCK):
                count = min(FORWARD_BLOCK, n - start)
                forward_block(params[s], sizes, bias_at, weight_at, first_unit, hidden, output,
                              x[s], start, count, a)
                for k in range(count):
                    e = a[result, k] - y[s, start + k]
                    total += 0.5 * (e * e)
            out[s, column] = total / n if n else np.nan


_READY: set[object] = set()


def call_kernel(kernel: Callable[..., None], *args: object) -> None:
    """kernel(*args), compiled (or loaded from the cache) on its first call with numba's
    NumbaIRAssumptionWarning silenced: an internal, pedantic check of numba's, which inlining
    tanh (and its expm1) at two places of one kernel trips though the code is right, as the
    tests show by holding it to the Playground's bits."""
    if kernel in _READY:
        kernel(*args)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", numba.core.errors.NumbaIRAssumptionWarning)
        kernel(*args)
    _READY.add(kernel)


class CompiledEngine:
    """S networks of `config` trained example by example with the compiled kernels."""

    name = "compiled"

    def __init__(self, config: Config, data: Stack) -> None:
        self.config = config
        self.layout = data.layout
        sizes = list(data.layout.sizes)
        # Layer l's block (l ≥ 1) starts after the blocks below it; entry 0 is unused.
        blocks = np.cumsum([0, 0] + [r * c for r, c in data.layout.shapes])[:-1]
        self.sizes = np.array(sizes, dtype=np.uint64)
        self.bias_at = blocks.astype(np.uint64)
        self.weight_at = (blocks + np.array([0, *sizes[1:]])).astype(np.uint64)
        self.first_unit = np.cumsum([0, *sizes])[:-1].astype(np.uint64)
        self.hidden = ACTIVATION_CODES[config.activation]
        self.output = OUTPUT_CODES[config.problem]
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
        shrink = config.learning_rate * config.reg_rate
        if self.reg_code == NONE and math.isfinite(shrink) and math.copysign(1.0, shrink) > 0:
            self.reg_code = EXACT_NONE
        self.kills = rule.kills_on_crossing
        self.schedule = schedule(data.training_points, config.batch_size)
        units = sum(sizes)
        self._a, self._g = np.zeros(units), np.zeros(units)
        self._a_block = np.zeros((units, FORWARD_BLOCK))

    def epoch(self, first: bool) -> None:
        """Every example of one epoch, in order, for every member."""
        c = self.config
        call_kernel(train_epoch, self.params, self.dead, self.acc, self.counts, self.x_train,
                    self.y_train, self.sizes, self.bias_at, self.weight_at, self.first_unit,
                    self.hidden, self.output, c.batch_size, c.learning_rate, self.reg_code,
                    c.reg_rate, self.kills, self._a, self._g, self._a_block)

    def losses(self) -> np.ndarray:
        """(S, 2): the training and the test loss of every member."""
        out = np.empty((len(self.params), 2))
        call_kernel(both_losses, self.params, self.x_train, self.y_train, self.x_test,
                    self.y_test, self.sizes, self.bias_at, self.weight_at, self.first_unit,
                    self.hidden, self.output, self._a_block, out)
        return out
