"""The interactive page in a real browser: the system's Chromium driven by Playwright.

The tests skip when Chromium is not installed, except in CI (CI=true), where a missing
browser is a failure: `.ci/run` installs it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import nneq
from nneq.describe import number_text
from nneq.explain.render import render
from nneq.pages.html import PageOptions, write_page
from nneq.picture.diagram import BLUE, ORANGE, colour_scale, heatmap_colours, rgb

from .conftest import POST_LINK

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FIVE_POINTS = [[0.0, 0.0], [1.5, -2.25], [-4.0, 3.0], [5.5, 5.5], [-0.3, -5.9]]
TERM = re.compile(r"^(\w+): ([+−]) (\S+), w = (−?\d+\.\d{3})$")


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    return found


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    in_ci = os.environ.get("CI", "").lower() == "true"
    if executable is None:
        if in_ci:
            pytest.fail("Chromium is not installed (apt-get install chromium): the page tests need it")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Opened:
    """A page opened in the browser, with everything it logged and requested."""

    def __init__(self, browser, path: Path, *, width: int = 1200) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.console: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("html[data-ready=true]", timeout=10_000)

    def errors(self) -> list[str]:
        return [m for m in self.console if not m.startswith(("log:", "debug:", "info:"))]


@pytest.fixture(scope="module")
def post(tmp_path_factory):
    """The post's starting network, 500 epochs with 20 snapshots: its model file and page."""
    folder = tmp_path_factory.mktemp("post")
    config = nneq.parse_link(POST_LINK).config
    model = nneq.train(config, epochs=500, snapshots=20)
    nneq.save(model, folder / "post.json")
    write_page(nneq.load(folder / "post.json"), folder / "post.html",
               PageOptions(title="The post's starting network"))
    return folder


@pytest.fixture
def opened(browser, post):
    page = Opened(browser, post / "post.html")
    yield page
    page.page.close()


def _model_file(post: Path) -> dict:
    return json.loads((post / "post.json").read_text())


def _weight(data: dict, source: str, dest: str) -> float:
    names = {"x1": (0, 0), "x2": (0, 1), "h11": (1, 0), "h12": (1, 1), "h13": (1, 2), "h14": (1, 3),
             "h21": (2, 0), "h22": (2, 1)}
    dests = {"h11": 0, "h12": 1, "h13": 2, "h14": 3, "h21": 0, "h22": 1, "o1": 0}
    layer, i = names[source]
    return data["layers"][layer]["weights"][i][dests[dest]]


def _ascii(text: str) -> str:
    return text.replace("−", "-")


def test_hovering_three_links_shows_their_weights_as_in_the_model_file(opened, post):
    data = _model_file(post)
    for source, dest, symbol in (("x1", "h11", "x1w1"), ("h21", "o1", "h21w21"), ("h22", "o1", "h22w22")):
        opened.page.hover(f"#link-{source}-{dest}")
        text = opened.page.inner_text("#info .term")
        match = TERM.match(text)
        assert match, text
        weight = _weight(data, source, dest)
        assert match.group(1) == dest and match.group(3) == symbol
        assert match.group(2) == ("−" if weight < 0 else "+")
        assert float(_ascii(match.group(4))) == float(f"{weight:.3f}")
        assert _ascii(match.group(4)) == f"{weight:.3f}"


def test_keyboard_focus_gives_what_hover_gives(opened, post):
    opened.page.hover("#link-x2-h12")
    hovered = opened.page.inner_text("#info")
    opened.page.mouse.move(0, 0)
    opened.page.hover("#link-x1-h11")
    opened.page.focus("#link-x2-h12")
    assert opened.page.inner_text("#info") == hovered
    # Tab reaches the links and units in order: the first tab stop in the network is a link.
    opened.page.focus("#epoch-slider")
    opened.page.keyboard.press("Tab")
    focused = opened.page.evaluate("document.activeElement.getAttribute('class')")
    assert focused.split()[0] in ("link", "unit")


