"""Shared fixtures: the Playground reference cases copied into tests/data, the post's link and
tables, and reading a terminal."""

from __future__ import annotations

import importlib.util
import json
import os
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# A suite started in the background by a shell without job control inherits SIGINT ignored
# (and SIGHUP, under nohup), and so would every command the tests start: nneq rightly leaves
# an ignored signal ignored, and the tests of Ctrl-C and hang-ups would wait for nothing.
for _signum, _handler in ((signal.SIGINT, signal.default_int_handler),
                          (getattr(signal, "SIGHUP", None), signal.SIG_DFL)):
    if _signum is not None and signal.getsignal(_signum) is signal.SIG_IGN:
        signal.signal(_signum, _handler)
# The compiled engine runs wherever numba is installed (CI installs it with the dev extra).
ENGINES = ["numpy"] + (["compiled"] if importlib.util.find_spec("numba") else [])
# The blog post's predicted tables, beside their run files: the examples are the fixtures.
POST_TABLES = Path(__file__).parent.parent / "examples" / "post"
# The link of the post's first network: circle, 4-2 tanh, seed 0.53049.
POST_LINK = (
    "http://playground.tensorflow.org/#activation=tanh&batchSize=10&dataset=circle&"
    "regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2&"
    "seed=0.53049&showTestData=false&discretize=false&percTrainData=50&x=true&y=true&"
    "xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&"
    "collectStats=false&problem=classification&initZero=false&hideText=false"
)
REFERENCE_CASES = sorted(p.stem for p in DATA.glob("v0*.json"))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside its own temporary folder, which it returns."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def reference(name: str) -> dict:
    """One reference file, parsed."""
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.fixture(params=REFERENCE_CASES)
def case(request) -> dict:
    return reference(request.param)


def read_until(fd: int, until: Callable[[str], bool], *, timeout: float) -> str:
    """What a process wrote to the terminal `fd`, read until `until(text)`, it closes or time out."""
    text = ""
    deadline = time.monotonic() + timeout
    while not until(text) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            text += chunk.decode(errors="replace")
    return text
