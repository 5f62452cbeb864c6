"""Reading long inputs: seconds per table row of N terms and per link of N layers.

Both should grow linearly with N (the time per term stays flat). Run from the repository root:
python benchmarks/bench_parse.py
"""

from __future__ import annotations

import time

from nneq.comparison.tables import parse_tables
from nneq.errors import ConfigError
from nneq.playground.link import parse_link

HEAD = "| First Hidden Layer | Equation |\n| --- | --- |\n"


def seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def refuse_link(link: str) -> None:
    try:
        parse_link(link)
    except ConfigError:
        return
    raise AssertionError("the link was accepted")


def main() -> None:
    for n in (25_000, 50_000, 100_000, 200_000):
        text = HEAD + "| h11 | " + " + ".join(["x1w1"] * n) + " |\n"
        took = seconds(lambda text=text: parse_tables(text))
        print(f"table row of {n:>7} terms: {took:6.2f} s  ({took / n * 1e6:5.1f} µs per term)")
    for n in (300_000, 3_000_000):
        link = "#networkShape=" + ",".join(["4"] * n)
        took = seconds(lambda link=link: refuse_link(link))
        print(f"link of {n:>9} layers refused in {took:.3f} s")


if __name__ == "__main__":
    main()
