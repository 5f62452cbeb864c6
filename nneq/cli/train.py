"""`nneq train`: train a network and write its model file."""


from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nneq.cli import signals
from nneq.cli.app import (
    DEFAULT_MODEL,
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
    SeedOpt,
    ShapeOpt,
    TrainPercentOpt,
    UrlOpt,
    app,
    example,
    fail,
    settings_from,
    show_progress,
)
from nneq.describe import divergence_advice, network, number_text, plural

if TYPE_CHECKING:
    from nneq.playground.model import Model
    from nneq.playground.snapshots import SnapshotRecorder
    from nneq.playground.train import Training


def _accuracy(model: Model) -> tuple[float, float] | None:
    if model.config.problem != "classification":
        return None
    train_points, test_points = model.data()
    return model.accuracy(train_points), model.accuracy(test_points)


def summary(model: Model, out: Path) -> str:
    """Epochs, losses (three decimals, as the Playground shows them), accuracy, seed, file;
    the figures in aligned columns under `train` and `test`."""
    c = model.config
    rows = [("", "train", "test"),
            ("loss", number_text(model.loss_train[-1]), number_text(model.loss_test[-1]))]
    accuracy = _accuracy(model)
    if accuracy is not None:
        rows.append(("accuracy", f"{accuracy[0]:.1%}", f"{accuracy[1]:.1%}"))
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    # The compiled engine is named: on long runs of small batches the two engines' last-bit
    # differences can grow into different networks (README, "How exact").
    by = " with the compiled engine" if model.engine == "compiled" else ""
    lines = [f"trained {plural(model.epochs, 'epoch')}{by}: {c.dataset}, {network(c)}, "
             f"seed {c.seed}"]
    lines += [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {t:>{widths[2]}}".rstrip() for a, b, t in rows]
    lines.append(f"model written to {out}")
    return "\n".join(lines)


def summary_json(model: Model, out: Path) -> str:
    """The summary as JSON, for scripts: settings, epochs, losses, accuracy, file, link."""
    from nneq.playground.link import to_link

    accuracy = _accuracy(model)
    return json.dumps({
        "config": model.config.to_dict(),
        "epochs": model.epochs,
        "engine": model.engine,
        "diverged": model.diverged,
        "diverged_at": model.diverged_at,
        "loss_train": float(model.loss_train[-1]),
        "loss_test": float(model.loss_test[-1]),
        "accuracy_train": accuracy[0] if accuracy else None,
        "accuracy_test": accuracy[1] if accuracy else None,
        "model": str(out),
        "link": to_link(model.config),
    }, indent=1)


@app.command(epilog=example(
    "nneq train --dataset xor --shape 4,2 --epochs 300",
    "nneq train --url 'https://playground.tensorflow.org/#dataset=xor&networkShape=4,2' --out xor.json",
    "nneq train --config examples/quickstart/inline.toml --json"))
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
    engine: EngineOpt = None,
    snapshots: Annotated[int | None, typer.Option(
        metavar="N", help="Keep the weights at this many evenly spaced epochs, plus the first and "
        "the last, in the model file (for nneq html's replay) [default: 0].")] = None,
    out: Annotated[Path, typer.Option(metavar="FILE", help="Where to write the model file.")
                   ] = Path(DEFAULT_MODEL),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train a network exactly as the Playground would, and save it as a model file."""
    from nneq.playground.engine import choose_engine
    from nneq.playground.snapshots import SnapshotRecorder, check_snapshots
    from nneq.playground.train import training
    from nneq.storage.files import check_not_input, check_writable
    from nneq.storage.runfile import read_run_file

    settings, n_epochs = settings_from(locals())
    run_file = read_run_file(config, ignore_page_keys=True) if config is not None else None
    if snapshots is None and run_file is not None:
        snapshots = run_file.snapshots
    snapshots = snapshots or 0
    check_snapshots(snapshots)
    chosen = choose_engine(engine or (run_file.engine if run_file else None) or "auto",
                           settings, n_epochs)
    check_writable(out)
    check_not_input(out, [("--config", config)], name="--out")
    try:
        run = training(settings, engine=chosen)
    except KeyboardInterrupt as err:
        early = signals.stop_of(err)
        raise fail(f"{early.word} before training began; nothing was saved",
                   code=early.code) from None
    if not run.updates:
        typer.echo(f"nneq: note: a batch of {settings.batch_size} is larger than the "
                   f"{run.training_points} training points: the weights never change", err=True)
    progress = Progress(n_epochs, enabled=show_progress(quiet or as_json))
    render = summary_json if as_json else summary
    recorder = SnapshotRecorder(run, snapshots, n_epochs, progress)
    with progress:
        model, stop = _train_and_save(run, n_epochs, recorder, progress, out)
    typer.echo(render(model, out))
    if stop is not None:
        typer.echo(f"nneq: {stop.word}; saved the model as of epoch {model.epochs} to {out}",
                   err=True)
        raise typer.Exit(stop.code)
    if model.diverged:
        raise fail(f"training diverged at epoch {model.diverged_at}: a loss or weight stopped "
                   f"being finite; kept epoch {model.epochs}; {divergence_advice(settings)}.",
                   code=1)


def _train_and_save(run: Training, epochs: int, recorder: SnapshotRecorder, progress: Progress,
                    out: Path) -> tuple[Model, signals.Stop | None]:
    """Train, then save whatever was learnt, even when a stop (Ctrl-C, SIGTERM) ends training.

    A stop during the save is held so that the save completes; a second one abandons it, the
    old file staying as it was, and says so.
    """
    from nneq.storage.modelfile import save

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
