"""A comparison written out: plain text for the terminal, Markdown for notes, JSON for tools.

Where a report names a learnt unit by its own name beside the prediction's (aligned) names,
it writes "learnt h14", so that a learnt h11 is never mistaken for the predicted h11.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from nneq.comparison.compare import Comparison, LayerResult, Match, TermResult, UnitResult
from nneq.describe import number_text
from nneq.explain.equations import LayerEquations, with_aliases
from nneq.explain.logic import FormulaScore
from nneq.explain.render import markdown as markdown_tables

SIGN = {1: "+", -1: "-"}
# What each term's mark says in the text report: absent links show why they are absent.
MARKS = {"agree": "ok", "disagree": "DIFFERS", "unpredicted": "extra"}
ABSENT_MARKS = {"dead": "dead", "threshold": "small", "zero": "zero", "no unit": "none",
                "no input": "none", "idle": "idle"}
LEGEND = ("ok: signs agree · DIFFERS: signs disagree · extra: learnt but not predicted\n"
          "dead, small, zero, none: the predicted link is absent from the network (removed by L1,\n"
          "  under --threshold, exactly zero, or no such unit or input); idle: the link touches a\n"
          "  unit whose every incoming link is absent, left out of the counts\n"
          "weight: the learnt weight, signed as aligned")
# Why a flipped unit changes nothing, by activation (relu units never flip).
FLIP_NOTES = {
    "tanh": "tanh(-z) = -tanh(z): negating a unit's incoming weights, its bias and its outgoing "
            "weights computes the same function.",
    "linear": "a linear unit is odd, f(-z) = -f(z): negating its incoming weights, its bias and "
              "its outgoing weights computes the same function.",
    "sigmoid": "sigmoid(-z) = 1 - sigmoid(z): negating a unit's incoming weights, its bias and "
               "its outgoing weights, and adding those outgoing weights to the next layer's "
               "biases, computes the same function.",
}
MARKDOWN_LEGEND = ("**bold**: the learnt sign disagrees · ~~struck~~: absent from the network · "
                   "_italic_: learnt but not predicted")


def _mark(term: TermResult) -> str:
    return ABSENT_MARKS[term.reason or "dead"] if term.status == "absent" else MARKS[term.status]


def _term(sign: int, text: str) -> str:
    return f"{SIGN[sign]} {text}" if sign else ""


def chance_sentence(c: Comparison) -> str:
    """'13 of 18 predicted signs agree; a random table of this shape agrees on 14.1 on average
    (p = 0.71, exact over 4096 tables): no better than chance', or without a chance level the
    first clause alone."""
    said = f"{c.agree} of {c.total} predicted signs agree"
    if c.chance is None:
        return said
    if c.chance.signs == 0:
        return f"{said} (no sign to compare with chance)"
    k = c.chance
    return (f"{said}; a random table of this shape agrees on {k.mean:.1f} on average "
            f"({k.p_text()}, {k.how()}): {k.verdict}")


def chance_brief(c: Comparison) -> str:
    """'13 of 18 predicted signs agree (chance 14.1, p = 0.71)': the headline in brief."""
    said = f"{c.agree} of {c.total} predicted signs agree"
    if c.chance is None or c.chance.signs == 0:
        return said
    return f"{said} (chance {c.chance.mean:.1f}, {c.chance.p_text()})"


def _what(c: Comparison) -> str:
    return f"{c.predicted} against {c.model}" if c.predicted or c.model else "prediction"


def shape_line(c: Comparison) -> str | None:
    """'SHAPE DIFFERS: the prediction has 1 hidden layer, the network 2', or None."""
    return "SHAPE DIFFERS: " + "; ".join(c.shape) if c.shape else None


def detail_line(c: Comparison) -> str:
    """The counts behind the headline: compared links, absent ones, extras, the weighted share."""
    parts = [f"of the {c.compared} compared (live in the network) {c.agree} agree and "
             f"{c.count('disagree')} disagree", f"{c.count('absent') - _idle_terms(c)} predicted "
             f"link{'s' if c.count('absent') - _idle_terms(c) != 1 else ''} absent"]
    if c.count("unpredicted"):
        parts.append(f"{c.count('unpredicted')} learnt but not predicted")
    line = "; ".join(parts)
    weighted = c.weighted
    if weighted is not None:
        line += f"; weighted by the learnt magnitudes, {weighted:.0%} agrees"
    return line[0].upper() + line[1:] + "."


def _idle_terms(c: Comparison) -> int:
    """Predicted links absent because they touch an idle unit (left out of the counts)."""
    return sum(1 for la in c.layers for u in la.units for t in u.terms
               if t.status == "absent" and (u.idle or t.reason == "idle"))


def idle_line(c: Comparison) -> str | None:
    """The idle units, left out of the counts, or None when there are none."""
    if not c.idle:
        return None
    names = ", ".join(f"learnt {m.learnt}" + (f" (read as {m.name})" if m.name != m.learnt else "")
                      for m in c.idle)
    return (f"Idle (every incoming link absent, so only a constant passes on), left out of the "
            f"counts: {names}.")


def _headline(c: Comparison) -> str:
    return f"{_what(c)}: {chance_sentence(c)}"


def _symmetry_line(c: Comparison) -> str:
    if not c.symmetry:
        return "Units compared by name, without the network's symmetries."
    return "Hidden units aligned with the prediction by the network's symmetries (reorder, flip)."


def _learnt_label(unit: UnitResult) -> str:
    if unit.learnt is None:
        return "no such unit in the network"
    return (f"learnt {unit.learnt}" + (", flipped" if unit.flipped else "")
            + (" (idle: left out of the counts)" if unit.idle else ""))


def _weight(term: TermResult) -> str:
    return "" if term.value is None else number_text(term.value, 2)


def _text_unit(unit: UnitResult) -> list[str]:
    columns = [(_term(t.predicted, t.text), _term(t.learnt, t.text), _weight(t), _mark(t))
               for t in unit.terms]
    widths = [max(len(a), len(b), len(v), len(m)) for a, b, v, m in columns]
    lines = [f"  {unit.name} = {_learnt_label(unit)}"]
    for label, index in (("predicted", 0), ("learnt", 1), ("weight", 2), ("", 3)):
        cells = "  ".join(col[index].ljust(w) for col, w in zip(columns, widths))
        if not cells.strip() and index < 2:  # no live link on that side
            cells = "0" if index == 0 or unit.learnt else "(no unit)"
        if not cells.strip() and index == 2:
            continue
        lines.append(f"      {label:<9}  {cells}".rstrip())
    return lines


def _names(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names) if names else "none"


def _pair(m: Match) -> str:
    """'h11 = learnt h14, flipped': an aligned name and the learnt unit it reads."""
    return f"{m.name} = learnt {m.learnt}" + (", flipped" if m.flipped else "")


def _unpredicted(c: Comparison) -> list[str]:
    """Learnt units nobody predicted, by their own names, with the name used for them here."""
    return [f"learnt {m.learnt}" + (f" (read as {m.name})" if m.name != m.learnt else "")
            for la in c.layers for m in la.unpredicted]


def _alignment_lines(c: Comparison) -> list[str]:
    hidden = [la for la in c.layers if la.alignment]
    if not hidden:
        return []
    width = max(len(la.title) for la in hidden)
    lines = ["Alignment (name used here = learnt unit):"]
    for la in hidden:
        lines.append(f"  {la.title:<{width}}  {'; '.join(_pair(m) for m in la.alignment)}")
    return lines


def _layer_headline(layer: LayerResult) -> str:
    if not layer.units:
        return f"{layer.title}: not predicted"
    return f"{layer.title}: {layer.agree} of {layer.compared} agree"


def to_text(c: Comparison) -> str:
    """The comparison for a terminal: each predicted unit with the learnt unit it is read as."""
    shape = shape_line(c)
    lines = [f"{_what(c)}: {shape}", chance_sentence(c)] if shape else [_headline(c)]
    lines += [detail_line(c), _symmetry_line(c)]
    idle = idle_line(c)
    if idle:
        lines.append(idle)
    for layer in c.layers:
        lines += ["", _layer_headline(layer)]
        for unit in layer.units:
            lines += _text_unit(unit)
    lines += ["", *_alignment_lines(c)]
    lines.append(f"Predicted but missing from the network: {_names(_missing(c))}")
    lines.append(f"Learnt but not predicted: {_names(_unpredicted(c))}")
    if c.logic:
        lines += ["", LOGIC_HEADING, *_logic_lines(c)]
    lines += _learnt_lines(c)
    lines += ["", LEGEND]
    return "\n".join(lines)


LOGIC_HEADING = ("Logic: the share of data points where each formula gives its unit's sign (for "
                 "an output, the network's class), beside the share the majority sign alone gets; "
                 "the grid's share last.")


def _origin(score: FormulaScore) -> str:
    return "" if score.origin == "given" else f"  [{score.origin} rule]"


def _logic_lines(c: Comparison) -> list[str]:
    said = [score.formula.text() + _origin(score) for score in c.logic]
    width = max(len(text) for text in said)
    return [f"  {text:<{width}}  train {s.train:.2f} (majority {s.majority_train:.2f})  "
            f"test {s.test:.2f} (majority {s.majority_test:.2f})  grid {s.grid:.2f}"
            for text, s in zip(said, c.logic)]


LEARNT_HEADING = "The learnt network in the prediction's terms (units reordered and flipped as aligned):"


def aligned_layers(c: Comparison) -> tuple[LayerEquations, ...]:
    """The learnt equations as aligned, inputs named by the prediction's aliases."""
    return with_aliases(c.learnt, dict(c.aliases)) if c.learnt else ()


