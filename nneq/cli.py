"""The `nneq` command: parse, make one library call, render. Messages and exit codes live here."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from nneq.activations import ACTIVATIONS
from nneq.config import REGULARIZATIONS, Config
from nneq.datasets import DATASETS
from nneq.errors import NneqError
from nneq.features import FEATURES
from nneq.files import check_writable, write_text
from nneq.link import parse_link, to_link
from nneq.model import Model, load, save
from nneq.runfile import SETTINGS, read_run_file, resolve_config
from nneq.train import check_epochs, training
from nneq.words import plural

DEFAULT_MODEL = "nneq-model.json"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line to stderr and return the exit to raise."""
    typer.echo(f"nneq: {message}", err=True)
    return typer.Exit(code)


def _usage_error(err: Exception) -> bool:
    """Typer's own errors for bad flags: they carry a message and an exit code."""
    return hasattr(err, "format_message") and hasattr(err, "exit_code")


class _Group(TyperGroup):
    """User mistakes end as one line on stderr and exit code 2 rather than a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run a command; turn nneq's and typer's errors into one line and an exit code."""
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except NneqError as err:
            typer.echo(f"nneq: {err}", err=True)
            sys.exit(2)
        except (KeyboardInterrupt, typer.Abort):
            typer.echo("nneq: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(1)
        except MemoryError:
            typer.echo("nneq: not enough memory for this (try fewer or smaller layers, or fewer "
                       "seeds)", err=True)
            sys.exit(2)
        except Exception as err:
            if not _usage_error(err):
                raise
            if type(err).__name__ == "NoArgsIsHelpError":
                typer.echo(err.ctx.get_help())  # type: ignore[attr-defined]
                sys.exit(0)
            message = " ".join(err.format_message().split())  # type: ignore[attr-defined]
            # Typer's guess at the option meant lists only some options: point at --help instead.
            message = re.sub(r" \(Possible options: [^)]*\)", "", message)
            if message.startswith("No such option"):
                message += " (see --help)"
            typer.echo(f"nneq: {message}", err=True)
            sys.exit(2)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Train TensorFlow Playground networks exactly and write what they learnt as equations.",
)

ModelArg = Annotated[Path, typer.Argument(metavar="MODEL", help="Model file written by nneq train.",
                                          show_default=True)]


# The settings every training command takes, defined once.
DatasetOpt = Annotated[str | None, typer.Option(
    help=f"Dataset: {', '.join(DATASETS)}. The problem type follows from it.")]
ShapeOpt = Annotated[str | None, typer.Option(help="Hidden layer sizes, e.g. 4,2 ('' for none).")]
ActivationOpt = Annotated[str | None, typer.Option(
    help=f"Hidden activation: {', '.join(ACTIVATIONS)}.")]
FeaturesOpt = Annotated[str | None, typer.Option(
    help=f"Comma-separated inputs among {','.join(FEATURES)}.")]
LearningRateOpt = Annotated[float | None, typer.Option(help="Learning rate.")]
BatchSizeOpt = Annotated[int | None, typer.Option(help="Examples per update.")]
RegularizationOpt = Annotated[str | None, typer.Option(
    help=f"Regularization: {', '.join(REGULARIZATIONS)}.")]
RegRateOpt = Annotated[float | None, typer.Option(help="Regularization rate.")]
NoiseOpt = Annotated[float | None, typer.Option(help="Noise in percent, 0 to 50.")]
TrainPercentOpt = Annotated[float | None, typer.Option(help="Share of data for training, %.")]
SeedOpt = Annotated[str | None, typer.Option(help="Seed string, as in the Playground.")]
InitZeroOpt = Annotated[bool | None, typer.Option("--init-zero/--no-init-zero",
                                                  help="Start from zero weights.")]
UrlOpt = Annotated[str | None, typer.Option(help="Start from a Playground link.")]
ConfigOpt = Annotated[Path | None, typer.Option(help="TOML file of settings (flag names as keys).")]
EpochsOpt = Annotated[int | None, typer.Option(help="Epochs to train [default: 500].")]


def _settings(values: dict[str, Any]) -> tuple[Config, int]:
    """The configuration and epochs from --url, --config and the setting flags in `values`.

    Values a link carries that the Playground itself would ignore are reported on stderr.
    """
    run_file = read_run_file(values["config"]) if values["config"] is not None else None
    flags = {name: values[name.replace("-", "_")] for name in SETTINGS}
    link = values["url"] if values["url"] is not None else (run_file.url if run_file else None)
    if link is not None:
        for note in parse_link(link).notes:
            typer.echo(f"nneq: note: {note}", err=True)
    config = resolve_config(url=values["url"], run_file=run_file, flags=flags).with_seed()
    epochs = values["epochs"]
    if epochs is None:
        epochs = run_file.epochs if run_file and run_file.epochs is not None else 500
    return config, check_epochs(epochs)


