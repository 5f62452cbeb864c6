"""Doctests of the public API see `nneq` without importing it themselves."""

from __future__ import annotations

import pytest

import nneq


@pytest.fixture(autouse=True)
def _nneq_in_doctests(doctest_namespace: dict) -> None:
    doctest_namespace["nneq"] = nneq