def test_a_unit_shows_its_signed_equation_values_bias_and_heatmap(opened, post):
    model = nneq.load(post / "post.json")
    opened.page.focus("#unit-h12")
    equation = opened.page.inner_text("#info .equation")
    w = model.layers[0].weights[:, 1]
    b = model.layers[0].biases[1]
    signs = ["-" if v < 0 else "+" for v in w]
    assert _ascii(equation) == f"h12 = tanh({signs[0]} x1w1 {signs[1]} x2w2 {'-' if b < 0 else '+'} b12)"
    values = _ascii(opened.page.inner_text("#info .values"))
    assert values == f"w1 = {w[0]:.3f}, w2 = {w[1]:.3f}"
    assert _ascii(opened.page.inner_text("#info .bias")) == f"bias b12 = {b:.3f}"
    size = opened.page.evaluate("(() => { const c = document.querySelector('#info canvas.enlarged');"
                                " return [c.width, c.getBoundingClientRect().width]; })()")
    assert size[0] == 100 and size[1] > 100  # the unit's full heatmap, larger than in the network


def test_the_slider_replays_the_snapshots_with_the_same_numbers_as_predict(opened, post):
    model = nneq.load(post / "post.json")
    assert len(model.snapshots) == 22
    slider = opened.page.locator("#epoch-slider")
    slider.focus()
    opened.page.keyboard.press("Home")
    for index in (0, 3, 11, 21):
        while opened.page.evaluate("window.nneq.state") < index:
            opened.page.keyboard.press("ArrowRight")
        snap = model.snapshots[index]
        assert opened.page.evaluate("window.nneq.epoch") == snap.epoch
        page_out = np.array(opened.page.evaluate(f"window.nneq.outputAt({json.dumps(FIVE_POINTS)})"))
        expected = model.at_epoch(snap.epoch).predict(np.array(FIVE_POINTS))
        np.testing.assert_allclose(page_out, expected, rtol=0, atol=1e-9)
        # The tables, the epoch and the loss shown follow the slider.
        assert opened.page.inner_text("#epoch").startswith(f"Epoch {snap.epoch} of 500")
        tables = opened.page.eval_on_selector_all(
            "#tables tbody tr", "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])")
        rendered = render(model.at_epoch(snap.epoch), fmt="markdown")
        expected_rows = [re.match(r"\| (\w+) \| (.*) \|$", line).groups()
                         for line in rendered.splitlines() if re.match(r"\| [ho]\d", line)]
        assert [tuple(r) for r in tables] == expected_rows
        assert (f"training loss {number_text(model.loss_train[snap.epoch])}"
                in opened.page.inner_text("#loss-now"))
    assert opened.errors() == []


def test_play_steps_through_the_epochs(opened):
    opened.page.focus("#epoch-slider")
    opened.page.keyboard.press("Home")
    opened.page.click("#play")
    opened.page.wait_for_function("() => window.nneq.state >= 2", timeout=5000)
    opened.page.click("#play")  # pause
    paused = opened.page.evaluate("window.nneq.state")
    opened.page.wait_for_timeout(800)
    assert opened.page.evaluate("window.nneq.state") == paused
    assert opened.errors() == []


def test_no_console_errors_and_no_requests(browser, post):
    opened = Opened(browser, post / "post.html")
    for selector in ("#link-h22-o1", "#unit-h21", "#unit-x1", "#show-test", "#discretize"):
        opened.page.hover(selector)
    opened.page.click("#show-test")
    opened.page.click("#discretize")
    opened.page.wait_for_timeout(300)
    assert opened.errors() == []
    assert opened.requests == [opened.url]  # the file itself, and nothing else
    opened.page.close()


def test_markup_in_titles_and_seeds_shows_as_text(browser, tmp_path):
    title = '<script>alert("title")</script><img src=x onerror=alert(2)>'
    description = "</script><!-- <b>bold?</b>"
    config = nneq.Config(dataset="xor", shape=(2,), seed="<b>s</b></script><!--")
    model = nneq.train(config, epochs=3, snapshots=1)
    write_page(model, tmp_path / "x.html", PageOptions(title=title, description=description))
    opened = Opened(browser, tmp_path / "x.html")
    assert opened.page.inner_text("h1") == title
    assert opened.page.title() == title
    assert opened.page.inner_text("#description") == description
    assert "seed <b>s</b></script><!--" in opened.page.inner_text("#settings")
    assert opened.dialogs == []
    assert opened.page.evaluate("document.querySelectorAll('img, b').length") == 0
    assert opened.errors() == []
    assert opened.requests == [opened.url]
    opened.page.close()


