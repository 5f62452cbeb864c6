"""The `nneq` application: the command group, shared options, messages and exit codes.

Start-up is kept short: this module and the option tables load no numerical library, and
each command's module is imported only when that command runs (or its help is shown), so
`nneq --help`, `nneq datasets` and `nneq url` never load numpy.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import importlib
import os
import re
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from nneq.cli.coerce import light_coercion, light_param
from nneq.cli.signals import say
from nneq.errors import ConfigError, NneqError
from nneq.playground.catalog import ACTIVATION_NAMES, DATASET_INFO, REGULARIZATIONS
from nneq.playground.config import NOISE_MAX, Config, check_epochs
from nneq.playground.engine import ENGINE_CHOICES
from nneq.playground.features import FEATURES

if TYPE_CHECKING:
    from nneq.playground.model import Model
    from nneq.storage.runfile import RunFile

DEFAULT_MODEL = "nneq-model.json"
DEFAULT_EPOCHS = 500

# The commands in the order of the workflow: name → (module in nneq.cli, one-line description).
# A new command adds its row here and registers itself with @app.command() in its module,
# which is imported only when the command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "train": ("train", "Train a network exactly as the Playground would, and save it as a model "
                       "file."),
    "equations": ("equations", "Write what each unit learnt: signed tables, SymPy, LaTeX, JSON "
                               "or sign logic."),
    "compare": ("compare", "Check predicted sign tables against the learnt network, allowing "
                           "for its symmetries."),
    "plot": ("plot", "Draw the Playground's picture of a model: network, output heatmap, loss "
                     "curves."),
    "html": ("html", "Write one self-contained interactive page of a model: hover for every "
                     "weight, replay the training."),
    "sweep": ("sweep", "Train many seeds of one configuration at once and count the sign "
                       "patterns they learn."),
    "report": ("report", "Train each run (or reuse its current model) and write its page, "
                         "picture and an index."),
    "study": ("study", "Train a grid of settings, many seeds each, and tabulate how they "
                       "compare."),
    "url": ("info", "Print the Playground link that opens the model's configuration."),
    "datasets": ("info", "List the datasets: name, problem type and what the points look like."),
}


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line to stderr and return the exit to raise."""
    say(f"nneq: {message}")
    return typer.Exit(code)


def closest(value: str, names: Sequence[str]) -> str | None:
    """The name nearest to a mistyped `value`, if one is near enough to suggest."""
    lowered = {name.lower(): name for name in names}
    found = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def _options_of(group: TyperGroup) -> set[str]:
    """The option names (without dashes) of every command already built."""
    return {opt.lstrip("-").replace("-", "_") for command in group.commands.values()
            for param in command.params for opt in param.opts if opt.startswith("--")}


class _Command(TyperCommand):
    """A command whose usage line names its arguments plainly: `nneq compare [OPTIONS] PREDICTED
    [MODEL]`, optional ones in brackets, and whose help lists arguments without Python types."""

    def get_help_option(self, ctx: Any) -> Any:
        """-h and --help, converted without pydantic like every other flag."""
        option = super().get_help_option(ctx)
        if option is not None:
            light_param(option)
        return option

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """[OPTIONS], then each argument's name."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.display_name_raw + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        return pieces


def _tidy(command: Any) -> None:
    """Give a command nneq's usage line and help, and plain flag conversion (see coerce.py)."""
    if isinstance(command, TyperCommand) and not isinstance(command, _Command):
        command.__class__ = _Command
        for param in command.params:
            if isinstance(param, TyperArgument):
                param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
    light_coercion(command)


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


