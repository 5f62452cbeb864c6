"""`nneq equations`: what each unit learnt."""


from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nneq.cli.app import (
    DEFAULT_MODEL,
    ModelArg,
    app,
)
from nneq.storage.modelfile import load


@app.command("equations")
def equations_command(
    model: ModelArg = Path(DEFAULT_MODEL),
    fmt: Annotated[str, typer.Option(
        "--format", help="markdown, text, latex, json, sympy or logic.")] = "markdown",
    threshold: Annotated[float, typer.Option(
        help="Leave out links whose magnitude is under this (logic reads the whole network).")
    ] = 0.0,
    relative: Annotated[bool, typer.Option(
        "--relative", help="Read --threshold as a share of each unit's largest incoming magnitude.")
    ] = False,
    values: Annotated[bool, typer.Option(
        "--values", help="markdown, text: the learnt numbers instead of weight symbols.")] = False,
    precision: Annotated[int | None, typer.Option(
        help="Decimals to round numbers to [default: 3 for --values, full for sympy and latex].")
    ] = None,
    biases: Annotated[bool, typer.Option(
        "--biases", help="markdown, text: add each unit's bias.")] = False,
    compose: Annotated[bool, typer.Option(
        "--compose", help="sympy, latex: add the whole network as one expression of x1, x2.")
    ] = False,
) -> None:
    """Write what each unit learnt: signed tables, SymPy, LaTeX, JSON or sign logic."""
    from nneq.explain.render import Options, render  # SymPy itself loads only for the formats that need it

    options = Options(threshold=threshold, relative=relative, values=values, precision=precision,
                      biases=biases, compose=compose)
    typer.echo(render(load(model), fmt=fmt, options=options))