def learnt_tables(c: Comparison) -> str:
    """The aligned learnt equations as Markdown tables in the prediction's notation ('' if none)."""
    layers = aligned_layers(c)
    return markdown_tables(layers) if layers else ""


def _learnt_lines(c: Comparison) -> list[str]:
    """The learnt tables in the prediction's terms and the note on flips, each after a blank
    line, for the text and the Markdown report alike."""
    lines: list[str] = []
    tables = learnt_tables(c)
    if tables:
        lines += ["", LEARNT_HEADING, "", tables]
    note = flip_note(c)
    if note:
        lines += ["", note]
    return lines


def flip_note(c: Comparison) -> str | None:
    """One line saying why a flipped unit changes nothing, when the alignment flips any."""
    if not c.flipped or c.activation not in FLIP_NOTES:
        return None
    return "Flipped units: " + FLIP_NOTES[c.activation]


def _missing(c: Comparison) -> list[str]:
    return [name for la in c.layers for name in la.missing]


def _markdown_learnt(t: TermResult) -> str:
    if t.status == "absent":
        return f"~~{t.text}~~ ({t.reason})"
    text = _term(t.learnt, t.text) + ("" if t.value is None else f" ({number_text(abs(t.value), 2)})")
    return {"disagree": f"**{text}**", "unpredicted": f"_{text}_"}.get(t.status, text)


