"""A comparison written out: plain text for the terminal, Markdown for notes, JSON for tools.

Where a report names a learnt unit by its own name beside the prediction's (aligned) names,
it writes "learnt h14", so that a learnt h11 is never mistaken for the predicted h11.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from nneq.comparison.compare import Comparison, LayerResult, Match, TermResult, UnitResult

SIGN = {1: "+", -1: "-"}
# What each term's mark says in the text report: absent links show why they are absent.
MARKS = {"agree": "ok", "disagree": "DIFFERS", "unpredicted": "extra"}
ABSENT_MARKS = {"dead": "dead", "threshold": "small", "zero": "zero", "no unit": "none",
                "no input": "none"}
LEGEND = ("ok: signs agree · DIFFERS: signs disagree · extra: learnt but not predicted\n"
          "dead, small, zero, none: the predicted link is absent from the network (removed by L1,\n"
          "  under --threshold, exactly zero, or no such unit or input)")
MARKDOWN_LEGEND = ("**bold**: the learnt sign disagrees · ~~struck~~: absent from the network · "
                   "_italic_: learnt but not predicted")


def _mark(term: TermResult) -> str:
    return ABSENT_MARKS[term.reason or "dead"] if term.status == "absent" else MARKS[term.status]


def _term(sign: int, text: str) -> str:
    return f"{SIGN[sign]} {text}" if sign else ""


def _headline(c: Comparison) -> str:
    parts = [f"{c.count('disagree')} disagree", f"{c.count('absent')} absent"]
    if c.count("unpredicted"):
        parts.append(f"{c.count('unpredicted')} learnt but not predicted")
    what = f"{c.predicted} against {c.model}" if c.predicted or c.model else "prediction"
    return f"{what}: {c.agree} of {c.compared} predicted signs agree ({', '.join(parts)})"


def _symmetry_line(c: Comparison) -> str:
    if not c.symmetry:
        return "Units compared by name, without the network's symmetries."
    return "Hidden units aligned with the prediction by the network's symmetries (reorder, flip)."


def _learnt_label(unit: UnitResult) -> str:
    if unit.learnt is None:
        return "no such unit in the network"
    return f"learnt {unit.learnt}" + (", flipped" if unit.flipped else "")


def _text_unit(unit: UnitResult) -> list[str]:
    columns = [(_term(t.predicted, t.text), _term(t.learnt, t.text), _mark(t)) for t in unit.terms]
    widths = [max(len(a), len(b), len(m)) for a, b, m in columns]
    lines = [f"  {unit.name} = {_learnt_label(unit)}"]
    for label, index in (("predicted", 0), ("learnt", 1), ("", 2)):
        cells = "  ".join(col[index].ljust(w) for col, w in zip(columns, widths))
        if not cells.strip() and index < 2:  # no live link on that side
            cells = "0" if index == 0 or unit.learnt else "(no unit)"
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
    lines = [_headline(c), _symmetry_line(c)]
    for layer in c.layers:
        lines += ["", _layer_headline(layer)]
        for unit in layer.units:
            lines += _text_unit(unit)
    lines += ["", *_alignment_lines(c)]
    lines.append(f"Predicted but missing from the network: {_names(_missing(c))}")
    lines.append(f"Learnt but not predicted: {_names(_unpredicted(c))}")
    lines += ["", LEGEND]
    return "\n".join(lines)


def _missing(c: Comparison) -> list[str]:
    return [name for la in c.layers for name in la.missing]


def _markdown_learnt(t: TermResult) -> str:
    if t.status == "absent":
        return f"~~{t.text}~~ ({t.reason})"
    text = _term(t.learnt, t.text)
    return {"disagree": f"**{text}**", "unpredicted": f"_{text}_"}.get(t.status, text)


def to_markdown(c: Comparison) -> str:
    """The comparison as Markdown: one table per layer, predicted and learnt side by side."""
    lines = [f"**{c.agree} of {c.compared}** predicted signs agree "
             f"({c.count('disagree')} disagree, {c.count('absent')} absent, "
             f"{c.count('unpredicted')} learnt but not predicted).", "", _symmetry_line(c)]
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
              f"- Learnt but not predicted: {_names(_unpredicted(c))}", "", MARKDOWN_LEGEND]
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
        "disagree": c.count("disagree"),
        "absent": c.count("absent"),
        "unpredicted": c.count("unpredicted"),
        "layers": [
            {
                "title": la.title,
                "agree": la.agree,
                "compared": la.compared,
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