def test_huge_numbers_are_written_in_powers_of_ten_as_nneq_writes_them(browser, tmp_path):
    """A weight, a bias and losses from a million on read as `number_text` writes them (the
    command's tables and Markdown pages), not as hundreds of digits."""
    model = nneq.train(nneq.Config(dataset="xor", shape=(2,), seed="huge"), epochs=2)
    first = model.layers[0]
    weights, biases = first.weights.copy(), first.biases.copy()
    weights[0, 0], biases[1] = -2.5e7, 3.25e150
    huge = dataclasses.replace(first, weights=weights, biases=biases)
    model = dataclasses.replace(model, layers=(huge, *model.layers[1:]),
                                loss_train=model.loss_train * 1e9, loss_test=model.loss_test * 1e21)
    write_page(model, tmp_path / "huge.html", PageOptions(title="huge"))
    opened = Opened(browser, tmp_path / "huge.html")
    opened.page.hover("#link-x1-h11")
    assert _ascii(opened.page.inner_text("#info .term")).endswith(f"w = {number_text(-2.5e7)}")
    opened.page.focus("#unit-h12")
    assert _ascii(opened.page.inner_text("#info .bias")) == f"bias b12 = {number_text(3.25e150)}"
    loss = opened.page.inner_text("#loss-now")
    assert (f"training loss {number_text(model.loss_train[-1])}, "
            f"test loss {number_text(model.loss_test[-1])}") in loss
    assert "e+" in loss and opened.errors() == []
    opened.page.close()


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_screenshot_has_the_playground_colours(opened, post):
    model = nneq.load(post / "post.json")
    # The heatmap alone (the data drawn over it hidden): the circle's centre blue, corners orange.
    opened.page.evaluate("document.querySelector('svg.points').style.visibility = 'hidden'")
    shot = _pixels(opened.page.locator("#output-heatmap").screenshot())
    opened.page.evaluate("document.querySelector('svg.points').style.visibility = ''")
    height, width, _ = shot.shape
    for fx, fy in ((0.5, 0.5), (0.03, 0.03), (0.97, 0.97), (0.97, 0.03)):
        x1, x2 = -6 + 12 * fx, 6 - 12 * fy
        expected = np.round(255 * heatmap_colours(model.predict(np.array([[x1, x2]])))[0])
        pixel = shot[int(fy * height), int(fx * width)]
        assert np.abs(pixel - expected).max() <= 4, (fx, fy, pixel, expected)
    centre, corner = shot[height // 2, width // 2], shot[2, 2]
    blue, orange = 255 * (1 - (160 / 255) * (1 - rgb(BLUE))), 255 * (1 - (160 / 255) * (1 - rgb(ORANGE)))
    assert np.abs(centre - blue).max() <= 6 and np.abs(corner - orange).max() <= 6
    # The strongest link is drawn in the Playground's blue or orange at its full strength.
    weight = float(model.layers[2].weights[0, 0])
    stroke = opened.page.get_attribute("#link-h21-o1 .line", "stroke")
    assert stroke == "rgb({},{},{})".format(*np.round(255 * colour_scale(weight)).astype(int))
    page = _pixels(opened.page.screenshot(full_page=True))
    flat = page.reshape(-1, 3)
    for colour in (BLUE, ORANGE):  # the links' own colours (|w| >= 1) are in the picture
        near = np.abs(flat - np.round(255 * rgb(colour))).max(axis=1) <= 8
        assert near.sum() > 200


def test_phone_width_has_no_sideways_scroll(browser, post):
    opened = Opened(browser, post / "post.html", width=375)
    assert opened.page.evaluate("document.documentElement.scrollWidth") <= 375
    box = opened.page.locator("#output-heatmap").bounding_box()
    assert box["width"] >= 300  # the heatmap takes the screen's width
    opened.page.close()


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_the_page_computes_what_nneq_computes_for_every_feature_and_activation(browser, tmp_path,
                                                                                activation):
    features = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)", "sin(x2)")
    dataset = "reg-gauss" if activation == "linear" else "spiral"
    config = nneq.Config(dataset=dataset, features=features, shape=(5, 3), activation=activation,
                         seed="all", learning_rate=0.01)
    model = nneq.train(config, epochs=20, snapshots=2)
    write_page(model, tmp_path / "m.html")
    opened = Opened(browser, tmp_path / "m.html")
    points = np.random.default_rng(1).uniform(-6, 6, (50, 2))
    for index, snap in enumerate(model.snapshots):
        opened.page.evaluate(f"window.nneq.setState({index})")
        got = np.array(opened.page.evaluate(f"window.nneq.outputAt({json.dumps(points.tolist())})"))
        np.testing.assert_allclose(got, model.at_epoch(snap.epoch).predict(points), rtol=0, atol=1e-12)
    assert opened.errors() == []
    opened.page.close()
