"""The `nneq` command: parse, make one library call, render. Messages and exit codes live here.

Each command lives in its own module, imported only when that command is used (see
`nneq.cli.app.COMMANDS`, the table of commands in workflow order).
"""

from __future__ import annotations

from nneq.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: stops (Ctrl-C, SIGTERM, SIGHUP) end with one line, never a traceback."""
    from nneq.cli import signals

    signals.run(app)
