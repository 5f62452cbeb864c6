"""`nneq compare`: check a prediction against a learnt network."""


from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nneq.cli.app import (
    DEFAULT_MODEL,
    DISAGREE,
    ModelArg,
    app,
    choices,
    example,
    metavar,
    warn_if_poor,
)
from nneq.comparison.report import RENDERERS
from nneq.comparison.rules import RULES

if TYPE_CHECKING:
    Format = str
    Rule = str
else:
    Format = choices(RENDERERS)  # one of the table's keys, matched without regard to case
    Rule = choices(RULES)


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
    relative: Annotated[bool, typer.Option(
        "--relative", help="Read --threshold as a share (0 to 1) of each unit's largest incoming "
                           "magnitude.")] = False,
    no_symmetry: Annotated[bool, typer.Option(
        "--no-symmetry", help="Compare units by name: no reordering or flipping.")] = False,
    draws: Annotated[int | None, typer.Option(
        metavar="N", help="Random tables to sample for the chance level [default: every "
                                 "table when few enough, else until the p-value's standard "
                                 "error is at most 0.01].")] = None,
    logic: Annotated[list[str] | None, typer.Option(
        metavar="FORMULA", help="A unit's predicted logic, e.g. 'o1 = h11 xor h12' (repeatable): "
                                "scored on the data points.")] = None,
    rule: Annotated[Rule | None, typer.Option(
        metavar=metavar(RULES), case_sensitive=False,
        help="Derive each later unit's formula from its predicted signs and score it: overlap "
             "unites the regions of positive links, intersects away those of negative ones.")
    ] = None,
    report: Annotated[Format, typer.Option(
        "--format", metavar=metavar(RENDERERS), case_sensitive=False,
        help="How to write the report.")] = "text",
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with code 4 when any predicted sign disagrees or the shapes "
                         "differ.")] = False,
) -> None:
    """Check predicted sign tables against the learnt network, allowing for its symmetries."""
    from nneq.comparison.compare import compare as compare_tables
    from nneq.comparison.compare import compare_models, read_predicted
    from nneq.comparison.tables import parse_aliases
    from nneq.explain.equations import check_threshold
    from nneq.explain.formula import parse_formulas
    from nneq.playground.model import Model
    from nneq.storage.modelfile import load

    check_threshold(threshold, relative=relative)
    formulas = parse_formulas(logic or [])
    learnt = load(model)
    given = read_predicted(predicted, aliases=parse_aliases(alias or []))
    if isinstance(given, Model):
        result = compare_models(given, learnt, threshold=threshold, relative=relative,
                                symmetry=not no_symmetry, draws=draws,
                                predicted_source=str(predicted), model_source=str(model),
                                formulas=formulas, rule=rule)
    else:
        result = compare_tables(given, learnt, threshold=threshold, relative=relative,
                                symmetry=not no_symmetry, draws=draws, model_source=str(model),
                                formulas=formulas, rule=rule)
    warn_if_poor(learnt, model)
    typer.echo(RENDERERS[report](result))
    if strict and (result.count("disagree") or result.shape):
        raise typer.Exit(DISAGREE)
