"""`nneq study`: one question asked of a grid of settings, many seeds in every cell."""


from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from nneq.cli.app import app, fail
from nneq.storage.files import check_writable, write_text


@app.command("study")
def study_command(
    path: Annotated[Path, typer.Argument(
        metavar="STUDY", help="Study file (TOML): base settings or a url, seeds, epochs, [vary] "
        "axes, and optionally paired, target, predicted, alias, threshold, title, description.")],
    fmt: Annotated[str, typer.Option("--format", help="text, markdown or json.")] = "text",
    out: Annotated[Path | None, typer.Option(
        help="Write the results as JSON here, after every cell; rerunning with the same file "
        "skips the cells it holds.")] = None,
    picture: Annotated[Path | None, typer.Option(
        help="Draw test loss per cell and the median loss curves (.png, .svg or .pdf).")] = None,
    page: Annotated[Path | None, typer.Option(
        help="Write a Markdown page (linking the --picture, if any) here.")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Processes on this machine [default: one per core]; 1 runs the cells here.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        envvar="NNEQ_DASK_SCHEDULER", show_envvar=True,
        help="Run the cells on the Dask cluster whose scheduler has this address "
        "(tcp://host:8786); needs pip install 'nneq[dask]'.")] = None,
    save_models: Annotated[Path | None, typer.Option(
        help="Write every member's model file into this folder, one subfolder per cell.")] = None,
    dpi: Annotated[int, typer.Option(help="Dots per inch of the picture.")] = 100,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train every cell of a study's grid, many seeds each, and tabulate how the settings compare."""
    from nneq.studies.execution import read_saved, run_study
    from nneq.studies.render import RENDERERS, to_markdown
    from nneq.studies.studyfile import read_study

    render = RENDERERS.get(fmt)
    if render is None:
        raise fail(f"--format {fmt!r}: expected one of {', '.join(RENDERERS)}")
    if workers is not None and workers < 1:
        raise fail(f"--workers {workers}: expected a whole number >= 1")
    study = read_study(path)
    for target in (out, picture, page):
        if target is not None:
            check_writable(target)
    if picture is not None:
        from nneq.picture.plot import check_dpi, plot_format
        plot_format(picture)
        check_dpi(dpi)
    if save_models is not None and save_models.exists() and not save_models.is_dir():
        raise fail(f"--save-models {save_models}: expected a folder, and it is a file")
    saved = read_saved(out) if out is not None else None
    total_seeds = study.seeds
    for axis in study.axes:
        total_seeds *= len(axis.values)
    show = not quiet and sys.stderr.isatty()
    with typer.progressbar(length=total_seeds, label="cells 0", file=sys.stderr,
                           hidden=not show, show_pos=True) as bar:
        def on_cell(result: Any, done: int, total: int) -> None:
            bar.label = f"cells {done}/{total}, seeds"
            bar.update(result.stats.seeds)

        try:
            result = run_study(study, out=out, workers=workers, scheduler=scheduler or None,
                               models_dir=str(save_models) if save_models is not None else None,
                               on_cell=on_cell, saved=saved)
        except KeyboardInterrupt:
            kept = f"; the cells done are in {out}: rerun to resume" if out is not None else ""
            raise fail(f"interrupted{kept}", code=130) from None
    if picture is not None:
        from nneq.studies.picture import save_picture
        save_picture(result, picture, dpi=dpi)
    if page is not None:
        link = None
        if picture is not None:
            link = os.path.relpath(picture.resolve(), page.resolve().parent).replace(os.sep, "/")
        write_text(page, to_markdown(result, picture=link) + "\n")
    typer.echo(render(result))
