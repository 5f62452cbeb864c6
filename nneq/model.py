"""The library's model: a trained network with methods to write, draw, save and show what it learnt.

`nneq.playground` is a faithful port of the Playground and knows nothing of the rest of nneq;
`Model` here is its model with the rest of nneq attached. Each method loads what it needs
when called, so that `import nneq` stays light.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nneq.errors import ConfigError
from nneq.playground import model as port
from nneq.playground.config import Config

if TYPE_CHECKING:
    import sympy
    from matplotlib.figure import Figure

    from nneq.explain.logic import LogicView

PREVIEW_DPI = 60  # the picture a notebook shows with a model


def check_path(name: str, value: object, allowed: str = "a file's path (str or os.PathLike)") -> None:
    """ConfigError naming `name` unless `value` is a path: text or an os.PathLike.

    >>> check_path("path", 5)
    Traceback (most recent call last):
    ...
    nneq.playground.errors.ConfigError: path=5: expected a file's path (str or os.PathLike)
    """
    if not isinstance(value, str | os.PathLike):
        raise ConfigError(name, value, allowed)


@dataclass(frozen=True, repr=False)
class Model(port.Model):
    """A trained network: its settings, layers and loss history, and what it learnt.

    Made by `nneq.train` or `nneq.load`. In Jupyter a model shows its one-line summary, its
    equation tables and its picture.

    Example:
        >>> model = train(dataset="xor", shape=(4, 2), seed="0.12345", epochs=300)
        >>> model.config.dataset, model.epochs
        ('xor', 300)
        >>> print(model.summary())
        xor, 2-4-2-1 tanh, seed 0.12345, 300 epochs: test loss 0.020, accuracy 98.8%
    """

    @classmethod
    def of(cls, model: port.Model) -> Model:
        """`model` (from the Playground port) as a library Model; the same one if it already is.

        Example:
            >>> from nneq.playground.train import train as port_train
            >>> Model.of(port_train(Config(dataset="xor", seed="a"), epochs=1)).epochs
            1
        """
        if isinstance(model, cls):
            return model
        return cls(**{f.name: getattr(model, f.name) for f in dataclasses.fields(model)})

    def __repr__(self) -> str:
        return f"<nneq.Model {self.summary()}>"

    def summary(self) -> str:
        """One line: dataset, shape and activation, seed, epochs, test loss and accuracy.

        Example:
            >>> train(dataset="circle", shape=(2,), seed="s", epochs=10).summary()
            'circle, 2-2-1 tanh, seed s, 10 epochs: test loss 0.495, accuracy 55.6%'
        """
        from nneq.provenance import provenance

        return provenance(self).summary()

    def equations(self, format: str = "markdown", *, caption: bool = False, threshold: float = 0.0,
                  relative: bool = False, values: bool = False, precision: int | None = None,
                  biases: bool = False, compose: bool = False) -> str:
        """What each unit learnt, as `nneq equations` writes it (without its caption unless asked).

        `format` is markdown, text, json, sympy, latex or logic; the options are the command's
        (`threshold`, `relative`, `values`, `precision`, `biases`, `compose`), and `caption`
        puts the command's one-line caption first. A model that diverged or learnt no better than
        the majority class gives a PoorModelWarning.

        Example:
            >>> model = train(dataset="xor", shape=(4, 2), seed="0.12345", epochs=300)
            >>> print(model.equations("text", threshold=0.5, relative=True).splitlines()[1])
              h11 = + x1w1 + x2w2
        """
        from nneq.explain.render import Options, render
        from nneq.provenance import captioned, warn_if_poor

        options = Options(threshold=threshold, relative=relative, values=values,
                          precision=precision, biases=biases, compose=compose)
        body = render(self, fmt=format, options=options)
        warn_if_poor(self)
        return captioned(self, format, body, caption=caption)

    def sympy(self, *, threshold: float = 0.0, relative: bool = False,
              precision: int | None = None, compose: bool = False) -> dict[str, sympy.Expr]:
        """Each unit's output as a SymPy expression of its sources, by unit name.

        With `compose`, the output units only, each as one expression of x1, x2: the whole
        network. Weights are full precision unless `precision` rounds them.

        Example:
            >>> model = train(dataset="xor", shape=(2,), seed="0.1", epochs=20)
            >>> list(model.sympy())
            ['h11', 'h12', 'o1']
            >>> sorted(str(s) for s in model.sympy(compose=True)["o1"].free_symbols)
            ['x1', 'x2']
        """
        from nneq.explain.symbolic import composed, unit_expressions

        read = composed if compose else unit_expressions
        return {u.name: u.expression
                for u in read(self, threshold=threshold, relative=relative, precision=precision)}

    def latex(self, *, threshold: float = 0.0, relative: bool = False,
              precision: int | None = None, compose: bool = False) -> str:
        """The SymPy expressions as one aligned LaTeX display, as `--format latex` writes it.

        Example:
            >>> model = train(dataset="xor", shape=(2,), seed="0.1", epochs=20)
            >>> model.latex(precision=2).splitlines()[:2]
            ['$$', '\\\\begin{aligned}']
        """
        return self.equations("latex", threshold=threshold, relative=relative,
                              precision=precision, compose=compose)

    def logic(self, *, precision: int | None = None) -> LogicView:
        """Each later unit's sign as a Boolean function of the first layer's regions.

        The result's `atoms` are the first-layer units' regions as inequalities, its `rules`
        each later unit's Boolean expression with the share of a grid where it holds; `str()`
        of it is what `--format logic` writes.

        Example:
            >>> model = train(dataset="xor", shape=(4, 2), seed="0.12345", epochs=300)
            >>> rule = model.logic().rules[-1]
            >>> rule.name, rule.expression, round(rule.agreement, 4)
            ('o1', '(h13 & ~h14) | (~h12 & ~h13)', 0.9833)
        """
        from nneq.explain.logic import logic
        from nneq.provenance import warn_if_poor

        warn_if_poor(self)
        return logic(self, precision=precision)

    def plot(self, *, unit: str | None = None, show_test: bool = False, discretize: bool = False,
             dpi: int = 100) -> Figure:
        """The Playground's picture of the model as a matplotlib Figure; nothing is written.

        `unit` draws that unit's heatmap large instead of the output's; `show_test` adds the test
        points; `discretize` shows heatmaps by sign only. Save it with `figure.savefig(path)`.

        Example:
            >>> model = train(dataset="xor", shape=(2,), seed="0.1", epochs=20)
            >>> type(model.plot(unit="h12")).__name__
            'Figure'
        """
        from nneq.picture.plot import draw
        from nneq.provenance import warn_if_poor

        warn_if_poor(self)
        return draw(self, unit=unit, show_test=show_test, discretize=discretize, dpi=dpi).figure

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model file (JSON) to `path`, atomically; `nneq.load` reads it back.

        Example:
            >>> import tempfile, pathlib
            >>> model = train(dataset="xor", shape=(2,), seed="0.1", epochs=20)
            >>> path = pathlib.Path(tempfile.mkdtemp()) / "xor.json"
            >>> model.save(path)
            >>> load(path).epochs
            20
        """
        from nneq.storage.modelfile import save

        check_path("path", path)
        save(self, path)

    def link(self, *, show_test: bool = False, discretize: bool = False) -> str:
        """The Playground link that opens this model's configuration; training from it gives this model.

        Example:
            >>> link = train(dataset="xor", shape=(2,), seed="0.1", epochs=0).link()
            >>> link.startswith("https://playground.tensorflow.org/#activation=tanh&"), "&seed=0.1&" in link
            (True, True)
        """
        from nneq.playground.link import to_link

        return to_link(self.config, show_test=show_test, discretize=discretize)

    # --- Jupyter -----------------------------------------------------------------------------

    def _png(self) -> bytes:
        figure = self.plot(dpi=PREVIEW_DPI)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi="figure")
        return buffer.getvalue()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The summary, the equation tables and the picture, as Markdown, HTML and PNG."""
        import warnings

        from nneq.explain.equations import equations

        with warnings.catch_warnings():  # the summary says what a warning would
            warnings.simplefilter("ignore")
            png = self._png()
            tables = self.equations()
        summary = self.summary()
        image = base64.b64encode(png).decode("ascii")
        blocks = []
        for layer in equations(self):
            rows = "".join(f"<tr><td>{html.escape(u.name)}</td><td>{html.escape(_equation(u))}</td>"
                           "</tr>" for u in layer.units)
            blocks.append(f"<table><thead><tr><th>{html.escape(layer.title)}</th><th>Equation</th>"
                          f"</tr></thead><tbody>{rows}</tbody></table>")
        link = html.escape(self.link(), quote=True)
        page = (f"<p><em>{html.escape(summary)}</em> · <a href=\"{link}\">open in the Playground"
                f"</a></p>{''.join(blocks)}<img src=\"data:image/png;base64,{image}\" "
                f"alt=\"{html.escape(summary, quote=True)}\"/>")
        markdown = (f"*{summary}* · [open in the Playground]({self.link()})\n\n{tables}\n\n"
                    f"![{summary}](data:image/png;base64,{image})")
        return {"text/plain": repr(self), "text/html": page, "text/markdown": markdown,
                "image/png": png}


def _equation(unit: Any) -> str:
    from nneq.explain.render import equation_text

    return equation_text(unit)


def train(config: Config | str | None = None, /, *, epochs: int = 500,
          on_epoch: Callable[[int, np.ndarray | None], object] | None = None, snapshots: int = 0,
          engine: str = "auto", **settings: Any) -> Model:
    """Train a network exactly as the Playground would, and return the model.

    `config` is a Config, a Playground link, or nothing; `settings` are Config's fields as
    keywords (`dataset`, `shape`, `activation`, `features`, `learning_rate`, `batch_size`,
    `regularization`, `reg_rate`, `noise`, `train_percent`, `seed`, `init_zero`) and override
    what `config` says. Without a seed the model gets a fresh one, which it records.
    `on_epoch(epoch, losses)` is called after every epoch; `snapshots=N` keeps the layers at N
    evenly spaced epochs besides the first and last. `engine` is "numpy", "compiled" (the
    `fast` extra) or "auto", which picks the compiled one for runs long enough to pay for
    loading it; both compute the same steps, and their results differ only in the last bits
    of the math functions, differences that a long run of small batches can amplify (see the
    README's "How exact"): pass the engine itself when runs must agree bit for bit. Bad
    settings raise ConfigError.

    Examples:
        >>> model = train(dataset="xor", shape=(4, 2), seed="0.12345", epochs=300)
        >>> float(model.loss_test[-1]) < 0.05
        True
        >>> link = "https://playground.tensorflow.org/#dataset=xor&networkShape=4,2&seed=0.12345"
        >>> train(link, epochs=300, learning_rate=0.03).summary() == model.summary()
        True
        >>> train(Config(dataset="xor", shape=(4, 2), seed="0.12345"), epochs=300).summary() \\
        ...     == model.summary()
        True
    """
    from nneq.playground.train import train as train_port

    if on_epoch is not None and not callable(on_epoch):
        raise ConfigError("on_epoch", on_epoch, "a function of (epoch, losses), or None")
    chosen = resolve_config(config, settings)
    return Model.of(train_port(chosen, epochs=epochs, on_epoch=on_epoch, snapshots=snapshots,
                               engine=engine))


def resolve_config(config: Config | str | None, settings: dict[str, Any]) -> Config:
    """The configuration from a Config, a Playground link or nothing, with `settings` over it."""
    from nneq.playground.link import parse_link

    if config is None:
        base = Config()
    elif isinstance(config, Config):
        base = config
    elif isinstance(config, str):
        base = parse_link(config).config
    else:
        raise ConfigError("config", config, "a Config, a Playground link or nothing")
    fields = {f.name for f in dataclasses.fields(Config)}
    unknown = sorted(set(settings) - fields)
    if unknown:
        raise ConfigError(unknown[0], settings[unknown[0]],
                          "a setting among " + ", ".join(sorted(fields)))
    return dataclasses.replace(base, **settings) if settings else base


def load(path: str | os.PathLike[str]) -> Model:
    """Read and validate a model file; a bad one raises ModelFileError.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.json"
        >>> save(train(dataset="circle", seed="x", epochs=200), path)
        >>> load(path)
        <nneq.Model circle, 2-4-2-1 tanh, seed x, 200 epochs: test loss 0.008, accuracy 100.0%>
    """
    from nneq.storage.modelfile import load as load_file

    check_path("path", path, "a model file's path (str or os.PathLike)")
    return Model.of(load_file(path))


def save(model: port.Model, path: str | os.PathLike[str]) -> None:
    """Write `model`'s file (JSON) to `path`, atomically; the same as `model.save(path)`.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.json"
        >>> save(train(dataset="xor", seed="y", epochs=3), path)
        >>> load(path).config.seed
        'y'
    """
    from nneq.storage.modelfile import save as save_file

    if not isinstance(model, port.Model):
        raise ConfigError("model", model, "a model, as nneq.train or nneq.load gives")
    check_path("path", path)
    save_file(model, path)
