"""`nneq plot`: draw a model's picture."""


from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nneq.cli.app import DEFAULT_MODEL, ModelArg, app, example, warn_if_poor
from nneq.picture.plot import DEFAULT_DPI


@app.command(epilog=example(
    "nneq plot", "nneq plot nneq-model.json --out xor.svg --show-test --discretize",
    "nneq plot nneq-model.json --unit h12 --out h12.png --dpi 200"))
def plot(
    model: ModelArg = Path(DEFAULT_MODEL),
    out: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="Picture to write: .png, .svg or .pdf [default: the model's name with .png].")] = None,
    unit: Annotated[str | None, typer.Option(
        metavar="UNIT", help="Draw this unit's heatmap large instead of the output's, e.g. h12.")
    ] = None,
    show_test: Annotated[bool, typer.Option("--show-test", help="Add the test points, outlined.")] = False,
    discretize: Annotated[bool, typer.Option(
        "--discretize", help="Heatmaps in two colours only, by sign.")] = False,
    dpi: Annotated[int, typer.Option(
        metavar="DPI", help="Dots per inch (PNG, and heatmaps inside SVG/PDF).")] = DEFAULT_DPI,
) -> None:
    """Draw the Playground's picture of a model: network, output heatmap, loss curves."""
    from nneq.picture.plot import check_dpi, check_size, plot_format, save_plot  # matplotlib: here only
    from nneq.storage.files import check_not_input, check_writable
    from nneq.storage.modelfile import load

    learnt = load(model)  # first: a folder or a missing file is the first thing to report
    target = out if out is not None else model.with_suffix(".png")
    plot_format(target)
    check_dpi(dpi)
    check_size(learnt)
    check_writable(target)
    check_not_input(target, [("MODEL", model)], name="--out" if out is not None else "")
    warn_if_poor(learnt, model)
    save_plot(learnt, target, unit=unit, show_test=show_test, discretize=discretize, dpi=dpi)
    typer.echo(f"picture written to {target}")
