"""A study written out: a table of cells, the paired comparisons, and each cell's common pattern.

Text and Markdown carry the same tables (Markdown ready for a blog); JSON is the file `--out`
writes, with every member's numbers.
"""

from __future__ import annotations

from collections.abc import Callable

from tabulate import tabulate

from nneq.describe import number_text, plural
from nneq.studies.execution import StudyResult
from nneq.studies.grid import value_label
from nneq.studies.paired import Pair
from nneq.studies.statistics import CellStats


def _q(t: tuple[float, float, float] | None, fmt: str | None = None) -> str:
    """'0.031 (0.020–0.050)': median, then first and third quartiles (losses as
    `number_text` writes them, anything else by `fmt`)."""
    if t is None:
        return "–"
    shown = [number_text(v) if fmt is None else fmt.format(v) for v in t]
    return f"{shown[1]} ({shown[0]}–{shown[2]})"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part}/{whole})" if whole else "–"


def _count(t: tuple[float, float, float] | None) -> str:
    return "–" if t is None else f"{t[1]:g} ({t[0]:g}–{t[2]:g})"


_BASE = {  # how each setting reads in the headline, unless an axis varies it
    "dataset": lambda c: c.dataset,
    "shape": lambda c: "hidden layers " + (",".join(map(str, c.shape)) or "none"),
    "activation": lambda c: c.activation,
    "features": lambda c: "inputs " + ", ".join(c.features),
    "noise": lambda c: f"noise {c.noise:g}",
    "learning-rate": lambda c: f"learning rate {c.learning_rate:g}",
    "batch-size": lambda c: f"batch {c.batch_size}",
    "regularization": lambda c: "regularization " + (
        c.regularization if c.regularization == "none" else f"{c.regularization} {c.reg_rate:g}"),
    "train-percent": lambda c: f"{c.train_percent:g}% for training",
}


def headline(r: StudyResult) -> list[str]:
    """What was run, in a few lines."""
    s = r.study
    varied = {a.name for a in s.axes}
    base = ", ".join(show(s.base) for name, show in _BASE.items() if name not in varied)
    axes = "; ".join(f"{a.name}{' (paired)' if a.paired else ''}: "
                     f"{', '.join(value_label(v) for v in a.values)}" for a in s.axes)
    lines = [
        f"{plural(r.total, 'cell')} × {plural(s.seeds, 'seed')}, {plural(s.epochs, 'epoch')} each; "
        f"seed {s.base.seed}",
        f"fixed: {base}",
        f"varied: {axes}",
        f"target: {s.target.describe()}; oscillations: epochs whose training loss rose by more "
        f"than {s.tolerance:g}",
    ]
    if s.prediction is not None:
        line = f"prediction: {s.prediction.source or 'given in the study file'}"
        unfit = s.misfits()  # never every cell: the study file is refused then
        if unfit:
            line += ("; it does not fit the network of " + ", ".join(label for label, _ in unfit)
                     + " (no agreement there: –)")
        lines.append(line)
    if not r.complete:
        lines.append(f"incomplete: {len(r.cells)} of {r.total} cells done")
    return lines


def _cell_row(r: StudyResult, values: dict[str, object], st: CellStats) -> list[str]:
    row = [value_label(values[a.name]) for a in r.study.axes]
    row += [_share(st.reached, st.seeds), _q(st.loss_test), _q(st.loss_train)]
    if r.study.target.needs_accuracy:
        row.append(_q(st.accuracy_test, "{:.1%}"))
    row += [_count(st.oscillations), str(st.patterns),
            "–" if st.top_pattern_share is None else f"{st.top_pattern_share:.0%}",
            str(st.diverged)]
    if r.study.prediction is not None:  # '–' where the network has no place for the prediction
        row.append("–" if st.full_agreement is None else
                   _share(st.full_agreement, st.seeds - st.diverged))
        row.append("–" if st.mean_agreeing_signs is None else
                   f"{st.mean_agreeing_signs:.1f} of {st.predicted_signs}")
        row.append("–" if st.chance is None else f"{st.chance:.1f}")
        row.append("–" if st.beat_chance is None else
                   _share(st.beat_chance, st.seeds - st.diverged))
    return row


