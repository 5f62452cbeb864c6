"""Report pages: for each run file a Markdown page of what its network learnt, and an index of them.

A run file is a TOML file of `nneq train --config` settings (or a Playground `url`) and
`epochs`, with the report's own keys: `title`, `description`, `predicted` (a path relative to
the run file, or the tables themselves), `alias`, `threshold`, `show-test` and `discretize`.
Each run writes NAME.json (the model), NAME.png (the picture) and NAME.md (the page) into one
folder, NAME being the run file's name without .toml, and index.md lists them all. A model
already in the folder is reused when it was trained from the same configuration for the same
epochs, so that writing the pages again retrains only the runs whose file changed.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from nneq.comparison.compare import Comparison, check_units, compare
from nneq.comparison.report import RENDERERS, chance_brief
from nneq.comparison.tables import Prediction, parse_aliases, parse_tables, read_tables
from nneq.describe import describe, number_text
from nneq.describe import network as describe_network
from nneq.errors import ConfigError, ModelFileError, NneqError
from nneq.explain.render import Options, render
from nneq.picture.plot import DEFAULT_DPI, check_dpi, save_plot
from nneq.playground.config import Config, as_finite, check_epochs, check_trainable
from nneq.playground.link import to_link
from nneq.playground.model import Model
from nneq.playground.snapshots import snapshot_epochs
from nneq.playground.train import train
from nneq.storage.files import (
    check_folder,
    check_not_input,
    check_writable,
    made_folder,
    read_text,
    same_file,
    write_text,
)
from nneq.storage.modelfile import load, save
from nneq.storage.runfile import PAGE_KEYS, read_run_file, resolve_config

REPORT_KEYS = PAGE_KEYS
DEFAULT_EPOCHS = 500  # as nneq train
INDEX = "index"
RUNS = "runs"  # the folder inside a report's folder that keeps copies of run files and tables


@dataclass(frozen=True)
class Run:
    """One run file, read and checked: what to train, what was predicted, how to show it."""

    path: Path
    name: str
    title: str
    description: str
    config: Config
    epochs: int
    prediction: Prediction | None = None
    predicted_file: Path | None = None  # None when the tables are inline, or there are none
    threshold: float = 0.0
    show_test: bool = False
    discretize: bool = False
    snapshots: int = 0
    values: bool = False  # the learnt tables show numbers instead of weight symbols
    biases: bool = False  # and each unit's bias


@dataclass(frozen=True)
class Page:
    """One run's page as written: the model it shows, whether it was reused, where it all went."""

    run: Run
    model: Model
    reused: bool
    page: Path
    picture: Path
    model_file: Path
    comparison: Comparison | None = None
    html: Path | None = None  # the interactive page, when asked for

    def summary(self) -> str:
        """One line: how the model was obtained, its losses, the agreement and the page."""
        m = self.model
        if m.diverged:
            how = f"diverged at epoch {m.diverged_at}, kept epoch {m.epochs}"
        else:
            how = f"{'reused' if self.reused else 'trained'} {m.epochs} epochs"
        parts = [f"{self.run.name}: {how}",
                 f"loss train {m.loss_train[-1]:.3f} test {m.loss_test[-1]:.3f}"]
        if self.comparison is not None:
            parts.append(chance_brief(self.comparison))
        return ", ".join(parts) + f" -> {self.page}"


@dataclass(frozen=True)
class Report:
    """Every page written, in the order of the run files, the index listing every page in the
    folder, and the run files whose page could not be written, each with its error."""

    pages: tuple[Page, ...]
    index: Path
    failed: tuple[tuple[Path, NneqError], ...] = ()


# --- reading run files ---------------------------------------------------------------------


def _text(extra: Mapping[str, object], key: str, source: str) -> str:
    value = extra.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(key, value, "a string", source=source)
    return " ".join(value.split())  # one heading or paragraph, whatever the TOML's line breaks


def _flag(extra: Mapping[str, object], key: str, source: str) -> bool:
    value = extra.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(key, value, "true or false", source=source)
    return value


def _threshold(value: object, source: str) -> float:
    number = as_finite(value)
    if number is None or number < 0:
        raise ConfigError("threshold", value, "a number >= 0", source=source)
    return number


