"""Time `nneq sweep`: 100 seeds × 200 epochs of the post's configuration (circle, 2-4-2-1 tanh).

Prints the whole command's wall time, start-up included (best of --repeat runs, each a new
process), then where the time goes inside one process, and networks × epochs per second.
Run: python benchmarks/bench_sweep.py [--seeds 100] [--epochs 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def whole_command(seeds: int, epochs: int, repeat: int) -> float:
    """Best wall time of the installed command, each run a fresh process."""
    exe = shutil.which("nneq") or str(Path(sys.executable).parent / "nneq")
    args = [exe, "sweep", "--seeds", str(seeds), "--epochs", str(epochs), "--seed", "0.53049",
            "--dataset", "circle", "--shape", "4,2", "--quiet"]
    best = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            began = time.perf_counter()
            subprocess.run(args, cwd=folder, check=True, capture_output=True)
            best = min(best, time.perf_counter() - began)
    return best


def inside(seeds: int, epochs: int) -> dict[str, float]:
    """Seconds spent importing, making the data and networks, and training, in this process."""
    began = time.perf_counter()
    from nneq.playground.config import Config
    from nneq.sweeps.sweep import member_seeds, stack

    imported = time.perf_counter()
    run = stack(Config(dataset="circle", shape=(4, 2), seed="0.53049"),
                member_seeds("0.53049", seeds))
    made = time.perf_counter()
    run.run(epochs)
    run.final_losses()
    trained = time.perf_counter()
    return {"import": imported - began, "data and networks": made - imported,
            "training": trained - made}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    total = whole_command(args.seeds, args.epochs, args.repeat)
    print(f"nneq sweep --seeds {args.seeds} --epochs {args.epochs}: {total:.2f} s "
          f"(whole command, start-up included, best of {args.repeat})")
    parts = inside(args.seeds, args.epochs)
    for name, seconds in parts.items():
        print(f"  {name:<18} {seconds:.3f} s")
    rate = args.seeds * args.epochs / parts["training"]
    print(f"  {rate:,.0f} network-epochs per second in training")


if __name__ == "__main__":
    main()
