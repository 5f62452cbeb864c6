"""`nneq equations`: what each unit learnt."""


from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nneq.cli.app import DEFAULT_MODEL, ModelArg, app, choices, example, metavar, warn_if_poor
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
    alias: Annotated[list[str] | None, typer.Option(
        metavar="NAME=FEATURE", help="markdown, text: another name for an input, e.g. x3=x1x2 "
                                     "(its weight follows: x3w3) (repeatable).")] = None,
    predicted: Annotated[Path | None, typer.Option(
        metavar="TABLES", help="Name and orient the hidden units as these predicted tables do "
                               "(reordered and flipped as `nneq compare` aligns them).")] = None,
    no_caption: Annotated[bool, typer.Option(
        "--no-caption", help="Leave out the first line saying which model this is (json: the "
        "model's facts).")] = False,
) -> None:
    """Write what each unit learnt: signed tables, SymPy, LaTeX, JSON or sign logic."""
    from nneq.comparison.tables import parse_aliases
    from nneq.explain.render import TABLES, Options, render  # SymPy loads only where needed
    from nneq.provenance import captioned
    from nneq.storage.modelfile import load

    aliases = parse_aliases(alias or [])
    # With --predicted, aliases also read the tables: then other formats simply ignore them.
    named = tuple(aliases.items()) if predicted is None or fmt in TABLES else ()
    options = Options(threshold=threshold, relative=relative, values=values, precision=precision,
                      biases=biases, compose=compose, aliases=named)
    learnt = load(model)
    if predicted is not None:
        from nneq.comparison.compare import aligned_model
        from nneq.comparison.tables import read_tables

        learnt = aligned_model(read_tables(predicted, aliases=aliases), learnt,
                               threshold=threshold, relative=relative)
    text = render(learnt, fmt=fmt, options=options)
    warn_if_poor(learnt, model)
    typer.echo(captioned(learnt, fmt, text, caption=not no_caption))
