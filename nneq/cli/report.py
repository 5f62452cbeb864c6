"""`nneq report`: pages for run files."""


from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nneq.cli.app import (
    app,
)


@app.command("report")
def report_command(
    runs: Annotated[list[Path], typer.Argument(
        metavar="RUN", help="Run files (TOML): nneq train settings or a url, epochs, and optionally "
        "title, description, predicted, alias, threshold, show-test, discretize.")],
    out_dir: Annotated[str, typer.Option(  # str: Typer would read '' as the current folder
        metavar="PATH",
        help="Folder for the pages, pictures, model files and index.md; made if missing.")
    ] = "report",
    dpi: Annotated[int, typer.Option(help="Dots per inch of the pictures.")] = 72,
    retrain: Annotated[bool, typer.Option(
        "--retrain", help="Train every run again, even when its model in the folder is current.")
    ] = False,
) -> None:
    """Train each run (or reuse its current model) and write its page, picture and an index."""
    from nneq.pages.report import report  # matplotlib and the comparison load only for reports

    result = report(runs, out_dir=out_dir, dpi=dpi, retrain=retrain,
                    on_page=lambda page: typer.echo(page.summary()))
    typer.echo(f"index written to {result.index}")


