"""The interactive page as a file: self-contained, escaped, small; `nneq html` and `report --html`."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.pages.html import PageOptions, html_page, markdown_html, script_json

from .conftest import POST_LINK

runner = CliRunner()
SMALL = nneq.Config(dataset="xor", shape=(3, 2), seed="page")


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _parse(text: str) -> _Elements:
    parser = _Elements()
    parser.feed(text)
    return parser


def test_the_post_page_with_50_snapshots_is_under_2_mb():
    model = nneq.train(nneq.parse_link(POST_LINK).config, epochs=500, snapshots=50)
    assert len(model.snapshots) == 52
    size = len(html_page(model).encode("utf-8"))
    assert size < 2_000_000, size


def test_the_page_fetches_nothing_and_its_policy_allows_only_its_own_script():
    page = html_page(nneq.train(SMALL, epochs=4, snapshots=2))
    elements = _parse(page)
    for tag, attrs in elements.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            # Only links the reader may follow; nothing loads from anywhere.
            assert value is None or (tag == "a" and name == "href"), (tag, attrs)
        assert tag not in ("link", "iframe", "img", "object", "embed")
    policy = next(a["content"] for t, a in elements.tags if a.get("http-equiv") ==
                  "Content-Security-Policy")
    assert policy.startswith("default-src 'none'")
    code = [s for s in elements.scripts if "use strict" in s]
    assert len(code) == 1
    digest = base64.b64encode(hashlib.sha256(code[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    # The only address in the code is SVG's namespace, a name that is never fetched.
    assert re.findall(r"https?://[^\s\"']*", code[0]) == ["http://www.w3.org/2000/svg"]
    assert "fetch(" not in code[0] and "XMLHttpRequest" not in code[0]


def test_script_json_cannot_end_its_script_element():
    nasty = {"a": "</script><script>alert(1)</script>", "b": "<!-- x -->", "c": "\u2028&>"}
    text = script_json(nasty)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == nasty


def test_user_text_is_escaped_everywhere():
    title = "<script>alert(1)</script>"
    description = "a </script> <!-- b"
    config = nneq.Config(dataset="xor", shape=(2,), seed="<i>x</i>")
    page = html_page(nneq.train(config, epochs=2),
                     PageOptions(title=title, description=description))
    elements = _parse(page)
    assert [t for t, _ in elements.tags].count("script") == 2  # the data and the page's code
    assert not any(t in ("i", "b") for t, _ in elements.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &lt;/script&gt; &lt;!-- b" in page and "seed &lt;i&gt;x&lt;/i&gt;" in page


def test_markdown_html_renders_the_comparison_forms_and_escapes_the_rest():
    text = ("**3 of 4** agree <b>\n\n| A | B |\n| --- | --- |\n| h11 | + x1w1 **- x2w2** |\n"
            "| h12 | ~~+ x1w1~~ _+ x2w2_ |\n\n- one\n- two <i>")
    out = markdown_html(text)
    assert "<p><strong>3 of 4</strong> agree &lt;b&gt;</p>" in out
    assert "<td>+ x1w1 <strong>- x2w2</strong></td>" in out
    assert "<td><del>+ x1w1</del> <em>+ x2w2</em></td>" in out
    assert "<li>two &lt;i&gt;</li>" in out


def test_page_data_holds_every_snapshot_at_full_precision():
    model = nneq.train(SMALL, epochs=9, snapshots=2)
    page = html_page(model)
    data = json.loads(re.search(r'id="nneq-data">(.*?)</script>', page, re.S).group(1))
    assert [s["epoch"] for s in data["states"]] == [0, 3, 6, 9]
    for state, snap in zip(data["states"], model.snapshots, strict=True):
        for got, layer in zip(state["layers"], snap.layers, strict=True):
            assert got["w"] == layer.weights.tolist() and got["b"] == layer.biases.tolist()
    # Without snapshots the page holds the final network only.
    single = json.loads(re.search(r'id="nneq-data">(.*?)</script>', html_page(nneq.train(SMALL, epochs=2)),
                                  re.S).group(1))
    assert [s["epoch"] for s in single["states"]] == [2]


def test_nneq_html_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nneq.save(nneq.train(SMALL, epochs=3, snapshots=1), "m.json")
    result = runner.invoke(app, ["html", "m.json"])
    assert result.exit_code == 0 and result.output == "page written to m.html\n"
    assert "<title>xor network, seed page</title>" in Path("m.html").read_text()
    result = runner.invoke(app, ["html", "m.json", "--out", "p.html", "--title", "T <x>",
                                 "--show-test", "--discretize", "--threshold", "0.1"])
    assert result.exit_code == 0
    data = json.loads(re.search(r'id="nneq-data">(.*?)</script>', Path("p.html").read_text(),
                                re.S).group(1))
    assert data["view"] == {"show_test": True, "discretize": True} and data["threshold"] == 0.1
    result = runner.invoke(app, ["html", "m.json", "--threshold", "-1"])
    assert result.exit_code == 2 and "threshold=-1" in result.output
    result = runner.invoke(app, ["html", "missing.json"])
    assert result.exit_code == 2 and "missing.json" in result.output


def test_report_html_writes_a_page_per_run_with_the_comparison(tmp_path):
    run = tmp_path / "r.toml"
    run.write_text('title = "xor <run>"\ndataset = "xor"\nshape = [2]\nseed = "k"\nepochs = 6\n'
                   'snapshots = 2\npredicted = """\n| First Hidden Layer | Equation |\n|---|---|\n'
                   '| h11 | + x1w1 + x2w2 |\n| h12 | - x1w1 + x2w2 |\n\n| Output Layer | Equation |\n'
                   '|---|---|\n| o1 | + h11w11 - h12w12 |\n"""\n')
    result = runner.invoke(app, ["report", str(run), "--out-dir", str(tmp_path / "out"), "--dpi", "20",
                                 "--html"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "r.html").read_text()
    assert "<h1 id=\"title\">xor &lt;run&gt;</h1>" in page
    assert 'id="comparison"' in page and "predicted signs agree" in page
    assert "[interactive page](r.html)" in (tmp_path / "out" / "r.md").read_text()
    data = json.loads(re.search(r'id="nneq-data">(.*?)</script>', page, re.S).group(1))
    assert [s["epoch"] for s in data["states"]] == [0, 2, 4, 6]
    # Without --html no page is written and the Markdown page does not link one.
    runner.invoke(app, ["report", str(run), "--out-dir", str(tmp_path / "plain"), "--dpi", "20"])
    assert not (tmp_path / "plain" / "r.html").exists()
    assert "interactive page" not in (tmp_path / "plain" / "r.md").read_text()


@pytest.mark.parametrize("name", ["page.js", "page.css"])
def test_the_page_files_are_package_data(name):
    from importlib import resources

    assert resources.files("nneq.pages").joinpath(name).is_file()
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert '"nneq.pages" = ["*.js", "*.css"]' in pyproject
