"""`nneq sweep`: many seeds of one configuration."""


from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nneq.cli import signals
from nneq.cli.app import (
    ActivationOpt,
    BatchSizeOpt,
    ConfigOpt,
    DatasetOpt,
    EpochsOpt,
    FeaturesOpt,
    InitZeroOpt,
    LearningRateOpt,
    NoiseOpt,
    Progress,
    RegRateOpt,
    RegularizationOpt,
    ShapeOpt,
    TrainPercentOpt,
    UrlOpt,
    app,
    fail,
    settings_from,
)
from nneq.storage.files import (
    check_folder,
    check_not_input,
    check_writable,
    made_folder,
    same_file,
    write_text,
)
from nneq.storage.modelfile import save

if TYPE_CHECKING:
    from nneq.sweeps.sweep import Sweep


@app.command()
def sweep(
    seeds: Annotated[int, typer.Option(help="How many seeds to train.")] = 100,
    dataset: DatasetOpt = None,
    shape: ShapeOpt = None,
    activation: ActivationOpt = None,
    features: FeaturesOpt = None,
    learning_rate: LearningRateOpt = None,
    batch_size: BatchSizeOpt = None,
    regularization: RegularizationOpt = None,
    reg_rate: RegRateOpt = None,
    noise: NoiseOpt = None,
    train_percent: TrainPercentOpt = None,
    seed: Annotated[str | None, typer.Option(
        help="Base seed: the members are SEED-1, SEED-2, … [default: a new one].")] = None,
    init_zero: InitZeroOpt = None,
    url: UrlOpt = None,
    config: ConfigOpt = None,
    epochs: EpochsOpt = None,
    threshold: Annotated[float, typer.Option(
        help="Links weaker than this count as absent in the patterns.")] = 0.0,
    relative: Annotated[bool, typer.Option(
        "--relative", help="Read --threshold as a share of each unit's largest incoming link.")
    ] = False,
    predicted: Annotated[Path | None, typer.Option(
        help="Predicted tables (.md): how often does each seed's network agree?")] = None,
    alias: Annotated[list[str] | None, typer.Option(
        help="Another name for an input in the predicted tables, e.g. x3=x1x2.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, markdown or json.")] = "text",
    out: Annotated[Path | None, typer.Option(help="Also save the sweep as JSON here.")] = None,
    save_models_given: Annotated[str | None, typer.Option(  # str: Typer reads '' as '.'
        "--save-models", metavar="PATH",
        help="Write every member's model file into this folder.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train many seeds of one configuration at once and count the sign patterns they learn."""
    from nneq.comparison.tables import parse_aliases, read_tables
    from nneq.sweeps.report import RENDERERS
    from nneq.sweeps.sweep import member_seeds, run_sweep

    settings, n_epochs = settings_from(locals())
    render = RENDERERS.get(fmt)
    if render is None:
        raise fail(f"format={fmt!r}: expected one of {', '.join(RENDERERS)}")
    aliases = parse_aliases(alias or [])
    prediction = read_tables(predicted, aliases=aliases) if predicted else None
    inputs = [("--config", config), ("--predicted", predicted)]
    if out is not None:
        check_writable(out)
        check_not_input(out, inputs, name="--out")
    files: list[Path] = []
    save_models = (None if save_models_given is None
                   else check_folder(save_models_given, option="--save-models"))
    if save_models is not None:
        names = member_seeds(str(settings.seed), seeds)
        files = [save_models / f"{_file_name(name)}.json" for name in names]
        for file in files:
            if save_models.is_dir():
                check_writable(file)
            check_not_input(file, inputs, name="--save-models")
            if out is not None and same_file(file, out):
                raise fail(f"--save-models would write {file}, which is --out {out}: choose "
                           "another file or folder")
    progress = Progress(n_epochs, enabled=not quiet and sys.stderr.isatty())
    try:
        result = run_sweep(settings, seeds=seeds, epochs=n_epochs, threshold=threshold,
                           relative=relative, prediction=prediction,
                           keep_models=save_models is not None, on_epoch=progress)
    except KeyboardInterrupt as err:
        progress.close()
        stop = signals.stop_of(err)
        raise fail(f"{stop.word}; nothing was written", code=stop.code) from None
    progress.close()
    _write(result, out, save_models, files)
    typer.echo(render(result))


def _write(result: Sweep, out: Path | None, folder: Path | None, files: list[Path]) -> None:
    """The sweep's JSON and its members' model files; a stop during the writing is held once."""
    from nneq.sweeps.report import to_json

    what = " and ".join(str(p) for p in (out, folder) if p is not None)
    written = 0
    try:
        with signals.saving(f"writing {what}"):
            signals.hold()
            if out is not None:
                write_text(out, to_json(result) + "\n")
            if folder is not None:
                with made_folder(folder):
                    for model, file in zip(result.models or (), files, strict=True):
                        save(model, file)
                        written += 1
            late = signals.held()
    except KeyboardInterrupt as err:
        stop = signals.stop_of(err)
        raise fail(f"{stop.word} again: the writing was abandoned after {written} of "
                   f"{len(files)} model files", code=stop.code) from None
    if late is not None:
        typer.echo(f"nneq: {late.word}; everything was written first", err=True)
        raise typer.Exit(late.code)


def _file_name(seed: str) -> str:
    """A seed as a safe file name: characters other than letters, digits, . - _ become _."""
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in seed) or "_"


