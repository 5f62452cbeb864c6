"""Predicted sign tables, read the way people write them by hand in the post's format.

A table has a heading row naming its layer, `| First Hidden Layer | Equation |` … `| Output
Layer | Equation |`, an optional alignment row, then one row per unit: `| h11 | x1w1 - x2w2 |`.
Around the tables any text is ignored. Within a row, spaces do not matter, the first term's
`+` may be left out, minus is `-` or `−`, a term is its source with or without its weight
(`x1w1`, `w1x1`, `sin(x1)w1`, `x1`, `h11w11`, `h11`), a bias (`b11`) is skipped since only
links are compared, `0` stands for a unit with no links, and
unit names may leave out the layer digit (`h1` under a First Hidden Layer heading is `h11`).
Names other than the inputs' own (the post's `x3` for `x1x2`) come from aliases.

However a unit is written (`h110`, `h1_10`), it is then named as `nneq equations` names it, by
the size of its layer: `h11` … `h19`, or `h1_1` … `h1_10` in a layer of ten units or more. A
layer holds at most MAX_UNITS units, as a network's does; a unit beyond is refused with its line.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from nneq.errors import ConfigError, TableError
from nneq.explain.equations import ORDINALS, LayerEquations, layer_title, unit_name
from nneq.explain.formula import Formula, read_logic_section
from nneq.playground.config import MAX_UNITS
from nneq.playground.features import FEATURE_BY_LOWER, FEATURES, feature_named
from nneq.storage.files import read_text


@dataclass(frozen=True)
class PredictedTerm:
    """One predicted link: its source (an input's name or a unit's), sign and text as written."""

    source: str
    sign: int
    text: str


@dataclass(frozen=True)
class PredictedUnit:
    """One row of a table: the unit, its layer and position (from 1), its terms and its line."""

    name: str
    layer: int
    index: int
    terms: tuple[PredictedTerm, ...]
    line: int

    def sign(self, source: str) -> int:
        """The predicted sign of the link from `source`, 0 when the unit does not name it."""
        return next((t.sign for t in self.terms if t.source == source), 0)


@dataclass(frozen=True)
class PredictedLayer:
    """The predicted units of one layer, under its heading."""

    title: str
    layer: int
    output: bool
    units: tuple[PredictedUnit, ...]


@dataclass(frozen=True)
class Prediction:
    """Every predicted layer in order, the output last; `depth` hidden layers feed the output."""

    layers: tuple[PredictedLayer, ...]
    depth: int
    source: str = ""
    aliases: tuple[tuple[str, str], ...] = ()  # (name, input) pairs the tables were read with
    logic: tuple[Formula, ...] = ()  # the formulas under a 'Logic' heading

    def layer(self, number: int) -> PredictedLayer | None:
        """The predicted layer with that number (1 for the first hidden layer), if any."""
        return next((la for la in self.layers if la.layer == number), None)

    @property
    def signed(self) -> bool:
        """Whether any unit is given a link, with its sign (not every unit `0`)."""
        return any(unit.terms for layer in self.layers for unit in layer.units)


# --- names ---------------------------------------------------------------------------------

_WORDS = {word.lower(): n for n, word in enumerate(ORDINALS, start=1)}
_HEADINGS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], int]], ...] = (
    (re.compile(r"^(" + "|".join(_WORDS) + r")\s+hidden\s+layer$"), lambda m: _WORDS[m.group(1)]),
    (re.compile(r"^([0-9]{1,9})(?:st|nd|rd|th)?\s+hidden\s+layer$"), lambda m: int(m.group(1))),
    (re.compile(r"^hidden\s+layer\s+([0-9]{1,9})$"), lambda m: int(m.group(1))),
    (re.compile(r"^output(?:\s+layer)?$"), lambda m: OUTPUT),
)
# Headings of a plain table that names no layer; other headings with "layer" in them are typos.
_PLAIN_HEADINGS = {"", "unit", "units", "neuron", "neurons", "node", "nodes", "name", "layer",
                   "layers", "equation", "equations"}
OUTPUT = 0  # the layer key of output units while the depth is not yet known

_UNIT_NAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^h([0-9]{1,9})_([0-9]{1,9})$", re.I), "explicit"),
    (re.compile(r"^h([0-9])([0-9]{1,9})$", re.I), "explicit"),
    (re.compile(r"^h([0-9])$", re.I), "bare"),
    (re.compile(r"^o([0-9]{0,9})$", re.I), "output"),
)
_SIGNS = {"+": 1, "-": -1, "−": -1, "–": -1}
_WEIGHT = r"w[0-9]{1,9}(?:_[0-9]{1,9})?"
_BIAS = re.compile(r"bo?[0-9]{1,9}(?:_[0-9]{1,9})?", re.I)  # a unit's bias (b11, bo1): not a link, skipped
_TIMES = r"\s*[*·×]?\s*"
MESSAGE_CHARS = 60  # user text quoted in a message is cut to this length


def _cut(text: str) -> str:
    """User text for a one-line message: cut when long."""
    return text if len(text) <= MESSAGE_CHARS else f"{text[:MESSAGE_CHARS - 1]}…"


_TOKEN = re.compile(r"[^\s+\-−–]+")  # one word of an equation, for messages
# Unit, layer and weight numbers are ASCII digits, at most nine of them: a longer number names
# no unit a network can have, and is refused as an unknown name.
_ALIAS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_^²()*]*$")
_WRAPPERS = ("**", "__", "*", "_", "`", "$")


def heading_layer(text: str) -> int | None:
    """The layer a heading names: 1, 2, … for hidden layers, OUTPUT for the output, else None."""
    words = " ".join(_clean(text).lower().split())
    for pattern, layer in _HEADINGS:
        match = pattern.match(words)
        if match:
            return layer(match)
    return None


def _clean(cell: str) -> str:
    """A cell without surrounding spaces and emphasis or code marks."""
    text = cell.strip()
    changed = True
    while changed:
        changed = False
        for mark in _WRAPPERS:
            if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
                text, changed = text[len(mark):-len(mark)].strip(), True
    return text


@dataclass(frozen=True)
class _Ref:
    """A unit as written: its layer (None when left out, OUTPUT for outputs) and index."""

    layer: int | None
    index: int
    text: str


@functools.lru_cache(maxsize=4096)
def _parse_ref(text: str) -> _Ref | None:
    for pattern, kind in _UNIT_NAMES:
        match = pattern.match(text)
        if match:
            if kind == "output":
                return _Ref(OUTPUT, int(match.group(1) or 1), text)
            if kind == "bare":
                return _Ref(None, int(match.group(1)), text)
            return _Ref(int(match.group(1)), int(match.group(2)), text)
    return None


def parse_aliases(items: Iterable[str]) -> dict[str, str]:
    """Aliases such as 'x3=x1x2' → {'x3': 'x1x2'}: another name for an input feature."""
    aliases: dict[str, str] = {}
    for item in items:
        name, sep, target = (part.strip() for part in str(item).partition("="))
        feature = feature_named(target)
        if not sep or not _ALIAS_NAME.match(name) or feature is None:
            raise ConfigError("alias", item, "NAME=FEATURE such as x3=x1x2, with FEATURE among "
                              + ", ".join(FEATURES))
        if name.lower() in FEATURE_BY_LOWER or re.fullmatch(_WEIGHT, name, re.I) or _parse_ref(name):
            raise ConfigError("alias", item, "a name that is not already an input, unit or weight")
        # One name per feature and one feature per name: equations show each input by its name.
        same = next((n for n in aliases if n.lower() == name.lower()), None)
        if same is not None and aliases[same] != feature:
            raise ConfigError("alias", item, f"one input per name ({same} is already "
                              f"{aliases[same]})")
        other = next((n for n, f in aliases.items() if f == feature and n.lower() != name.lower()),
                     None)
        if other is not None:
            raise ConfigError("alias", item, f"one name per input ({feature} is already {other})")
        aliases[same or name] = feature
    return aliases


# --- equations -----------------------------------------------------------------------------


def _source_pattern(spellings: Iterable[str]) -> str:
    """One alternative per spelling, longest first, spaces allowed around brackets."""
    parts = []
    for spelling in sorted(set(spellings), key=lambda s: (-len(s), s)):
        parts.append(re.escape(spelling).replace(r"\(", r"\s*\(\s*").replace(r"\)", r"\s*\)"))
    return "|".join([*parts, r"h[0-9]{1,9}(?:_[0-9]{1,9})?", r"o[0-9]{0,9}"])


class _Reader:
    """Reads equations with one set of aliases; remembers the names for error messages."""

    def __init__(self, aliases: Mapping[str, str], source: str) -> None:
        self.aliases = dict(aliases)
        self.names = dict(FEATURE_BY_LOWER)
        self.names.update({name.lower(): feature for name, feature in aliases.items()})
        self.source = source
        sources = _source_pattern(self.names)
        self.term = re.compile(
            rf"(?:(?P<before>{_WEIGHT}){_TIMES})?(?P<source>{sources})(?:{_TIMES}(?P<after>{_WEIGHT}))?",
            re.I)

    def error(self, line: int, message: str) -> TableError:
        return TableError(line, message, source=self.source)

    def equation(self, text: str, line: int) -> list[tuple[int, str, str]]:
        """An equation's terms as (sign, source as written, term as written)."""
        text = text.strip()
        if text.startswith("="):
            text = text[1:].strip()
        if text in ("0", "0.0"):
            return []
        if not text:
            raise self.error(line, "expected an equation such as '+ x1w1 - x2w2', or 0 for a unit "
                             "with no links; the cell is empty")
        terms: list[tuple[int, str, str]] = []
        sign: int | None = None
        seen_bias = False
        at = 0
        while at < len(text):
            if text[at].isspace():
                at += 1
                continue
            if text[at] in _SIGNS:
                if sign is not None:
                    raise self.error(line, f"expected a term after '{text[at - 1]}', found another "
                                     f"sign in '{_cut(text)}'")
                sign = _SIGNS[text[at]]
                at += 1
                continue
            token = _TOKEN.match(text, at)
            word = token.group(0) if token else text[at:]
            if (terms or seen_bias) and sign is None:
                raise self.error(line, f"expected + or - before '{_cut(word)}' in '{_cut(text)}'")
            bias = _BIAS.match(text, at)
            if bias and (bias.end() == len(text) or text[bias.end()].isspace()
                         or text[bias.end()] in _SIGNS):
                seen_bias, sign, at = True, None, bias.end()
                continue
            match = self.term.match(text, at)
            if not match or (match.end() < len(text) and not text[match.end()].isspace()
                             and text[match.end()] not in _SIGNS):
                raise self._unknown(word, line)
            if match.group("before") and match.group("after"):
                raise self.error(line, f"expected one weight in '{_cut(match.group(0))}', found two")
            source = re.sub(r"\s+", "", match.group("source"))
            weight = match.group("before") or match.group("after")
            terms.append((1 if sign is None else sign, source, re.sub(r"\s+", "", match.group(0))))
            self._check_weight(source, weight, line)
            sign = None
            at = match.end()
        if sign is not None:
            raise self.error(line, f"expected a term after the last sign in '{_cut(text)}'")
        if not terms and not seen_bias:
            raise self.error(line, f"expected terms such as 'x1w1 - x2w2' or 0, found '{_cut(text)}'")
        return terms

    def _unknown(self, word: str, line: int) -> TableError:
        name = word.split("w")[0]
        hint, unknown = "", None
        if re.fullmatch(r"x[0-9]+", name, re.I):
            if name.lower() in self.names:  # a known input with a mistyped weight: a typo
                hint = f"; {name} is an input: a typo for {name}w1, {name}w2 …?"
            else:
                unknown = name
        message = (f"unknown term '{_cut(word)}': expected an input ({', '.join(FEATURES)}) or a hidden "
                   f"unit (h11, h21, …), with or without its weight (x1w1, w1x1, h11w11){hint}")
        return TableError(line, message, source=self.source, unknown_input=unknown)

    def _check_weight(self, source: str, weight: str | None, line: int) -> None:
        # An input's weight is numbered by its position among the enabled inputs, which a table
        # does not show, so only a hidden unit's weight can be checked: w followed by its digits.
        # A name without its layer digit (h1) is checked once its layer is known: not here.
        ref = _parse_ref(source)
        if weight is None or ref is None or ref.layer in (None, OUTPUT):
            return
        if weight[1:].replace("_", "") not in {source[1:].replace("_", ""), f"{ref.layer}{ref.index}"}:
            raise self.error(line, f"{weight} is not the weight of {source} (expected "
                             f"w{source[1:]})")

    def feature(self, source: str) -> str | None:
        """The input a source names, if it names one."""
        return self.names.get(source.lower())


