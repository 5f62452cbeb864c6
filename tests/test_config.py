"""Configurations are validated once, when made; links are read as the Playground reads them."""

from __future__ import annotations

import math

import pytest

from nneq import Config, ConfigError, parse_link, to_link
from nneq.playground.link import js_number, js_string

BAD_VALUES = [
    ("dataset", "moons", "one of circle"),
    ("activation", "softplus", "one of tanh"),
    ("features", ("x1", "cos(x1)"), "features among"),
    ("features", (), "at least one"),
    ("features", ("x1", "x"), "each feature once"),
    ("regularization", "L3", "one of none"),
    ("shape", (4, 0), "whole numbers from 1 to 100"),
    ("shape", (2.5,), "whole numbers from 1 to 100"),
    ("shape", "4,a", "whole numbers from 1 to 100"),
    ("shape", (101,), "whole numbers from 1 to 100"),
    ("shape", (2,) * 21, "at most 20 hidden layers"),
    ("learning_rate", 0, "positive finite"),
    ("learning_rate", -0.1, "positive finite"),
    ("learning_rate", math.inf, "positive finite"),
    ("learning_rate", math.nan, "positive finite"),
    ("learning_rate", "fast", "a number"),
    ("batch_size", 0, "whole number >= 1"),
    ("batch_size", 2.5, "whole number >= 1"),
    ("noise", 51, "0 to 50"),
    ("noise", -1, "0 to 50"),
    ("train_percent", 0, "1 to 99"),
    ("train_percent", 100, "1 to 99"),
    ("reg_rate", -0.001, ">= 0"),
    ("seed", 123, "printable ASCII characters"),
    ("seed", "", "printable ASCII characters"),
    ("seed", "a b", "without spaces"),
    ("seed", "a&b", "&, = or #"),
    ("seed", "x=1", "&, = or #"),
    ("seed", "é", "printable ASCII characters"),
    ("init_zero", "yes", "true or false"),
]


@pytest.mark.parametrize(("field", "value", "allowed"), BAD_VALUES)
def test_bad_value_names_setting_value_and_what_is_allowed(field, value, allowed):
    with pytest.raises(ConfigError) as caught:
        Config(**{field: value})
    message = str(caught.value)
    assert field in message
    assert allowed in message
    assert caught.value.field == field


def test_defaults_are_the_playgrounds():
    c = Config()
    assert (c.dataset, c.features, c.shape, c.activation) == ("circle", ("x1", "x2"), (4, 2), "tanh")
    assert (c.learning_rate, c.batch_size, c.regularization, c.reg_rate) == (0.03, 10, "none", 0.0)
    assert (c.noise, c.train_percent, c.init_zero, c.problem) == (0.0, 50.0, False, "classification")


def test_names_are_normalised():
    c = Config(features=("sinY", "x", "x1x2"), regularization="l2", shape="8, 4", dataset="Reg-Gauss",
               activation="ReLU")
    assert c.activation == "relu"
    assert c.features == ("x1", "x1x2", "sin(x2)")  # the Playground's input order
    assert c.regularization == "L2"
    assert c.shape == (8, 4)
    assert c.problem == "regression"
    assert Config(shape="").shape == ()


def test_from_dict_refuses_unknown_keys():
    with pytest.raises(ConfigError, match="a setting among"):
        Config.from_dict({"learning-rate": 0.1, "momentum": 0.9})
    assert Config.from_dict({"learning-rate": 0.1}).learning_rate == 0.1


def test_link_defaults_and_raw_seed():
    c = parse_link("https://playground.tensorflow.org/#seed=hello%20world&networkShape=").config
    assert c.seed == "hello%20world"  # not percent-decoded
    assert c.shape == ()  # an empty networkShape means no hidden layer
    assert c.dataset == "circle" and c.learning_rate == 0.03
    assert parse_link("#dataset=xor").config.seed is None


def test_link_rules():
    # The Playground's choices are exact and case-sensitive: it would quietly train its default
    # for a value it does not know, so nneq refuses the link and names the closest value.
    with pytest.raises(ConfigError, match=r"activation='RELU' in the link: expected one of relu, "
                       r"tanh, sigmoid, linear \(closest: relu\)"):
        parse_link("#activation=RELU&dataset=xor")
    settings = parse_link("#activation=relu&dataset=xor&noise=95&batchSize=0x10&x=false&"
                          "sinX=0&y_hide=true&seed=a=b&learningRate= 0.1 ")
    c = settings.config
    assert c.activation == "relu"
    assert c.noise == 50  # above 80 becomes 50
    assert c.batch_size == 16  # JavaScript reads hex
    assert c.features == ("sin(x1)",)  # only 'false' is false; y is hidden
    assert c.seed == "a"  # text after a second '=' is ignored
    assert c.learning_rate == 0.1
    assert parse_link("#noise=-5").config.noise == 0
    assert parse_link("#seed=x&seed=y").config.seed == "y"  # the last piece wins
    assert parse_link("#problem=regression&regDataset=reg-gauss&dataset=xor").config.dataset == "reg-gauss"


