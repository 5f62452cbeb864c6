"""Time `nneq study`: 24 cells × 100 seeds × 200 epochs of the post's configuration, with 1 and
2 local workers.

The post's starting link (circle data, 2-4-2-1 tanh, seed 0.53049) with six shapes and four
noise levels varied: 24 cells, each one stacked sweep of 100 seeds. Prints the whole command's
wall time for each number of workers (start-up included, best of --repeat runs, each a new
process), the speed-up of the most workers over one, and network-epochs per second (cells ×
seeds × epochs over the wall time). Timings on a shared machine are noisy.
Run: python benchmarks/bench_study.py [--seeds 100] [--epochs 200] [--workers 1 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STUDY = """\
url = "https://playground.tensorflow.org/#dataset=circle&networkShape=4,2&seed=0.53049"
seeds = {seeds}
epochs = {epochs}
paired = ["shape"]
[vary]
shape = [[4, 2], [3, 2], [2, 2], [4, 1], [3, 1], [2, 1]]
noise = [0, 10, 20, 30]
"""
CELLS = 24


def whole_command(study: Path, workers: int, repeat: int) -> float:
    """Best wall time of the installed command with `workers` processes, each run a new process."""
    exe = shutil.which("nneq") or str(Path(sys.executable).parent / "nneq")
    best = float("inf")
    for _ in range(repeat):
        out = study.with_name(f"out-{workers}.json")
        out.unlink(missing_ok=True)  # a fresh run, not a resumed one
        began = time.perf_counter()
        subprocess.run([exe, "study", str(study), "--workers", str(workers), "--quiet",
                        "--out", str(out)], check=True, capture_output=True)
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    work = CELLS * args.seeds * args.epochs
    with tempfile.TemporaryDirectory() as folder:
        study = Path(folder) / "study.toml"
        study.write_text(STUDY.format(seeds=args.seeds, epochs=args.epochs))
        times = {}
        for workers in args.workers:
            times[workers] = whole_command(study, workers, args.repeat)
            print(f"{workers} worker{'s' if workers > 1 else ''}: {times[workers]:.1f} s, "
                  f"{work / times[workers]:,.0f} network-epochs/s "
                  f"({CELLS} cells × {args.seeds} seeds × {args.epochs} epochs)", flush=True)
        low, high = min(times), max(times)
        if high != low:
            print(f"speed-up with {high} workers over {low}: {times[low] / times[high]:.2f}")
        outs = {w: (Path(folder) / f"out-{w}.json").read_text() for w in times}
        print("results identical across worker counts:", len(set(outs.values())) == 1)


if __name__ == "__main__":
    main()