# --- tables --------------------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", text)]


def _is_rule(cells: Sequence[str]) -> bool:
    return bool(cells) and all(re.fullmatch(r":?-+:?", c.replace(" ", "")) for c in cells)


@dataclass(frozen=True)
class _Row:
    """A unit row as read, before its sources are resolved against the layers."""

    line: int
    layer: int  # 1, 2, … or OUTPUT
    index: int
    name: str
    terms: tuple[tuple[int, str, str], ...]


def _table_runs(lines: Sequence[str]) -> list[list[tuple[int, str]]]:
    """Runs of table lines: from a line starting with '|' while lines hold a '|'."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("|") or (current and "|" in stripped):
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _title(layer: int | None) -> str:
    return "the output layer" if layer == OUTPUT else f"hidden layer {layer}"


def parse_tables(text: str, *, aliases: Mapping[str, str] | None = None, source: str = ""
                 ) -> Prediction:
    """Every predicted unit in `text`; anything unreadable raises TableError with its line."""
    reader = _Reader(aliases or {}, source)
    blocks = _table_runs(text.splitlines())
    if not blocks:
        raise reader.error(1, "no table found: expected rows such as '| h11 | x1w1 - x2w2 |' under "
                           "a heading such as '| First Hidden Layer | Equation |'")
    rows: list[_Row] = []
    seen: dict[tuple[int, int], int] = {}
    for block in blocks:
        rows += _block_rows(reader, block, seen)
    return replace(_assemble(reader, rows), logic=read_logic_section(text, source=source))


def _block_rows(reader: _Reader, block: list[tuple[int, str]], seen: dict[tuple[int, int], int]
                ) -> list[_Row]:
    """The unit rows of one table, each unit checked against those `seen` so far (and added)."""
    table = [(n, _cells(line)) for n, line in block]
    width = len(table[0][1])
    context: int | None = None
    body = table
    if len(table) > 1 and _is_rule(table[1][1]):
        # A heading row: it names the layer, or is a plain '| Unit | Equation |'. A first row
        # that is itself a unit, followed by a rule, is read as a unit.
        head = _clean(table[0][1][0])
        context = heading_layer(head)
        if context is None and "layer" in head.lower() and head.lower() not in _PLAIN_HEADINGS:
            raise reader.error(table[0][0], f"unknown heading '{_cut(head)}': expected one such as "
                               "'First Hidden Layer', 'Second Hidden Layer' or 'Output Layer'")
        if context is not None or _parse_ref(head) is None:
            body = table[2:]
    rows = []
    for number, cells in body:
        if _is_rule(cells):
            continue
        if len(cells) != width or width < 2:
            raise reader.error(number, f"expected {max(width, 2)} cells ('| unit | equation |'), "
                               f"found {len(cells)}")
        name = _clean(cells[0]).rstrip(":=").strip()
        layer = heading_layer(name)
        if layer is not None:
            context = layer
            continue
        ref = _parse_ref(name)
        if ref is None:
            raise reader.error(number, f"expected a unit name such as h11, h21 or o1, or a "
                               f"layer heading, found '{_cut(name)}'")
        layer = _unit_layer(reader, ref, context, number)
        key = (layer, ref.index)
        _check_index(reader, ref, name, number)
        if key in seen:
            raise reader.error(number, f"{name} is given twice (first on line {seen[key]})")
        seen[key] = number
        terms = reader.equation(_clean(cells[1]), number)
        rows.append(_Row(number, layer, ref.index, name, tuple(terms)))
    if not rows:
        raise reader.error(block[0][0], "a table with no unit rows: expected rows such as "
                           "'| h11 | x1w1 - x2w2 |'")
    return rows


def _check_index(reader: _Reader, ref: _Ref, name: str, line: int) -> None:
    """A unit's position must be 1 to MAX_UNITS: larger layers than a network can have are refused."""
    if ref.index < 1:
        raise reader.error(line, f"{name}: units count from 1")
    if ref.index > MAX_UNITS:
        raise reader.error(line, f"{name}: a layer has at most {MAX_UNITS} units")


