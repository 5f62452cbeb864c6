"""`nneq study`: one question asked of a grid of settings, many seeds in every cell."""


from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from nneq.cli import signals
from nneq.cli.app import Progress, app, choices, example, fail, metavar, show_progress

FORMATS = ("text", "markdown", "json")
SCHEDULER_ENV = "NNEQ_DASK_SCHEDULER"

if TYPE_CHECKING:
    Format = str
else:
    Format = choices(FORMATS)


@app.command("study", epilog=example(
    "nneq study examples/post/studies/units.toml",
    "nneq study examples/post/studies/units.toml --seeds 10 --epochs 100 --workers 1",
    "nneq study examples/post/studies/units.toml --out units.json --picture units.png "
    "--page units.md",
    "nneq study examples/post/studies/extra-unit.toml --scheduler tcp://127.0.0.1:8786"))
def study_command(
    path: Annotated[Path, typer.Argument(
        metavar="STUDY", help="Study file (TOML): base settings or a url, seeds, epochs, [vary] "
        "axes, and optionally paired, target, predicted, alias, threshold, title, description.")],
    seeds: Annotated[int | None, typer.Option(
        metavar="N", help="Seeds per cell instead of the file's (a quick look before the full "
        "run).")] = None,
    epochs: Annotated[int | None, typer.Option(
        metavar="N", help="Epochs instead of the file's.")] = None,
    fmt: Annotated[Format, typer.Option(
        "--format", metavar=metavar(FORMATS), case_sensitive=False,
        help="How to write the results.")] = "text",
    out: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Write the results as JSON here, after every cell; rerunning with "
        "the same file skips the cells it holds.")] = None,
    picture: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Draw test loss per cell and the median loss curves (.png, .svg "
        "or .pdf).")] = None,
    page: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Write a Markdown page of the results (linking --picture) here.")
    ] = None,
    workers: Annotated[int | None, typer.Option(
        metavar="N", help="Processes on this machine; 1 runs the cells here, one after another. "
        "[default: one per core]")] = None,
    scheduler: Annotated[str | None, typer.Option(
        metavar="ADDRESS", envvar=SCHEDULER_ENV, show_envvar=True,
        help="Run the cells on the Dask cluster whose scheduler has this address "
        "(tcp://host:8786); needs pip install 'nneq[dask]'.")] = None,
    save_models_given: Annotated[str | None, typer.Option(  # str: Typer reads '' as '.'
        "--save-models", metavar="FOLDER", help="Write every member's model file into this "
        "folder, one folder per cell.")] = None,
    dpi: Annotated[int, typer.Option(metavar="N", help="Dots per inch of the picture.")] = 100,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train every cell of a study's grid, many seeds each, and tabulate how the settings compare."""
    from nneq.storage.files import (
        check_folder,
        check_not_input,
        check_writable,
        same_file,
        write_text,
    )
    from nneq.studies.execution import read_saved, run_study
    from nneq.studies.render import RENDERERS, to_markdown
    from nneq.studies.studyfile import read_study, with_run_length

    if workers is not None and workers < 1:
        raise fail(f"--workers={workers!r}: expected a whole number >= 1")
    study = with_run_length(read_study(path), seeds=seeds, epochs=epochs)
    named = [("--out", out), ("--picture", picture), ("--page", page)]
    for k, (option, target) in enumerate(named):
        if target is not None:
            check_writable(target)
            check_not_input(target, [("STUDY", path)], name=option)
            for other, earlier in named[:k]:
                if earlier is not None and same_file(target, earlier):
                    raise fail(f"{option} {target} is also {other} {earlier}: give each its own file")
    from nneq.picture.plot import check_dpi, plot_format
    check_dpi(dpi)  # a mistake even when no --picture is asked for: said at once
    if picture is not None:
        plot_format(picture)
    save_models = (None if save_models_given is None
                   else check_folder(save_models_given, option="--save-models"))
    saved = read_saved(out) if out is not None else None
    total = study.seeds
    for axis in study.axes:
        total *= len(axis.values)
    progress = Progress(total, enabled=show_progress(quiet), label="cells", unit="seeds")
    done = [0]

    def on_cell(result: Any, cells: int, count: int) -> None:
        done[0] += result.stats.seeds
        progress(done[0])

    with progress:
        try:
            result = run_study(study, out=out, workers=workers, scheduler=scheduler or None,
                               models_dir=str(save_models) if save_models is not None else None,
                               on_cell=on_cell, saved=saved)
        except KeyboardInterrupt as err:
            progress.close()
            stop = signals.stop_of(err)
            kept = f"; the cells done are in {out}: run again to resume" if out is not None else ""
            raise fail(f"{stop.word}{kept}", code=stop.code) from None
    if picture is not None:
        from nneq.studies.picture import save_picture
        save_picture(result, picture, dpi=dpi)
    if page is not None:
        link = None
        if picture is not None:
            link = os.path.relpath(picture.resolve(), page.resolve().parent).replace(os.sep, "/")
        write_text(page, to_markdown(result, picture=link) + "\n")
    typer.echo(RENDERERS[fmt.lower()](result))
