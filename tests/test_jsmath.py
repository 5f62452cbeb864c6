"""jsmath against V8 itself: every bit of Math.sin, cos, log, exp, expm1 and tanh on a fixed
set of arguments (tests/data/jsmath_v8.json, written by tests/data/jsmath_v8.js under the
Node.js that made the reference files), and within one unit in the last place of the C
library everywhere else."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nneq.playground import jsmath

from .conftest import ENGINES

GOLDEN = json.loads((Path(__file__).parent / "data" / "jsmath_v8.json").read_text())


def doubles(hexes: list[str]) -> np.ndarray:
    return np.array([int(h, 16) for h in hexes], dtype=np.uint64).view(np.float64)


X = doubles(GOLDEN["x"])


def assert_same_bits(got: np.ndarray, name: str, where: np.ndarray | None = None) -> None:
    expected = doubles(GOLDEN[name])
    same = (got.view(np.uint64) == expected.view(np.uint64)) | (np.isnan(got) & np.isnan(expected))
    if where is not None:
        same |= ~where
    wrong = np.flatnonzero(~same)
    assert wrong.size == 0, (f"{name} differs at {wrong.size} arguments, e.g. "
                             f"{X[wrong[:3]].tolist()}: {got[wrong[:3]].tolist()} "
                             f"instead of {expected[wrong[:3]].tolist()}")


def test_the_golden_file_comes_from_the_reference_javascript_engine():
    assert GOLDEN["node"] == "v20.20.2" and GOLDEN["v8"].startswith("11.3.244.8")
    assert len(X) > 2500


def test_log_gives_v8s_bits():
    assert_same_bits(jsmath.log(X), "log")


REDUCED = ~(np.abs(X) >= 2**20 * np.pi / 2)  # sin and cos reduce these in full (and NaN)


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_sin_and_cos_give_v8s_bits_up_to_2_to_the_20_times_half_pi(name):
    assert REDUCED.sum() > 2500
    assert_same_bits(getattr(jsmath, name)(X), name, where=REDUCED)


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_beyond_it_sin_and_cos_are_the_c_librarys(name):
    beyond = X[~REDUCED & np.isfinite(X)]
    assert beyond.size > 50
    np.testing.assert_array_equal(getattr(jsmath, name)(beyond), getattr(np, name)(beyond))


@pytest.mark.parametrize("name", ["exp", "expm1", "tanh"])
def test_scalar_functions_give_v8s_bits(name):
    f: Callable[[float], float] = getattr(jsmath, name)
    got = np.array([f(float(v)) for v in X])
    assert all(type(f(float(v))) is float for v in X[:50])  # plain floats, not numpy scalars
    assert_same_bits(got, name)


@pytest.mark.skipif("compiled" not in ENGINES, reason="numba is not installed")
@pytest.mark.parametrize("name", ["exp", "tanh"])
def test_the_compiled_engines_exp_and_tanh_give_v8s_bits(name):
    from nneq.playground import compiled

    f = {"exp": compiled.js_exp, "tanh": compiled.js_tanh}[name]
    assert_same_bits(np.array([f(float(v)) for v in X]), name)


def test_the_c_library_differs_where_jsmath_does_not():
    """The golden file is a real test: numpy's own functions miss V8's bits on many of its
    arguments, which jsmath gets."""
    with np.errstate(all="ignore"):
        for name, f in (("sin", np.sin), ("cos", np.cos), ("log", np.log), ("exp", np.exp)):
            expected = doubles(GOLDEN[name])
            assert (f(X) != expected).sum() > 20, name


def test_shapes_signs_and_special_values():
    x = np.array([[0.0, -0.0], [np.inf, np.nan]])
    with np.errstate(invalid="ignore"):
        s, c, lg = jsmath.sin(x), jsmath.cos(x), jsmath.log(x)
    assert s.shape == c.shape == lg.shape == (2, 2)
    assert math.copysign(1, s[0, 1]) == -1 and s[0, 0] == 0 and np.isnan(s[1]).all()
    assert c[0].tolist() == [1.0, 1.0] and np.isnan(c[1]).all()
    assert lg[0].tolist() == [-math.inf, -math.inf] and lg[1, 0] == math.inf
    assert np.isnan(jsmath.log(-1.0))
    assert jsmath.tanh(math.inf) == 1.0 and jsmath.tanh(-math.inf) == -1.0
    assert math.isnan(jsmath.tanh(math.nan)) and math.isnan(jsmath.exp(math.nan))
    assert jsmath.exp(math.inf) == math.inf and jsmath.exp(-math.inf) == 0.0
    assert jsmath.expm1(-math.inf) == -1.0 and jsmath.expm1(1000.0) == math.inf


def ulps_apart(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ordered = lambda v: np.where(v < 0, -(np.abs(v).view(np.int64)), v.view(np.int64))  # noqa: E731
    return np.abs(ordered(a) - ordered(b))


finite = st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(st.floats(min_value=-1.6e6, max_value=1.6e6), min_size=1, max_size=50))
def test_sin_and_cos_are_within_one_ulp_of_the_c_library(values):
    x = np.array(values)
    assert ulps_apart(jsmath.sin(x), np.sin(x)).max() <= 1
    assert ulps_apart(jsmath.cos(x), np.cos(x)).max() <= 1


@given(st.lists(st.floats(min_value=0, exclude_min=True, allow_infinity=False), min_size=1,
                max_size=50))
def test_log_is_within_one_ulp_of_the_c_library(values):
    x = np.array(values)
    assert ulps_apart(jsmath.log(x), np.log(x)).max() <= 1


@given(st.floats(min_value=-740, max_value=709))
def test_exp_and_tanh_are_within_one_ulp_of_the_c_library(x):
    assert ulps_apart(np.array([jsmath.exp(x)]), np.array([math.exp(x)]))[0] <= 1
    assert ulps_apart(np.array([jsmath.expm1(x)]), np.array([math.expm1(x)]))[0] <= 1
    assert ulps_apart(np.array([jsmath.tanh(x)]), np.array([math.tanh(x)]))[0] <= 1
