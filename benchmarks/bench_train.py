"""Epochs per second of the trainer, both losses computed after every epoch as the Playground does.

(a) the post's configuration (reference case v01: circle, 2-4-2-1 tanh, batch 10);
(b) a deep network: x1, x2, x1^2, x2^2 into six relu layers of 8, batch 1, learning rate 0.003;
and batch 1 at shapes 2, 4-2 and 8-8 (circle, tanh).
Each runs with the numpy engine and, when numba is installed, the compiled engine (its loading
and compiling are timed apart, as "load"). The Playground's own loop is not run here. Its
rates on this kind of machine (2 cores), measured with its own nn.ts under Node v20, replaying
its one-step function on the same data and starting weights and interleaved with nneq in one
run (best of five or seven), were about 2,400 epochs/s on (a), 290 on (b), and 5,000, 2,450
and 840 at batch 1 with shapes 2, 4-2 and 8-8; the ratios printed are against those figures,
which vary by a fifth or more from run to run on a shared machine.
With --model, it also checks `auto`'s cost model (nneq/playground/engine.py) on more networks:
both engines' seconds per epoch, measured and estimated, and from how many epochs the compiled
engine wins (its loading time included), measured and estimated.
Run: python benchmarks/bench_train.py [--repeat N] [--engine numpy|compiled] [--model]
"""

from __future__ import annotations

import argparse
import importlib.util
import time

from nneq import Config
from nneq.playground import engine as engines
from nneq.playground.train import training

CASES = {  # each case: its configuration, the epochs timed, the Playground's epochs/s
    "(a) post circle 2-4-2-1 tanh, batch 10": (
        Config(dataset="circle", shape=(4, 2), seed="0.53049"), 1000, 2400.0),
    "(b) deep 4-8x6-1 relu, batch 1": (
        Config(dataset="circle", features=("x1", "x2", "x1^2", "x2^2"), shape=(8,) * 6,
               activation="relu", batch_size=1, learning_rate=0.003, seed="0.53049"), 200, 290.0),
    "batch 1, circle 2-2-1 tanh": (
        Config(dataset="circle", shape=(2,), batch_size=1, seed="0.53049"), 500, 5000.0),
    "batch 1, circle 2-4-2-1 tanh": (
        Config(dataset="circle", shape=(4, 2), batch_size=1, seed="0.53049"), 500, 2450.0),
    "batch 1, circle 2-8-8-1 tanh": (
        Config(dataset="circle", shape=(8, 8), batch_size=1, seed="0.53049"), 300, 840.0),
}


def rate(config: Config, epochs: int, engine: str, repeat: int) -> float:
    """Best epochs per second over `repeat` runs (set-up excluded)."""
    best = float("inf")
    for _ in range(repeat):
        run = training(config, engine=engine)
        began = time.perf_counter()
        run.run(epochs)
        best = min(best, time.perf_counter() - began)
    return epochs / best


# More networks for the cost model: sizes, activations and batches around the choice.
MODEL_CASES = {
    "relu 2-3-1, batch 1": Config(shape=(3,), activation="relu", batch_size=1, seed="m"),
    "relu 2-8-8-1, batch 1": Config(shape=(8, 8), activation="relu", batch_size=1, seed="m"),
    "linear reg-plane 2-6-6-6-1, batch 1": Config(
        dataset="reg-plane", shape=(6, 6, 6), activation="linear", batch_size=1,
        learning_rate=0.001, seed="m"),
    "sigmoid 2-8-8-8-1, batch 3": Config(shape=(8, 8, 8), activation="sigmoid", batch_size=3,
                                         seed="m"),
    "relu 4-8x6-1, batch 10": Config(features=("x1", "x2", "x1^2", "x2^2"), shape=(8,) * 6,
                                     activation="relu", learning_rate=0.003, seed="m"),
    "tanh 2-8-8-1, batch 30": Config(shape=(8, 8), batch_size=30, seed="m"),
}


def seconds_per_epoch(config: Config, engine: str, repeat: int) -> float:
    """Best seconds per epoch over `repeat` short runs, both engines' runs interleaved by the
    caller; losses computed after every epoch."""
    run = training(config, engine=engine)
    run.run(1)
    n = 10 if engine == "compiled" or config.batch_size > 1 else 2
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        run.run(n)
        best = min(best, (time.perf_counter() - began) / n)
    return best


def check_model(repeat: int, load: float) -> None:
    """Measured and estimated seconds per epoch, and the epochs from which compiled wins."""
    print(f"auto's cost model (loading: measured {load:.2f} s, assumed "
          f"{engines.LOAD_SECONDS:.2f} s):")
    cases = {name: config for name, (config, _, _) in CASES.items()} | MODEL_CASES
    for name, config in cases.items():
        measured = {e: seconds_per_epoch(config, e, repeat) for e in ("numpy", "compiled")}
        estimated = {"numpy": engines.estimated_seconds("numpy", config, 1),
                     "compiled": engines.estimated_seconds("compiled", config, 1)
                     - engines.LOAD_SECONDS}

        def wins_from(times: dict[str, float], load: float) -> str:
            saved = times["numpy"] - times["compiled"]
            return f"from {load / saved:,.0f} epochs" if saved > 0 else "never"

        print(f"{name}: numpy {measured['numpy'] * 1e6:,.0f} µs/epoch (model "
              f"{estimated['numpy'] * 1e6:,.0f}), compiled {measured['compiled'] * 1e6:,.0f} "
              f"(model {estimated['compiled'] * 1e6:,.0f}); compiled wins "
              f"{wins_from(measured, load)} (model {wins_from(estimated, engines.LOAD_SECONDS)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (best is kept)")
    parser.add_argument("--engine", choices=["numpy", "compiled"], action="append")
    parser.add_argument("--model", action="store_true",
                        help="also check auto's cost model against measured times")
    args = parser.parse_args()
    chosen = args.engine or ["numpy"] + (["compiled"] if importlib.util.find_spec("numba") else [])
    load = 0.0
    if "compiled" in chosen or args.model:
        began = time.perf_counter()
        training(Config(dataset="xor", seed="load"), engine="compiled").run(1)
        load = time.perf_counter() - began
        print(f"compiled engine: load (numba, cached kernels) {load:.2f} s")
    for name, (config, epochs, playground) in CASES.items():
        for engine in chosen:
            # The numpy engine is slow at batch 1: fewer epochs keep the run short.
            n = epochs if engine == "compiled" or config.batch_size > 1 else max(epochs // 10, 20)
            per_second = rate(config, n, engine, args.repeat)
            versus = f", {per_second / playground:.1f}x the Playground's ~{playground:,.0f}"
            print(f"{name}, {engine}: {per_second:,.0f} epochs/s ({n} epochs, best of "
                  f"{args.repeat}{versus})")
    if args.model:
        check_model(max(args.repeat, 20), load)


if __name__ == "__main__":
    main()
