"""Shared fixtures: the Playground reference cases copied into tests/data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REFERENCE_CASES = sorted(p.stem for p in DATA.glob("v0*.json"))


def reference(name: str) -> dict:
    """One reference file, parsed."""
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.fixture(params=REFERENCE_CASES)
def case(request) -> dict:
    return reference(request.param)