def to_markdown(c: Comparison) -> str:
    """The comparison as Markdown: one table per layer, predicted and learnt side by side."""
    shape = shape_line(c)
    lines = [f"**{shape}**", ""] if shape else []
    lines += [f"**{chance_sentence(c)}.**", "", detail_line(c) + " " + _symmetry_line(c)]
    idle = idle_line(c)
    if idle:
        lines += ["", idle]
    for layer in c.layers:
        lines += ["", f"| {layer.title} | Learnt unit | Predicted | Learnt (aligned) | Agree |",
                  "| --- | --- | --- | --- | --- |"]
        for unit in layer.units:
            predicted = " ".join(_term(t.predicted, t.text) for t in unit.terms if t.predicted) or "0"
            learnt = " ".join(_markdown_learnt(t) for t in unit.terms) or "0"
            label = (unit.learnt or "—") + (", flipped" if unit.flipped else "")
            lines.append(f"| {unit.name} | {label} | {predicted} | {learnt} | "
                         f"{unit.agree} of {unit.compared} |")
        if not layer.units:
            lines.append("| — | | not predicted | | |")
    lines.append("")
    for la in c.layers:
        if la.alignment:
            lines.append(f"- {la.title}: {'; '.join(_pair(m) for m in la.alignment)}")
    lines += [f"- Predicted but missing from the network: {_names(_missing(c))}",
              f"- Learnt but not predicted: {_names(_unpredicted(c))}"]
    if c.logic:
        lines += ["", LOGIC_HEADING, "", "| Formula | From | Train | Majority (train) | Test | "
                  "Majority (test) | Grid |", "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {s.formula.text()} | {'given' if s.origin == 'given' else s.origin + ' rule'} | "
                  f"{s.train:.2f} | {s.majority_train:.2f} | {s.test:.2f} | "
                  f"{s.majority_test:.2f} | {s.grid:.2f} |" for s in c.logic]
    lines += _learnt_lines(c)
    lines += ["", MARKDOWN_LEGEND + " · (0.83): the learnt weight's magnitude"]
    return "\n".join(lines)


