"""Every parser either reads what it is given or raises nneq's own error: never another one.

One property per parser (links, run files, model files, tables), over inputs built from the
pieces that broke them before: numbers with thousands of digits, non-ASCII digits, signs,
hex, exponents and stray punctuation. The examples are few and small, to stay fast.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nneq
from nneq.comparison.tables import Prediction, parse_tables
from nneq.errors import NneqError
from nneq.playground.config import Config
from nneq.playground.link import LinkSettings, parse_link
from nneq.playground.model import Model
from nneq.storage.modelfile import from_dict, load, to_dict
from nneq.storage.runfile import read_run_file, resolve_config


def outcome(action: Callable[[], object]) -> object:
    """What `action` returns, or the NneqError it raises, whose message must be one short line.
    Any other exception fails the test."""
    try:
        return action()
    except NneqError as err:
        message = str(err)
        assert message and "\n" not in message and len(message) < 1000, message[:200]
        return err


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Digits of every kind: ASCII, Arabic-Indic, full-width, Devanagari, superscript.
DIGITS = st.sampled_from("0123456789١٠٣٢１０९२²")
NUMBER_TEXT = st.one_of(
    st.text(DIGITS, min_size=1, max_size=8),
    st.integers(min_value=300, max_value=5000).map(lambda n: "1" + "0" * n),  # thousands of digits
    st.integers(min_value=1, max_value=300).map(lambda n: "0x" + "f" * n),
    st.sampled_from(["1e309", "-1e309", "Infinity", "-Infinity", "NaN", "1.5", "-3", "", " 7 ",
                     "0b101", "0o17", "+0x10", "4,2", "1,,2", ".5e-3", "1_000"]),
)
LINK_KEYS = st.sampled_from(["batchSize", "learningRate", "regularizationRate", "noise",
                             "percTrainData", "networkShape", "seed", "dataset", "activation",
                             "regularization", "x", "xTimesY", "initZero", "problem", "sinX_hide"])


@FAST
@given(st.lists(st.tuples(LINK_KEYS, NUMBER_TEXT), min_size=1, max_size=6))
def test_a_link_parses_or_raises_nneqs_error(pairs):
    link = "#" + "&".join(f"{key}={value}" for key, value in pairs)
    assert isinstance(outcome(lambda: parse_link(link)), LinkSettings | NneqError)


RUN_KEYS = st.sampled_from(["learning-rate", "batch-size", "reg-rate", "noise", "train-percent",
                            "epochs", "shape", "seed", "dataset", "features", "snapshots"])
TOML_VALUE = st.one_of(
    NUMBER_TEXT.filter(lambda t: t.strip() != "").map(lambda t: t.strip()),
    NUMBER_TEXT.map(json.dumps),  # as a string
    st.lists(NUMBER_TEXT.map(lambda t: t.strip() or "0"), max_size=3).map(
        lambda items: "[" + ", ".join(items) + "]"),
)


def _read_run_file(text: str) -> Config:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return resolve_config(run_file=read_run_file(path))


@FAST
@given(st.lists(st.tuples(RUN_KEYS, TOML_VALUE), min_size=1, max_size=4, unique_by=lambda p: p[0]))
def test_a_run_file_parses_or_raises_nneqs_error(entries):
    text = "".join(f"{key} = {value}\n" for key, value in entries)
    assert isinstance(outcome(lambda: _read_run_file(text)), Config | NneqError)


MODEL = nneq.train(nneq.Config(dataset="xor", shape=(2,), seed="p"), epochs=2)
SAVED = json.dumps(to_dict(MODEL))
PLACES = st.sampled_from(['"epochs": 2', '"version": 2', "0.1", '"batch_size": 10',
                          '"learning_rate": 0.03', '"noise": 0.0', '"shape": [2]'])


@FAST
@given(PLACES, NUMBER_TEXT)
def test_a_model_file_parses_or_raises_nneqs_error(place, number):
    key = place.split(":")[0] + ": " if ":" in place else ""
    text = SAVED.replace(place, key + (number.strip() or "0"), 1)
    try:
        data = json.loads(text)
    except ValueError:
        data = None  # not JSON at all: load must refuse it in its own words
    if data is not None:
        assert isinstance(outcome(lambda: from_dict(data)), Model | NneqError)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        assert isinstance(outcome(lambda: load(path)), Model | NneqError)


CELL = st.one_of(
    st.sampled_from(["h11", "h12", "h1", "h2_3", "o1", "o", "x1w1", "- x2w2", "+ h11w11", "0",
                     "First Hidden Layer", "Output Layer", "Equation", "Second Hidden Layer", "",
                     "sin(x1)w5", "x3w3", "b11", "−", "w1x1", "h١١", "x1w١"]),
    NUMBER_TEXT.map(lambda n: f"h1_{n}"),
    NUMBER_TEXT.map(lambda n: f"{n}th Hidden Layer"),
    NUMBER_TEXT.map(lambda n: f"x1w{n}"),
)
ROW = st.lists(CELL, min_size=1, max_size=3).map(lambda cells: "| " + " | ".join(cells) + " |")


@FAST
@given(st.lists(st.one_of(ROW, st.just("| --- | --- |"), st.just("prose")), min_size=1, max_size=8))
def test_tables_parse_or_raise_nneqs_error(lines):
    text = "\n".join(lines)
    assert isinstance(outcome(lambda: parse_tables(text, source="p.md")), Prediction | NneqError)