def _unit_layer(reader: _Reader, ref: _Ref, context: int | None, line: int) -> int:
    """The layer of a unit row: its own digit, or the heading's when the name leaves it out."""
    if ref.layer is None:
        if context is None or context == OUTPUT:
            raise reader.error(line, f"{ref.text}: which layer? Write h1{ref.index}, h2{ref.index}, "
                               "… or put it under a heading such as 'First Hidden Layer'")
        return context
    if context is not None and ref.layer != context:
        raise reader.error(line, f"{ref.text} belongs to {_title(ref.layer)}, but stands under "
                           f"the heading of {_title(context)}")
    if ref.layer != OUTPUT and ref.layer < 1:
        raise reader.error(line, f"{ref.text}: hidden layers count from 1")
    return ref.layer


def _depth(rows: list[_Row]) -> int:
    """The hidden layers feeding the output: the deepest hidden layer the tables mention.

    That is a unit row's layer, a source in a hidden unit's equation (one layer lower), or a
    named source of the output.
    """
    depth = 0
    for row in rows:
        if row.layer != OUTPUT:
            depth = max(depth, row.layer)  # its sources lie one layer lower
            continue
        for _, source, _ in row.terms:
            ref = _parse_ref(source)
            if ref is not None and ref.layer not in (None, OUTPUT):
                depth = max(depth, ref.layer)
    return depth


