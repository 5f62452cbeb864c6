"""`nneq compare`: check a prediction against a learnt network."""


from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nneq.cli.app import (
    DEFAULT_MODEL,
    DISAGREE,
    ModelArg,
    app,
    fail,
)
from nneq.playground.model import Model
from nneq.storage.modelfile import load


@app.command()
def compare(
    predicted: Annotated[Path, typer.Argument(
        metavar="PREDICTED",
        help="Predicted tables (Markdown) or a second model file (read as one when its text "
             "starts with '{').")],
    model: ModelArg = Path(DEFAULT_MODEL),
    alias: Annotated[list[str] | None, typer.Option(
        metavar="NAME=FEATURE", help="Another name for an input, e.g. x3=x1x2 (repeatable).")] = None,
    threshold: Annotated[float, typer.Option(
        help="Treat learnt links weaker than this as absent.")] = 0.0,
    no_symmetry: Annotated[bool, typer.Option(
        "--no-symmetry", help="Compare units by name: no reordering or flipping.")] = False,
    report: Annotated[str, typer.Option(
        "--format", help="Report as text, markdown or json.")] = "text",
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with code 4 when any predicted sign disagrees.")] = False,
) -> None:
    """Check predicted sign tables against the learnt network, allowing for its symmetries."""
    from nneq.comparison.compare import compare as compare_tables  # loaded only to compare
    from nneq.comparison.compare import compare_models, read_predicted
    from nneq.comparison.report import RENDERERS
    from nneq.comparison.tables import parse_aliases

    render = RENDERERS.get(report)
    if render is None:
        raise fail(f"format={report!r}: expected one of {', '.join(RENDERERS)}")
    learnt = load(model)
    given = read_predicted(predicted, aliases=parse_aliases(alias or []))
    if isinstance(given, Model):
        result = compare_models(given, learnt, threshold=threshold, symmetry=not no_symmetry,
                                predicted_source=str(predicted), model_source=str(model))
    else:
        result = compare_tables(given, learnt, threshold=threshold, symmetry=not no_symmetry,
                                model_source=str(model))
    typer.echo(render(result))
    if strict and result.count("disagree"):
        raise typer.Exit(DISAGREE)


