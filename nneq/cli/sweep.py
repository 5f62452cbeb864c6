"""`nneq sweep`: many seeds of one configuration."""


from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

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
from nneq.storage.files import check_writable, write_text
from nneq.storage.modelfile import save


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
    save_models: Annotated[Path | None, typer.Option(
        help="Write every member's model file into this folder.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train many seeds of one configuration at once and count the sign patterns they learn."""
    from nneq.comparison.tables import parse_aliases, read_tables
    from nneq.sweeps.report import RENDERERS, to_json
    from nneq.sweeps.sweep import run_sweep

    settings, n_epochs = settings_from(locals())
    render = RENDERERS.get(fmt)
    if render is None:
        raise fail(f"format={fmt!r}: expected one of {', '.join(RENDERERS)}")
    aliases = parse_aliases(alias or [])
    prediction = read_tables(predicted, aliases=aliases) if predicted else None
    if out is not None:
        check_writable(out)
    if save_models is not None and save_models.exists() and not save_models.is_dir():
        raise fail(f"--save-models {save_models}: expected a folder, and it is a file")
    if save_models is not None:
        check_writable(save_models.resolve().parent / save_models.name)
    progress = Progress(n_epochs, enabled=not quiet and sys.stderr.isatty())
    try:
        result = run_sweep(settings, seeds=seeds, epochs=n_epochs, threshold=threshold,
                           relative=relative, prediction=prediction,
                           keep_models=save_models is not None, on_epoch=progress)
    except KeyboardInterrupt:
        progress.close()
        raise fail("interrupted; nothing was written", code=130) from None
    progress.close()
    if out is not None:
        write_text(out, to_json(result) + "\n")
    if save_models is not None:
        save_models.mkdir(parents=True, exist_ok=True)
        for model in result.models or ():
            save(model, save_models / f"{_file_name(str(model.config.seed))}.json")
    typer.echo(render(result))


def _file_name(seed: str) -> str:
    """A seed as a safe file name: characters other than letters, digits, . - _ become _."""
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in seed) or "_"