_Key = str | tuple[int, int]  # a source: an input's name, or a hidden unit's (layer, index)


def _assemble(reader: _Reader, rows: list[_Row]) -> Prediction:
    """Resolve every term's source against the layers and gather the units by layer.

    Hidden units are named as `nneq equations` names them, by the size of their layer: the
    highest position the tables give the layer, as a unit or as a source.
    """
    depth = _depth(rows)
    sizes: dict[int, int] = {}
    resolved: list[tuple[_Row, int, dict[_Key, tuple[int, str]]]] = []
    for row in rows:
        number = depth + 1 if row.layer == OUTPUT else row.layer
        if row.layer != OUTPUT:
            sizes[number] = max(sizes.get(number, 0), row.index)
        terms: dict[_Key, tuple[int, str]] = {}
        for sign, source, text in row.terms:
            key = _resolve(reader, row, source, number - 1)
            if isinstance(key, tuple):
                sizes[key[0]] = max(sizes.get(key[0], 0), key[1])
            if key in terms and terms[key][0] != sign:
                raise reader.error(row.line, f"{row.name} gives {source} both signs")
            terms.setdefault(key, (sign, text))
        resolved.append((row, number, terms))

    def name(key: _Key) -> str:
        return key if isinstance(key, str) else unit_name(key[0], key[1] - 1, sizes[key[0]],
                                                          output=False)

    units: dict[int, list[PredictedUnit]] = {}
    for row, number, terms in resolved:
        own = f"o{row.index}" if row.layer == OUTPUT else name((row.layer, row.index))
        predicted = tuple(PredictedTerm(name(key), sign, text) for key, (sign, text) in terms.items())
        units.setdefault(number, []).append(PredictedUnit(own, number, row.index, predicted, row.line))
    layers = tuple(
        PredictedLayer(layer_title(number, depth), number, number == depth + 1,
                       tuple(sorted(found, key=lambda u: u.index)))
        for number, found in sorted(units.items()))
    return Prediction(layers, depth, reader.source, tuple(reader.aliases.items()))