def quiet_pipe() -> None:
    """Nothing more to say to a reader that went away: later writes go nowhere."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


class _Group(TyperGroup):
    """Commands listed in workflow order and loaded on demand; user mistakes end as one line
    on stderr and exit code 2 rather than a traceback."""

    def get_help_option(self, ctx: Any) -> Any:
        """-h and --help, converted without pydantic like every other flag."""
        option = super().get_help_option(ctx)
        if option is not None:
            light_param(option)
        return option

    def list_commands(self, ctx: Any) -> list[str]:
        """The commands of the table in its order, then any other registered ones."""
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command, importing its module the first time it is asked for."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"nneq.cli.{COMMANDS[cmd_name][0]}")
            for info in app.registered_commands:
                name = info.name or typer.main.get_command_name(info.callback.__name__)  # type: ignore[union-attr]
                if name == cmd_name:
                    self.commands[name] = typer.main.get_command_from_info(
                        info, pretty_exceptions_short=True, rich_markup_mode=None)
        command = self.commands.get(cmd_name)
        if command is not None:
            _tidy(command)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Each command with its whole one-line description, in workflow order."""
        rows = [(name, COMMANDS[name][1] if name in COMMANDS
                 else self.commands[name].get_short_help_str(200))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """Read the flags; a stop, or a closed pipe under --help, goes past Typer to `main`."""
        try:
            return super().make_context(*args, **kwargs)
        except (KeyboardInterrupt, BrokenPipeError) as err:
            raise _Escape(err) from err

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
        light_coercion(self)
        try:
            result = super().main(*args, **kwargs)
        except _Escape as escape:
            if isinstance(escape.original, BrokenPipeError):
                quiet_pipe()
                sys.exit(141)
            sys.exit(signals.announce(escape.original))
        except ConfigError as err:
            say(f"nneq: {self._as_flag(err)}")
            sys.exit(2)
        except NneqError as err:
            say(f"nneq: {err.worded(_flag)}{_alias_hint(err)}")
            sys.exit(2)
        except (KeyboardInterrupt, typer.Abort) as err:
            sys.exit(signals.announce(err))
        except MemoryError:
            say("nneq: not enough memory for what was asked; nothing was written")
            sys.exit(2)
        except Exception as err:
            if isinstance(err, OSError) and err.errno in _OUTPUT_ERRORS and err.filename is None:
                # Files are read and written through nneq.storage, which words its own errors;
                # one with no file name that reaches here is standard output's (a full disk, a
                # device that fails).
                say(f"nneq: cannot write the output: {err.strerror}")
                sys.exit(2)
            if not _usage_error(err):
                _internal_error(err)
            if type(err).__name__ == "NoArgsIsHelpError":
                typer.echo(err.ctx.get_help())  # type: ignore[attr-defined]
                sys.exit(0)
            say(f"nneq: {_usage_message(err)}")
            sys.exit(2)
        sys.exit(result if isinstance(result, int) else 0)

    def _as_flag(self, err: ConfigError) -> str:
        """A library error about a setting, worded as the flag that sets it: `--dpi=0: …`."""
        if err.source or err.field.startswith("--"):
            return str(err)
        name = err.field.replace("-", "_")
        if name in _options_of(self):
            return str(ConfigError("--" + name.replace("_", "-"), err.value, err.allowed))
        return str(err)


def _flag(setting: str) -> str:
    """A library setting's name as the command line's flag: learning_rate → --learning-rate."""
    return "--" + setting.replace("_", "-")


def _alias_hint(err: NneqError) -> str:
    """For a table naming an input nneq does not know: how to name it on the command line."""
    name = getattr(err, "unknown_input", None)
    return (f"; if {name} stands for an input, name it with --alias {name}=FEATURE "
            f"(e.g. --alias {name}=x1x2)") if name else ""


def _usage_error(err: Exception) -> bool:
    """Typer's own errors for bad flags: they carry a message and an exit code."""
    return hasattr(err, "format_message") and hasattr(err, "exit_code")


def _usage_message(err: Any) -> str:
    """A usage error as one line; a mistyped option names the closest one of its command."""
    message = " ".join(err.format_message().split())
    message = re.sub(r" \(Possible options: [^)]*\)", "", message)
    message = re.sub(r" Did you mean [^?]*\?", "", message)
    ctx = getattr(err, "ctx", None)
    # the command's own name: the path before it may be `python -m nneq`
    command = f"nneq {ctx.info_name}" if ctx is not None and ctx.parent is not None else "nneq"
    option = getattr(err, "option_name", None)
    if message.startswith("No such option") and option and ctx is not None:
        names = [opt for param in ctx.command.params for opt in param.opts if opt.startswith("--")]
        near = closest(option, names)
        message = f"no such option {option}" + (f"; did you mean {near}?" if near else "")
        message += f" (see {command} --help)"
    elif message.startswith("No such command"):
        wrong = message.split("'")[1] if "'" in message else ""
        near = closest(wrong, list(COMMANDS))
        message = f"no such command {wrong!r}" + (f"; did you mean {near!r}?" if near else "")
        message += " (see nneq --help)"
    return message


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"nneq {version('nneq')}")
        raise typer.Exit()


_OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EBADF,
                            getattr(errno, "EDQUOT", errno.ENOSPC)})


