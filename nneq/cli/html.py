"""`nneq html`: write a model's interactive page."""


from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nneq.cli.app import DEFAULT_MODEL, ModelArg, app, example


@app.command("html", epilog=example(
    "nneq html", "nneq html nneq-model.json --out page.html --title 'xor, 4-2 tanh'",
    "nneq html nneq-model.json --show-test --discretize --threshold 0.1"))
def html_command(
    model: ModelArg = Path(DEFAULT_MODEL),
    out: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Page to write [default: the model's name with .html].")] = None,
    title: Annotated[str | None, typer.Option(
        metavar="TEXT", help="The page's heading [default: the dataset and seed].")] = None,
    description: Annotated[str, typer.Option(metavar="TEXT", help="A paragraph under the heading.")
                           ] = "",
    threshold: Annotated[float, typer.Option(
        metavar="NUMBER", help="Learnt links weaker than this are left out of the tables.")] = 0.0,
    show_test: Annotated[bool, typer.Option("--show-test", help="Start with the test points shown.")
                         ] = False,
    discretize: Annotated[bool, typer.Option(
        "--discretize", help="Start with the heatmaps in two colours, by sign.")] = False,
) -> None:
    """Write one self-contained page of a model: hover for every weight, replay the snapshots."""
    from nneq.pages.html import PageOptions, write_page
    from nneq.storage.files import check_not_input, check_writable
    from nneq.storage.modelfile import load

    learnt = load(model)
    target = out if out is not None else model.with_suffix(".html")
    options = PageOptions(title=title or "", description=description, threshold=threshold,
                          show_test=show_test, discretize=discretize)
    check_writable(target)
    check_not_input(target, [("MODEL", model)], name="--out" if out is not None else "")
    write_page(learnt, target, options)
    typer.echo(f"page written to {target}")