def _resolve(reader: _Reader, row: _Row, source: str, below: int) -> _Key:
    """A source as an input's name or a unit's (layer, index), checked to be in the layer read."""
    feature = reader.feature(source)
    reads = "the inputs" if below == 0 else f"hidden layer {below} (h{below}1, h{below}2, …)"
    if feature is not None:
        if below != 0:
            raise reader.error(row.line, f"{row.name} reads {reads}, not the input {source}")
        return feature
    ref = _parse_ref(source)
    if ref is None or ref.layer == OUTPUT:
        raise reader.error(row.line, f"{source} is an output; an equation reads {reads}")
    if below == 0:
        raise reader.error(row.line, f"{row.name} reads the inputs, not the unit {source}")
    layer = below if ref.layer is None else ref.layer
    if layer != below:
        raise reader.error(row.line, f"{row.name} reads {reads}, not {source}")
    _check_index(reader, ref, source, row.line)
    return layer, ref.index


def read_tables(path: str | os.PathLike[str], *, aliases: Mapping[str, str] | None = None
                ) -> Prediction:
    """Read predicted tables from a Markdown file."""
    text = read_text(path)
    return parse_tables(text, aliases=aliases, source=str(path))


@functools.lru_cache(maxsize=1 << 16)  # a comparison asks for the same names many times over
def unit_position(name: str) -> tuple[int, int] | None:
    """(layer, index) of a hidden unit named in full (h11, h1_10), else None."""
    ref = _parse_ref(name)
    return None if ref is None or ref.layer in (None, OUTPUT) else (ref.layer, ref.index)


def from_equations(layers: Sequence[LayerEquations], *, source: str = "") -> Prediction:
    """A learnt network's equations as a prediction: its kept links with their signs, same names."""
    hidden = len(layers) - 1
    result = []
    for number, layer in enumerate(layers, start=1):
        units = tuple(
            PredictedUnit(unit.name, number, index,
                          tuple(PredictedTerm(t.source, t.sign, t.source + t.weight) for t in unit.kept),
                          0)
            for index, unit in enumerate(layer.units, start=1))
        result.append(PredictedLayer(layer.title, number, number == hidden + 1, units))
    return Prediction(tuple(result), hidden, source)