def to_dict(c: Comparison) -> dict[str, object]:
    """The comparison as plain JSON-ready values; `agree` and `compared` are top-level integers."""
    return {
        "predicted": c.predicted,
        "model": c.model,
        "symmetry": c.symmetry,
        "threshold": c.threshold,
        "agree": c.agree,
        "compared": c.compared,
        "total": c.total,
        "chance": c.chance.to_dict() if c.chance else None,
        "weighted": None if c.weighted is None else round(c.weighted, 6),
        "relative": c.relative,
        "shape": list(c.shape),
        "idle": [{"name": m.name, "learnt": m.learnt} for m in c.idle],
        "disagree": c.count("disagree"),
        "absent": c.count("absent"),
        "unpredicted": c.count("unpredicted"),
        "layers": [
            {
                "title": la.title,
                "agree": la.agree,
                "compared": la.compared,
                "total": la.total,
                "units": [
                    {"name": u.name, "learnt": u.learnt, "flipped": u.flipped, "line": u.line,
                     "agree": u.agree, "compared": u.compared,
                     "terms": [{"source": t.source, "text": t.text, "predicted": t.predicted,
                                "learnt": t.learnt, "status": t.status, "reason": t.reason,
                                "value": t.value} for t in u.terms]}
                    for u in la.units
                ],
                "missing": list(la.missing),
                "unpredicted": [{"name": m.name, "learnt": m.learnt} for m in la.unpredicted],
            }
            for la in c.layers
        ],
        "logic": [s.to_dict() for s in c.logic],
        "learnt": [
            {"title": layer.title,
             "units": [{"name": u.name,
                        "equation": " ".join(f"{'-' if t.value < 0 else '+'} {t.source}{t.weight}"
                                             for t in u.kept) or "0",
                        "terms": [{"source": t.source, "weight": t.weight, "value": t.value}
                                  for t in u.kept]}
                       for u in layer.units]}
            for layer in aligned_layers(c)
        ],
        "alignment": [
            {"layer": la.title,
             "units": [{"name": m.name, "learnt": m.learnt, "flipped": m.flipped,
                        "predicted": m.predicted} for m in la.alignment]}
            for la in c.layers if la.alignment
        ],
    }


def to_json(c: Comparison) -> str:
    """The comparison as indented JSON."""
    return json.dumps(to_dict(c), indent=2)


RENDERERS: dict[str, Callable[[Comparison], str]] = {
    "text": to_text,
    "markdown": to_markdown,
    "json": to_json,
}
