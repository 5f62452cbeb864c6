"""`nneq compare`: check a prediction against a learnt network."""


from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nneq.cli.app import DEFAULT_MODEL, DISAGREE, ModelArg, app, choices, example, metavar
from nneq.comparison.report import RENDERERS

if TYPE_CHECKING:
    Format = str
else:
    Format = choices(RENDERERS)  # one of the table's keys, matched without regard to case


@app.command(epilog=example(
    "nneq compare examples/post/exp01.md",
    "nneq compare examples/post/exp10.md nneq-model.json --alias x3=x1x2 --format markdown",
    "nneq compare seed1.json seed2.json --strict"))
def compare(
    predicted: Annotated[Path, typer.Argument(
        metavar="PREDICTED",
        help="Predicted tables (Markdown) or a second model file (read as one when its text "
             "starts with '{').", show_default=False)],
    model: ModelArg = Path(DEFAULT_MODEL),
    alias: Annotated[list[str] | None, typer.Option(
        metavar="NAME=FEATURE", help="Another name for an input, e.g. x3=x1x2 (repeatable).")] = None,
    threshold: Annotated[float, typer.Option(
        metavar="MAGNITUDE", help="Treat learnt links weaker than this as absent.")] = 0.0,
    no_symmetry: Annotated[bool, typer.Option(
        "--no-symmetry", help="Compare units by name: no reordering or flipping.")] = False,
    report: Annotated[Format, typer.Option(
        "--format", metavar=metavar(RENDERERS), case_sensitive=False,
        help="How to write the report.")] = "text",
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with code 4 when any predicted sign disagrees.")] = False,
) -> None:
    """Check predicted sign tables against the learnt network, allowing for its symmetries."""
    from nneq.comparison.compare import compare as compare_tables
    from nneq.comparison.compare import compare_models, read_predicted
    from nneq.comparison.tables import parse_aliases
    from nneq.playground.model import Model
    from nneq.storage.modelfile import load

    learnt = load(model)
    given = read_predicted(predicted, aliases=parse_aliases(alias or []))
    if isinstance(given, Model):
        result = compare_models(given, learnt, threshold=threshold, symmetry=not no_symmetry,
                                predicted_source=str(predicted), model_source=str(model))
    else:
        result = compare_tables(given, learnt, threshold=threshold, symmetry=not no_symmetry,
                                model_source=str(model))
    typer.echo(RENDERERS[report](result))
    if strict and result.count("disagree"):
        raise typer.Exit(DISAGREE)
