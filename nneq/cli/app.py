"""The `nneq` application: the command group, shared options, messages and exit codes."""


from __future__ import annotations

import contextlib
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from nneq.describe import plural
from nneq.errors import NneqError
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.config import REGULARIZATIONS, Config, check_epochs
from nneq.playground.datasets import DATASETS
from nneq.playground.features import FEATURES
from nneq.playground.link import parse_link
from nneq.playground.model import Model
from nneq.storage.runfile import SETTINGS, read_run_file, resolve_config

DEFAULT_MODEL = "nneq-model.json"


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line to stderr and return the exit to raise."""
    typer.echo(f"nneq: {message}", err=True)
    return typer.Exit(code)


def _usage_error(err: Exception) -> bool:
    """Typer's own errors for bad flags: they carry a message and an exit code."""
    return hasattr(err, "format_message") and hasattr(err, "exit_code")


# Exit codes (README, Files, signals and exit codes): 0 success, 1 training diverged, 2 bad input,
# 128 + N stopped by signal N, 141 closed pipe, and:
INTERNAL_ERROR = 3
DISAGREE = 4  # exit code 1 is kept for divergence alone
DEBUG_VARIABLE = "NNEQ_DEBUG"


class _Escape(Exception):
    """Carries a stop or a closed pipe past Typer's own handling (it would make them 130 or 1)."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def _debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0") or _DEBUG[0]


_DEBUG = [False]


def _quiet_pipe() -> None:
    """Nothing more to say to a reader that went away: later writes go nowhere."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


class _Group(TyperGroup):
    """User mistakes end as one line on stderr and exit code 2 rather than a traceback."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a stop or a closed pipe goes past Typer to `main`."""
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, BrokenPipeError) as err:
            raise _Escape(err) from err

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run a command; turn nneq's and typer's errors into one line and an exit code."""
        from nneq.cli import signals

        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except _Escape as escape:
            if isinstance(escape.original, BrokenPipeError):
                _quiet_pipe()
                sys.exit(141)
            stop = signals.stop_of(escape.original)
            typer.echo(f"nneq: {stop.word}", err=True)
            sys.exit(stop.code)
        except NneqError as err:
            typer.echo(f"nneq: {err}", err=True)
            sys.exit(2)
        except (KeyboardInterrupt, typer.Abort) as err:
            stop = signals.stop_of(err)
            typer.echo(f"nneq: {stop.word}", err=True)
            sys.exit(stop.code)
        except MemoryError:
            typer.echo("nneq: not enough memory for this (try fewer or smaller layers, or fewer "
                       "seeds)", err=True)
            sys.exit(2)
        except Exception as err:
            if not _usage_error(err):
                _internal_error(err)
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
        if result == 130 and signals.last_signal():  # a stop while Typer parsed the flags
            stop = signals.stop_of(None)
            typer.echo(f"nneq: {stop.word}", err=True)
            sys.exit(stop.code)
        sys.exit(result if isinstance(result, int) else 0)


def _internal_error(err: BaseException) -> None:
    """An error nneq did not expect: one line and exit code 3; the traceback only when debugging."""
    if _debugging():
        traceback.print_exception(err)
    where = " ".join(str(err).split())[:200]
    typer.echo(f"nneq: internal error ({type(err).__name__}{': ' + where if where else ''}). "
               f"This is a bug in nneq; please report it with the output of the same command "
               f"run with {DEBUG_VARIABLE}=1 (or nneq --debug)", err=True)
    sys.exit(INTERNAL_ERROR)


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Train TensorFlow Playground networks exactly and write what they learnt as equations.",
)



@app.callback()
def _options(
    debug: Annotated[bool, typer.Option(
        "--debug", help=f"Show the traceback of an internal error (as {DEBUG_VARIABLE}=1 does).")
    ] = False,
) -> None:
    """Train TensorFlow Playground networks exactly and write what they learnt as equations."""
    _DEBUG[0] = debug


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


def settings_from(values: dict[str, Any]) -> tuple[Config, int]:
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


class Progress:
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