class _Progress:
    """A one-line progress bar on a terminal's stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.enabled, self.shown = total, enabled, 0.0

    def __call__(self, epoch: int, losses: Any) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.shown < 0.1 and epoch < self.total):
            return
        self.shown = now
        width = 30
        done = int(width * epoch / max(self.total, 1))
        bar = "#" * done + "-" * (width - done)
        shown = "" if losses is None else "  loss train {:.3f} test {:.3f}".format(*losses[0])
        typer.echo(f"\r[{bar}] epoch {epoch}/{self.total}{shown}", err=True, nl=False)

    def close(self) -> None:
        if self.enabled:
            typer.echo("\r" + " " * 78 + "\r", err=True, nl=False)


def _loss(value: float) -> str:
    """Three decimals, as the Playground shows a loss; a huge one in powers of ten."""
    return f"{value:.3f}" if abs(value) < 1e6 else f"{value:.3g}"


def summary(model: Model, out: Path) -> str:
    """Epochs, losses (three decimals, as the Playground shows them), accuracy, seed, file."""
    c = model.config
    shape = "-".join(str(n) for n in c.layer_sizes)
    lines = [
        f"trained {plural(model.epochs, 'epoch')}: {c.dataset}, {shape} {c.activation}, seed {c.seed}",
        f"loss      train {_loss(model.loss_train[-1])}   test {_loss(model.loss_test[-1])}",
    ]
    if c.problem == "classification":
        train, test = model.data()
        lines.append(f"accuracy  train {model.accuracy(train):.1%}  test {model.accuracy(test):.1%}")
    lines.append(f"model written to {out}")
    return "\n".join(lines)


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
    out: Annotated[Path, typer.Option(help="Where to write the model file.")] = Path(DEFAULT_MODEL),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the summary only.")] = False,
) -> None:
    """Train a network exactly as the Playground would, and save it as a model file."""
    settings, n_epochs = _settings(locals())
    check_writable(out)
    try:
        run = training(settings)
    except KeyboardInterrupt:
        raise fail("interrupted before training began; nothing was saved", code=130) from None
    if not run.first_epoch:
        typer.echo(f"nneq: note: a batch of {settings.batch_size} is larger than the "
                   f"{run.training_points} training points: the weights never change", err=True)
    progress = _Progress(n_epochs, enabled=not quiet and sys.stderr.isatty())
    try:
        run.run(n_epochs, progress)
    except KeyboardInterrupt:
        progress.close()
        model = run.model()
        save(model, out)
        typer.echo(f"nneq: interrupted; saved the model as of epoch {model.epochs} to {out}",
                   err=True)
        raise typer.Exit(130) from None
    progress.close()
    model = run.model()
    save(model, out)
    typer.echo(summary(model, out))
    if model.diverged:
        raise fail(f"training diverged at epoch {model.diverged_at}: a loss or weight stopped "
                   f"being finite; kept epoch {model.epochs}. Try a learning rate below "
                   f"{settings.learning_rate:g}.", code=1)


@app.command()
def url(model: ModelArg = Path(DEFAULT_MODEL)) -> None:
    """Print the Playground link that opens the model's configuration."""
    typer.echo(to_link(load(model).config))


@app.command()
def datasets() -> None:
    """List the datasets, one line each."""
    from tabulate import tabulate

    rows = [(d.name, d.problem, d.description) for d in DATASETS.values()]
    typer.echo(tabulate(rows, tablefmt="plain"))


@app.command()
def plot(
    model: ModelArg = Path(DEFAULT_MODEL),
    out: Annotated[Path | None, typer.Option(
        help="Picture to write: .png, .svg or .pdf [default: the model's name with .png].")] = None,
    unit: Annotated[str | None, typer.Option(
        help="Draw this unit's heatmap large instead of the output's, e.g. h12.")] = None,
    show_test: Annotated[bool, typer.Option("--show-test", help="Add the test points, outlined.")] = False,
    discretize: Annotated[bool, typer.Option(
        "--discretize", help="Heatmaps in two colours only, by sign.")] = False,
    dpi: Annotated[int, typer.Option(help="Dots per inch (PNG, and heatmaps inside SVG/PDF).")] = 100,
) -> None:
    """Draw the Playground's picture of a model: network, output heatmap, loss curves."""
    from nneq.plot import check_dpi, plot_format, save_plot  # matplotlib loads only to plot

    target = out if out is not None else model.with_suffix(".png")
    plot_format(target)
    check_dpi(dpi)
    check_writable(target)
    save_plot(load(model), target, unit=unit, show_test=show_test, discretize=discretize, dpi=dpi)
    typer.echo(f"picture written to {target}")