@pytest.mark.parametrize("link", [
    "not a link", "https://example.com/", "#networkShape=4,0", "#networkShape=4,a",
    "#learningRate=0", "#learningRate=abc", "#learningRate=Infinity", "#batchSize=2.5",
    "#percTrainData=0", "#regularizationRate=-1", "#x=false&y=false", "#noise=65",
])
def test_links_that_cannot_make_a_network_are_refused(link):
    with pytest.raises(ConfigError):
        parse_link(link)


def test_link_round_trip():
    c = Config(dataset="reg-gauss", features=("x1", "x2^2", "sin(x1)"), shape=(5, 3),
               activation="sigmoid", regularization="L1", reg_rate=0.003, learning_rate=1e-5,
               batch_size=7, noise=15, train_percent=70, seed="round%20trip!", init_zero=True)
    link = to_link(c)
    assert "learningRate=0.00001" in link
    assert parse_link(link).config == c


@pytest.mark.parametrize(("value", "text"), [
    (0.03, "0.03"), (1e-5, "0.00001"), (1e-7, "1e-7"), (50.0, "50"), (1e21, "1e+21"),
    (123.456, "123.456"), (0.000001, "0.000001"), (-0.25, "-0.25"), (0.0, "0"),
])
def test_numbers_are_written_as_javascript_writes_them(value, text):
    assert js_string(value) == text
    assert js_number(text) == value


def test_javascript_number_conversion():
    assert js_number(" 5 ") == 5
    assert js_number("0b101") == 5
    assert js_number("-Infinity") == -math.inf
    assert math.isnan(js_number("1_000"))  # Python would accept this, JavaScript does not
    assert math.isnan(js_number("nan"))


def test_numpy_numbers_are_taken_as_numbers():
    """A notebook's settings often come out of numpy: np.int64, np.float32, arrays."""
    import numpy as np

    config = Config(batch_size=np.int64(5), shape=np.array([4, 2]), learning_rate=np.float32(0.5),
                    noise=np.int32(5), train_percent=np.float64(60.0), reg_rate=np.float16(0.5))
    assert config == Config(batch_size=5, shape=(4, 2), learning_rate=0.5, noise=5,
                            train_percent=60, reg_rate=0.5)
    assert type(config.batch_size) is int and type(config.learning_rate) is float
    assert Config(batch_size=np.float64(7.0)).batch_size == 7
    assert Config(init_zero=np.True_).init_zero is True
    for bad in (dict(batch_size=np.float64(7.5)), dict(batch_size=np.int64(0)),
                dict(learning_rate=np.float64("nan")), dict(noise=np.bool_(True)),
                dict(init_zero=np.array([True])), dict(init_zero=1)):
        with pytest.raises(ConfigError):
            Config(**bad)


@pytest.mark.parametrize("link", [None, 5, b"#dataset=xor", ["#dataset=xor"]])
def test_a_link_that_is_not_text_is_refused_naming_it(link):
    with pytest.raises(ConfigError, match=r"^link="):
        parse_link(link)


def test_to_link_needs_a_config():
    with pytest.raises(ConfigError, match=r"^config='x'"):
        to_link("x")


def test_an_empty_network_shape_is_given_not_defaulted():
    settings = parse_link("#networkShape=&dataset=xor")
    assert settings.config.shape == ()
    assert "networkShape" in settings.given and "networkShape" not in settings.defaulted


def test_feature_names_are_read_in_any_case():
    assert Config(features="X1, xsquared ,SINY").features == ("x1", "x1^2", "sin(x2)")
    assert Config(features=["X1X2", "Sin(X1)"]).features == ("x1x2", "sin(x1)")
    with pytest.raises(ConfigError, match="each feature once"):
        Config(features="x1,X1")


def test_learning_rates_beyond_a_thousand_load_but_do_not_train(tmp_path):
    """Far beyond the Playground's rates (up to 10) a first step overflows, and whether it does
    depends on how it is rounded: such a run is refused. A model file saved with such a rate
    before the bound existed still loads."""
    import json

    import nneq

    config = Config(dataset="xor", shape=(2,), learning_rate=5000, seed="big")
    for run in (lambda: nneq.train(config, epochs=1),
                lambda: nneq.sweep(config, seeds=2, epochs=1)):
        with pytest.raises(ConfigError, match=r"^learning_rate=5000\.0: expected a positive "
                                              r"number up to 1000 to train with"):
            run()
    path = tmp_path / "m.json"
    nneq.save(nneq.train(Config(dataset="xor", shape=(2,), seed="big"), epochs=1), path)
    data = json.loads(path.read_text())
    data["config"]["learning_rate"] = 5000.0
    path.write_text(json.dumps(data))
    assert nneq.load(path).config.learning_rate == 5000.0
