"""The picture of a model: its colours, its layout, and the pixels it draws."""

from __future__ import annotations

import numpy as np
import pytest

import nneq
from nneq.errors import ConfigError, NneqError
from nneq.picture.diagram import (
    BLUE,
    DENSITY,
    GREY,
    ORANGE,
    block_means,
    colour_scale,
    find_unit,
    grid,
    heatmaps,
    layout,
    link_width,
    rgb,
    shade,
    unit_names,
)
from nneq.picture.plot import Picture, draw, plot_format, save_plot
from nneq.playground.config import Config
from nneq.playground.model import Model
from nneq.playground.network import Layer


@pytest.fixture(scope="module")
def circle() -> Model:
    return nneq.train(nneq.Config(dataset="circle", seed="0.53049"), epochs=300)


def hand_made(weights: list[list[list[float]]], *, features: tuple[str, ...] = ("x1", "x2"),
              dead: list[np.ndarray] | None = None) -> Model:
    """A circle-data model with the given weights (source-major per layer) and zero biases."""
    shape = tuple(len(w[0]) for w in weights[:-1])
    layers = []
    for k, w in enumerate(weights):
        array = np.array(w, dtype=np.float64)
        mask = dead[k] if dead is not None else np.zeros(array.shape, dtype=bool)
        layers.append(Layer(array, np.zeros(array.shape[1]), mask))
    config = Config(dataset="circle", features=features, shape=shape, seed="0.53049")
    return Model(config, tuple(layers), np.array([0.5, 0.4]), np.array([0.5, 0.45]))


def pixels(picture: Picture) -> np.ndarray:
    """The rendered figure as an (rows, columns, 3) array of 0-255 values."""
    canvas = picture.figure.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].astype(int)


def pixel_at(picture: Picture, image: np.ndarray, ax: object, xy: tuple[float, float]) -> np.ndarray:
    """The colour drawn at data point `xy` of axes `ax` (display y counts up from the bottom)."""
    x, y = ax.transData.transform(xy)  # type: ignore[attr-defined]
    return image[int(image.shape[0] - y), int(x)]


def is_blue(colour: np.ndarray) -> bool:
    return colour[2] > colour[0] + 60


def is_orange(colour: np.ndarray) -> bool:
    return colour[0] > colour[2] + 60


# Colours and geometry


def test_colour_scale_runs_orange_grey_blue_and_clamps():
    assert np.allclose(colour_scale(-1.0), rgb(ORANGE))
    assert np.allclose(colour_scale(0.0), rgb(GREY))
    assert np.allclose(colour_scale(1.0), rgb(BLUE))
    assert np.allclose(colour_scale(-7.0), rgb(ORANGE))
    assert np.allclose(colour_scale(7.0), rgb(BLUE))
    assert np.allclose(colour_scale(0.5), (rgb(GREY) + rgb(BLUE)) / 2)


def test_shade_has_thirty_one_steps_and_discretize_keeps_the_sign():
    values = np.linspace(-1, 1, 1001)
    assert len(np.unique(shade(values), axis=0)) == 31
    two = shade(values, discretize=True)
    assert len(np.unique(two, axis=0)) == 2
    assert np.allclose(shade(0.0, discretize=True), rgb(BLUE))  # 0 counts as positive
    assert np.allclose(shade(-0.01, discretize=True), rgb(ORANGE))


def test_link_width_grows_with_magnitude_up_to_five():
    assert link_width(0.0) == pytest.approx(1 / 30)
    assert link_width(-2.5) == link_width(2.5) == pytest.approx(5.5 / 30)
    assert link_width(5.0) == link_width(50.0) == pytest.approx(10 / 30)


def test_grid_samples_pixel_centres_from_the_top_left():
    points = grid(4)
    assert points[0].tolist() == [-4.5, 4.5]
    assert points[-1].tolist() == [4.5, -4.5]
    assert block_means(np.arange(16.0).reshape(4, 4), 2).tolist() == [[2.5, 4.5], [10.5, 12.5]]


def test_unit_names_match_the_equation_tables(circle):
    assert unit_names(circle) == ["h11", "h12", "h13", "h14", "h21", "h22", "o1"]
    assert find_unit(circle, "h12") == (0, 1)
    assert find_unit(circle, "o1") == (2, 0)
    with pytest.raises(ConfigError, match="h11, h12, h13, h14, h21, h22, o1"):
        find_unit(circle, "h31")
    with pytest.raises(ConfigError):
        find_unit(circle, "x1")


def test_layout_has_every_unit_and_link(circle):
    plan = layout(circle)
    assert [n.name for n in plan.nodes] == ["x1", "x2", "h11", "h12", "h13", "h14", "h21", "h22", "o1"]
    assert len(plan.links) == 2 * 4 + 4 * 2 + 2 * 1
    link = plan.link("h13", "h22")
    assert link.weight == circle.layers[1].weights[2, 1]
    assert plan.node("h13").bias == circle.layers[0].biases[2]
    assert plan.node("x1").bias is None
    # The curve leaves the source's right side and reaches the destination's left side.
    assert link.start[0] == plan.node("h13").centre[0] + 0.5
    assert link.end[0] == plan.node("h22").centre[0] - 0.5


def test_heatmaps_are_the_models_own_outputs(circle):
    maps = heatmaps(circle)
    points = grid()
    assert np.array_equal(maps.unit(3, 0).ravel(), circle.predict(points))
    assert np.array_equal(maps.unit(1, 1).ravel(), circle.unit_outputs(points)[0][:, 1])
    assert np.array_equal(maps.unit(0, 0).ravel(), points[:, 0])  # the input x1
    assert maps.unit(1, 0).shape == (DENSITY, DENSITY)


