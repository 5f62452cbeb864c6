"""A sweep written out: text, Markdown or JSON, each pattern with its post-style tables."""

from __future__ import annotations

import json
from collections.abc import Callable

from nneq.describe import network, plural
from nneq.explain.equations import pattern_equations
from nneq.explain.render import markdown, text
from nneq.sweeps.sweep import Pattern, Sweep


def _setting(s: Sweep) -> str:
    c = s.config
    seeds = [m.seed for m in s.members]
    listed = seeds[0] if len(seeds) == 1 else f"{seeds[0]} … {seeds[-1]}"
    return (f"{plural(len(seeds), 'seed')} of {c.dataset}, {network(c)}, inputs "
            f"{', '.join(c.features)}, {s.epochs} epochs (seeds {listed})")


def _pattern_line(s: Sweep, p: Pattern) -> str:
    line = (f"{plural(p.count, 'seed')} ({s.share(p):.1%}), mean loss train "
            f"{p.mean_loss_train:.3f} test {p.mean_loss_test:.3f}")
    if p.mean_accuracy_test is not None:
        line += f", mean accuracy test {p.mean_accuracy_test:.1%}"
    if p.agree is not None:
        line += f"; prediction: {p.agree} of {s.predicted_signs} signs agree"
        if p.chance is not None:
            line += (f" (chance {p.chance.mean:.1f}, {p.chance.p_text()}: "
                     f"{p.chance.verdict})")
    return line


def _seeds_line(p: Pattern) -> str:
    return "seeds: " + ", ".join(p.seeds)


def _threshold(s: Sweep) -> str:
    return f"threshold {s.threshold:g}" + (" of each unit's largest link" if s.relative else "")


def _prediction_lines(s: Sweep) -> list[str]:
    if s.prediction is None:
        return []
    ran = len(s.members) - len(s.diverged)
    full = s.full_agreement()
    spread = ", ".join(f"{agree}: {count}" for agree, count in s.agreement().items())
    source = f" {s.prediction.source}" if s.prediction.source else ""
    beat = s.beating_chance()
    return [f"prediction{source} agrees fully on {full} of {ran} seeds ({full / max(ran, 1):.1%})",
            f"it beats chance (p < 0.05: random tables of its shape agree as well less than one "
            f"time in twenty) on {beat} of {ran} seeds ({beat / max(ran, 1):.1%})",
            f"seeds by number of agreeing signs (of {s.predicted_signs}): {spread}"]


def _diverged_line(s: Sweep) -> str:
    if not s.diverged:
        return "diverged: none"
    seeds = ", ".join(f"{m.seed} (epoch {m.diverged_at})" for m in s.diverged)
    return f"diverged, not in the patterns: {len(s.diverged)}: {seeds}"


CANONICAL_NOTE = ("Patterns are shown in canonical form: each hidden layer's units in a fixed "
                  "order and, where the activation allows, flipped so that each unit's first sign "
                  "is +.")
MEMBER_NOTE = ("A member's own tables are its pattern's with the hidden units renumbered and "
               "each flipped unit's signs reversed, on its incoming and outgoing links alike.")


def _shown(s: Sweep, top: int | None) -> tuple[Pattern, ...]:
    return s.patterns if top is None else s.patterns[:top]


def _more(s: Sweep, top: int | None) -> list[str]:
    hidden = len(s.patterns) - len(_shown(s, top))
    return [f"… and {plural(hidden, 'more pattern')} (--top {top})"] if hidden > 0 else []


def to_text(s: Sweep, *, top: int | None = None) -> str:
    """The sweep as plain text, patterns most frequent first (the `top` most frequent only)."""
    lines = [f"sweep: {_setting(s)}",
             f"{plural(len(s.patterns), 'sign pattern')} ({_threshold(s)}); {_diverged_line(s)}",
             *_prediction_lines(s), CANONICAL_NOTE, MEMBER_NOTE]
    for p in _shown(s, top):
        lines += ["", f"pattern {p.id}: {_pattern_line(s, p)}", _seeds_line(p),
                  text(pattern_equations(s.config, p.signs))]
    lines += ["", *_more(s, top)] if _more(s, top) else []
    return "\n".join(lines)


def to_markdown(s: Sweep, *, top: int | None = None) -> str:
    """The sweep as Markdown, each pattern a heading with its tables."""
    lines = [f"# Sweep: {_setting(s)}", "",
             f"{plural(len(s.patterns), 'sign pattern')} ({_threshold(s)}); {_diverged_line(s)}."]
    lines += [f"{line}." for line in _prediction_lines(s)]
    lines += ["", f"{CANONICAL_NOTE} {MEMBER_NOTE}"]
    for p in _shown(s, top):
        lines += ["", f"## Pattern {p.id}", "", _pattern_line(s, p) + ".", "",
                  _seeds_line(p) + ".", "", markdown(pattern_equations(s.config, p.signs))]
    lines += ["", *_more(s, top)] if _more(s, top) else []
    return "\n".join(lines)


def to_dict(s: Sweep) -> dict[str, object]:
    """The sweep as JSON-ready data: `seeds` and `patterns` lists, the configuration, the prediction."""
    return {
        "config": s.config.to_dict(),
        "epochs": s.epochs,
        "engine": s.engine,
        "threshold": s.threshold,
        "relative": s.relative,
        "seeds": [
            {"seed": m.seed, "pattern": m.pattern, "loss_train": m.loss_train,
             "loss_test": m.loss_test, "accuracy_train": m.accuracy_train,
             "accuracy_test": m.accuracy_test, "p_value": s.p_value(m),
             "diverged": m.diverged_at is not None,
             "diverged_at": m.diverged_at}
            for m in s.members
        ],
        "patterns": [
            {"id": p.id, "key": p.key, "count": p.count, "share": s.share(p),
             "mean_loss_train": p.mean_loss_train, "mean_loss_test": p.mean_loss_test,
             "mean_accuracy_train": p.mean_accuracy_train,
             "mean_accuracy_test": p.mean_accuracy_test,
             "seed": p.seeds[0], "seeds": list(p.seeds), "agree": p.agree,
             "chance": p.chance.to_dict() if p.chance else None,
             "tables": markdown(pattern_equations(s.config, p.signs))}
            for p in s.patterns
        ],
        "diverged": len(s.diverged),
        "prediction": None if s.prediction is None else {
            "source": s.prediction.source, "signs": s.predicted_signs,
            "full_agreement": s.full_agreement(),
            "beating_chance": s.beating_chance(),
            "agreement": {str(k): v for k, v in s.agreement().items()},
        },
    }


def to_json(s: Sweep, *, top: int | None = None) -> str:
    """The sweep as JSON text (every pattern: `top` only limits what text and Markdown show)."""
    return json.dumps(to_dict(s), indent=1)


RENDERERS: dict[str, Callable[..., str]] = {
    "text": to_text, "markdown": to_markdown, "json": to_json,
}
