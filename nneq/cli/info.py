"""`nneq url` and `nneq datasets`: small facts about a model and the data."""


from __future__ import annotations

from pathlib import Path

import typer

from nneq.cli.app import (
    DEFAULT_MODEL,
    ModelArg,
    app,
)
from nneq.playground.datasets import DATASETS
from nneq.playground.link import to_link
from nneq.storage.modelfile import load


@app.command()
def url(model: ModelArg = Path(DEFAULT_MODEL)) -> None:
    """Print the Playground link that opens the model's configuration."""
    typer.echo(to_link(load(model).config))


@app.command()
def datasets() -> None:
    """List the datasets, one line each."""
    from tabulate import tabulate

    rows = [(d.name, d.problem, d.description) for d in DATASETS.values()]
    typer.echo(tabulate(rows, tablefmt="plain"))


