"""The run configuration: every numerical setting of the Playground, validated once when made."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, TypeGuard

from nneq.playground.catalog import ACTIVATION_NAMES, DATASET_INFO, REGULARIZATIONS
from nneq.playground.errors import ConfigError
from nneq.playground.features import FEATURES, feature_named

NOISE_MAX = 50  # the Playground's slider; links may carry up to 80, see nneq.playground.link
MAX_UNITS = 100  # per hidden layer, and hidden layers at most: the Playground's own
MAX_LAYERS = 20  # controls stop at 8 and 6, so these only keep memory and time in bounds
MAX_EPOCHS = 1_000_000  # minutes for a small network; a longer run is a typo, not a wish
# The Playground offers learning rates up to 10. Far beyond, a step overflows at once, and
# where it overflows depends on how it is rounded: the Playground rounds a bias's step as
# (lr·Σ)/m and the numpy engine as (lr/m)·Σ, which can then disagree on finiteness.
MAX_LEARNING_RATE = 1000.0
_SEED = re.compile(r"[!-~]+")  # printable ASCII, no space; &, = and # are refused below
_SEED_STOPS = set("&=#")


def _flag(value: object) -> bool | None:
    """`value` as a bool if it is one, numpy's included; None otherwise."""
    if isinstance(value, bool):
        return value
    dtype = getattr(value, "dtype", None)
    if getattr(dtype, "kind", "") == "b" and getattr(value, "ndim", None) == 0:
        return bool(value)
    return None


def _positive_finite(value: float) -> bool:
    return math.isfinite(value) and value > 0


def as_finite(value: object) -> float | None:
    """`value` as a finite float; None if it is no number (a bool is none) or is not finite,
    such as nan, inf or an integer beyond the largest double (10**309)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def is_whole(value: object, *, low: int | None = None, high: int | None = None
             ) -> TypeGuard[int | float]:
    """Whether `value` is a whole number within [low, high]: an integer (numpy's too), or a
    float without a fractional part (10.0 from a link or a TOML file), never a bool or a
    string."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    whole: int | float
    if isinstance(value, Integral):
        whole = int(value)
    else:  # a float, numpy's included
        try:
            whole = float(value)
        except OverflowError:
            return False
        if not (math.isfinite(whole) and whole.is_integer()):
            return False
    return (low is None or whole >= low) and (high is None or whole <= high)


def whole_number(setting: str, value: object, *, low: int | None = None,
                 high: int | None = None, unit: str = "") -> int:
    """`value` as an int if it is a whole number within [low, high]; ConfigError naming
    `setting` otherwise. The one check of every count nneq takes (epochs, sizes, seeds …).

    >>> whole_number("epochs", 10.0, low=0)
    10
    """
    if is_whole(value, low=low, high=high):
        return int(value)
    what = f"a whole number{' of ' + unit if unit else ''}"
    if low is not None and high is not None:
        what += f" from {low} to {high}"
    elif low is not None:
        what += f" >= {low}"
    elif high is not None:
        what += f" <= {high}"
    raise ConfigError(setting, value, what)


@dataclass(frozen=True, kw_only=True)
class Config:
    """Every setting the Playground trains with. Invalid values raise ConfigError.

    Choices are matched without regard to case and sequences become tuples:

    >>> config = Config(dataset="XOR", shape=[4, 2], learning_rate=0.01)
    >>> config.dataset, config.shape, config.seed
    ('xor', (4, 2), None)
    >>> Config(noise=70)
    Traceback (most recent call last):
    ...
    nneq.playground.errors.ConfigError: noise=70: expected a number from 0 to 50 (percent)
    """

    dataset: str = "circle"
    features: tuple[str, ...] = ("x1", "x2")
    shape: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    regularization: str = "none"
    reg_rate: float = 0.0
    learning_rate: float = 0.03
    batch_size: int = 10
    noise: float = 0.0
    train_percent: float = 50.0
    seed: str | None = None
    init_zero: bool = False

    def __post_init__(self) -> None:
        def check(field: str, ok: bool, allowed: str) -> None:
            if not ok:
                raise ConfigError(field, getattr(self, field), allowed)

        def number(field: str) -> float:
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, Real):  # numpy's numbers too
                raise ConfigError(field, value, "a number")
            try:
                return float(value)
            except OverflowError:  # an integer beyond the largest double: infinite, refused below
                return -math.inf if isinstance(value, int) and value < 0 else math.inf

        for field, names in (("dataset", DATASET_INFO), ("activation", ACTIVATION_NAMES),
                             ("regularization", REGULARIZATIONS)):
            # Names are matched without regard to case: 'L1', 'l1', 'XOR' and 'xor' all work.
            name = {n.lower(): n for n in names}.get(str(getattr(self, field)).lower())
            check(field, name is not None, "one of " + ", ".join(names))
            object.__setattr__(self, field, name)
        object.__setattr__(self, "features", _canonical_features(self.features))
        object.__setattr__(self, "shape", _canonical_shape(self.shape))
        check("learning_rate", _positive_finite(number("learning_rate")),
              "a positive finite number")
        rate = number("reg_rate")
        check("reg_rate", math.isfinite(rate) and rate >= 0, "a finite number >= 0")
        batch_size = whole_number("batch_size", self.batch_size, low=1)
        noise = number("noise")
        check("noise", 0 <= noise <= NOISE_MAX, f"a number from 0 to {NOISE_MAX} (percent)")
        percent = number("train_percent")
        check("train_percent", 1 <= percent <= 99, "a number from 1 to 99 (percent)")
        check("seed", self.seed is None or (isinstance(self.seed, str) and _SEED.fullmatch(self.seed)
                                            is not None and not _SEED_STOPS & set(self.seed)),
              "printable ASCII characters without spaces, &, = or #, so that a Playground link "
              "carries it")
        flag = _flag(self.init_zero)
        check("init_zero", flag is not None, "true or false")
        object.__setattr__(self, "init_zero", flag)
        for field, value in (("learning_rate", self.learning_rate), ("reg_rate", rate),
                             ("noise", noise), ("train_percent", percent)):
            object.__setattr__(self, field, float(value))
        object.__setattr__(self, "batch_size", batch_size)

    @property
    def problem(self) -> str:
        """classification or regression, as the dataset decides."""
        return DATASET_INFO[self.dataset].problem

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Units per layer: inputs, hidden layers, one output."""
        return (len(self.features), *self.shape, 1)

    def with_seed(self) -> Config:
        """This configuration, with a fresh Playground-style seed if it has none."""
        from nneq.playground.rng import new_seed  # the generator's module loads numpy

        return self if self.seed is not None else dataclasses.replace(self, seed=new_seed())

    def to_dict(self) -> dict[str, object]:
        """Every setting as plain JSON-ready values."""
        d = dataclasses.asdict(self)
        d["features"] = list(self.features)
        d["shape"] = list(self.shape)
        return d

    @classmethod
    def from_dict(cls, values: Mapping[str, object], *, source: str = "") -> Config:
        """A configuration from settings named as in `to_dict` (dashes allowed for underscores)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        settings: dict[str, Any] = {}  # checked by __post_init__
        for key, value in values.items():
            name = key.replace("-", "_")
            if name not in fields:
                raise ConfigError(key, value, "a setting among " + ", ".join(sorted(fields)),
                                  source=source)
            settings[name] = value
        try:
            return cls(**settings)
        except ConfigError as err:
            raise ConfigError(err.field, err.value, err.allowed, source=source) from None


