"""Playground links: the URL hash read into a Config, and a Config written back as a link.

Reading follows the Playground's own rules (docs/playground.md §2): defaults for keys not
given, exact choice values, JavaScript number conversion, the noise clamp, hidden features
and the raw seed string. Values that cannot make a network are refused with ConfigError.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nneq.playground.config import MAX_LAYERS, NOISE_MAX, Config, is_whole
from nneq.playground.errors import ConfigError
from nneq.playground.features import FEATURES

PLAYGROUND = "https://playground.tensorflow.org/"

_CHOICES = {
    "activation": ("tanh", ("relu", "tanh", "sigmoid", "linear")),
    "regularization": ("none", ("none", "L1", "L2")),
    "dataset": ("circle", ("circle", "xor", "gauss", "spiral")),
    "regDataset": ("reg-plane", ("reg-plane", "reg-gauss")),
    "problem": ("classification", ("classification", "regression")),
}
_NUMBERS = {
    "batchSize": 10, "learningRate": 0.03, "regularizationRate": 0, "noise": 0, "percTrainData": 50,
}
# Links carry every key, in the order the Playground writes them.
_ORDER = (
    "activation", "regularization", "batchSize", "dataset", "regDataset", "learningRate",
    "regularizationRate", "noise", "networkShape", "seed", "showTestData", "discretize",
    "percTrainData", "x", "y", "xTimesY", "xSquared", "ySquared", "cosX", "sinX", "cosY", "sinY",
    "collectStats", "problem", "initZero", "hideText",
)
# Settings named as the link names them, for messages.
_LINK_KEYS = {"shape": "networkShape"}
_KNOWN = {*_ORDER, *(f"{key}_hide" for key in _ORDER)}
# ASCII digits only: JavaScript's Number() reads no other digits ('١٠' is NaN).
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_RADIX = re.compile(r"0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")
_INFINITIES = {"Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf}
# The white space JavaScript's Number() ignores around a number (ECMA-262 WhiteSpace and
# LineTerminator): not quite Python's str.strip(), which also strips \x1c-\x1f and \x85.
_JS_SPACE = ("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
             "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")


# The keys that set what is trained; a link the Playground writes carries them all.
SETTING_KEYS = ("activation", "regularization", "batchSize", "dataset", "regDataset", "learningRate",
                "regularizationRate", "noise", "networkShape", "seed", "percTrainData", "x", "y",
                "xTimesY", "xSquared", "ySquared", "sinX", "sinY", "problem", "initZero")


@dataclass(frozen=True)
class LinkSettings:
    """What a link says: the configuration, notes on values the Playground ignores, and which
    of the setting keys the link gives and which it leaves to the Playground's defaults (a
    link cut short, by a shell at its first '&' for instance, gives only a few)."""

    config: Config
    notes: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    defaulted: tuple[str, ...] = ()


def js_number(text: str) -> float:
    """JavaScript's Number(text): decimal, 0x/0o/0b integers, Infinity; NaN otherwise."""
    text = text.strip(_JS_SPACE)
    if not text:
        return 0.0
    if _DECIMAL.fullmatch(text):
        return float(text)  # correctly rounded; beyond the largest double it is ±inf
    if _RADIX.fullmatch(text):
        try:
            return float(int(text, 0))
        except OverflowError:  # beyond the largest double: Infinity, as in JavaScript
            return math.inf
    return _INFINITIES.get(text, math.nan)


