"""Time whole `nneq` commands, start-up included, and what importing each part costs.

Each command runs as a new process, several times; the best wall time is printed, as the
least disturbed by other work on the machine. Given `--tree DIR` more than once (checkouts
of nneq, e.g. a release and the working copy), the trees take turns on every repetition, so
that a busy machine slows each of them alike. Then `python -X importtime` shows, for the
last tree, the modules each command imports, grouped by package, and whether numpy,
pydantic or other heavy packages were among them.
Run: python benchmarks/bench_startup.py [--repeat 7] [--tree OLD --tree NEW]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

COMMANDS = (
    ("--help",),
    ("datasets",),
    ("url", "model.json"),
    ("train", "--dataset", "xor", "--shape", "4,2", "--epochs", "500", "--quiet", "--out",
     "model.json"),
    ("equations", "model.json"),
)
WATCHED = ("numpy", "pydantic", "rich", "sympy", "matplotlib", "scipy", "tabulate")
HERE = Path(__file__).resolve().parent.parent


def environment(tree: Path) -> dict[str, str]:
    """This process's environment with `tree` first on the module path, and bytecode cached
    as an installed package has it (PYTHONDONTWRITEBYTECODE would recompile every run)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(tree: Path, words: tuple[str, ...], cwd: str) -> float:
    """Wall time of one fresh `python -m nneq WORDS` process using the nneq in `tree`."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nneq", *words], cwd=cwd, env=environment(tree),
                   check=True, capture_output=True)
    return time.perf_counter() - began


def imports(tree: Path, words: tuple[str, ...], cwd: str) -> tuple[dict[str, float], float]:
    """Import time by top-level package (self time, seconds), and the total, for one command."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "nneq", *words], cwd=cwd,
                          env=environment(tree), capture_output=True, text=True, check=False)
    by_package: dict[str, float] = defaultdict(float)
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            by_package[match.group(4).split(".")[0]] += int(match.group(1)) / 1e6
    return dict(by_package), sum(by_package.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--tree", type=Path, action="append",
                        help="a checkout of nneq to time (repeatable) [default: this one]")
    args = parser.parse_args()
    trees = [tree.resolve() for tree in args.tree or [HERE]]
    with tempfile.TemporaryDirectory() as scratch:
        folders = {tree: Path(scratch) / str(k) for k, tree in enumerate(trees)}
        for tree, folder in folders.items():  # warm the bytecode caches, make each tree's model
            folder.mkdir()
            run(tree, COMMANDS[3], str(folder))
        best = {(tree, words): float("inf") for tree in trees for words in COMMANDS}
        for _ in range(args.repeat):
            for words in COMMANDS:
                for tree in trees:
                    seconds = run(tree, words, str(folders[tree]))
                    best[tree, words] = min(best[tree, words], seconds)
        print(f"whole command, best of {args.repeat} fresh processes (python -m nneq), seconds")
        print(f"  {'command':<44}" + "".join(f"{tree.name:>12}" for tree in trees))
        for words in COMMANDS:
            name = " ".join(w for w in words if w not in ("--out", "model.json") or w == words[1])
            print(f"  nneq {name:<39}" + "".join(f"{best[tree, words]:12.3f}" for tree in trees))
        tree = trees[-1]
        print(f"\nimport time by package in {tree.name} (python -X importtime, one run, seconds):")
        for words in COMMANDS:
            by_package, total = imports(tree, words, str(folders[tree]))
            loaded = [name for name in WATCHED if name in by_package]
            top = sorted(by_package.items(), key=lambda kv: -kv[1])[:5]
            shown = ", ".join(f"{name} {seconds:.3f}" for name, seconds in top)
            print(f"  nneq {words[0]:<10} total {total:.3f}: {shown}")
            print(f"  {'':15} loads {', '.join(loaded) or 'none of ' + ', '.join(WATCHED)}")


if __name__ == "__main__":
    main()
