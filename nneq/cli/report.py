"""`nneq report`: pages for run files."""


from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from nneq.cli import signals
from nneq.cli.app import Progress, app, example, show_progress, warn_if_poor
from nneq.picture.plot import DEFAULT_DPI


@app.command("report", epilog=example(
    "nneq report examples/post/*.toml --out-dir examples/post/report",
    "nneq report examples/post/exp01.toml --out-dir report --title 'Circle runs' --retrain"))
def report_command(
    runs: Annotated[list[Path], typer.Argument(
        metavar="RUN.toml", help="Run files: nneq train settings or a url, epochs, and the "
        "page's keys title, description, predicted, alias, threshold, show-test, discretize, "
        "values, biases.", show_default=False)],
    out_dir: Annotated[str, typer.Option(  # str: Typer would read '' as the current folder
        metavar="FOLDER", help="Folder for the pages, pictures, model files, run files and "
        "index.md; made if missing.")] = "report",
    title: Annotated[str, typer.Option(metavar="TEXT", help="Heading of index.md.")] = "Runs",
    dpi: Annotated[int, typer.Option(metavar="DPI", help="Dots per inch of the pictures.")
                   ] = DEFAULT_DPI,
    retrain: Annotated[bool, typer.Option(
        "--retrain", help="Train every run again, even when its model in the folder is current.")
    ] = False,
    predicted_anywhere: Annotated[bool, typer.Option(
        "--predicted-anywhere", help="Read a run file's predicted tables from outside its "
        "folder too (by default only files beside it are read).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    html: Annotated[bool, typer.Option(
        "--html", help="Also write each run's interactive page, NAME.html, beside its Markdown page.")
    ] = False,
) -> None:
    """Train each run (or reuse its current model) and write its page, picture and an index."""
    from nneq.pages.report import report  # matplotlib and the comparison load only for reports

    progress = Progress(len(runs), enabled=show_progress(quiet), label="pages", unit="pages")
    written: list[str] = []
    models: list[tuple[Any, str]] = []  # each page's model and run name, for warnings

    def on_page(page: Any) -> None:
        written.append(page.summary())
        models.append((page.model, page.run.name))
        progress(len(written))

    try:
        with progress:
            result = report(runs, out_dir=out_dir, dpi=dpi, retrain=retrain, title=title,
                            predicted_anywhere=predicted_anywhere, on_page=on_page, html=html)
    except KeyboardInterrupt as err:
        progress.close()
        for line in written:
            typer.echo(line)
        stop = signals.stop_of(err)
        typer.echo(f"nneq: {stop.word}; {len(written)} of {len(runs)} pages written, "
                   "index.md not updated", err=True)
        raise typer.Exit(stop.code) from None
    progress.close()
    for line, (learnt, name) in zip(written, models, strict=True):
        typer.echo(line)
        warn_if_poor(learnt, name)
    for path, error in result.failed:
        typer.echo(f"nneq: {error}; no page for {path}", err=True)
    typer.echo(f"index written to {result.index}")
    if result.failed:
        raise typer.Exit(2)