def js_string(value: float) -> str:
    """A finite number written as JavaScript's String(value) writes it (ECMA-262 Number::toString)."""
    sign, digit_tuple, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = k + int(exponent)  # the value is 0.digits × 10**n
    minus = "-" if sign else ""
    if digits == "0":
        return "0"
    if k <= n <= 21:
        return minus + digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{minus}{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return f"{minus}0.{'0' * -n}{digits}"
    mantissa = digits[0] + (f".{digits[1:]}" if k > 1 else "")
    return f"{minus}{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"


def _pairs(link: str) -> dict[str, str | None]:
    text = link.strip()
    if "#" in text:
        text = text.split("#", 1)[1]
    elif "=" not in text:
        raise ConfigError("url", link, "a TensorFlow Playground link such as "
                          f"{PLAYGROUND}#dataset=xor&networkShape=4,2")
    pairs: dict[str, str | None] = {}
    for piece in text.split("&"):
        name, eq, rest = piece.partition("=")
        pairs[name] = rest.split("=", 1)[0] if eq else None
    if not _KNOWN & pairs.keys():
        raise ConfigError("url", link, "a link that carries Playground settings "
                          "(dataset=, networkShape=, seed= …)")
    return pairs


def parse_link(link: str) -> LinkSettings:
    """The configuration a Playground link opens, as the Playground itself would read it.

    Its `config` holds the settings; `defaulted` names the ones the link left to the
    Playground's defaults.

    >>> settings = parse_link("https://playground.tensorflow.org/#dataset=xor&networkShape=4,2&seed=0.12345")
    >>> settings.config.dataset, settings.config.shape, settings.config.seed
    ('xor', (4, 2), '0.12345')
    >>> settings.defaulted[:3]
    ('activation', 'regularization', 'batchSize')
    """
    if not isinstance(link, str):
        raise ConfigError("link", link, "a Playground link, as text")
    pairs = _pairs(link)
    notes: list[str] = []

    def given(name: str) -> str | None:
        value = pairs.get(name)
        return value if value is not None and value.strip() else None

    def choice(name: str) -> str:
        default, allowed = _CHOICES[name]
        value = given(name)
        if value is not None and value not in allowed:
            # The Playground would quietly keep its default: a typo would train something else.
            lowered = {name.lower(): name for name in allowed}
            near = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.5)
            hint = f" (closest: {lowered[near[0]]})" if near else ""
            raise refuse(name, value, "one of " + ", ".join(allowed) + hint)
        return default if value is None else value

    def number(name: str) -> float:
        value = given(name)
        return float(_NUMBERS[name]) if value is None else js_number(value)

    def flag(name: str, default: bool) -> bool:
        value = given(name)
        return default if value is None else value != "false"

    def refuse(name: str, value: object, allowed: str) -> ConfigError:
        return ConfigError(name, value, allowed, source="the link")

    problem = choice("problem")
    dataset = choice("dataset") if problem == "classification" else choice("regDataset")
    noise = number("noise")
    noise = NOISE_MAX if noise > 80 else 0.0 if noise < 0 else noise  # the page's clamp
    if not 0 <= noise <= NOISE_MAX:
        raise refuse("noise", given("noise"), f"a number from 0 to {NOISE_MAX}; the Playground "
                     "keeps 50 to 80 from a link but nneq trains what its slider allows")
    shape: tuple[int, ...] = (4, 2)
    if "networkShape" in pairs:
        raw = (pairs["networkShape"] or "").strip()
        if raw.count(",") >= MAX_LAYERS:  # refused before millions of pieces are converted
            raise refuse("networkShape", pairs["networkShape"],
                         f"at most {MAX_LAYERS} hidden layers")
        sizes = [js_number(piece) if piece.strip() else 0.0 for piece in raw.split(",")]
        if raw and not all(is_whole(s, low=1) for s in sizes):
            raise refuse("networkShape", pairs["networkShape"],
                         "hidden layer sizes that are whole numbers >= 1, such as 4,2")
        shape = tuple(int(s) for s in sizes) if raw else ()
    features = tuple(
        name for name, f in FEATURES.items()
        if flag(f.playground_id, f.playground_id in ("x", "y"))
        and pairs.get(f"{f.playground_id}_hide") != "true"
    )
    values: dict[str, tuple[str, Any]] = {  # Config checks and converts them
        "learningRate": ("learning_rate", number("learningRate")),
        "regularizationRate": ("reg_rate", number("regularizationRate")),
        "batchSize": ("batch_size", number("batchSize")),
        "percTrainData": ("train_percent", number("percTrainData")),
    }
    try:
        config = Config(
            dataset=dataset, features=features, shape=shape, activation=choice("activation"),
            regularization=choice("regularization"), noise=noise, seed=given("seed") and
            pairs["seed"], init_zero=flag("initZero", False),
            **{field: value for field, value in values.values()},
        )
    except ConfigError as err:
        key = next((k for k, (field, _) in values.items() if field == err.field),
                   _LINK_KEYS.get(err.field, err.field))
        shown = pairs.get(key) if key in pairs else err.value
        raise refuse(key, shown, err.allowed) from None
    # An empty networkShape is given too: it means no hidden layer, as in the Playground.
    given_keys = tuple(key for key in SETTING_KEYS
                       if given(key) is not None or (key == "networkShape" and key in pairs))
    defaulted = tuple(key for key in SETTING_KEYS if key not in given_keys)
    return LinkSettings(config, tuple(notes), given_keys, defaulted)


def to_link(config: Config, *, show_test: bool = False, discretize: bool = False) -> str:
    """The Playground link that opens this configuration (and, if asked, its two view options).

    >>> link = to_link(Config(dataset="xor", shape=(2,), seed="a"))
    >>> link[:64]
    'https://playground.tensorflow.org/#activation=tanh&regularizatio'
    >>> parse_link(link).config == Config(dataset="xor", shape=(2,), seed="a")
    True
    """
    if not isinstance(config, Config):
        raise ConfigError("config", config, "a Config")
    regression = config.problem == "regression"
    ids = {f.playground_id for name, f in FEATURES.items() if name in config.features}
    values: dict[str, str] = {
        "activation": config.activation,
        "regularization": config.regularization,
        "batchSize": js_string(config.batch_size),
        "dataset": "circle" if regression else config.dataset,
        "regDataset": config.dataset if regression else "reg-plane",
        "learningRate": js_string(config.learning_rate),
        "regularizationRate": js_string(config.reg_rate),
        "noise": js_string(config.noise),
        "networkShape": ",".join(str(n) for n in config.shape),
        "seed": config.seed or "",
        "showTestData": str(show_test).lower(),
        "discretize": str(discretize).lower(),
        "percTrainData": js_string(config.train_percent),
        "cosX": "false",
        "cosY": "false",
        "collectStats": "false",
        "problem": config.problem,
        "initZero": str(config.init_zero).lower(),
        "hideText": "false",
    }
    for f in FEATURES.values():
        values[f.playground_id] = str(f.playground_id in ids).lower()
    if config.seed is None:
        del values["seed"]
    return PLAYGROUND + "#" + "&".join(f"{key}={values[key]}" for key in _ORDER if key in values)
