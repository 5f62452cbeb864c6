"""Time `nneq sweep`: 1000 seeds × 200 epochs of the post's configuration (circle, 2-4-2-1 tanh).

Prints the whole command's wall time, start-up included (best of --repeat runs, each a new
process), its peak memory (the largest resident set of those processes), then where the time
goes inside one process, and networks × epochs per second.
Run: python benchmarks/bench_sweep.py [--seeds 1000] [--epochs 200] [--repeat 3] [--engine E]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def whole_command(seeds: int, epochs: int, repeat: int, engine: str) -> float:
    """Best wall time of the installed command, each run a fresh process."""
    exe = shutil.which("nneq") or str(Path(sys.executable).parent / "nneq")
    args = [exe, "sweep", "--seeds", str(seeds), "--epochs", str(epochs), "--seed", "0.53049",
            "--dataset", "circle", "--shape", "4,2", "--quiet", "--engine", engine]
    best = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            began = time.perf_counter()
            subprocess.run(args, cwd=folder, check=True, capture_output=True)
            best = min(best, time.perf_counter() - began)
    return best


def peak_memory_mib() -> float:
    """The largest resident set of the finished child processes, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def inside(seeds: int, epochs: int, engine: str) -> dict[str, float]:
    """Seconds spent importing, making the data and networks, and training, in this process."""
    began = time.perf_counter()
    from nneq.playground.config import Config
    from nneq.sweeps.sweep import member_seeds, stack

    imported = time.perf_counter()
    run = stack(Config(dataset="circle", shape=(4, 2), seed="0.53049"),
                member_seeds("0.53049", seeds), engine=engine)
    made = time.perf_counter()
    run.run(epochs)
    run.final_losses()
    trained = time.perf_counter()
    return {"import": imported - began, "data and networks": made - imported,
            "training": trained - made}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default="auto", choices=["auto", "numpy", "compiled"])
    args = parser.parse_args()
    total = whole_command(args.seeds, args.epochs, args.repeat, args.engine)
    print(f"nneq sweep --seeds {args.seeds} --epochs {args.epochs} --engine {args.engine}: "
          f"{total:.2f} s (whole command, start-up included, best of {args.repeat}); "
          f"peak memory {peak_memory_mib():.0f} MiB")
    parts = inside(args.seeds, args.epochs, "numpy" if args.engine == "auto" else args.engine)
    for name, seconds in parts.items():
        print(f"  {name:<18} {seconds:.3f} s")
    rate = args.seeds * args.epochs / parts["training"]
    print(f"  {rate:,.0f} network-epochs per second in training")


if __name__ == "__main__":
    main()