@app.command()
def compare(
    predicted: Annotated[Path, typer.Argument(
        metavar="PREDICTED",
        help="Predicted tables (Markdown) or a second model file (read as one when its text "
             "starts with '{').")],
    model: ModelArg = Path(DEFAULT_MODEL),
    alias: Annotated[list[str] | None, typer.Option(
        metavar="NAME=FEATURE", help="Another name for an input, e.g. x3=x1x2 (repeatable).")] = None,
    threshold: Annotated[float, typer.Option(
        help="Treat learnt links weaker than this as absent.")] = 0.0,
    no_symmetry: Annotated[bool, typer.Option(
        "--no-symmetry", help="Compare units by name: no reordering or flipping.")] = False,
    report: Annotated[str, typer.Option(
        "--format", help="Report as text, markdown or json.")] = "text",
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit with code 1 when any predicted sign disagrees.")] = False,
) -> None:
    """Check predicted sign tables against the learnt network, allowing for its symmetries."""
    from nneq.compare import compare as compare_tables  # loaded only to compare
    from nneq.compare import compare_models, read_predicted
    from nneq.compare_report import RENDERERS
    from nneq.tables import parse_aliases

    render = RENDERERS.get(report)
    if render is None:
        raise fail(f"format={report!r}: expected one of {', '.join(RENDERERS)}")
    learnt = load(model)
    given = read_predicted(predicted, aliases=parse_aliases(alias or []))
    if isinstance(given, Model):
        result = compare_models(given, learnt, threshold=threshold, symmetry=not no_symmetry,
                                predicted_source=str(predicted), model_source=str(model))
    else:
        result = compare_tables(given, learnt, threshold=threshold, symmetry=not no_symmetry,
                                model_source=str(model))
    typer.echo(render(result))
    if strict and result.count("disagree"):
        raise typer.Exit(1)


@app.command("equations")
def equations_command(
    model: ModelArg = Path(DEFAULT_MODEL),
    fmt: Annotated[str, typer.Option(
        "--format", help="markdown, text, latex, json, sympy or logic.")] = "markdown",
    threshold: Annotated[float, typer.Option(
        help="Leave out links whose magnitude is under this (logic reads the whole network).")
    ] = 0.0,
    relative: Annotated[bool, typer.Option(
        "--relative", help="Read --threshold as a share of each unit's largest incoming magnitude.")
    ] = False,
    values: Annotated[bool, typer.Option(
        "--values", help="markdown, text: the learnt numbers instead of weight symbols.")] = False,
    precision: Annotated[int | None, typer.Option(
        help="Decimals to round numbers to [default: 3 for --values, full for sympy and latex].")
    ] = None,
    biases: Annotated[bool, typer.Option(
        "--biases", help="markdown, text: add each unit's bias.")] = False,
    compose: Annotated[bool, typer.Option(
        "--compose", help="sympy, latex: add the whole network as one expression of x1, x2.")
    ] = False,
) -> None:
    """Write what each unit learnt: signed tables, SymPy, LaTeX, JSON or sign logic."""
    from nneq.render import Options, render  # SymPy itself loads only for the formats that need it

    options = Options(threshold=threshold, relative=relative, values=values, precision=precision,
                      biases=biases, compose=compose)
    typer.echo(render(load(model), fmt=fmt, options=options))


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
    from nneq.sweep import run_sweep
    from nneq.sweep_report import RENDERERS, to_json
    from nneq.tables import parse_aliases, read_tables

    settings, n_epochs = _settings(locals())
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
    progress = _Progress(n_epochs, enabled=not quiet and sys.stderr.isatty())
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


@app.command("report")
def report_command(
    runs: Annotated[list[Path], typer.Argument(
        metavar="RUN", help="Run files (TOML): nneq train settings or a url, epochs, and optionally "
        "title, description, predicted, alias, threshold, show-test, discretize.")],
    out_dir: Annotated[Path, typer.Option(
        help="Folder for the pages, pictures, model files and index.md; made if missing.")
    ] = Path("report"),
    dpi: Annotated[int, typer.Option(help="Dots per inch of the pictures.")] = 72,
    retrain: Annotated[bool, typer.Option(
        "--retrain", help="Train every run again, even when its model in the folder is current.")
    ] = False,
) -> None:
    """Train each run (or reuse its current model) and write its page, picture and an index."""
    from nneq.report import report  # matplotlib and the comparison load only for reports

    result = report(runs, out_dir=out_dir, dpi=dpi, retrain=retrain,
                    on_page=lambda page: typer.echo(page.summary()))
    typer.echo(f"index written to {result.index}")


def main() -> None:
    """Console entry point."""
    app()
