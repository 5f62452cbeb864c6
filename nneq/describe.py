"""Configurations and counts in words, as messages, captions, pages and reports print them."""

from __future__ import annotations

from nneq.playground.config import Config

LARGEST_FIXED = 1e6  # from here on a number is shown in powers of ten


def number_text(value: float, decimals: int = 3) -> str:
    """`value` with `decimals` decimals, as the Playground shows losses and weights; from
    LARGEST_FIXED on in powers of ten with as many decimals, since a diverging value would
    run to hundreds of digits.

    >>> number_text(0.12345), number_text(-2.5e306, 2), number_text(1234567.0)
    ('0.123', '-2.50e+306', '1.235e+06')
    """
    if abs(value) < LARGEST_FIXED:
        return f"{value:.{decimals}f}"
    return f"{value:.{decimals}e}"


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


def divergence_advice(config: Config) -> str:
    """What to change when training `config` diverged, from the step that grows without bound.

    The penalty step moves a weight by (lr·λ)·ρ(w) each update (docs/playground.md §13): for
    L2 it scales the weight by 1 − lr·λ, which grows once lr·λ > 2, and for L1 a huge lr·λ
    throws weights far past zero. When lr·λ reaches 1 the regularization rate is the cause;
    otherwise the gradient step, and so the learning rate, is.

    >>> divergence_advice(Config(regularization="L2", reg_rate=1e308))
    'try a regularization rate below 33.3 (with learning rate 0.03)'
    >>> divergence_advice(Config(learning_rate=10))
    'try a learning rate below 10'
    """
    step = config.learning_rate * config.reg_rate
    if config.regularization != "none" and step >= 1:
        return (f"try a regularization rate below {1 / config.learning_rate:.3g} (with learning "
                f"rate {config.learning_rate:g})")
    return f"try a learning rate below {config.learning_rate:g}"
