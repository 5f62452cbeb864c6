"""Epochs per second of the trainer, both losses computed after every epoch as the Playground does.

(a) the post's configuration (reference case v01) for 1000 epochs;
(b) a deep network: x1, x2, x1^2, x2^2 into six relu layers of 8, batch 1, learning rate 0.003,
    for 50 epochs.
Run: python benchmarks/bench_train.py [--repeat N]
"""

from __future__ import annotations

import argparse
import time

from nneq import Config
from nneq.playground.train import training

CASES = {
    "(a) post circle 2-4-2-1 tanh, batch 10": (
        Config(dataset="circle", shape=(4, 2), seed="0.53049"), 1000),
    "(b) deep 4-8x6-1 relu, batch 1": (
        Config(dataset="circle", features=("x1", "x2", "x1^2", "x2^2"), shape=(8,) * 6,
               activation="relu", batch_size=1, learning_rate=0.003, seed="0.53049"), 50),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (best is kept)")
    args = parser.parse_args()
    for name, (config, epochs) in CASES.items():
        best = float("inf")
        for _ in range(args.repeat):
            run = training(config)
            began = time.perf_counter()
            run.run(epochs)
            best = min(best, time.perf_counter() - began)
        print(f"{name}: {epochs / best:,.0f} epochs/s ({epochs} epochs in {best:.3f} s, best of "
              f"{args.repeat})")


if __name__ == "__main__":
    main()