def _internal_error(err: BaseException) -> None:
    """An error nneq did not expect: one line and exit code 3; the traceback only when debugging."""
    if _debugging():
        traceback.print_exception(err)
    where = " ".join(str(err).split())[:200]
    say(f"nneq: internal error ({type(err).__name__}{': ' + where if where else ''}). "
        f"This is a bug in nneq; please report it with the output of the same command "
        f"run with {DEBUG_VARIABLE}=1 (or nneq --debug)")
    sys.exit(INTERNAL_ERROR)


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    help="Train TensorFlow Playground networks exactly and write what they learnt as equations.",
    epilog="Example: nneq train --dataset xor --shape 4,2 && nneq equations",
)


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option(
        "--debug", help=f"Show the traceback of an internal error (as {DEBUG_VARIABLE}=1 does).")
    ] = False,
) -> None:
    """Train TensorFlow Playground networks exactly and write what they learnt as equations."""
    _DEBUG[0] = debug


def example(*lines: str) -> str:
    """A command's help epilog: its example invocations, one a line, never rewrapped."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def choices(names: Sequence[str]) -> Any:
    """A Literal of a table's keys, for an option whose value is one of them."""
    return Literal[tuple(names)]


def metavar(names: Sequence[str]) -> str:
    """How help shows a choice: {markdown|text|…}."""
    return "{" + "|".join(names) + "}"


ModelArg = Annotated[Path, typer.Argument(metavar="MODEL", help="Model file written by nneq train.",
                                          show_default=True)]

# The settings every training command takes, defined once; defaults are the Playground's.
_D = Config()
_NAMES = tuple(DATASET_INFO)
if TYPE_CHECKING:
    DatasetName = str
    ActivationName = str
    RegularizationName = str
    EngineName = str
else:
    DatasetName, ActivationName = choices(_NAMES), choices(ACTIVATION_NAMES)
    RegularizationName = choices(REGULARIZATIONS)
    EngineName = choices(ENGINE_CHOICES)
DatasetOpt = Annotated[DatasetName | None, typer.Option(
    metavar=metavar(_NAMES), case_sensitive=False,
    help=f"The data; the problem type follows from it. [default: {_D.dataset}]")]
ShapeOpt = Annotated[str | None, typer.Option(
    metavar="SIZES", help="Hidden layer sizes, e.g. 4,2 ('' for none). [default: 4,2]")]
ActivationOpt = Annotated[ActivationName | None, typer.Option(
    metavar=metavar(ACTIVATION_NAMES), case_sensitive=False,
    help=f"Activation of the hidden units. [default: {_D.activation}]")]
FeaturesOpt = Annotated[str | None, typer.Option(
    metavar="NAMES", help=f"Comma-separated inputs among {','.join(FEATURES)}. [default: x1,x2]")]
LearningRateOpt = Annotated[float | None, typer.Option(
    metavar="RATE", help=f"Learning rate. [default: {_D.learning_rate:g}]")]
BatchSizeOpt = Annotated[int | None, typer.Option(
    metavar="N", help=f"Examples per update. [default: {_D.batch_size}]")]
RegularizationOpt = Annotated[RegularizationName | None, typer.Option(
    metavar=metavar(REGULARIZATIONS), case_sensitive=False,
    help=f"Regularization. [default: {_D.regularization}]")]
RegRateOpt = Annotated[float | None, typer.Option(
    metavar="RATE", help=f"Regularization rate. [default: {_D.reg_rate:g}]")]
NoiseOpt = Annotated[float | None, typer.Option(
    metavar="PERCENT", help=f"Noise in percent, 0 to {NOISE_MAX}. [default: {_D.noise:g}]")]
TrainPercentOpt = Annotated[float | None, typer.Option(
    metavar="PERCENT", help=f"Share of the data for training, 1 to 99. [default: {_D.train_percent:g}]")]
SeedOpt = Annotated[str | None, typer.Option(
    metavar="SEED", help="Seed string, as in the Playground's links. [default: a new one]")]
InitZeroOpt = Annotated[bool | None, typer.Option(
    "--init-zero/--no-init-zero", help="Start from zero weights. [default: no-init-zero]",
    show_default=False)]
UrlOpt = Annotated[str | None, typer.Option(
    metavar="LINK", help="Start from a Playground link (quote it: the shell cuts it at '&').")]
ConfigOpt = Annotated[Path | None, typer.Option(
    metavar="RUN.toml", help="Run file of settings (flag names as keys, epochs, url); the keys "
    "only report uses are ignored.")]
EpochsOpt = Annotated[int | None, typer.Option(
    metavar="N", help=f"Epochs to train. [default: {DEFAULT_EPOCHS}]")]
EngineOpt = Annotated[EngineName | None, typer.Option(
    metavar=metavar(ENGINE_CHOICES), case_sensitive=False,
    help="Training engine: compiled (pip install 'nneq[fast]') gives the Playground's own bits, "
    "numpy agrees to about 1e-13; auto takes compiled when it is installed and the run is long "
    "enough. [default: auto]")]