def _canonical_features(features: object) -> tuple[str, ...]:
    """Feature names or Playground ids → the post's names, in the Playground's input order."""
    whole = features
    if isinstance(features, str):
        features = [f for f in features.split(",") if f.strip()]
    if not isinstance(features, Iterable):
        raise ConfigError("features", features, "a list of features")
    names: list[str] = []
    for given in features:
        name = feature_named(str(given).strip())
        if name is None:
            raise ConfigError("features", given, "features among " + ", ".join(FEATURES))
        if name in names:
            raise ConfigError("features", whole, f"each feature once ({name} is given twice)")
        names.append(name)
    if not names:
        raise ConfigError("features", "", "at least one of " + ", ".join(FEATURES))
    return tuple(name for name in FEATURES if name in names)


def _canonical_shape(shape: object) -> tuple[int, ...]:
    """Hidden layer sizes from a sequence or text such as '4,2' (empty: no hidden layer)."""
    pieces = shape.split(",") if isinstance(shape, str) else shape
    if isinstance(shape, str) and not shape.strip():
        pieces = []
    if not isinstance(pieces, Iterable):
        raise ConfigError("shape", shape, "layer sizes such as 4,2")
    sizes: list[int] = []
    for piece in pieces:
        value: object = piece
        if isinstance(piece, str):
            try:
                value = float(piece)
            except ValueError:
                value = piece
        if not is_whole(value, low=1, high=MAX_UNITS):
            raise ConfigError("shape", shape if isinstance(shape, str) else list(pieces),
                              f"hidden layer sizes that are whole numbers from 1 to {MAX_UNITS}, "
                              "such as 4,2")
        sizes.append(int(value))
    if len(sizes) > MAX_LAYERS:
        raise ConfigError("shape", shape if isinstance(shape, str) else list(pieces),
                          f"at most {MAX_LAYERS} hidden layers")
    return tuple(sizes)


def check_trainable(config: Config, *, setting: str = "learning_rate", source: str = "") -> Config:
    """`config` if it can be trained: a learning rate up to MAX_LEARNING_RATE; ConfigError
    otherwise, naming `setting` (as the caller's file or flag calls it) and `source`. A model
    trained before that bound existed still loads: only training checks."""
    if config.learning_rate > MAX_LEARNING_RATE:
        raise ConfigError(setting, config.learning_rate,
                          f"a positive number up to {MAX_LEARNING_RATE:g} to train with (the "
                          "Playground offers up to 10)", source=source)
    return config


def check_epochs(epochs: object) -> int:
    """Epochs as an int: a whole number from 0 to MAX_EPOCHS; ConfigError otherwise."""
    return whole_number("epochs", epochs, low=0, high=MAX_EPOCHS)
