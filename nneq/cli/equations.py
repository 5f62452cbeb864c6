"""`nneq equations`: what each unit learnt."""


from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nneq.cli.app import DEFAULT_MODEL, ModelArg, app, choices, example, metavar
from nneq.explain.render import FORMATS

if TYPE_CHECKING:
    Format = str
else:
    Format = choices(FORMATS)  # one of the table's keys, matched without regard to case


@app.command("equations", epilog=example(
    "nneq equations", "nneq equations nneq-model.json --values --biases --precision 2",
    "nneq equations --format logic"))
def equations_command(
    model: ModelArg = Path(DEFAULT_MODEL),
    fmt: Annotated[Format, typer.Option(
        "--format", metavar=metavar(FORMATS), case_sensitive=False,
        help="What to write: tables, plain lines, LaTeX, JSON, SymPy or sign logic.")] = "markdown",
    threshold: Annotated[float, typer.Option(
        metavar="MAGNITUDE",
        help="Leave out links whose magnitude is under this (logic reads the whole network).")
    ] = 0.0,
    relative: Annotated[bool, typer.Option(
        "--relative", help="Read --threshold as a share of each unit's largest incoming magnitude.")
    ] = False,
    values: Annotated[bool, typer.Option(
        "--values", help="markdown, text: the learnt numbers instead of weight symbols.")] = False,
    precision: Annotated[int | None, typer.Option(
        metavar="DECIMALS",
        help="Decimals to round numbers to [default: 3 for --values, full for sympy and latex].")
    ] = None,
    biases: Annotated[bool, typer.Option(
        "--biases", help="markdown, text: add each unit's bias.")] = False,
    compose: Annotated[bool, typer.Option(
        "--compose", help="sympy, latex: add the whole network as one expression of x1, x2.")
    ] = False,
) -> None:
    """Write what each unit learnt: signed tables, SymPy, LaTeX, JSON or sign logic."""
    from nneq.explain.render import Options, render  # SymPy loads only for the formats needing it
    from nneq.storage.modelfile import load

    options = Options(threshold=threshold, relative=relative, values=values, precision=precision,
                      biases=biases, compose=compose)
    typer.echo(render(load(model), fmt=fmt, options=options))