def link_notes(link: str) -> list[str]:
    """What to tell the user about a link: the settings it leaves to the Playground's defaults."""
    from nneq.playground.link import parse_link

    settings = parse_link(link)
    notes = list(settings.notes)
    # A link the Playground writes carries every setting (older ones lack a key or two); one
    # that gives fewer than half was written by hand or cut short.
    if settings.defaulted and len(settings.given) < len(settings.defaulted):
        # An unquoted link reaches nneq cut at its first '&', so with one setting at most.
        cut = "&" not in link and len(settings.given) <= 1
        notes.append(
            (f"the link sets only {', '.join(settings.given)}; " if settings.given
             else "the link sets no setting; ") +
            f"{', '.join(settings.defaulted)} keep the Playground's defaults" +
            (" (an unquoted link is cut by the shell at the first '&': put it in quotes)"
             if cut else ""))
    return notes


def settings_from(values: dict[str, Any]) -> tuple[Config, int]:
    """The configuration and epochs from --url, --config and the setting flags in `values`.

    What a link leaves to the Playground's defaults is reported on stderr.
    """
    from nneq.storage.runfile import SETTINGS, read_run_file, resolve_config

    run_file: RunFile | None = (read_run_file(values["config"], ignore_page_keys=True)
                                if values["config"] is not None else None)
    flags = {name: values[name.replace("-", "_")] for name in SETTINGS}
    config = resolve_config(url=values["url"], run_file=run_file, flags=flags).with_seed()
    link = values["url"] if values["url"] is not None else (run_file.url if run_file else None)
    if link is not None:
        for note in link_notes(link):
            say(f"nneq: note: {note}")
    epochs = values["epochs"]
    if epochs is None:
        epochs = run_file.epochs if run_file and run_file.epochs is not None else DEFAULT_EPOCHS
    try:
        return config, check_epochs(epochs)
    except ConfigError as err:
        raise ConfigError("--epochs", err.value, err.allowed) from None


class Progress:
    """The progress bar Typer brings, on a terminal's stderr: epochs done, elapsed time, rate,
    time remaining and, when given, the losses; redrawn at most ten times a second. Called as
    `progress(epoch, losses)`; `done` is the last epoch reported."""

    def __init__(self, total: int, *, enabled: bool, label: str = "training",
                 unit: str = "epochs") -> None:
        self.total, self.unit = total, unit
        self.began = self.shown = time.monotonic()
        self.done = self.drawn = 0
        self.losses = ""
        self.bar: Any = None
        if enabled:
            self.bar = typer.progressbar(length=total, label=label, file=sys.stderr, width=24,
                                         show_eta=False, show_percent=False, show_pos=True,
                                         item_show_func=self._detail)
            self.bar.__enter__()

    def _detail(self, _item: object) -> str:
        elapsed = time.monotonic() - self.began
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = f"{(self.total - self.done) / rate:.0f} s left" if rate else "… left"
        return f"{self.unit}, {elapsed:.1f} s elapsed, {rate:,.0f} {self.unit}/s, {left}{self.losses}"

    def __call__(self, epoch: int, losses: Any = None) -> None:
        self.done = epoch
        if self.bar is None:
            return
        if losses is not None:
            self.losses = "  loss train {:.3f} test {:.3f}".format(*losses[0])
        now = time.monotonic()
        if now - self.shown >= 0.1 or epoch >= self.total:
            self.shown = now
            self.bar.update(epoch - self.drawn)
            self.drawn = epoch

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # whatever ends the work, an error too: the bar goes, the cursor comes back

    def close(self) -> None:
        """Remove the bar from the terminal (again: nothing)."""
        if self.bar is not None:
            self.bar.render_finish = lambda: None  # the line is cleared instead of kept
            self.bar.__exit__(None, None, None)
            typer.echo("\r\x1b[2K\x1b[?25h", err=True, nl=False)  # clear the line, show the cursor
            self.bar = None


def show_progress(quiet: bool) -> bool:
    """Whether to draw a progress bar: on a terminal, unless told to be quiet."""
    return not quiet and sys.stderr is not None and sys.stderr.isatty()


def warn_if_poor(model: Model, source: object = "") -> None:
    """One warning line on stderr when `model` (read from `source`) diverged or learnt no better
    than the majority class; the command goes on."""
    from nneq.provenance import poor_model

    reason = poor_model(model)
    if reason is not None:
        where = f"{source}: " if str(source) else ""
        say(f"nneq: warning: {where}{reason}")
