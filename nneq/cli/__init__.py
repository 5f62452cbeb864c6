"""The `nneq` command: parse, make one library call, render. Messages and exit codes live here."""

from __future__ import annotations

from nneq.cli import compare, equations, info, plot, report, sweep, train
from nneq.cli.app import app

__all__ = ["app", "main"]
_COMMANDS = (train, equations, compare, plot, sweep, report, info)  # registered on import


def main() -> None:
    """Console entry point: stops (Ctrl-C, SIGTERM, SIGHUP) end with one line, never a traceback."""
    from nneq.cli import signals

    signals.run(app)
