"""The model file: the contract every later step reads.

The file is JSON: {"format": "nneq-model", "version": 2, "config", "features", "layers",
"history", "epochs", "diverged", "snapshots", "engine"}; layers use the reference layout (weights[i][j]
from unit i below to unit j, biases[j], dead[i][j]); history holds the losses by epoch, 0
before training; snapshots is a list of {"epoch", "layers"} in increasing epoch order (empty
when none were kept); engine names the engine that trained it ("numpy" or "compiled"; files
written before it was recorded lack it). Version 1 files, written before snapshots existed,
have no snapshots key and still load.
A long run keeps its history at a stride s (see nneq.playground.history): history then has
"stride": s, and its entries are the losses after epochs 0, s, 2s, … and after the last epoch.
"""

from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING

from nneq.errors import ConfigError, ModelFileError
from nneq.playground.config import Config
from nneq.playground.errors import shown
from nneq.storage.files import MAX_MODEL_BYTES, read_text, write_text

if TYPE_CHECKING:  # loaded where arrays are built, so that reading a config needs no numpy
    import numpy as np

    from nneq.playground.model import EpochSnapshot, Model
    from nneq.playground.network import Layer

FORMAT = "nneq-model"
VERSION = 2
ENGINES = ("numpy", "compiled")  # the engine that trained the model, an optional key


def _layers_json(layers: tuple[Layer, ...]) -> list[dict[str, object]]:
    return [{"weights": la.weights.tolist(), "biases": la.biases.tolist(), "dead": la.dead.tolist()}
            for la in layers]


def to_dict(model: Model) -> dict[str, object]:
    """The model file's content, as a JSON-ready dict."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": model.config.to_dict(),
        "features": list(model.config.features),
        "layers": _layers_json(model.layers),
        "history": {"loss_train": model.loss_train.tolist(),
                    "loss_test": model.loss_test.tolist(),
                    **({"stride": model.loss_stride} if model.loss_epochs is not None else {})},
        "epochs": model.epochs,
        "diverged": model.diverged,
        "diverged_at": model.diverged_at,
        "snapshots": [{"epoch": snap.epoch, "layers": _layers_json(snap.layers)}
                      for snap in model.snapshots or ()],
        **({"engine": model.engine} if model.engine is not None else {}),
    }


def to_json(model: Model) -> str:
    """The model file's text: `to_dict` as indented JSON (as every `to_json` in nneq, text)."""
    return json.dumps(to_dict(model), indent=1)


def save(model: Model, path: str | os.PathLike[str]) -> None:
    """Write the model file atomically."""
    write_text(path, to_json(model) + "\n")


def _fail(path: object, why: str) -> ModelFileError:
    return ModelFileError(f"{path}: {why}")


def _finite(value: int | float) -> bool:
    """Whether a number read from JSON is a finite double (10**309 is an int that is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _matrix(value: object, shape: tuple[int, ...], *, path: object, what: str,
            kind: type = float) -> np.ndarray:
    import numpy as np

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
                              or not _finite(item)):
            raise _fail(path, f"{what} should hold finite numbers")
    return array.astype(np.float64 if kind is float else bool)


def _read_layers(layers_data: object, config: Config, *, path: object, where: str
                 ) -> tuple[Layer, ...]:
    sizes = config.layer_sizes
    if not isinstance(layers_data, list) or len(layers_data) != len(sizes) - 1:
        raise _fail(path, f"{where} should be a list of {len(sizes) - 1} layers")
    from nneq.playground.network import Layer

    layers = []
    for k, (entry, n_in, n_out) in enumerate(zip(layers_data, sizes, sizes[1:], strict=False)):
        if not isinstance(entry, dict):
            raise _fail(path, f"{where}[{k}] should be an object")
        at = f"{where}[{k}]"
        layers.append(Layer(
            _matrix(entry.get("weights"), (n_in, n_out), path=path, what=f"{at}.weights"),
            _matrix(entry.get("biases"), (n_out,), path=path, what=f"{at}.biases"),
            _matrix(entry.get("dead"), (n_in, n_out), path=path, what=f"{at}.dead", kind=bool),
        ))
    return tuple(layers)


def _read_snapshots(value: object, config: Config, epochs: int, *, path: object
                    ) -> tuple[EpochSnapshot, ...] | None:
    """The snapshots: epochs strictly increasing from 0 to the file's epochs; None if there are none."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise _fail(path, "snapshots should be a list of {epoch, layers}")
    from nneq.playground.model import EpochSnapshot

    snapshots = []
    previous = -1
    for k, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise _fail(path, f"snapshots[{k}] should be an object with epoch and layers")
        epoch = entry.get("epoch")
        if (not isinstance(epoch, int) or isinstance(epoch, bool) or not previous < epoch <= epochs):
            raise _fail(path, f"snapshots[{k}].epoch should be a whole number above {previous} "
                        f"and at most {epochs}, the epochs completed")
        previous = epoch
        snapshots.append(EpochSnapshot(epoch, _read_layers(entry.get("layers"), config, path=path,
                                                           where=f"snapshots[{k}].layers")))
    return tuple(snapshots) or None


