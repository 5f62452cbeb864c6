"""`nneq url` and `nneq datasets`: small facts about a model and the data (no numpy needed)."""


from __future__ import annotations

from pathlib import Path

import typer

from nneq.cli.app import DEFAULT_MODEL, ModelArg, app, example
from nneq.playground.catalog import DATASET_INFO


@app.command(epilog=example("nneq url", "nneq url nneq-model.json"))
def url(model: ModelArg = Path(DEFAULT_MODEL)) -> None:
    """Print the Playground link that opens the model's configuration."""
    from nneq.playground.link import to_link
    from nneq.storage.modelfile import load_config

    typer.echo(to_link(load_config(model)))


@app.command(epilog=example("nneq datasets"))
def datasets() -> None:
    """List the datasets: name, problem type and what the points look like."""
    width = max(len(name) for name in DATASET_INFO)
    problem = max(len(d.problem) for d in DATASET_INFO.values())
    for d in DATASET_INFO.values():
        typer.echo(f"{d.name:<{width}}  {d.problem:<{problem}}  {d.description}")
