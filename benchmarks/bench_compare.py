"""Time the comparison: the alignment on large networks, and `nneq compare` with its chance level.

1. A model compared with its own tables, for hidden layers from 30 units up to the largest
   network nneq allows (20 layers of 100): the alignment alone and the whole comparison
   (equations, alignment, report structures; the chance level left out), then the chance
   level alone (one run): its seconds, the random tables it drew and the p-value's standard
   error (large networks draw fewer tables, fixed by their size).
2. The installed `nneq compare` command, start-up included (best of --repeat runs, each a
   new process), with the chance level, on every predicted table of examples/post against
   its model in examples/post/report; also the CPU time of the comparison inside one process.

Figures vary with the machine's load: the best of several runs is the fairest.
Run: python benchmarks/bench_compare.py [--repeat 3] [--skip-large]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
POST = ROOT / "examples" / "post"
SHAPES = [(30,), (100,), (30, 30), (50, 50), (100, 100), (100,) * 20]


def random_model(shape: tuple[int, ...], seed: int = 1):  # a benchmark helper: untyped return
    """A model with normally distributed weights: no training needed."""
    from nneq.playground.config import Config
    from nneq.playground.model import Model
    from nneq.playground.network import Layer

    config = Config(dataset="xor", shape=shape, seed="bench")
    rng = np.random.default_rng(seed)
    layers = tuple(Layer(rng.normal(size=(a, b)), rng.normal(size=b), np.zeros((a, b), dtype=bool))
                   for a, b in pairwise(config.layer_sizes))
    return Model(config, layers, np.zeros(1), np.zeros(1))


def large_networks() -> None:
    from nneq.comparison.chance import chance_level
    from nneq.comparison.compare import compare, predicted_signs
    from nneq.comparison.symmetry import align, flippable, sign_matrices
    from nneq.comparison.tables import from_equations
    from nneq.explain.equations import equations

    print("A model against its own tables (seconds, best of 2):")
    print(f"  {'hidden layers':<16} {'alignment':>10} {'comparison':>11}  agree/compared"
          f"  {'chance':>7} {'draws':>5} {'std err':>7}")
    for shape in SHAPES:
        model = random_model(shape)
        prediction = from_equations(equations(model))
        wanted, learnt = predicted_signs(prediction, model.config), sign_matrices(model)
        best_align = best_all = float("inf")
        for _ in range(2):
            began = time.perf_counter()
            align(wanted, learnt, flippable=flippable(model.config))
            best_align = min(best_align, time.perf_counter() - began)
            began = time.perf_counter()
            result = compare(prediction, model, chance=False)
            best_all = min(best_all, time.perf_counter() - began)
        began = time.perf_counter()
        level = chance_level(wanted, learnt, flippable=flippable(model.config), observed=result.agree)
        chance_s = time.perf_counter() - began
        name = f"{shape[0]}" + (f" x {len(shape)}" if len(shape) > 2 else
                                "".join(f",{n}" for n in shape[1:]))
        print(f"  {name:<16} {best_align:>10.3f} {best_all:>11.3f}  "
              f"{f'{result.agree}/{result.compared}':<14}  {chance_s:>7.2f} {level.draws:>5} "
              f"{level.standard_error:>7.3f}", flush=True)


def post_tables(repeat: int) -> None:
    from nneq.comparison.compare import compare, read_predicted
    from nneq.storage.modelfile import load

    exe = shutil.which("nneq") or str(Path(sys.executable).parent / "nneq")
    print(f"\n`nneq compare` with the chance level on the post's tables (best of {repeat} runs):")
    print("  command: wall seconds of the whole command, start-up included, and its CPU seconds;")
    print("  compare: CPU seconds of the comparison alone (chance included), inside one process")
    print(f"  {'table':<8} {'command s':>9} {'command CPU s':>13} {'compare CPU s':>13}  chance")
    for table in sorted(POST.glob("exp*.md")):
        model = POST / "report" / f"{table.stem}.json"
        if not model.exists():
            continue
        args = [exe, "compare", str(table), str(model), "--alias", "x3=x1x2"]
        best = best_cpu = float("inf")
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            done = subprocess.run(args, check=False, capture_output=True, text=True)
            best = min(best, time.perf_counter() - began)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            best_cpu = min(best_cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode:
            print(f"  {table.stem:<8} not compared: {done.stderr.strip()}")
            continue
        prediction = read_predicted(table, aliases={"x3": "x1x2"})
        learnt = load(model)
        cpu = time.process_time()
        result = compare(prediction, learnt)
        cpu = time.process_time() - cpu
        chance = result.chance
        said = "" if chance is None else f"{chance.how()}, {chance.p_text()}"
        print(f"  {table.stem:<8} {best:>9.2f} {best_cpu:>13.2f} {cpu:>13.3f}  {said}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    if not args.skip_large:
        large_networks()
    post_tables(args.repeat)


if __name__ == "__main__":
    main()