def cell_table(r: StudyResult, fmt: str) -> str:
    """One row per cell: target share, losses, oscillations, patterns, agreement."""
    head = [a.name for a in r.study.axes]
    head += ["reached target", "test loss (quartiles)", "train loss (quartiles)"]
    if r.study.target.needs_accuracy:
        head.append("test accuracy (quartiles)")
    head += ["oscillations", "patterns", "top pattern", "diverged"]
    if r.study.prediction is not None:
        head += ["agree fully", "signs agreeing", "by chance", "beat chance"]
    rows = [_cell_row(r, c.values, c.stats) for c in r.cells]
    return str(tabulate(rows, headers=head, tablefmt=fmt, disable_numparse=True))


def _pair_row(p: Pair) -> list[str]:
    def share(n: int) -> str:
        return f"{n / p.seeds:.0%}" if p.seeds else "–"
    return [p.axis, p.fixed or "–", p.a, p.b, str(p.seeds), _q(p.difference, "{:+.4f}"),
            share(p.a_better), share(p.b_better), "–" if p.p_value is None else f"{p.p_value:.2g}"]


def pair_table(r: StudyResult, fmt: str) -> str:
    """One row per pair of cells along a paired axis."""
    head = ["axis", "others", "A", "B", "seeds", "B − A test loss (quartiles)", "A better",
            "B better", "sign test p"]
    return str(tabulate([_pair_row(p) for p in r.pairs], headers=head, tablefmt=fmt,
                        disable_numparse=True))


_EXPLAIN = ("Losses are medians with first and third quartiles over the seeds that did not "
            "diverge; oscillations count the epochs whose training loss rose (median and "
            "quartiles); top pattern is the share of seeds learning the most common sign pattern.")
_EXPLAIN_PREDICTION = (
    "With a prediction: the share of seeds whose sign pattern agrees with every predicted "
    "sign, the mean number of agreeing signs, the mean number random tables of the "
    "prediction's structure would agree on (signs + or − with equal odds, aligned the same "
    "way), and the share of seeds whose agreement random tables reach with a probability "
    "below 0.05. '–' marks a network with no place for some predicted unit.")
_EXPLAIN_PAIRS = ("Paired cells trained the same seeds: B − A is the per-seed difference of final "
                  "test loss, 'A better' the share of seeds with the lower test loss in A; the sign "
                  "test gives the chance of so uneven a split were A and B alike.")


def to_text(r: StudyResult) -> str:
    """The study as plain text tables."""
    lines = [f"study: {r.study.title}", *headline(r), "", cell_table(r, "simple")]
    if r.pairs:
        lines += ["", "paired comparisons (per seed):", pair_table(r, "simple")]
    return "\n".join(lines)


def to_markdown(r: StudyResult, *, picture: str | None = None) -> str:
    """The study as a Markdown page: heading, settings, tables, picture, common patterns."""
    lines = [f"# {r.study.title}", ""]
    if r.study.description:
        lines += [r.study.description, ""]
    lines += [f"- {line}" for line in headline(r)]
    lines += ["", cell_table(r, "github"), "", _EXPLAIN]
    if r.study.prediction is not None:
        lines += ["", _EXPLAIN_PREDICTION]
    if r.pairs:
        lines += ["", "## Paired comparisons", "", pair_table(r, "github"), "", _EXPLAIN_PAIRS]
    if picture is not None:
        lines += ["", f"![Test loss per cell and median loss curves]({picture})"]
    lines += ["", "## Most common sign pattern per cell"]
    for c in r.cells:
        top = c.top_pattern
        if top is None:
            lines += ["", f"### {c.label}", "", "Every seed diverged."]
            continue
        agree = ""
        if top.get("agree") is not None and c.stats.predicted_signs is not None:
            agree = f"; {top['agree']} of {c.stats.predicted_signs} predicted signs agree"
        lines += ["", f"### {c.label}", "",
                  f"{top['count']} of {c.stats.seeds - c.stats.diverged} seeds ({top['share']:.0%}), "
                  f"for example {top['seed']}{agree}.", "", str(top["tables"])]
    return "\n".join(lines)


def to_json(r: StudyResult) -> str:
    """The study's JSON, as `--out` writes it."""
    return r.to_json().rstrip("\n")


RENDERERS: dict[str, Callable[[StudyResult], str]] = {
    "text": to_text, "markdown": to_markdown, "json": to_json,
}
