"""The interactive page of a model: one self-contained HTML file that works offline.

The page shows the network as `nneq plot` draws it (the layout of `nneq.picture.diagram`, the
Playground's colours), the output's heatmap with the data, the loss curves and the equation
tables; hovering or focusing a link or a unit tells its weight, its term, its equation. With
snapshots (`nneq train --snapshots N`) a slider replays the training: the page keeps only the
weights of each snapshot and computes every heatmap itself, with the same features and
activations as nneq, so the file stays small.

Everything is inline (the page's script and style are the package files page.js and
page.css) and the page's Content-Security-Policy allows no request at all: no fonts, no
scripts, no images from anywhere, only that script (by its hash) and that style. User text
(titles, descriptions, seeds, tables) reaches the page escaped, either as HTML text or inside
the JSON the script reads, where `<` is written `\\u003c` so that no `</script>` or `<!--` can
end or confuse the script element.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from nneq.comparison.compare import Comparison
from nneq.comparison.report import RENDERERS
from nneq.describe import number_text
from nneq.explain.equations import DROPPED, check_threshold, equations
from nneq.explain.render import Options, render
from nneq.picture import diagram
from nneq.playground.activations import OUTPUT_ACTIVATION
from nneq.playground.datasets import Points
from nneq.playground.link import to_link
from nneq.playground.model import Model
from nneq.playground.network import Layer
from nneq.storage.files import write_text

POINT_DECIMALS = 4  # data points are only drawn: 1e-4 of a 12-wide square is far below a pixel


@dataclass(frozen=True, kw_only=True)
class PageOptions:
    """What the page shows beyond the model: its title, a paragraph, a comparison, view options."""

    title: str = ""
    description: str = ""
    threshold: float = 0.0  # learnt links weaker than this are left out of the tables
    show_test: bool = False  # the test points start shown (a checkbox toggles them)
    discretize: bool = False  # the heatmaps start in two colours (a checkbox toggles it)
    comparison: Comparison | None = None
    links: tuple[tuple[str, str], ...] = ()  # (text, href) shown under the settings

    def __post_init__(self) -> None:
        check_threshold(self.threshold, relative=False)


def _asset(name: str) -> str:
    return resources.files("nneq.pages").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def script_json(data: object) -> str:
    """JSON safe inside a <script> element: no `<` (so no `</script>` or `<!--`), no `>` or `&`,
    and no U+2028/U+2029; JSON.parse reads it back unchanged."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _layers(layers: Sequence[Layer]) -> list[dict[str, object]]:
    # Full precision (repr of each double): the page's forward pass must give nneq's numbers.
    return [{"w": la.weights.tolist(), "b": la.biases.tolist(), "dead": la.dead.astype(int).tolist()}
            for la in layers]


def _points(points: Points) -> list[list[float]]:
    rows: list[list[float]] = np.column_stack(
        [np.round(points.x, POINT_DECIMALS), np.round(points.y, POINT_DECIMALS), points.label]).tolist()
    return rows


def page_data(model: Model, options: PageOptions) -> dict[str, object]:
    """Everything the page's script reads: the network's structure and layout, the weights of
    each snapshot (or of the final epoch only), the losses and the data."""
    config = model.config
    plan = diagram.layout(model)
    structure = equations(model)
    states = ([{"epoch": s.epoch, "layers": _layers(s.layers)} for s in model.snapshots]
              if model.snapshots else [{"epoch": model.epochs, "layers": _layers(model.layers)}])
    train, test = model.data()
    return {
        "features": list(config.features),
        "activation": config.activation,
        "output": OUTPUT_ACTIVATION[config.problem],
        "problem": config.problem,
        "sizes": list(config.layer_sizes),
        "epochs": model.epochs,
        "threshold": options.threshold,
        "dropped": DROPPED,
        "layers": [
            {"title": la.title, "units": [
                {"name": u.name, "activation": u.activation, "bias": u.bias_symbol,
                 "terms": [{"source": t.source, "weight": t.weight} for t in u.terms]}
                for u in la.units]}
            for la in structure
        ],
        "nodes": [{"name": n.name, "layer": n.layer, "index": n.index, "x": n.centre[0],
                   "y": n.centre[1]} for n in plan.nodes],
        "links": [{"source": k.source, "dest": k.dest, "layer": k.layer,
                   "points": [list(p) for p in k.controls]} for k in plan.links],
        "headers": [list(h) for h in plan.headers],
        "bounds": list(plan.bounds),
        "states": states,
        "loss": {"epochs": model.loss_epoch_numbers().tolist(), "train": model.loss_train.tolist(),
                 "test": model.loss_test.tolist()},
        "diverged_at": model.diverged_at,
        "train": _points(train),
        "test": _points(test),
        "view": {"show_test": options.show_test, "discretize": options.discretize},
        "scale": {"orange": diagram.ORANGE, "grey": diagram.GREY, "blue": diagram.BLUE,
                  "domain": list(diagram.DOMAIN), "density": diagram.DENSITY,
                  "reduction": diagram.REDUCTION, "shades": diagram.SHADES,
                  "alpha": diagram.HEATMAP_ALPHA},
    }


# --- the few Markdown forms the comparison report uses, as HTML ----------------------------

