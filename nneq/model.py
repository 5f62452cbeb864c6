"""A trained network and its file: the contract every later step reads.

The file is JSON: {"format": "nneq-model", "version": 1, "config", "features", "layers",
"history", "epochs", "diverged"}; layers use the reference layout (weights[i][j] from unit i
below to unit j, biases[j], dead[i][j]); history holds the losses by epoch, 0 before training.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass

import numpy as np

from nneq.config import Config
from nneq.datasets import Points
from nneq.errors import ConfigError, ModelFileError
from nneq.features import feature_matrix
from nneq.files import read_text, write_text
from nneq.network import Layer, forward, make_data
from nneq.rng import SeedRandom

FORMAT = "nneq-model"
VERSION = 1


@dataclass(frozen=True)
class Model:
    """A network trained from `config`: its layers, its loss history and how training ended."""

    config: Config
    layers: tuple[Layer, ...]
    loss_train: np.ndarray
    loss_test: np.ndarray
    diverged_at: int | None = None

    @property
    def epochs(self) -> int:
        """Epochs completed with finite numbers."""
        return len(self.loss_train) - 1

    @property
    def diverged(self) -> bool:
        """Whether training stopped because a loss or parameter stopped being finite."""
        return self.diverged_at is not None

    def unit_outputs(self, points: np.ndarray) -> list[np.ndarray]:
        """Every layer's unit outputs at `points` (N, 2): one (N, units) array per layer."""
        xy = np.asarray(points, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"points should have shape (N, 2): one (x1, x2) per row, not {xy.shape}")
        inputs = feature_matrix(self.config.features, xy[:, 0], xy[:, 1])
        with np.errstate(all="ignore"):
            return forward([la.weights for la in self.layers], [la.biases for la in self.layers],
                           inputs, hidden=self.config.activation, problem=self.config.problem)

    def predict(self, points: np.ndarray) -> np.ndarray:
        """The network's output at each point (x1, x2) of `points` (N, 2)."""
        return self.unit_outputs(points)[-1][:, 0]

    def data(self) -> tuple[Points, Points]:
        """The training and test points this model was trained on, regenerated from its seed."""
        return make_data(self.config, SeedRandom(str(self.config.seed)))

    def accuracy(self, points: Points) -> float:
        """Share of points whose output has the label's sign (classification)."""
        out = self.predict(np.column_stack([points.x, points.y]))
        return float(np.mean(np.where(out >= 0, 1.0, -1.0) == points.label))

    def to_json(self) -> dict[str, object]:
        """The model file's content."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "config": self.config.to_dict(),
            "features": list(self.config.features),
            "layers": [
                {"weights": la.weights.tolist(), "biases": la.biases.tolist(),
                 "dead": la.dead.tolist()}
                for la in self.layers
            ],
            "history": {"loss_train": self.loss_train.tolist(),
                        "loss_test": self.loss_test.tolist()},
            "epochs": self.epochs,
            "diverged": self.diverged,
            "diverged_at": self.diverged_at,
        }


def save(model: Model, path: str | os.PathLike[str]) -> None:
    """Write the model file atomically."""
    write_text(path, json.dumps(model.to_json(), indent=1) + "\n")


def _fail(path: object, why: str) -> ModelFileError:
    return ModelFileError(f"{path}: {why}")


def _matrix(value: object, shape: tuple[int, ...], *, path: object, what: str,
            kind: type = float) -> np.ndarray:
    try:
        array = np.array(value, dtype=object)
    except ValueError:
        array = None
    if array is None or array.shape != shape:
        raise _fail(path, f"{what} should be a list of shape {list(shape)}")
    for item in array.ravel():
        if kind is bool and not isinstance(item, bool):
            raise _fail(path, f"{what} should hold true or false")
        if kind is float and (isinstance(item, bool) or not isinstance(item, int | float)
                              or not math.isfinite(item)):
            raise _fail(path, f"{what} should hold finite numbers")
    return array.astype(np.float64 if kind is float else bool)


def from_json(data: object, *, path: object = "model") -> Model:
    """A model from a model file's parsed JSON, validated field by field."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(path, f'not an nneq model file (no "format": "{FORMAT}")')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(path, "version should be a whole number >= 1")
    if version > VERSION:
        raise _fail(path, f"version {version} is newer than this nneq reads ({VERSION}); "
                    "upgrade nneq")
    missing = [k for k in ("config", "features", "layers", "history", "epochs", "diverged")
               if k not in data]
    if missing:
        raise _fail(path, "missing " + ", ".join(missing))
    if not isinstance(data["config"], dict):
        raise _fail(path, "config should be an object")
    try:
        config = Config.from_dict(data["config"], source=str(path))
    except ConfigError as err:
        raise _fail(path, f"config: {err}") from None
    if not isinstance(config.seed, str):
        raise _fail(path, "config.seed should be a string")
    if data["features"] != list(config.features):
        raise _fail(path, f"features should be {list(config.features)}, as the config says")
    sizes = config.layer_sizes
    layers_data = data["layers"]
    if not isinstance(layers_data, list) or len(layers_data) != len(sizes) - 1:
        raise _fail(path, f"layers should be a list of {len(sizes) - 1} layers")
    layers = []
    for k, (entry, n_in, n_out) in enumerate(zip(layers_data, sizes, sizes[1:], strict=False)):
        if not isinstance(entry, dict):
            raise _fail(path, f"layers[{k}] should be an object")
        where = f"layers[{k}]"
        layers.append(Layer(
            _matrix(entry.get("weights"), (n_in, n_out), path=path, what=f"{where}.weights"),
            _matrix(entry.get("biases"), (n_out,), path=path, what=f"{where}.biases"),
            _matrix(entry.get("dead"), (n_in, n_out), path=path, what=f"{where}.dead", kind=bool),
        ))
    epochs = data["epochs"]
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
        raise _fail(path, "epochs should be a whole number >= 0")
    history = data["history"]
    if not isinstance(history, dict):
        raise _fail(path, "history should be an object with loss_train and loss_test")
    losses = [_matrix(history.get(key), (epochs + 1,), path=path, what=f"history.{key}")
              for key in ("loss_train", "loss_test")]
    if not isinstance(data["diverged"], bool):
        raise _fail(path, "diverged should be true or false")
    diverged_at = data.get("diverged_at")
    if data["diverged"]:
        if not isinstance(diverged_at, int) or isinstance(diverged_at, bool):
            diverged_at = epochs + 1
    else:
        diverged_at = None
    return Model(config, tuple(layers), losses[0], losses[1], diverged_at)


def load(path: str | os.PathLike[str]) -> Model:
    """Read and validate a model file."""
    text = read_text(path, error=ModelFileError, missing="no such file (train one with: nneq train)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _fail(path, f"not valid JSON (line {err.lineno}: {err.msg})") from None
    except RecursionError:
        raise _fail(path, "not valid JSON (nested too deeply)") from None
    return from_json(data, path=path)