def test_drawing_runs_the_network_once(circle, monkeypatch):
    calls = []
    original = Model.unit_outputs

    def counted(self, points):
        calls.append(len(points))
        return original(self, points)

    monkeypatch.setattr(Model, "unit_outputs", counted)
    draw(circle, unit="h21", show_test=True)
    assert calls == [DENSITY * DENSITY]


# Pixels


def test_trained_circle_is_blue_inside_and_orange_in_the_corners(circle):
    picture = draw(circle)
    image = pixels(picture)
    train, _ = circle.data()
    # Near the centre, the spot furthest from every training point, so no dot covers it.
    candidates = grid(20) / 6
    distance = np.hypot(candidates[:, None, 0] - train.x, candidates[:, None, 1] - train.y).min(axis=1)
    spot = candidates[np.argmax(distance)]
    assert is_blue(pixel_at(picture, image, picture.heatmap, tuple(spot)))
    for corner in [(-5.8, -5.8), (-5.8, 5.8), (5.8, -5.8), (5.8, 5.8)]:
        assert is_orange(pixel_at(picture, image, picture.heatmap, corner))


def test_heatmap_of_a_chosen_unit_replaces_the_output():
    # h11 = tanh(3·x1); o1 = tanh(-3·h11): h11 is blue on the right, o1 orange there.
    model = hand_made([[[3.0]], [[-3.0]]], features=("x1",))
    for unit, right, left in (("o1", is_orange, is_blue), ("h11", is_blue, is_orange),
                              ("H11", is_blue, is_orange)):  # a unit is named in any case
        picture = draw(model, unit=unit)
        image = pixels(picture)
        assert right(pixel_at(picture, image, picture.heatmap, (5.7, 0.0)))
        assert left(pixel_at(picture, image, picture.heatmap, (-5.7, 0.0)))
        assert picture.heatmap.get_title() == ("output o1" if unit == "o1" else "unit h11")


def test_heatmap_has_x2_upwards():
    picture = draw(hand_made([[[3.0]]], features=("x2",)))  # o1 = tanh(3·x2)
    image = pixels(picture)
    assert is_blue(pixel_at(picture, image, picture.heatmap, (0.0, 5.7)))
    assert is_orange(pixel_at(picture, image, picture.heatmap, (0.0, -5.7)))


def test_links_are_coloured_by_sign():
    model = hand_made([[[-4.0], [4.0]]])
    picture = draw(model)
    image = pixels(picture)
    negative = picture.layout.link("x1", "o1")
    positive = picture.layout.link("x2", "o1")
    assert negative.weight == -4.0
    assert is_orange(pixel_at(picture, image, picture.network, negative.midpoint))
    assert is_blue(pixel_at(picture, image, picture.network, positive.midpoint))


def test_a_strongly_negative_link_is_orange_among_many(circle):
    weights = [layer.weights.tolist() for layer in circle.layers]
    weights[1][2][1] = -6.0  # h13 → h22
    picture = draw(hand_made(weights))
    image = pixels(picture)
    link = picture.layout.link("h13", "h22")
    assert is_orange(pixel_at(picture, image, picture.network, link.midpoint))


def test_dead_links_are_faint():
    dead = [np.array([[True], [False]])]
    picture = draw(hand_made([[[0.0], [4.0]]], dead=dead))
    image = pixels(picture)
    link = picture.layout.link("x1", "o1")
    assert link.dead
    assert (pixel_at(picture, image, picture.network, link.midpoint) > 180).all()


def test_discretize_leaves_two_colours_in_the_heatmap(circle):
    picture = draw(circle, discretize=True)
    image = picture.heatmap.get_images()[0].get_array()
    assert len(np.unique(np.asarray(image).reshape(-1, 3), axis=0)) == 2


def test_show_test_adds_outlined_points(circle):
    without = draw(circle).heatmap.collections
    with_test = draw(circle, show_test=True).heatmap.collections
    assert len(with_test) == len(without) + 1
    assert np.allclose(with_test[-1].get_edgecolor()[0][:3], 0.0)  # black outlines


def test_untrained_and_regression_models_draw():
    model = nneq.train(Config(dataset="reg-plane", shape=(), seed="0.1"), epochs=0)
    picture = draw(model, discretize=True)
    assert picture.layout.nodes[-1].name == "o1"


# Files


@pytest.mark.parametrize(("name", "start"), [("p.svg", b"<?xml"), ("p.pdf", b"%PDF"),
                                             ("p.png", b"\x89PNG"), ("p.PNG", b"\x89PNG")])
def test_files_by_extension(circle, tmp_path, name, start):
    save_plot(circle, tmp_path / name, dpi=40)
    data = (tmp_path / name).read_bytes()
    assert data.startswith(start)
    assert len(data) > 1000
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_png_size_follows_dpi(circle, tmp_path):
    import matplotlib.image

    save_plot(circle, tmp_path / "p.png", dpi=50)
    rows, columns, _ = matplotlib.image.imread(tmp_path / "p.png").shape
    assert (columns, rows) == (13 * 50, 7 * 50)


def test_bad_extension_unit_or_dpi_writes_nothing(circle, tmp_path):
    with pytest.raises(NneqError, match=r"\.png, \.svg or \.pdf, not \.gif"):
        save_plot(circle, tmp_path / "p.gif")
    with pytest.raises(ConfigError, match="unit='h9'"):
        save_plot(circle, tmp_path / "p.png", unit="h9")
    with pytest.raises(ConfigError, match="dpi"):
        save_plot(circle, tmp_path / "p.png", dpi=0)
    assert list(tmp_path.iterdir()) == []
    assert plot_format("picture") == "png"
