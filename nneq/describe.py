"""Counts in words, as messages and reports print them."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """'1 epoch', '2 epochs', '0 seeds'."""
    return f"{count} {word}" + ("" if count == 1 else "s")
