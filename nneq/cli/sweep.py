"""`nneq sweep`: many seeds of one configuration."""


from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nneq.cli import signals
from nneq.cli.app import (
    ActivationOpt,
    BatchSizeOpt,
    ConfigOpt,
    DatasetOpt,
    EngineOpt,
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
    choices,
    example,
    fail,
    metavar,
    settings_from,
    show_progress,
)
from nneq.sweeps.report import RENDERERS

if TYPE_CHECKING:
    from nneq.sweeps.sweep import Sweep

    Format = str
else:
    Format = choices(RENDERERS)  # one of the table's keys, matched without regard to case


@app.command(epilog=example(
    "nneq sweep --seeds 100 --epochs 200",
    "nneq sweep --seeds 50 --dataset xor --shape 2,2 --predicted examples/post/exp07.md --top 3",
    "nneq sweep --seeds 20 --config examples/post/exp01.toml --format json --out sweep.json",
    "nneq sweep --seeds 1000 --epochs 200 --workers 2 --quiet"))
def sweep(
    seeds: Annotated[int, typer.Option(metavar="N", help="How many seeds to train.")] = 100,
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
        metavar="SEED", help="Base seed: the members are SEED-1, SEED-2, … [default: a new one].")] = None,
    init_zero: InitZeroOpt = None,
    url: UrlOpt = None,
    config: ConfigOpt = None,
    epochs: EpochsOpt = None,
    engine: EngineOpt = None,
    workers: Annotated[int | None, typer.Option(
        metavar="N", help="Processes sharing the work on this machine; the numbers do not "
        "depend on it. [default: one per core, for sweeps long enough to gain from it]")] = None,
    threshold: Annotated[float, typer.Option(
        metavar="MAGNITUDE", help="Links weaker than this count as absent in the patterns.")] = 0.0,
    relative: Annotated[bool, typer.Option(
        "--relative", help="Read --threshold as a share of each unit's largest incoming link.")
    ] = False,
    predicted: Annotated[Path | None, typer.Option(
        metavar="TABLES.md", help="Predicted tables: how often does each seed's network agree?")
    ] = None,
    alias: Annotated[list[str] | None, typer.Option(
        metavar="NAME=FEATURE",
        help="Another name for an input in the predicted tables, e.g. x3=x1x2 (repeatable).")
    ] = None,
    top: Annotated[int | None, typer.Option(
        metavar="N", help="Show only the N most frequent patterns (JSON keeps them all). "
        "[default: all]")] = None,
    fmt: Annotated[Format, typer.Option(
        "--format", metavar=metavar(RENDERERS), case_sensitive=False,
        help="How to write the sweep.")] = "text",
    out: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Also save the sweep as JSON here.")] = None,
    save_models_given: Annotated[str | None, typer.Option(  # str: Typer reads '' as '.'
        "--save-models", metavar="FOLDER",
        help="Write every member's model file into this folder.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train many seeds of one configuration at once and count the sign patterns they learn."""
    from nneq.comparison.tables import parse_aliases, read_tables
    from nneq.storage.files import check_folder, check_not_input, check_writable, same_file
    from nneq.sweeps.sweep import check_prediction, member_seeds, run_sweep

    settings, n_epochs = settings_from(locals())
    if top is not None and top < 1:
        raise fail(f"--top={top!r}: expected a whole number >= 1")
    aliases = parse_aliases(alias or [])
    prediction = read_tables(predicted, aliases=aliases) if predicted else None
    if prediction is not None:
        check_prediction(prediction, settings)  # run_sweep checks it too; here before any output
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
    progress = Progress(n_epochs, enabled=show_progress(quiet), label=f"{seeds} seeds")
    with progress:
        try:
            result = run_sweep(settings, seeds=seeds, epochs=n_epochs, threshold=threshold,
                               relative=relative, prediction=prediction,
                               keep_models=save_models is not None, on_epoch=progress,
                               engine=engine or _run_file_engine(config) or "auto",
                               workers=workers)
        except KeyboardInterrupt as err:
            progress.close()
            stop = signals.stop_of(err)
            raise fail(f"{stop.word} after {progress.done} of {n_epochs} epochs; nothing was "
                       "written (a sweep keeps no partial result)", code=stop.code) from None
    _write(result, out, save_models, files)
    typer.echo(RENDERERS[fmt](result, top=top))


def _write(result: Sweep, out: Path | None, folder: Path | None, files: list[Path]) -> None:
    """The sweep's JSON and its members' model files; a stop during the writing is held once."""
    from nneq.storage.files import made_folder, write_text
    from nneq.storage.modelfile import save
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


def _run_file_engine(config: Path | None) -> str | None:
    from nneq.storage.runfile import read_run_file

    return read_run_file(config, ignore_page_keys=True).engine if config is not None else None


def _file_name(seed: str) -> str:
    """A seed as a safe file name: characters other than letters, digits, . - _ become _."""
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in seed) or "_"


