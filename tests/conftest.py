"""Shared fixtures: the Playground reference cases copied into tests/data."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
# The compiled engine runs wherever numba is installed (CI installs it with the dev extra).
ENGINES = ["numpy"] + (["compiled"] if importlib.util.find_spec("numba") else [])
# The blog post's predicted tables, beside their run files: the examples are the fixtures.
POST_TABLES = Path(__file__).parent.parent / "examples" / "post"
REFERENCE_CASES = sorted(p.stem for p in DATA.glob("v0*.json"))


def reference(name: str) -> dict:
    """One reference file, parsed."""
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.fixture(params=REFERENCE_CASES)
def case(request) -> dict:
    return reference(request.param)
