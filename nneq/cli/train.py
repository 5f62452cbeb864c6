"""`nneq train`: train a network and write its model file."""


from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from nneq.cli import signals
from nneq.cli.app import (
    DEFAULT_MODEL,
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
    SeedOpt,
    ShapeOpt,
    TrainPercentOpt,
    UrlOpt,
    app,
    fail,
    settings_from,
    summary,
)
from nneq.playground.model import Model
from nneq.playground.snapshots import SnapshotRecorder, check_snapshots
from nneq.playground.train import Training, training
from nneq.storage.files import check_not_input, check_writable
from nneq.storage.modelfile import save
from nneq.storage.runfile import read_run_file


@app.command()
def train(
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
    seed: SeedOpt = None,
    init_zero: InitZeroOpt = None,
    url: UrlOpt = None,
    config: ConfigOpt = None,
    epochs: EpochsOpt = None,
    snapshots: Annotated[int | None, typer.Option(
        help="Keep the weights at this many evenly spaced epochs, plus the first and the last, "
        "in the model file (for nneq html's replay) [default: 0].")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the model file.")] = Path(DEFAULT_MODEL),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the summary only.")] = False,
) -> None:
    """Train a network exactly as the Playground would, and save it as a model file."""
    settings, n_epochs = settings_from(locals())
    if snapshots is None:
        snapshots = (read_run_file(config).snapshots if config is not None else None) or 0
    check_snapshots(snapshots)
    check_writable(out)
    check_not_input(out, [("--config", config)], name="--out")
    try:
        run = training(settings)
    except KeyboardInterrupt as err:
        early = signals.stop_of(err)
        raise fail(f"{early.word} before training began; nothing was saved",
                   code=early.code) from None
    if not run.updates:
        typer.echo(f"nneq: note: a batch of {settings.batch_size} is larger than the "
                   f"{run.training_points} training points: the weights never change", err=True)
    progress = Progress(n_epochs, enabled=not quiet and sys.stderr.isatty())
    recorder = SnapshotRecorder(run, snapshots, n_epochs, progress)
    model, stop = _train_and_save(run, n_epochs, recorder, progress, out)
    if stop is not None:
        typer.echo(f"nneq: {stop.word}; saved the model as of epoch {model.epochs} to {out}",
                   err=True)
        raise typer.Exit(stop.code)
    typer.echo(summary(model, out))
    if model.diverged:
        raise fail(f"training diverged at epoch {model.diverged_at}: a loss or weight stopped "
                   f"being finite; kept epoch {model.epochs}. Try a learning rate below "
                   f"{settings.learning_rate:g}.", code=1)


def _train_and_save(run: Training, epochs: int, recorder: SnapshotRecorder, progress: Progress,
                    out: Path) -> tuple[Model, signals.Stop | None]:
    """Train, then save whatever was learnt, even when a stop (Ctrl-C, SIGTERM) ends training.

    A stop during the save is held so that the save completes; a second one abandons it, the
    old file staying as it was, and says so.
    """
    existed = os.path.lexists(out)
    stop: signals.Stop | None = None
    try:
        with signals.saving(f"saving the model to {out}"):
            try:
                run.run(epochs, recorder)
                signals.hold()
            except KeyboardInterrupt as err:
                stop = signals.stop_of(err)
            progress.close()
            model = recorder.finish(run.model())
            save(model, out)
            stop = stop or signals.held()
    except KeyboardInterrupt as err:
        again = signals.stop_of(err)
        kept = f"{out} was left as it was" if existed else f"{out} was not written"
        raise fail(f"{again.word} again: the save was abandoned and the training is lost; {kept}",
                   code=again.code) from None
    return model, stop
