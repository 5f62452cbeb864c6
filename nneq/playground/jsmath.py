"""The JavaScript engine's sin, cos, log, exp and tanh, to the last bit (docs/playground.md §15).

The Playground's numbers come from V8's math library, whose sin, cos, log, exp and tanh are
fdlibm's algorithms (Sun Microsystems, 1993): a reduction of the argument, then a polynomial
or rational approximation, each step one IEEE-rounded operation. The C library rounds
differently in the last bit for a few percent of arguments. Doing the same steps in the same
order gives the same bits, which is what this module does.

- `sin`, `cos`, `sincos` (both from one reduction) and `log` work on numpy arrays, element
  by element: the datasets and the sin features use them. Each branch of the original is
  computed for every element and the right one chosen, which gives the same bits as taking
  the branch.
- `exp`, `expm1` and `tanh` work on one Python float, with branches, so that numba can compile
  them into the compiled engine's loop; they also run as plain Python.

The thresholds the original tests on the upper 32 bits of |x| are written as the doubles
those bits begin (`_above(h)`): comparing |x| with such a double is the same test.
The reduction of sin and cos is done in full for |x| up to 2^20·π/2 (about 1.6e6). Beyond it
the C library's value is used: no Playground data come near it.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

import numpy as np


def _above(high: int) -> float:
    """The double whose upper 32 bits are `high` and lower 32 bits zero."""
    value: float = struct.unpack("<d", struct.pack("<Q", high << 32))[0]
    return value


_INF = math.inf
# 2^k for k = −1074 … 1023, by k + 1074: exact powers of two, several times cheaper to read
# in compiled code than math.ldexp is to call
_POW2 = np.ldexp(1.0, np.arange(-1074, 1024))

# --- exp, expm1, tanh: one float at a time --------------------------------------------------

_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits, so that k·_LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10  # ln 2 − _LN2_HI
_INVLN2 = 1.44269504088896338700e+00
_O_THRESHOLD = 7.09782712893383973096e+02  # exp(x) overflows above this
_U_THRESHOLD = -7.45133219101941108420e+02  # and underflows to 0 below this
_E = 2.718281828459045
_TWO_M28 = 2.0**-28  # below it, exp(x) is 1 + x and tanh(x) is x to the last bit
_TWO_M54 = 2.0**-54  # below it, expm1(x) is x
_HALF_LN2 = _above(0x3FD62E43)  # |x| from here (just above ln2/2) needs reducing
_THREE_HALVES_LN2 = _above(0x3FF0A2B2)  # below this, k is ±1
_EXP_LARGE = _above(0x40862E42)  # about 709.78
_EXPM1_LARGE = _above(0x4043687A)  # about 56·ln 2
# exp(r) = 1 + 2r/(R(r²) − r), with R(z) ≈ 2 + P1·z + … + P5·z⁵ on |r| ≤ ln2/2
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
# expm1: R1(z) ≈ 1 + Q1·z + … + Q5·z⁵ with z = r²/2 (the Q scaled by 2^i)
_Q1 = -3.33333333333331316428e-02
_Q2 = 1.58730158725481460165e-03
_Q3 = -7.93650757867487942473e-05
_Q4 = 4.00821782732936239552e-06
_Q5 = -2.01099218183624371326e-07


def exp(x: float) -> float:
    """e^x as V8 computes it: x = k·ln2 + r with |r| ≤ ln2/2, then 2^k·exp(r).

    >>> exp(1.0), exp(0.0), exp(-800.0)
    (2.718281828459045, 1.0, 0.0)
    """
    x = float(x)  # a double, whatever number type it came as
    if x != x:
        return x + x
    ax = abs(x)
    if ax >= _EXP_LARGE:
        if ax == _INF:
            return x if x > 0.0 else 0.0
        if x > _O_THRESHOLD:
            return _INF
        if x < _U_THRESHOLD:
            return 0.0
    k = 0
    hi = lo = 0.0
    if ax >= _HALF_LN2:
        if ax < _THREE_HALVES_LN2:
            if x == 1.0:
                return _E  # V8 returns e itself here, where the steps below miss the last bit
            if x > 0.0:
                hi, lo, k = x - _LN2_HI, _LN2_LO, 1
            else:
                hi, lo, k = x + _LN2_HI, -_LN2_LO, -1
        else:
            k = int(_INVLN2 * x + (0.5 if x > 0.0 else -0.5))  # rounded toward 0, as C's cast
            t = float(k)
            hi = x - t * _LN2_HI  # exact: k·_LN2_HI has enough trailing zeros
            lo = t * _LN2_LO
        x = hi - lo
    elif ax < _TWO_M28:
        return 1.0 + x
    t = x * x
    c = x - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    if k == 0:
        return 1.0 - ((x * c) / (c - 2.0) - x)
    y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi)
    if -1021 <= k <= 1023:
        return y * float(_POW2[k + 1074])  # exact
    # A subnormal result (k < −1021), rounded once as the original's product by 2^(k+1000)
    # and then 2^-1000 rounds it, or k = 1024, where y·2^1024 is the original's y·2·2^1023.
    return math.ldexp(y, k)


def expm1(x: float) -> float:
    """e^x − 1 as V8 computes it, accurate near 0 (tanh is made of it).

    >>> expm1(1e-20), expm1(-50.0)
    (1e-20, -1.0)
    """
    x = float(x)
    if x != x:
        return x + x
    ax = abs(x)
    if ax >= _EXPM1_LARGE:
        if ax >= _EXP_LARGE:
            if ax == _INF:
                return x if x > 0.0 else -1.0
            if x > _O_THRESHOLD:
                return _INF
        if x < 0.0:
            return -1.0
    k = 0
    c = 0.0
    if ax >= _HALF_LN2:
        if ax < _THREE_HALVES_LN2:
            if x > 0.0:
                hi, lo, k = x - _LN2_HI, _LN2_LO, 1
            else:
                hi, lo, k = x + _LN2_HI, -_LN2_LO, -1
        else:
            k = int(_INVLN2 * x + (0.5 if x > 0.0 else -0.5))
            t = float(k)
            hi = x - t * _LN2_HI
            lo = t * _LN2_LO
        x = hi - lo
        c = (hi - x) - lo  # what rounding x lost
    elif ax < _TWO_M54:
        return x
    # expm1(r) = r + r²/2 + r³/2·(3 − (R1 + R1·r/2))/(6 − r·(3 − R1·r/2))
    hfx = 0.5 * x
    hxs = x * hfx
    r1 = 1.0 + hxs * (_Q1 + hxs * (_Q2 + hxs * (_Q3 + hxs * (_Q4 + hxs * _Q5))))
    t = 3.0 - r1 * hfx
    e = hxs * ((r1 - t) / (6.0 - x * t))
    if k == 0:
        return x - (x * e - hxs)
    e = x * (e - c) - c  # expm1(r + c) ≈ expm1(r) + c + r·c
    e -= hxs
    if k == -1:
        return 0.5 * (x - e) - 0.5
    if k == 1:
        if x < -0.25:
            return -2.0 * (e - (x + 0.5))
        return 1.0 + 2.0 * (x - e)
    if k <= -2 or k > 56:
        y = 1.0 - (e - x)
        return (math.ldexp(y, k) if k == 1024 else y * float(_POW2[k + 1074])) - 1.0
    if k < 20:
        y = (1.0 - float(_POW2[1074 - k])) - (e - x)  # 1 − 2^-k is exact
    else:
        y = x - (e + float(_POW2[1074 - k]))
        y += 1.0
    return y * float(_POW2[k + 1074])


def tanh(x: float) -> float:
    """tanh(x) as V8 computes it, from expm1 of 2|x|.

    >>> tanh(0.5), tanh(30.0), tanh(-0.0)
    (0.46211715726000974, 1.0, -0.0)
    """
    x = float(x)
    if x != x:
        return x + x
    ax = abs(x)
    if ax == _INF:
        return 1.0 if x > 0.0 else -1.0
    if ax < 22.0:
        if ax < _TWO_M28:
            return x
        large = ax >= 1.0
        t = expm1(2.0 * ax if large else -2.0 * ax)
        # tanh|x| = 1 − 2/(e^{2|x|} + 1) from 1 on, and −expm1(−2|x|)/(expm1(−2|x|) + 2) below
        z = 1.0 - 2.0 / (t + 2.0) if large else -t / (t + 2.0)
    else:
        z = 1.0
    return z if x >= 0.0 else -z


# --- sin, cos and log: element by element over arrays ---------------------------------------

_PIO4 = _above(0x3FE921FC)  # |x| below this needs no reduction (about π/4)
_3PIO4 = _above(0x4002D97C)  # below this, n is ±1 (about 3π/4)
_MEDIUM = _above(0x413921FC)  # reduced in full below this (about 2^20·π/2)
_NEAR_PIO2 = (_above(0x3FF921FB), _above(0x3FF921FC))  # |x| this close to π/2 needs more of π
_INVPIO2 = 6.36619772367581382433e-01
# π/2 cut into 33-bit pieces, each with the rest of π/2 after it ("t")
_PIO2_1 = 1.57079632673412561417e+00
_PIO2_1T = 6.07710050650619224932e-11
_PIO2_2 = 6.07710050630396597660e-11
_PIO2_2T = 2.02226624879595063154e-21
_PIO2_3 = 2.02226624871116645580e-21
_PIO2_3T = 8.47842766036889956997e-32
# the upper 32 bits of n·π/2 for n = 1…32: near them, r − w may cancel
_NPIO2_HIGH = np.array([
    0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C, 0x4025FDBB,
    0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C, 0x40346B9C, 0x4035FDBB,
    0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A, 0x403DD85A, 0x403F6A7A, 0x40407E4C,
    0x4041475C, 0x4042106C, 0x4042D97C, 0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB,
    0x4046C6CB, 0x40478FDB, 0x404858EB, 0x404921FB], dtype=np.int64)
# sin(x) ≈ x + S1·x³ + … + S6·x¹³ and cos(x) ≈ 1 − x²/2 + C1·x⁴ + … + C6·x¹⁴ on |x| ≤ π/4
_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11
_TINY_TRIG = 7.450580596923828e-09  # 2^-27: below it sin x = x and cos x = 1


_BLOCK = 4096


def _blockwise(f: Callable[[np.ndarray], tuple[np.ndarray, ...]], x: np.ndarray
               ) -> tuple[np.ndarray, ...]:
    """f of a flat array, _BLOCK elements at a time (its temporaries then stay in the
    processor's cache), its results joined."""
    if x.size <= _BLOCK:
        return f(x)
    parts = [f(x[i:i + _BLOCK]) for i in range(0, x.size, _BLOCK)]
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _high(x: np.ndarray) -> np.ndarray:
    """The upper 32 bits of each double, as the signed integers the original reads."""
    return np.ascontiguousarray(x).view(np.int64) >> 32


def _exponent(x: np.ndarray) -> np.ndarray:
    """The biased exponent field of each double."""
    return (_high(x) >> 20) & 0x7FF


def _reduce(ax: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ax = n·π/2 + (y0 + y1) with |y0 + y1| ≤ π/4, for 0 ≤ ax < 2^20·π/2 (fdlibm's
    __ieee754_rem_pio2). Returns n, y0, y1 (0 where no reduction is needed, and 0, 0, 0
    beyond 2^20·π/2, where the caller takes another value) and where it reduced."""
    inside = ax < _MEDIUM
    a = np.where(inside, ax, 0.0)
    # n = round(a·2/π), then a − n·π/2 with as much of π/2 as needed
    n = (a * _INVPIO2 + 0.5).astype(np.int64)
    fn = n.astype(np.float64)
    r = a - fn * _PIO2_1
    w = fn * _PIO2_1T  # good to 85 bits
    y0 = r - w
    # Next to a multiple of π/2, r − w may cancel: if more than 16 bits went, take 33 more bits
    # of π/2, and again if more than 49 went (151 bits in all).
    quick = (n < 32) & (_high(a) != _NPIO2_HIGH[np.clip(n - 1, 0, 31)])
    bits = _exponent(a)
    again = np.flatnonzero(~quick & (bits - _exponent(y0) > 16))
    for piece, rest, lost in ((_PIO2_2, _PIO2_2T, 16), (_PIO2_3, _PIO2_3T, 49)):
        again = again[bits[again] - _exponent(y0[again]) > lost]
        if again.size == 0:
            break
        f, t = fn[again], r[again]
        w2 = f * piece
        r2 = t - w2
        w2 = f * rest - ((t - r2) - w2)
        r[again], w[again], y0[again] = r2, w2, r2 - w2
    y1 = (r - y0) - w
    # Below 3π/4, n = 1 with one subtraction of 33 + 53 bits of π/2 (33 + 33 + 53 very near
    # π/2); below π/4, no reduction at all.
    near = (a >= _NEAR_PIO2[0]) & (a < _NEAR_PIO2[1])
    z = a - _PIO2_1
    z = np.where(near, z - _PIO2_2, z)
    tail = np.where(near, _PIO2_2T, _PIO2_1T)
    head = z - tail
    one, small = a < _3PIO4, a < _PIO4
    n = np.where(small, 0, np.where(one, 1, n))
    y0 = np.where(small, a, np.where(one, head, y0))
    y1 = np.where(small, 0.0, np.where(one, (z - head) - tail, y1))
    return n, y0, y1, ~small


def _kernel_sin(x: np.ndarray, y: np.ndarray, reduced: np.ndarray) -> np.ndarray:
    """sin(x + y) on [−π/4, π/4], y the tail of an argument where it was `reduced`."""
    z = x * x
    v = z * x
    r = _S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))
    out = x - ((z * (0.5 * y - v * r) - y) - v * _S1)  # sin(x + y) ≈ sin x + (1 − x²/2)·y
    # An argument that needed no reduction has no tail, and the original then takes
    # x + x³·(S1 + x²·r), which rounds differently.
    plain = ~reduced
    out[plain] = x[plain] + v[plain] * (_S1 + z[plain] * r[plain])
    return np.where(np.abs(x) < _TINY_TRIG, x, out)


def _kernel_cos(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """cos(x + y) on [−π/4, π/4]. Its thresholds are the original's, on the upper 32 bits
    of |x|: 0x3E400000 is 2^-27, 0x3FD33333 about 0.3, 0x3FE90000 0.78125."""
    high = _high(x) & 0x7FFFFFFF
    z = x * x
    r = z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    near_zero = 1.0 - (0.5 * z - (z * r - x * y))
    # For |x| ≥ 0.3, 1 − x²/2 is formed as (1 − qx) − (x²/2 − qx), both exact, with qx about
    # |x|/4 cut to 20 bits (0.28125 above 0.78125), which keeps the rounding small.
    quarter = (np.maximum(high - 0x00200000, 0) << 32).view(np.float64)
    qx = np.where(high > 0x3FE90000, 0.28125, quarter)
    far = (1.0 - qx) - ((0.5 * z - qx) - (z * r - x * y))
    return np.where(high < 0x3E400000, 1.0, np.where(high < 0x3FD33333, near_zero, far))


def sincos(x: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos together, element by element, with V8's last bits; one reduction serves both.

    >>> s, c = sincos(np.array([1.0, -2.0]))
    >>> s.tolist(), c.tolist()
    ([0.8414709848078965, -0.9092974268256817], [0.5403023058681398, -0.4161468365471424])
    """
    shape = np.shape(x)
    sine, cosine = _blockwise(_sincos, np.asarray(x, dtype=np.float64).ravel())
    return sine.reshape(shape), cosine.reshape(shape)


@np.errstate(all="ignore")  # steps not taken may underflow or overflow; JavaScript is quiet
def _sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ax = np.abs(x)
    n, y0, y1, reduced = _reduce(ax)
    ks, kc = _kernel_sin(y0, y1, reduced), _kernel_cos(y0, y1)
    # sin(n·π/2 + y) is sin y, cos y, −sin y, −cos y for n mod 4 = 0, 1, 2, 3, and cos is
    # sin one quadrant on. sin is odd and cos even, so a negative x changes the sign of sin.
    odd, half = (n & 1).astype(bool), (n & 2).astype(bool)
    sine = np.where(odd, kc, ks)
    sine = np.where(half != np.signbit(x), -sine, sine)
    cosine = np.where(odd, ks, kc)
    cosine = np.where(half != odd, -cosine, cosine)
    outside = np.flatnonzero(~(ax < _MEDIUM))  # beyond the reduction done here, ±inf, NaN
    if outside.size:
        sine[outside], cosine[outside] = np.sin(x[outside]), np.cos(x[outside])
    return sine, cosine


def sin(x: np.ndarray | float) -> np.ndarray:
    """sin, element by element, with V8's last bit.

    >>> float(sin(1.0)), float(sin(3.0))
    (0.8414709848078965, 0.1411200080598672)
    """
    return sincos(x)[0]


def cos(x: np.ndarray | float) -> np.ndarray:
    """cos, element by element, with V8's last bit.

    >>> float(cos(1.0)), float(cos(-2.0))
    (0.5403023058681398, -0.4161468365471424)
    """
    return sincos(x)[1]


_TWO54 = 1.80143985094819840000e+16
_MIN_NORMAL = 2.0**-1022
# log(1 + f) = 2s + s·R(s²), s = f/(2 + f), with R ≈ Lg1·z + … + Lg7·z⁷ on s ≤ 0.1716
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01


def log(x: np.ndarray | float) -> np.ndarray:
    """Natural log, element by element, with V8's last bit: x = 2^k·(1 + f) with
    √2/2 < 1 + f < √2, then k·ln2 + log(1 + f).

    >>> float(log(2.0)), float(log(0.3))
    (0.6931471805599453, -1.2039728043259361)
    """
    (out,) = _blockwise(_log, np.asarray(x, dtype=np.float64).ravel())
    return out.reshape(np.shape(x))


@np.errstate(all="ignore")  # steps not taken may underflow or overflow; JavaScript is quiet
def _log(x: np.ndarray) -> tuple[np.ndarray]:
    subnormal = (x > 0) & (x < _MIN_NORMAL)
    scaled = np.where(subnormal, x * _TWO54, x)
    bits = np.ascontiguousarray(scaled).view(np.int64)
    hx = bits >> 32
    k = np.where(subnormal, -54, 0) + (hx >> 20) - 1023
    hx = hx & 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000  # 1 + f ≥ √2: halve it, one more power of 2
    m = (((hx | (i ^ 0x3FF00000)) << 32) | (bits & 0xFFFFFFFF)).view(np.float64)
    k = k + (i >> 20)
    f = m - 1.0
    dk = k.astype(np.float64)
    # |f| < 2^-20: log(1 + f) ≈ f − f²/2 + f³/3
    tiny_r = f * f * (0.5 - 0.33333333333333333 * f)
    tiny = np.where(k == 0, f - tiny_r, dk * _LN2_HI - ((tiny_r - dk * _LN2_LO) - f))
    tiny = np.where(f == 0.0, np.where(k == 0, 0.0, dk * _LN2_HI + dk * _LN2_LO), tiny)
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    hfsq = 0.5 * f * f
    wide = ((hx - 0x6147A) | (0x6B851 - hx)) > 0  # f far enough from 0: keep f²/2 apart
    wide_out = np.where(k == 0, f - (hfsq - s * (hfsq + r)),
                        dk * _LN2_HI - ((hfsq - (s * (hfsq + r) + dk * _LN2_LO)) - f))
    narrow_out = np.where(k == 0, f - s * (f - r),
                          dk * _LN2_HI - ((s * (f - r) - dk * _LN2_LO) - f))
    out = np.where(wide, wide_out, narrow_out)
    out = np.where((0x000FFFFF & (2 + hx)) < 3, tiny, out)
    out = np.where(x == 0, -_INF, np.where(x < 0, np.nan, out))
    out = np.where(np.isfinite(x) | (x < 0), out, x + x)  # +inf and NaN
    return (out,)


__all__ = ["cos", "exp", "expm1", "log", "sin", "sincos", "tanh"]