def _config(data: object, *, path: object) -> tuple[dict[str, object], Config]:
    """A model file's parsed JSON as a dict, and its config: format, version and config checked."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(path, f'not an nneq model file (no "format": "{FORMAT}")')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(path, "version should be a whole number >= 1")
    if version > VERSION:
        raise _fail(path, f"version {shown(version)} is newer than this nneq reads ({VERSION}); "
                    "upgrade nneq")
    missing = [k for k in ("config", "features", "layers", "history", "epochs", "diverged")
               if k not in data]
    if missing:
        raise _fail(path, "missing " + ", ".join(missing))
    if not isinstance(data["config"], dict):
        raise _fail(path, "config should be an object")
    try:
        config = Config.from_dict(data["config"])  # the path leads the message
    except ConfigError as err:
        raise _fail(path, f"config: {err}") from None
    if not isinstance(config.seed, str):
        raise _fail(path, "config.seed should be a string")
    return data, config


def from_dict(data: object, *, path: object = "model") -> Model:
    """A model from a model file's parsed JSON, validated field by field."""
    import numpy as np

    from nneq.playground.model import Model

    data, config = _config(data, path=path)
    if data["features"] != list(config.features):
        raise _fail(path, f"features should be {list(config.features)}, as the config says")
    layers = _read_layers(data["layers"], config, path=path, where="layers")
    epochs = data["epochs"]
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
        raise _fail(path, "epochs should be a whole number >= 0")
    history = data["history"]
    if not isinstance(history, dict):
        raise _fail(path, "history should be an object with loss_train and loss_test")
    stride = history.get("stride", 1)
    if not isinstance(stride, int) or isinstance(stride, bool) or not 1 <= stride <= max(epochs, 1):
        raise _fail(path, "history.stride should be a whole number from 1 to the epochs")
    entries = epochs // stride + 1 + (1 if epochs % stride else 0)
    for key in ("loss_train", "loss_test"):  # before any array is made for the epochs claimed
        if not isinstance(history.get(key), list) or len(history[key]) != entries:
            count = f"{entries}" if entries < 10**15 else f"the epochs claimed, {shown(epochs)}"
            raise _fail(path, f"history.{key} should be a list of one loss per recorded epoch "
                        f"({count})")
    loss_epochs = np.arange(0, epochs + 1, stride)
    if epochs % stride:
        loss_epochs = np.append(loss_epochs, epochs)
    losses = [_matrix(history.get(key), (len(loss_epochs),), path=path, what=f"history.{key}")
              for key in ("loss_train", "loss_test")]
    if not isinstance(data["diverged"], bool):
        raise _fail(path, "diverged should be true or false")
    diverged_at = data.get("diverged_at")
    if data["diverged"]:
        if not isinstance(diverged_at, int) or isinstance(diverged_at, bool):
            diverged_at = epochs + 1
    else:
        diverged_at = None
    snapshots = _read_snapshots(data.get("snapshots"), config, epochs, path=path)
    if snapshots is not None:
        # nneq keeps the final layers as the last snapshot: the page replays them, the tables
        # and accuracy read `layers`, and the two must not tell different stories.
        last = snapshots[-1]
        if last.epoch != epochs or not all(
                np.array_equal(a, b) for mine, theirs in zip(last.layers, layers, strict=True)
                for a, b in ((mine.weights, theirs.weights), (mine.biases, theirs.biases),
                             (mine.dead, theirs.dead))):
            raise _fail(path, f"the last snapshot should be the layers at epoch {epochs}, "
                        "the model's own")
    engine = data.get("engine")
    if engine is not None and engine not in ENGINES:
        raise _fail(path, f"engine should be one of {', '.join(ENGINES)}")
    return Model(config, layers, losses[0], losses[1], diverged_at, snapshots,
                 loss_epochs=loss_epochs if stride > 1 else None, engine=engine)


def _parsed(path: str | os.PathLike[str]) -> object:
    text = read_text(path, error=ModelFileError, missing="no such file (train one with: nneq train)",
                     limit=MAX_MODEL_BYTES)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _fail(path, f"not valid JSON (line {err.lineno}: {err.msg})") from None
    except RecursionError:
        raise _fail(path, "not valid JSON (nested too deeply)") from None
    except ValueError:  # an integer of more than 4300 digits: Python refuses to read it
        raise _fail(path, "not valid JSON for nneq (a number with thousands of digits)") from None
    return data


def load(path: str | os.PathLike[str]) -> Model:
    """Read and validate a model file."""
    return from_dict(_parsed(path), path=path)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read a model file's configuration only: its format, version and config are checked, its
    weights and losses are not read into arrays (so this needs no numpy)."""
    return _config(_parsed(path), path=path)[1]