def _aliases(value: object, source: str) -> dict[str, str]:
    items = [value] if isinstance(value, str) else value if value is not None else []
    if not isinstance(items, list):
        raise ConfigError("alias", value, 'a list such as ["x3=x1x2"]', source=source)
    try:
        return parse_aliases(items)
    except ConfigError as err:
        raise ConfigError(err.field, err.value, err.allowed, source=source) from None


def _prediction(value: object, aliases: Mapping[str, str], path: Path, *, anywhere: bool = False
                ) -> tuple[Prediction | None, Path | None]:
    """The predicted tables: text with a '|' is the tables themselves, anything else a file
    inside the run file's folder (or, with `anywhere`, wherever it names)."""
    if value is None:
        return None, None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("predicted", value, "a Markdown file beside the run file, or the tables "
                          "themselves", source=str(path))
    if "|" in value:
        return parse_tables(value, aliases=aliases, source=f"{path} (predicted)"), None
    # Relative to the run file, so that a folder of run files and tables can move as one.
    where = path.parent / value
    if not anywhere and not where.resolve().is_relative_to(path.parent.resolve()):
        # A run file may come from someone else: it reads only files beside it, unless allowed.
        raise ConfigError("predicted", value, "a Markdown file inside the run file's folder "
                          "(files elsewhere are read only when the report allows it)",
                          source=str(path))
    if where.is_dir():
        raise NneqError(f"{path}: predicted = {value!r} is a folder, not a Markdown file")
    if not where.exists():
        raise NneqError(f"{path}: predicted file {where} does not exist")
    return read_tables(where, aliases=aliases), where


def read_run(path: str | os.PathLike[str], *, predicted_anywhere: bool = False) -> Run:
    """Read and check a run file and its predicted tables, down to the units the tables name
    against the run's network; nothing is trained.

    `predicted` must name a file inside the run file's folder unless `predicted_anywhere`.
    """
    run_file = read_run_file(path, extra_keys=REPORT_KEYS)
    source = str(path)
    extra = run_file.extra
    config = resolve_config(run_file=run_file)  # names the run file, its url's mistakes too
    check_trainable(config, setting="learning-rate", source=source)
    epochs = check_epochs(DEFAULT_EPOCHS if run_file.epochs is None else run_file.epochs)
    aliases = _aliases(extra.get("alias"), source)
    prediction, predicted_file = _prediction(extra.get("predicted"), aliases, Path(path),
                                             anywhere=predicted_anywhere)
    if prediction is not None:
        # The network's layer sizes are known before training: a unit it cannot have (h15 in
        # a layer of four, o2) is a mistake in the tables, found here with the parse errors,
        # not after the model is trained and saved.
        check_units(prediction, config)
    name = Path(path).stem
    return Run(
        path=Path(path), name=name, title=_text(extra, "title", source) or name,
        description=_text(extra, "description", source), config=config, epochs=epochs,
        prediction=prediction, predicted_file=predicted_file,
        threshold=_threshold(extra.get("threshold", 0.0), source),
        show_test=_flag(extra, "show-test", source), discretize=_flag(extra, "discretize", source),
        snapshots=run_file.snapshots or 0,
        values=_flag(extra, "values", source), biases=_flag(extra, "biases", source),
    )


def _check_names(runs: Sequence[Run]) -> None:
    """Each run names its own three files: two runs of one name, or one named index, would clash."""
    seen: dict[str, Path] = {}
    for run in runs:
        if run.name == INDEX:
            raise NneqError(f"{run.path}: a run file named {INDEX} would overwrite {INDEX}.md; "
                            "rename it")
        if run.name in seen:
            raise NneqError(f"{run.path} and {seen[run.name]} would both write {run.name}.md; "
                            "rename one of them")
        seen[run.name] = run.path


# --- training or reusing -------------------------------------------------------------------


