"""Configurations and counts in words, as messages, captions, pages and reports print them."""

from __future__ import annotations

from nneq.playground.config import Config


def plural(count: int, word: str) -> str:
    """'1 epoch', '2 epochs', '0 seeds'."""
    return f"{count} {word}" + ("" if count == 1 else "s")


def network(config: Config) -> str:
    """The network's layer sizes, inputs to output, and its hidden activation: '2-4-2-1 tanh'."""
    return "-".join(str(n) for n in config.layer_sizes) + " " + config.activation


def describe(config: Config, *, epochs: int | None = None, sep: str = " · ") -> str:
    """Every setting of a configuration in one line, joined by `sep`.

    >>> describe(Config(dataset="xor", seed="0.5"), epochs=300)
    'xor · inputs x1, x2 · network 2-4-2-1 tanh · learning rate 0.03 · batch 10 · ... · 300 epochs'
    """
    regularization = ("no regularization" if config.regularization == "none" or not config.reg_rate
                      else f"{config.regularization} {config.reg_rate:g}")
    parts = [config.dataset, "inputs " + ", ".join(config.features), "network " + network(config),
             f"learning rate {config.learning_rate:g}", f"batch {config.batch_size}", regularization,
             f"noise {config.noise:g}", f"train {config.train_percent:g}%", f"seed {config.seed}"]
    if config.init_zero:
        parts.append("zero init")
    if epochs is not None:
        parts.append(plural(epochs, "epoch"))
    return sep.join(parts)
