"""nneq: train TensorFlow Playground networks exactly, and write what they learnt as signed equations."""

from nneq.config import Config
from nneq.errors import ConfigError, ModelFileError, NneqError, TableError
from nneq.link import parse_link, to_link
from nneq.model import Model, load, save
from nneq.train import train

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