def is_current(model: Model, config: Config, epochs: int, snapshots: int = 0) -> bool:
    """Whether `model` is what training `config` for `epochs` epochs would give, with the
    snapshots asked for."""
    # Without a seed any seed fits the run file, so the saved one is kept: the pages stay stable.
    wanted = config if config.seed is not None else dataclasses.replace(config,
                                                                        seed=model.config.seed)
    if model.config != wanted:
        return False
    kept = tuple(s.epoch for s in model.snapshots or ())
    wanted_epochs = snapshot_epochs(snapshots, epochs)
    if wanted_epochs:  # those before the last epoch completed, then that epoch
        wanted_epochs = (*(e for e in wanted_epochs if e < model.epochs), model.epochs)
    if kept != wanted_epochs:
        return False
    if model.diverged:  # training again would stop at the same epoch, if it gets that far
        return model.diverged_at is not None and model.diverged_at <= epochs
    return model.epochs == epochs


def train_or_reuse(run: Run, model_file: Path, *, retrain: bool = False) -> tuple[Model, bool]:
    """The run's model and whether it was reused: the saved one if current, else newly trained."""
    if not retrain and model_file.is_file():
        try:
            saved: Model | None = load(model_file)
        except ModelFileError:
            saved = None  # the folder's own file, unreadable: train again and replace it
        if saved is not None and is_current(saved, run.config, run.epochs, run.snapshots):
            return saved, True
    model = train(run.config, epochs=run.epochs, snapshots=run.snapshots)
    save(model, model_file)
    return model, False


# --- the pages -----------------------------------------------------------------------------


def config_line(config: Config, epochs: int) -> str:
    """Every setting of a run in one line, as the page shows it."""
    return describe(config, epochs=epochs)


def _href(target: Path, base: Path) -> str:
    """A link from a page in `base` to `target`: relative, so that the folder can move (every
    file a page links to is copied into the folder, so the links stay inside it)."""
    try:
        relative = os.path.relpath(target.resolve(), base.resolve())
    except ValueError:  # another drive, on Windows
        return target.resolve().as_uri()
    return quote(Path(relative).as_posix())


# Characters that Markdown or the HTML inside it would read as markup; each is written with a
# backslash (CommonMark lets any ASCII punctuation be escaped so), & as an entity.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>#|~!$])")
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)(?=[.)]))", re.M)  # list items, underlines


