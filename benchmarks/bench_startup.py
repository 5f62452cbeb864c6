"""Time whole `nneq` commands, start-up included, and what importing each part costs.

Each command runs as a new process (the installed `nneq`, or `python -m nneq` if it is not on
PATH) several times; the best wall time is printed, as the least disturbed by other work on
the machine. Then `python -X importtime` shows the modules one command imports, grouped by
package, and whether numpy, pydantic or rich were among them.
Run: python benchmarks/bench_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

COMMANDS = (
    ("--help",),
    ("datasets",),
    ("url", "model.json"),
    ("train", "--dataset", "xor", "--shape", "4,2", "--epochs", "500", "--quiet", "--out",
     "model.json"),
    ("equations", "model.json"),
)
WATCHED = ("numpy", "pydantic", "rich", "sympy", "matplotlib", "scipy", "tabulate")


def command() -> list[str]:
    """The installed entry point, or the module when it is not on PATH."""
    exe = shutil.which("nneq")
    return [exe] if exe else [sys.executable, "-m", "nneq"]


def best_of(args: list[str], repeat: int, cwd: str) -> float:
    """The shortest wall time of `repeat` fresh processes running `args`."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        best = min(best, time.perf_counter() - began)
    return best


def imports(args: tuple[str, ...], cwd: str) -> tuple[dict[str, float], float]:
    """Cumulative import time by top-level package, and the total, for one command."""
    code = "import sys; from nneq.cli import main; sys.argv = ['nneq', *sys.argv[1:]]; main()"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args], cwd=cwd,
                          capture_output=True, text=True, check=False)
    by_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        self_us, name = int(match.group(1)), match.group(4)
        by_package[name.split(".")[0]] += self_us / 1e6
        total += self_us / 1e6
    return dict(by_package), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    base = command()
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([*base, *COMMANDS[3]], cwd=folder, check=True, capture_output=True)
        print(f"whole command, best of {args.repeat} fresh processes ({' '.join(base)}):")
        for words in COMMANDS:
            seconds = best_of([*base, *words], args.repeat, folder)
            print(f"  nneq {' '.join(words):<70} {seconds:6.3f} s")
        print("\nimport time by package (python -X importtime, one run, seconds):")
        for words in COMMANDS:
            by_package, total = imports(words, folder)
            loaded = [name for name in WATCHED if name in by_package]
            top = sorted(by_package.items(), key=lambda kv: -kv[1])[:6]
            shown = ", ".join(f"{name} {seconds:.3f}" for name, seconds in top)
            print(f"  nneq {words[0]:<10} total {total:.3f}: {shown}")
            print(f"  {'':15} loads {', '.join(loaded) or 'none of ' + ', '.join(WATCHED)}")


if __name__ == "__main__":
    main()
