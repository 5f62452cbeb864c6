"""Where a model's outputs come from: the facts a caption states, and whether the model learnt.

A table pasted into a page loses its origin, so every `nneq equations` output starts with a
one-line caption: the dataset, the network's shape and activation, the seed, the epochs, the
test loss (and accuracy, for classification) and the Playground link that opens the
configuration. The JSON output carries the same facts as fields.

A model that diverged, or that classifies no better than always answering the test data's
majority class (for regression: no better than always answering the test labels' mean),
learnt little or nothing; `poor_model` says why, for a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nneq.describe import number_text, plural
from nneq.errors import PoorModelWarning
from nneq.playground.link import to_link
from nneq.playground.model import Model


@dataclass(frozen=True)
class Provenance:
    """The facts about a model that its outputs should carry with them."""

    dataset: str
    shape: str  # every layer's size, inputs to output: "2-4-2-1"
    activation: str
    seed: str
    epochs: int
    loss_train: float
    loss_test: float
    accuracy_train: float | None  # classification only
    accuracy_test: float | None
    diverged_at: int | None
    link: str
    engine: str | None = None  # the engine that trained it, where the model file says

    def to_dict(self) -> dict[str, object]:
        """The facts as JSON-ready fields."""
        return {"dataset": self.dataset, "shape": self.shape, "activation": self.activation,
                "seed": self.seed, "epochs": self.epochs, "loss_train": self.loss_train,
                "loss_test": self.loss_test, "accuracy_train": self.accuracy_train,
                "accuracy_test": self.accuracy_test, "diverged": self.diverged_at is not None,
                "diverged_at": self.diverged_at, "link": self.link, "engine": self.engine}

    def summary(self) -> str:
        """One line: 'xor, 2-4-2-1 tanh, seed 0.12345, 300 epochs: test loss 0.020, accuracy 98.8%'."""
        facts = f"test loss {number_text(self.loss_test)}"
        if self.accuracy_test is not None:
            facts += f", accuracy {self.accuracy_test:.1%}"
        if self.diverged_at is not None:
            facts += f"; diverged at epoch {self.diverged_at}"
        return (f"{self.dataset}, {self.shape} {self.activation}, seed {self.seed}, "
                f"{plural(self.epochs, 'epoch')}: {facts}")


def provenance(model: Model) -> Provenance:
    """The facts about `model`; accuracy is measured on its data, regenerated from its seed."""
    c = model.config
    accuracy: tuple[float | None, float | None] = (None, None)
    if c.problem == "classification":
        train_points, test_points = model.data()
        accuracy = (model.accuracy(train_points), model.accuracy(test_points))
    return Provenance(
        dataset=c.dataset, shape="-".join(str(n) for n in c.layer_sizes), activation=c.activation,
        seed=str(c.seed), epochs=model.epochs, loss_train=float(model.loss_train[-1]),
        loss_test=float(model.loss_test[-1]), accuracy_train=accuracy[0],
        accuracy_test=accuracy[1], diverged_at=model.diverged_at, link=to_link(c),
        engine=model.engine)


# The caption line per output format: each a line its readers take as a caption or a comment.
CAPTIONS: dict[str, Callable[[Provenance], str]] = {
    # Emphasised, with the link named: a blog renders it as one line above the tables.
    "markdown": lambda p: f"*{p.summary()} · [open in the Playground]({p.link})*",
    "text": lambda p: f"{p.summary()} · {p.link}",
    "latex": lambda p: f"% {p.summary()} · {p.link}",
    "sympy": lambda p: f"# {p.summary()} · {p.link}",
    "logic": lambda p: f"# {p.summary()} · {p.link}",
}


def caption(model: Model, fmt: str) -> str | None:
    """The caption line for output format `fmt`, or None for a format that has none (json)."""
    write = CAPTIONS.get(fmt)
    return write(provenance(model)) if write is not None else None


def poor_model(model: Model) -> str | None:
    """Why `model` learnt little or nothing (diverged, or no better than the majority class), or None."""
    if model.diverged:
        return (f"training diverged at epoch {model.diverged_at}; this is epoch {model.epochs}, "
                "the last finite one")
    _, test_points = model.data()
    if len(test_points) == 0:
        return None
    labels = test_points.label
    if model.config.problem == "classification":
        accuracy = model.accuracy(test_points)
        majority = max(float(np.mean(labels > 0)), float(np.mean(labels <= 0)))
        if accuracy <= majority:
            return (f"the model classifies {accuracy:.1%} of the test points right, no better than "
                    f"always answering the majority class ({majority:.1%}); it has learnt little")
        return None
    # Regression: no better than always answering the test labels' mean.
    constant = 0.5 * float(np.mean((labels - np.mean(labels)) ** 2))
    loss = float(model.loss_test[-1])
    if loss >= constant:
        return (f"the model's test loss {number_text(loss)} is no better than always answering the mean "
                f"({number_text(constant)}); it has learnt little")
    return None


def warn_if_poor(model: Model, *, stacklevel: int = 3) -> None:
    """Warn (PoorModelWarning) when `model` diverged or is no better than the majority class."""
    reason = poor_model(model)
    if reason is not None:
        warnings.warn(reason, PoorModelWarning, stacklevel=stacklevel)


def captioned(model: Model, fmt: str, body: str, *, caption: bool = True) -> str:
    """`body`, the equations of `model` in format `fmt`, with the caption first (json: the facts
    as a "model" field after "format" and "version"); `body` itself when `caption` is False."""
    if not caption:
        return body
    facts = provenance(model)
    if fmt == "json":
        import json

        document = json.loads(body)
        head = {key: document.pop(key) for key in ("format", "version") if key in document}
        return json.dumps({**head, "model": facts.to_dict(), **document}, indent=2)
    write = CAPTIONS.get(fmt)
    return body if write is None else f"{write(facts)}\n\n{body}"