def escape_markdown(text: str, *, block: bool = True) -> str:
    r"""User text (a title, a description) shown literally in Markdown: no markup, links,
    HTML or headings of its own. With `block`, a line's start cannot begin a list or an
    underline either (a table cell needs no such care).

    >>> print(escape_markdown("<script>*x*</script> & [a](b)"))
    \<script\>\*x\*\</script\> &amp; \[a\](b)
    """
    text = _MARKUP.sub(r"\\\1", text.replace("&", "&amp;"))
    if not block:
        return text
    return _LINE_START.sub(
        lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\"), text)


def _cell(text: str) -> str:
    """User text safe inside a Markdown table cell: one line, escaped."""
    return escape_markdown(" ".join(text.split()), block=False)


def _accuracy(model: Model) -> tuple[float, float] | None:
    if model.config.problem != "classification":
        return None
    train_points, test_points = model.data()
    return model.accuracy(train_points), model.accuracy(test_points)


def _diverged_note(model: Model) -> str:
    return (f"> **Training diverged** at epoch {model.diverged_at}: a loss or weight stopped being "
            f"finite. Everything below shows epoch {model.epochs}, the last finite one; a smaller "
            "learning rate may train.")


def page_markdown(run: Run, model: Model, comparison: Comparison | None, *, folder: Path,
                  html: bool = False) -> str:
    """The run's page: heading, settings, link, losses, picture, learnt tables and comparison."""
    lines = [f"# {escape_markdown(' '.join(run.title.split()))}", ""]
    if run.description:
        lines += [escape_markdown(run.description), ""]
    lines += [config_line(model.config, run.epochs), ""]
    if model.diverged:
        lines += [_diverged_note(model), ""]
    link = to_link(model.config, show_test=run.show_test, discretize=run.discretize)
    lines += [f"[Open in the Playground]({link}) · run file "
              f"[{run.path.name}]({_href(run.path, folder)}) · model "
              f"[{run.name}.json]({quote(run.name)}.json)"
              + (f" · [interactive page]({quote(run.name)}.html)" if html else ""), ""]
    lines += ["| | Train | Test |", "| --- | --- | --- |",
              f"| Loss | {number_text(model.loss_train[-1])} | {number_text(model.loss_test[-1])} |"]
    accuracy = _accuracy(model)
    if accuracy is not None:
        lines.append(f"| Accuracy | {accuracy[0]:.1%} | {accuracy[1]:.1%} |")
    lines += ["", f"![The network, its output and its losses after {model.epochs} epochs]"
              f"({quote(run.name)}.png)", "", "## Learnt equations", ""]
    if run.threshold:
        lines += [f"Links weaker than {run.threshold:g} are left out, here and in the comparison.",
                  ""]
    options = Options(threshold=run.threshold, values=run.values, biases=run.biases)
    lines += [render(model, fmt="markdown", options=options), ""]
    if comparison is not None:
        if run.predicted_file is not None:
            source = f"[{run.predicted_file.name}]({_href(run.predicted_file, folder)})"
        else:
            source = "the run file"
        lines += ["## Compared with the prediction", "", f"Predicted tables: {source}.", "",
                  RENDERERS["markdown"](comparison), ""]
    return "\n".join(lines)


def _epochs_cell(model: Model) -> str:
    if model.diverged:
        return f"{model.epochs} (diverged at {model.diverged_at})"
    return str(model.epochs)


@dataclass(frozen=True)
class IndexRow:
    """One page as the index lists it: its title and file, its model and its agreement."""

    title: str
    page: Path
    model: Model | None = None
    comparison: Comparison | None = None


def _others(config: Config) -> str:
    """The settings that tell a run apart beyond the index's own columns, when not the defaults."""
    default = Config()
    parts = []
    if config.learning_rate != default.learning_rate:
        parts.append(f"learning rate {config.learning_rate:g}")
    if config.batch_size != default.batch_size:
        parts.append(f"batch {config.batch_size}")
    if config.train_percent != default.train_percent:
        parts.append(f"train {config.train_percent:g}%")
    if config.init_zero:
        parts.append("zero init")
    return ", ".join(parts) or "—"


def index_markdown(rows: Sequence[IndexRow | Page], *, folder: Path, title: str = "Runs") -> str:
    """The index: one row per page with its settings, losses, accuracy and agreement."""
    lines = [f"# {_cell(title)}", "",
             "One page per run file: its settings, a link to the Playground, the picture, the learnt "
             "tables and, when a prediction is given, how many of its signs agree with the network.",
             "Agreement counts the agreeing signs of all predicted signs; chance is what a random "
             "table of the same shape agrees on, on average, and p how often it agrees at least "
             "as well (below 0.05: better than chance).",
             "", "| Run | Dataset | Inputs | Network | Noise | Other settings | Seed | Epochs | "
             "Loss train | Loss test | Accuracy test | Agreement | Chance |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        row_title = row.run.title if isinstance(row, Page) else row.title
        link = f"[{_cell(row_title)}]({_href(row.page, folder)})"
        interactive = row.page.with_suffix(".html")
        if (row.html is not None) if isinstance(row, Page) else interactive.is_file():
            link += f" ([interactive]({_href(interactive, folder)}))"
        m = row.model
        if m is None:
            lines.append(f"| {link} |" + " — |" * 12)
            continue
        c = m.config
        network = describe_network(c)
        if c.regularization != "none" and c.reg_rate:
            network += f", {c.regularization} {c.reg_rate:g}"
        accuracy = _accuracy(m)
        agreement = (f"{row.comparison.agree} of {row.comparison.total}"
                     if row.comparison is not None else "—")
        chance = row.comparison.chance if row.comparison is not None else None
        level = (f"{chance.mean:.1f} ({chance.p_text()})"
                 + (": better" if chance.beats_chance else "")) if chance else "—"
        lines.append(
            f"| {link} | {c.dataset} | {_cell(', '.join(c.features))} | {network} | "
            f"{c.noise:g} | {_others(c)} | {_cell(str(c.seed))} | {_epochs_cell(m)} | "
            f"{number_text(m.loss_train[-1])} | {number_text(m.loss_test[-1])} | "
            f"{f'{accuracy[1]:.1%}' if accuracy else '—'} | {agreement} | {level} |")
    return "\n".join(lines) + "\n"


def _folder_row(page: Path) -> IndexRow:
    """A page written earlier into the folder: read again from its own run file and model."""
    heading = next((line[2:].strip() for line in read_text(page).splitlines()
                    if line.startswith("# ")), page.stem)
    run_file, model_file = page.parent / RUNS / f"{page.stem}.toml", page.with_suffix(".json")
    try:
        model = load(model_file)
    except NneqError:
        return IndexRow(heading, page)
    comparison = None
    try:
        run = read_run(run_file)
        if run.prediction is not None:
            comparison = compare(run.prediction, model, threshold=run.threshold,
                                 model_source=model_file.name)
    except NneqError:
        pass  # the page is listed with what its model says
    return IndexRow(heading, page, model, comparison)


def _index_rows(pages: Sequence[Page], folder: Path) -> list[IndexRow | Page]:
    """Every page in the folder: those just written in the order given, then those written
    before, by name."""
    written = {page.page.name for page in pages}
    earlier = [_folder_row(path) for path in sorted(folder.glob("*.md"))
               if path.stem != INDEX and path.name not in written]
    return [*pages, *earlier]


def _copy(source: Path, target: Path) -> None:
    """Copy a run's file into the report folder, unless it is already that file."""
    if target.exists() and target.resolve() == source.resolve():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text(target, read_text(source))


def _copied_prediction(run: Run, runs: Path) -> Path | None:
    """Where the run's predicted tables go: beside the copy of the run file, at the path the
    run file gives, so that the copy reads them as the original does."""
    if run.predicted_file is None:
        return None
    relative = Path(os.path.relpath(run.predicted_file, run.path.parent))
    inside = not relative.is_absolute() and ".." not in relative.parts
    return runs / (relative if inside else run.predicted_file.name)


def write_run(run: Run, folder: Path, *, dpi: int = DEFAULT_DPI, retrain: bool = False,
              html: bool = False) -> Page:
    """Train or reuse the run's model, then write its model file, picture and page into `folder`,
    with copies of its run file and predicted tables, so that the folder stands alone (and with
    `html` its interactive page, NAME.html)."""
    model_file, picture, page = (folder / f"{run.name}{ext}" for ext in (".json", ".png", ".md"))
    model, reused = train_or_reuse(run, model_file, retrain=retrain)
    comparison = (compare(run.prediction, model, threshold=run.threshold,
                          model_source=model_file.name) if run.prediction is not None else None)
    save_plot(model, picture, show_test=run.show_test, discretize=run.discretize, dpi=dpi)
    _copy(run.path, folder / RUNS / f"{run.name}.toml")
    prediction = _copied_prediction(run, folder / RUNS)
    if prediction is not None and run.predicted_file is not None:
        _copy(run.predicted_file, prediction)
    shown = dataclasses.replace(run, path=folder / RUNS / f"{run.name}.toml",
                                predicted_file=prediction)
    # The interactive page is written, and linked, only when asked for: a file of its name
    # in the folder may be anyone's, and after a retraining it would show another network.
    html_page = folder / f"{run.name}.html" if html else None
    write_text(page, page_markdown(shown, model, comparison, folder=folder, html=html))
    if html_page is not None:
        from nneq.pages.html import PageOptions, write_page

        write_page(model, html_page, PageOptions(
            title=run.title, description=run.description, threshold=run.threshold,
            show_test=run.show_test, discretize=run.discretize, comparison=comparison,
            links=((f"run file {run.name}.toml", _href(shown.path, folder)),
                   (f"model {run.name}.json", f"{quote(run.name)}.json"),
                   (f"page {run.name}.md", f"{quote(run.name)}.md"))))
    return Page(run, model, reused, page, picture, model_file, comparison, html_page)


def _check_outputs(runs: Sequence[Run], folder: Path, *, html: bool = True) -> None:
    """Refuse, before anything is trained, a page, picture or model that would replace an input
    or could not be written (a folder in its place, or a file where the copies' folder goes).

    With a run file and its tables side by side (run.toml, run.md) and the folder being theirs,
    the page run.md would replace the tables; a run file not named .toml would be replaced by
    its own page or model.
    """
    inputs: list[tuple[str, object]] = []
    for run in runs:
        inputs.append(("the run file", run.path))
        if run.predicted_file is not None:
            inputs.append(("the predicted tables", run.predicted_file))
    kinds = {".json": "model", ".png": "picture", ".md": "page", ".html": "interactive page"}
    outputs = [("index", folder / f"{INDEX}.md")]
    outputs += [(kind, folder / f"{run.name}{ext}") for run in runs for ext, kind in kinds.items()]
    for kind, output in outputs:
        check_not_input(output, inputs, name=f"the {kind}",
                        advice="write the report into another folder with --out-dir")
    # The copies of run files and tables: each may be its own source, but no other input.
    for run in runs:
        copies = [(folder / RUNS / f"{run.name}.toml", run.path)]
        prediction = _copied_prediction(run, folder / RUNS)
        if prediction is not None and run.predicted_file is not None:
            copies.append((prediction, run.predicted_file))
        for target, source in copies:
            others = [(label, path) for label, path in inputs
                      if not same_file(str(path), source)]
            check_not_input(target, others, name="the copy",
                            advice="write the report into another folder with --out-dir")
            outputs.append(("copy", target))
    # What stands in the way of a file: a folder of its name, or a file where one of the
    # folders above it goes (runs/, or a predicted file's folders under it).
    for kind, output in outputs:
        if kind == "interactive page" and not html:
            continue  # written only when asked for
        if kind in ("page", "picture", "index", "interactive page") and output.parent.is_dir():
            check_writable(output)  # always written: a pipe or a read-only file is in the way
        if output.is_dir():
            raise NneqError(f"cannot write {output}: it is a folder")
        for above in output.relative_to(folder).parents:
            place = folder / above
            if os.path.lexists(place) and not place.is_dir():
                raise NneqError(f"cannot write {output}: {place} is not a folder")


def _in_run_file(err: NneqError) -> NneqError:
    """An error worded for a run file: an unknown input is named with the file's alias key."""
    name = getattr(err, "unknown_input", None)
    if not name:
        return err
    return NneqError(f"{err}; if {name} stands for an input, name it with the run file's alias "
                     f'key, e.g. alias = ["{name}=x1x2"]')


def report(paths: Sequence[str | os.PathLike[str]], *, out_dir: str | os.PathLike[str],
           dpi: int = DEFAULT_DPI, retrain: bool = False, title: str = "Runs",
           predicted_anywhere: bool = False,
           on_page: Callable[[Page], object] | None = None, html: bool = False) -> Report:
    """Write each run file's page, picture and model into `out_dir`, then the index of every
    page in the folder, headed `title`; with `html`, each run's interactive page too. A run
    file's `predicted` is read only from inside its folder unless `predicted_anywhere`.

    A run file that cannot be read (a bad setting, a table that does not parse or names a
    unit the run's network cannot have) costs its own page only: it is listed in
    `Report.failed` with its error, and the other pages are written.

    Nothing is written over a run file or its tables, and a folder made for the report is
    removed again if the report fails before anything was written into it.
    """
    if not paths:
        raise NneqError("no run files given")
    check_dpi(dpi)
    folder = check_folder(out_dir, option="--out-dir")
    # Every run file and its tables are read before anything is trained or written, so a
    # mistake in the last one is known at once.
    runs: list[Run] = []
    failed: list[tuple[Path, NneqError]] = []
    for path in paths:
        try:
            runs.append(read_run(path, predicted_anywhere=predicted_anywhere))
        except NneqError as err:
            failed.append((Path(path), _in_run_file(err)))
    if failed and not runs:
        raise failed[0][1]  # nothing to write: the mistake alone, as any other command says it
    _check_names(runs)
    _check_outputs(runs, folder, html=html)
    pages = []
    with made_folder(folder):
        for run in runs:
            page = write_run(run, folder, dpi=dpi, retrain=retrain, html=html)
            pages.append(page)
            if on_page is not None:
                on_page(page)
        index = folder / f"{INDEX}.md"
        write_text(index, index_markdown(_index_rows(pages, folder), folder=folder, title=title))
    return Report(tuple(pages), index, tuple(failed))
