"""nneq: train TensorFlow Playground networks exactly, and write what they learnt as signed equations."""

from nneq.errors import ConfigError, ModelFileError, NneqError, TableError
from nneq.playground.config import Config
from nneq.playground.link import parse_link, to_link
from nneq.playground.model import Model
from nneq.playground.train import train
from nneq.storage.modelfile import load, save

__all__ = [
    "Config",
    "ConfigError",
    "Model",
    "ModelFileError",
    "NneqError",
    "TableError",
    "load",
    "parse_link",
    "save",
    "to_link",
    "train",
]
__version__ = "0.1.0"
