"""Time `nneq sweep`: 1000 seeds × 200 epochs of the post's configuration (circle, 2-4-2-1 tanh).

Prints the whole command's wall time, start-up included (best of --repeat runs, each a new
process), the CPU time it used (all its processes, least of the runs), and its peak memory:
the largest resident set of any one of its processes, and the largest total of the command
and its worker processes at once (sampled every 10 ms from /proc: the command's resident set
plus the memory private to each worker, so that pages they share count once). Then where the time goes inside
one process, and networks × epochs per second. On a machine busy with other work the wall
time cannot gain from the workers; the CPU time shows what the command asked for.
Run: python benchmarks/bench_sweep.py [--seeds 1000] [--epochs 200] [--repeat 3] [--engine E]
                                      [--workers N]
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


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it (Linux)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _kib(pid: int, fields: tuple[str, ...]) -> int:
    """The sum of these /proc/PID/smaps_rollup fields in KiB, 0 if the process is gone."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.split(":")[0] in fields:
                total += int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return total


def _together_kib(pid: int) -> int:
    """The command's resident set plus the memory private to each of its workers: what the
    workers add, as the pages they share with the command are in its resident set."""
    below = _tree(pid)[1:]
    return (_kib(pid, ("Rss",))
            + sum(_kib(p, ("Private_Clean", "Private_Dirty")) for p in below))


def whole_command(seeds: int, epochs: int, repeat: int, engine: str, workers: int | None
                  ) -> tuple[float, float, float]:
    """Best wall time, least CPU time and largest sampled total memory (MiB) of the command."""
    exe = shutil.which("nneq") or str(Path(sys.executable).parent / "nneq")
    args = [exe, "sweep", "--seeds", str(seeds), "--epochs", str(epochs), "--seed", "0.53049",
            "--dataset", "circle", "--shape", "4,2", "--quiet", "--engine", engine]
    if workers is not None:
        args += ["--workers", str(workers)]
    best, cpu, total = float("inf"), float("inf"), 0
    sample = Path("/proc/self/smaps_rollup").exists()
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            process = subprocess.Popen(args, cwd=folder, stdout=subprocess.DEVNULL)
            while process.poll() is None:
                if sample:
                    total = max(total, _together_kib(process.pid))
                time.sleep(0.01)
            best = min(best, time.perf_counter() - began)
            if process.returncode:
                raise SystemExit(f"{' '.join(args)} failed with code {process.returncode}")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = min(cpu, after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
    return best, cpu, total / 1024


def peak_memory_mib() -> float:
    """The largest resident set of the finished child processes, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def inside(seeds: int, epochs: int, engine: str, workers: int) -> dict[str, float]:
    """Seconds spent importing, making the data and networks, and training, in this process."""
    began = time.perf_counter()
    from nneq.playground.config import Config
    from nneq.sweeps.sweep import member_seeds, stack

    imported = time.perf_counter()
    run = stack(Config(dataset="circle", shape=(4, 2), seed="0.53049"),
                member_seeds("0.53049", seeds), engine=engine, workers=workers)
    made = time.perf_counter()
    run.run(epochs)
    run.final_losses()
    run.close()
    trained = time.perf_counter()
    return {"import": imported - began, "data and networks": made - imported,
            "training": trained - made}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default="auto", choices=["auto", "numpy", "compiled"])
    parser.add_argument("--workers", type=int, default=None,
                        help="the command's --workers [default: its own default]")
    args = parser.parse_args()
    total, cpu, memory = whole_command(args.seeds, args.epochs, args.repeat, args.engine,
                                       args.workers)
    shown = "" if args.workers is None else f" --workers {args.workers}"
    print(f"nneq sweep --seeds {args.seeds} --epochs {args.epochs} --engine {args.engine}{shown}: "
          f"{total:.2f} s (whole command, start-up included, best of {args.repeat}); "
          f"CPU {cpu:.2f} s; peak memory {peak_memory_mib():.0f} MiB in one process, "
          f"{memory:.0f} MiB in all its processes together")
    from nneq.playground.processes import available_cores

    workers = args.workers if args.workers is not None else available_cores()
    parts = inside(args.seeds, args.epochs, "numpy" if args.engine == "auto" else args.engine,
                   workers)
    print(f"  inside one command, {workers} worker(s):")
    for name, seconds in parts.items():
        print(f"  {name:<18} {seconds:.3f} s")
    rate = args.seeds * args.epochs / parts["training"]
    print(f"  {rate:,.0f} network-epochs per second in training")


if __name__ == "__main__":
    main()