_INLINE = [
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"~~(.+?)~~"), r"<del>\1</del>"),
    (re.compile(r"(?<![\w])_(.+?)_(?![\w])"), r"<em>\1</em>"),
]


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    return out


def _cells(row: str) -> list[str]:
    body = row.strip().removeprefix("|").removesuffix("|")
    return [c.strip().replace(r"\|", "|") for c in re.split(r"(?<!\\)\|", body)]


def markdown_html(text: str) -> str:
    """Headings, paragraphs, bullet lists and tables, with bold, struck and italic text, as HTML;
    everything else is escaped text."""
    out: list[str] = []
    blocks = re.split(r"\n\s*\n", text.strip())
    for block in blocks:
        lines = block.splitlines()
        if all(line.lstrip().startswith("|") for line in lines) and len(lines) >= 2:
            head, rows = _cells(lines[0]), [_cells(r) for r in lines[2:]]
            out.append("<div class=\"scroll\"><table><thead><tr>"
                       + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr></thead><tbody>"
                       + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                                 for r in rows) + "</tbody></table></div>")
        elif all(line.startswith("- ") for line in lines):
            out.append("<ul>" + "".join(f"<li>{_inline(line[2:])}</li>" for line in lines) + "</ul>")
        elif lines[0].startswith("#"):
            level = min(len(lines[0]) - len(lines[0].lstrip("#")) + 1, 6)
            out.append(f"<h{level}>{_inline(lines[0].lstrip('#').strip())}</h{level}>")
        else:
            out.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "\n".join(out)


# --- the page -------------------------------------------------------------------------------


def _settings(model: Model) -> str:
    c = model.config
    regularization = ("no regularization" if c.regularization == "none" or not c.reg_rate
                      else f"{c.regularization} {c.reg_rate:g}")
    parts = [c.dataset, "inputs " + ", ".join(c.features),
             "network " + "-".join(map(str, c.layer_sizes)) + " " + c.activation,
             f"learning rate {c.learning_rate:g}", f"batch {c.batch_size}", regularization,
             f"noise {c.noise:g}", f"train {c.train_percent:g}%", f"seed {c.seed}"]
    if c.init_zero:
        parts.append("zero init")
    parts.append(f"{model.epochs} epochs")
    return " · ".join(parts)


def _accuracy(model: Model) -> str:
    if model.config.problem != "classification":
        return ""
    train, test = model.data()
    return (f"<tr><th scope=\"row\">Accuracy</th><td>{model.accuracy(train):.1%}</td>"
            f"<td>{model.accuracy(test):.1%}</td></tr>")


def html_page(model: Model, options: PageOptions | None = None) -> str:
    """The whole page of `model`, as one HTML document with nothing to fetch."""
    options = options or PageOptions()
    script, style = _asset("page.js"), _asset("page.css")
    e = html.escape
    title = options.title or f"{model.config.dataset} network, seed {model.config.seed}"
    csp = (f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    link = to_link(model.config, show_test=options.show_test, discretize=options.discretize)
    links = [("Open in the Playground", link), *options.links]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{style}</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<h1 id="title">{e(title)}</h1>',
    ]
    if options.description:
        parts.append(f'<p id="description">{e(options.description)}</p>')
    parts.append(f'<p class="settings" id="settings">{e(_settings(model))}</p>')
    parts.append('<p class="links">' + " · ".join(
        f'<a href="{e(href)}" rel="noopener noreferrer">{e(text)}</a>' for text, href in links) + "</p>")
    if model.diverged:
        parts.append(f'<p class="warning" role="note"><strong>Training diverged</strong> at epoch '
                     f"{model.diverged_at}: a loss or weight stopped being finite. The page shows "
                     f"epoch {model.epochs}, the last finite one.</p>")
    parts += [
        '<table class="losses"><thead><tr><th></th><th scope="col">Train</th><th scope="col">Test'
        "</th></tr></thead><tbody>",
        f'<tr><th scope="row">Loss</th><td>{number_text(model.loss_train[-1])}</td>'
        f"<td>{number_text(model.loss_test[-1])}</td></tr>{_accuracy(model)}</tbody></table>",
        "</header>",
        '<main id="app">',
        '<noscript><p>The network, heatmaps, replay and tables need JavaScript; the learnt tables '
        "follow as text.</p><pre>" + e(render(model, fmt="markdown",
                                               options=Options(threshold=options.threshold)))
        + "</pre></noscript>",
        "</main>",
    ]
    if options.comparison is not None:
        parts += ['<section id="comparison" aria-labelledby="comparison-title">',
                  '<h2 id="comparison-title">Compared with the prediction</h2>',
                  f"<p>At epoch {model.epochs}, the last one.</p>",
                  markdown_html(RENDERERS["markdown"](options.comparison)), "</section>"]
    parts += [
        "<footer><p>Written by nneq. Hover over or tab to a link or a unit to read its weight, "
        "its term and its equation.</p></footer>",
        f'<script type="application/json" id="nneq-data">{script_json(page_data(model, options))}'
        "</script>",
        f"<script>{script}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_page(model: Model, path: str | os.PathLike[str], options: PageOptions | None = None) -> None:
    """Write the page of `model` atomically."""
    write_text(path, html_page(model, options))
