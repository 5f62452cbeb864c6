"""Which engine trains a run: `numpy`, `compiled` (the `fast` extra) or `auto`.

Both engines compute the Playground's steps (docs/playground.md §9 to §14). The numpy engine
costs a fixed half microsecond or so per numpy call, and a batch takes 6 calls per layer or so
whatever its size, so it is fast on large batches and slow on small ones. The compiled engine
costs a little per link and example, whatever the batch, but loading numba and its cached code
takes about a second before the first epoch. `auto` estimates both and picks the compiled
engine only when numba is installed and the estimate says it wins by more than that second.
Nothing here imports numba.
"""

from __future__ import annotations

import importlib.util
from itertools import pairwise

from nneq.playground.config import Config
from nneq.playground.errors import ConfigError

ENGINE_CHOICES = ("auto", "numpy", "compiled")

# Seconds, fitted to the epochs per second of both engines on batch-1 to batch-30 networks of 3 to
# 49 units, as benchmarks/bench_train.py prints them (see the README's section on engines). The
# times are rough (on the smallest networks the compiled engine's are three to five times too
# low: its per-example steps weigh more there), but the number of epochs from which the
# compiled engine wins, which is all `auto` needs,
# comes out within a factor of two or so of the measured one (which moves as much from one run
# to the next on a busy machine).
LOAD_SECONDS = 1.0  # importing numba and loading the cached kernels
NUMPY_PER_CALL = 0.5e-6  # one numpy call on small arrays
NUMPY_PER_MAC = 0.5e-9  # one multiply-add inside a numpy product
COMPILED_PER_MAC = 0.5e-9  # one multiply-add of the compiled loop
COMPILED_PER_FUNCTION = 15e-9  # one tanh or exp (for relu and linear units, one example's steps)


def check_engine(engine: object) -> str:
    """`engine` as one of ENGINE_CHOICES, matched without regard to case as every choice is;
    ConfigError otherwise.

    >>> check_engine("Compiled")
    'compiled'
    """
    if not isinstance(engine, str) or engine.lower() not in ENGINE_CHOICES:
        raise ConfigError("engine", engine, "one of " + ", ".join(ENGINE_CHOICES))
    return engine.lower()


def compiled_available() -> bool:
    """Whether numba is installed (it is not imported)."""
    return importlib.util.find_spec("numba") is not None


def _counts(config: Config) -> tuple[int, int, int, int, int]:
    """Training points, all points, links, units, layers of links."""
    points = 1200 if config.problem == "regression" else 500
    n_train = int(points * config.train_percent // 100)
    sizes = config.layer_sizes
    return n_train, points, sum(a * b for a, b in pairwise(sizes)), sum(sizes[1:]), len(sizes) - 1


def estimated_seconds(engine: str, config: Config, epochs: int, *, members: int = 1) -> float:
    """A rough estimate of the training time of `members` networks of `config` with `engine`."""
    n_train, points, links, units, layers = _counts(config)
    if engine == "numpy":
        updates = n_train // config.batch_size
        calls = (updates + 1) * (6 * layers + 4)  # the batches, then the losses
        macs = (3 * n_train + points) * links
        return epochs * (calls * NUMPY_PER_CALL + members * macs * NUMPY_PER_MAC)
    transcendental = config.activation in ("tanh", "sigmoid")
    functions = (n_train + points) * (units if transcendental else 1)
    per_member = ((3 * n_train + points) * links * COMPILED_PER_MAC
                  + functions * COMPILED_PER_FUNCTION)
    return LOAD_SECONDS + epochs * members * per_member


def choose_engine(engine: str, config: Config, epochs: int, *, members: int = 1) -> str:
    """The engine to use: `numpy` or `compiled` as asked, or for `auto` the compiled one when
    numba is installed and its estimated time, loading included, is below the numpy engine's."""
    engine = check_engine(engine)
    if engine == "compiled" and not compiled_available():
        raise ConfigError("engine", engine,
                          "numpy or auto (the compiled engine needs: pip install 'nneq[fast]')")
    if engine != "auto":
        return engine
    if compiled_available() and (estimated_seconds("compiled", config, epochs, members=members)
                                 < estimated_seconds("numpy", config, epochs, members=members)):
        return "compiled"
    return "numpy"
