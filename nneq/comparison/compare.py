"""A prediction checked against a learnt network, fairly: allowing for the network's symmetries.

The learnt network may list its hidden units in another order than the prediction, and an
odd unit may have learnt the flipped sign pattern together with flipped outgoing weights;
either way it computes the same function. So the learnt network is first aligned with the
prediction (`nneq.comparison.symmetry.align`), then every predicted sign is checked against the
aligned learnt sign.

Two namings meet here. Predicted units, and the learnt units they are read as, go by the
prediction's names, written as `nneq equations` writes names for a layer of that size (the
larger of the network's layer and the highest predicted position); learnt units the
prediction does not describe take names no predicted unit uses. Every result keeps the
learnt unit's own name beside that aligned name, so the two are never confused.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from nneq.comparison.chance import Chance, chance_level, check_draws
from nneq.comparison.symmetry import (
    Alignment,
    Transform,
    align,
    equation_signs,
    evaluate,
    flippable,
    transform_model,
)
from nneq.comparison.tables import (
    PredictedLayer,
    PredictedUnit,
    Prediction,
    from_equations,
    parse_tables,
    unit_position,
)
from nneq.errors import ConfigError, TableError
from nneq.explain.equations import (
    LayerEquations,
    Unit,
    equations,
    layer_title,
    network_equations,
    pattern_equations,
    unit_name,
)
from nneq.explain.formula import Expr, Formula, overlap_rule
from nneq.explain.logic import FormulaScore, Place, score_formula
from nneq.playground.config import Config
from nneq.playground.model import Model
from nneq.storage.files import MAX_MODEL_BYTES, read_text
from nneq.storage.modelfile import load

STATUSES = ("agree", "disagree", "absent", "unpredicted")


@dataclass(frozen=True)
class TermResult:
    """One link of a unit, predicted and learnt, and how the two compare."""

    source: str  # the source, by its aligned name (an input by its own)
    text: str  # the term as written in the prediction, or as the network writes it
    predicted: int  # +1 or -1; 0 when the prediction does not name the link
    learnt: int  # the aligned learnt sign; 0 when the link is absent from the network
    status: str  # one of STATUSES
    reason: str | None = None  # why absent: dead, threshold, zero, idle, no input, no unit
    value: float | None = None  # the learnt weight, signed as aligned (None when absent)

    @property
    def counted(self) -> bool:
        """Whether the term counts among the predicted signs: not when it touches an idle unit."""
        return self.predicted != 0 and self.reason != "idle"


@dataclass(frozen=True)
class UnitResult:
    """A predicted unit next to the learnt unit it is read as (None when there is none)."""

    name: str
    learnt: str | None
    flipped: bool
    terms: tuple[TermResult, ...]
    line: int = 0
    idle: bool = False  # the learnt unit has no live incoming link: left out of the counts

    def count(self, status: str) -> int:
        """How many of the unit's terms have that status."""
        return sum(1 for t in self.terms if t.status == status)

    @property
    def agree(self) -> int:
        """Predicted signs that agree."""
        return self.count("agree")

    @property
    def compared(self) -> int:
        """Predicted signs that could be compared (the link is live in the network)."""
        return self.count("agree") + self.count("disagree")

    @property
    def total(self) -> int:
        """Predicted signs counted (those on idle units left out)."""
        return 0 if self.idle else sum(1 for t in self.terms if t.counted)


@dataclass(frozen=True)
class Match:
    """One learnt unit under the alignment: the (aligned) name it is read as, its own name, flip."""

    name: str  # the aligned name, in the prediction's naming
    learnt: str  # the learnt unit's own name, as `nneq equations` writes the network
    flipped: bool
    predicted: bool  # whether the prediction gives this unit's equation


@dataclass(frozen=True)
class LayerResult:
    """A layer's predicted units, the predicted units it lacks, the learnt ones not predicted."""

    title: str
    units: tuple[UnitResult, ...]
    missing: tuple[str, ...]  # predicted units' (aligned) names
    unpredicted: tuple[Match, ...]  # learnt units whose equation the prediction does not give
    alignment: tuple[Match, ...]  # hidden layers of the network only

    def count(self, status: str) -> int:
        """How many terms of the layer's predicted units have that status."""
        return sum(u.count(status) for u in self.units)

    @property
    def agree(self) -> int:
        """Predicted signs that agree."""
        return sum(u.agree for u in self.units)

    @property
    def compared(self) -> int:
        """Predicted signs that could be compared."""
        return sum(u.compared for u in self.units)

    @property
    def total(self) -> int:
        """Predicted signs counted (those on idle units left out)."""
        return sum(u.total for u in self.units)


@dataclass(frozen=True)
class Comparison:
    """The whole comparison: layer by layer, with what was compared with what.

    `agree` of `total` predicted signs agree (absent links count as not agreeing), `agree`
    of `compared` among the links live in the network; `weighted` is the share of the
    compared links' learnt magnitude that agrees; `chance` is what random tables of the
    prediction's shape reach (None when not asked for); `shape` says how the prediction's
    layers or inputs differ from the network's; `idle` names the learnt units whose every
    incoming link is absent, left out of the counts; `learnt` is the learnt network's
    equations reordered, flipped and named as the alignment reads them.
    """

    predicted: str
    model: str
    layers: tuple[LayerResult, ...]
    symmetry: bool
    threshold: float
    relative: bool = False
    chance: Chance | None = None
    shape: tuple[str, ...] = ()
    idle: tuple[Match, ...] = ()
    learnt: tuple[LayerEquations, ...] = ()
    activation: str = ""
    aliases: tuple[tuple[str, str], ...] = ()  # the prediction's names for inputs (x3, x1x2)
    logic: tuple[FormulaScore, ...] = ()  # the prediction's formulas, scored on the data

    @property
    def total(self) -> int:
        """Predicted signs counted: every predicted link but those touching idle units."""
        return sum(la.total for la in self.layers)

    @property
    def weighted(self) -> float | None:
        """The share of the compared links' learnt magnitude whose sign agrees (None if none)."""
        terms = [t for la in self.layers for u in la.units for t in u.terms
                 if t.status in ("agree", "disagree") and t.value is not None]
        mass = sum(abs(t.value) for t in terms if t.value is not None)
        if not mass:
            return None
        return sum(abs(t.value) for t in terms if t.status == "agree" and t.value is not None) / mass

    @property
    def flipped(self) -> bool:
        """Whether the alignment reads any learnt unit flipped."""
        return any(m.flipped for la in self.layers for m in la.alignment)

    def count(self, status: str) -> int:
        """How many terms of all predicted units have that status."""
        return sum(la.count(status) for la in self.layers)

    @property
    def agree(self) -> int:
        """Predicted signs that agree with the aligned learnt network."""
        return sum(la.agree for la in self.layers)

    @property
    def compared(self) -> int:
        """Predicted signs whose link is live in the learnt network."""
        return sum(la.compared for la in self.layers)


# --- the predicted network as sign matrices ------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """The predicted units of every learnt hidden layer, and the prediction's matrices."""

    units: dict[int, list[int]]  # learnt hidden layer → predicted unit indices, listed or named
    matrices: list[np.ndarray]  # rows: the learnt inputs, or the predicted units below


def _compared_layer(prediction: Prediction, k: int, hidden: int) -> PredictedLayer | None:
    """The predicted layer whose links line up with the learnt layer of links k (0-based)."""
    if k == hidden:  # the outputs, when the prediction reads the same depth
        return prediction.layer(prediction.depth + 1) if prediction.depth == hidden else None
    return prediction.layer(k + 1) if k + 1 <= prediction.depth else None


def _plan(prediction: Prediction, layers: Sequence[LayerEquations], features: Sequence[str]) -> _Plan:
    hidden = len(layers) - 1
    units: dict[int, set[int]] = {h: set() for h in range(1, hidden + 1)}
    for stated in prediction.layers:
        for unit in stated.units:
            if not stated.output and stated.layer <= hidden:
                units[stated.layer].add(unit.index)
            for term in unit.terms:  # units named as sources are predicted units too
                position = unit_position(term.source)
                if position is not None and position[0] <= hidden:
                    units[position[0]].add(position[1])
    ordered = {h: sorted(found) for h, found in units.items()}
    matrices = []
    for k, layer in enumerate(layers):
        # Rows by source: an input by its name, a unit of the layer below by its position.
        rows: dict[str | int, int] = (
            {f: i for i, f in enumerate(features)} if k == 0
            else {idx: i for i, idx in enumerate(ordered[k])})
        cols = ordered[k + 1] if k < hidden else list(range(1, len(layer.units) + 1))
        p = np.zeros((len(rows), len(cols)), dtype=np.int8)
        predicted = _compared_layer(prediction, k, hidden)
        if predicted is not None:
            where = {idx: c for c, idx in enumerate(cols)}
            for unit in predicted.units:
                if unit.index not in where:
                    continue
                for term in unit.terms:
                    position = unit_position(term.source)
                    row = rows.get(term.source if position is None else position[1])
                    if row is not None:
                        p[row, where[unit.index]] = term.sign
        matrices.append(p)
    return _Plan(ordered, matrices)


# --- the comparison ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    """How one learnt hidden layer reads: learnt unit → (aligned index, flip), and back."""

    of_learnt: dict[int, tuple[int, int]]
    of_index: dict[int, tuple[int, int]]  # aligned (predicted) index → (learnt unit, flip)
    size: int  # for naming: the larger of the learnt units and the highest predicted index


def _readings(plan: _Plan, alignment: Alignment, layers: Sequence[LayerEquations]
              ) -> dict[int, _Reading]:
    readings = {}
    for h, indices in plan.units.items():
        aligned = alignment.layers[h - 1]
        of_index = {idx: (m, f) for idx, m, f in zip(indices, aligned.units, aligned.flips) if m >= 0}
        of_learnt = {m: (idx, f) for idx, (m, f) in of_index.items()}
        # Learnt units no predicted unit is read as take the smallest names the prediction leaves.
        taken = set(indices)
        free = (i for i in range(1, len(indices) + len(layers[h - 1].units) + 2) if i not in taken)
        for m in range(len(layers[h - 1].units)):
            if m not in of_learnt:
                of_learnt[m] = (next(free), 1)
        size = max([len(layers[h - 1].units), *indices])
        readings[h] = _Reading(of_learnt, of_index, size)
    return readings


def _aligned_name(layer: int, index: int, reading: _Reading) -> str:
    """The name of position `index` (from 1) of a hidden layer, by the aligned layer's size."""
    return unit_name(layer, index - 1, reading.size, output=False)


def _shown(name: str, readings: dict[int, _Reading]) -> str:
    """A predicted name as the comparison writes it: a hidden unit's by its aligned layer."""
    position = unit_position(name)
    if position is None or position[0] not in readings:
        return name  # an input, an output, or a unit deeper than the network
    return _aligned_name(*position, readings[position[0]])


def _learnt_term(unit: Unit, r: int, flip: int, idle: frozenset[str] = frozenset()
                 ) -> tuple[int, str | None, float | None]:
    """The aligned sign of link r into a learnt unit, or 0 with the reason it is absent."""
    term = unit.terms[r]
    if term.source in idle:  # a unit that passes on only a constant
        return 0, "idle", None
    if term.dropped is not None:  # dead, exactly zero or under the threshold
        return 0, term.dropped, None
    value = flip * term.value
    return (1 if value > 0 else -1), None, value


def _unit_result(predicted: PredictedUnit, learnt: Unit | None, flip: int, *, source_layer: int,
                 learnt_source_layer: int, features: Sequence[str],
                 readings: dict[int, _Reading], idle: frozenset[str] = frozenset()) -> UnitResult:
    """Predicted terms checked one by one, then the learnt terms the prediction leaves out."""
    name = _shown(predicted.name, readings)
    if learnt is None:
        terms = tuple(TermResult(_shown(t.source, readings), t.text, t.sign, 0, "absent", "no unit")
                      for t in predicted.terms)
        return UnitResult(name, None, False, terms, predicted.line)
    reading = readings.get(learnt_source_layer)
    results, covered = [], set()
    for t in predicted.terms:
        position = unit_position(t.source)
        r, f_source, reason = None, 1, "no unit"
        if position is None:  # an input: only the first layer reads them
            found = learnt_source_layer == 0 and t.source in features
            r = features.index(t.source) if found else None
            reason = "no input"
        elif source_layer == learnt_source_layer and reading is not None:
            r, f_source = reading.of_index.get(position[1], (None, 1))
        source = _shown(t.source, readings)
        if r is None:
            results.append(TermResult(source, t.text, t.sign, 0, "absent", reason))
            continue
        covered.add(r)
        sign, why, value = _learnt_term(learnt, r, flip * f_source, idle)
        status = "absent" if sign == 0 else "agree" if sign == t.sign else "disagree"
        results.append(TermResult(source, t.text, t.sign, sign, status, why, value))
    extras = []
    for r, term in enumerate(learnt.terms):
        if r in covered:
            continue
        if reading is None:  # the learnt unit reads the inputs
            source, f_source, order = term.source, 1, r
        else:
            order, f_source = reading.of_learnt[r]
            source = _aligned_name(learnt_source_layer, order, reading)
        sign, _, value = _learnt_term(learnt, r, flip * f_source, idle)
        if sign:
            text = source + (term.weight if reading is None else "w" + source[1:])
            extras.append((order, TermResult(source, text, 0, sign, "unpredicted", None, value)))
    results.extend(t for _, t in sorted(extras, key=lambda e: e[0]))
    return UnitResult(name, learnt.name, flip < 0, tuple(results), predicted.line,
                      learnt.name in idle)


def _alignment(plan: _Plan, layers: Sequence[LayerEquations], learnt: Sequence[np.ndarray], *,
               symmetry: bool, flips: Sequence[bool]) -> Alignment:
    """The best alignment under the network's symmetries, or with `symmetry` False the literal one."""
    if symmetry:
        return align(plan.matrices, learnt, flippable=flips)
    # Predicted unit i is learnt unit i, unflipped.
    hidden = len(layers) - 1
    literal = [
        ([i - 1 if i <= len(layers[h - 1].units) else -1 for i in plan.units[h]],
         [1] * len(plan.units[h]))
        for h in range(1, hidden + 1)]
    outputs = len(layers[-1].units)
    return evaluate(plan.matrices, learnt, [*literal, (range(outputs), [1] * outputs)])


def _layer_result(k: int, layer: LayerEquations, prediction: Prediction, *, hidden: int,
                  features: Sequence[str], readings: dict[int, _Reading],
                  idle: frozenset[str] = frozenset()) -> LayerResult:
    """The learnt layer of links k (0-based) against the predicted layer it lines up with."""
    number = k + 1
    is_output = k == hidden
    predicted = (prediction.layer(prediction.depth + 1) if is_output
                 else prediction.layer(number) if number <= prediction.depth else None)
    units, missing, matched = [], [], set()
    for unit in predicted.units if predicted else ():
        if is_output:  # the outputs never move
            m, flip = (unit.index - 1, 1) if unit.index <= len(layer.units) else (-1, 1)
        else:
            m, flip = readings[number].of_index.get(unit.index, (-1, 1))
        learnt_unit = layer.units[m] if m >= 0 else None
        result = _unit_result(unit, learnt_unit, flip,
                              source_layer=prediction.depth if is_output else k,
                              learnt_source_layer=k, features=features, readings=readings,
                              idle=idle)
        if learnt_unit is None:
            missing.append(result.name)
        matched.add(m)
        units.append(result)
    if is_output:
        matches = tuple(Match(u.name, u.name, False, False) for u in layer.units)
    else:
        reading = readings[number]
        listed = {u.index for u in predicted.units} if predicted else set()
        matches = tuple(
            Match(_aligned_name(number, idx, reading), layer.units[m].name, f < 0, idx in listed)
            for m, (idx, f) in sorted(reading.of_learnt.items(), key=lambda e: e[1][0]))
    # A learnt unit is unpredicted when no predicted row is read as it (it may still be named
    # as a source of the next layer).
    by_learnt = {match.learnt: match for match in matches}
    unpredicted = tuple(by_learnt[u.name] for m, u in enumerate(layer.units) if m not in matched)
    return LayerResult(layer.title, tuple(units), tuple(missing), unpredicted,
                       () if is_output else matches)


def compare(prediction: Prediction, model: Model, *, threshold: float = 0.0, relative: bool = False,
            symmetry: bool = True, model_source: str = "", chance: bool = True,
            draws: int | None = None, check_names: bool = True,
            formulas: Sequence[Formula] = (), rule: str | None = None) -> Comparison:
    """Check every predicted sign against the learnt network, aligned unless `symmetry` is False.

    Learnt links weaker than `threshold` (with `relative`, than that share of each unit's
    largest incoming link) count as absent. With `chance`, the result carries the chance
    level of its agreement (`nneq.comparison.chance`), `draws` fixing the number of sampled
    tables. With `check_names`, a predicted unit the network cannot have (h15 in a layer of
    four) raises TableError with its line.

    The prediction's own formulas (its 'Logic' section), `formulas`, and with `rule` (a key
    of RULES) a formula derived from each predicted unit's signs are scored on the data
    (`nneq.explain.logic.score_formula`), their unit names read through the alignment.
    """
    if rule is not None and rule not in RULES:
        raise ConfigError("rule", rule, "one of " + ", ".join(RULES))
    draws = check_draws(draws)
    if check_names:
        check_units(prediction, model.config)
    layers = equations(model, threshold=threshold, relative=relative)
    hidden = len(layers) - 1
    features = model.config.features
    idle = idle_units(layers)
    learnt_signs = _signs_without_idle(layers, idle)
    plan = _plan(prediction, layers, features)
    alignment = _alignment(plan, layers, learnt_signs, symmetry=symmetry,
                           flips=flippable(model.config))
    readings = _readings(plan, alignment, layers)
    results = [_layer_result(k, layer, prediction, hidden=hidden, features=features,
                             readings=readings, idle=idle)
               for k, layer in enumerate(layers)]
    # Predicted hidden layers deeper than the network: every unit is missing.
    for predicted in prediction.layers:
        if not predicted.output and predicted.layer > hidden:
            units = [_unit_result(u, None, 1, source_layer=0, learnt_source_layer=0,
                                  features=features, readings=readings) for u in predicted.units]
            results.insert(len(results) - 1, LayerResult(
                predicted.title, tuple(units), tuple(u.name for u in units), (), ()))
    agree = sum(la.agree for la in results)
    level = (chance_level(plan.matrices, learnt_signs, flippable=flippable(model.config),
                          observed=agree, symmetry=symmetry, draws=draws) if chance else None)
    matches = {m.learnt: m for la in results for m in la.alignment}
    scores = _score_logic(prediction, model, results, layers, [*prediction.logic, *formulas], rule)
    return Comparison(prediction.source, model_source, tuple(results), symmetry, float(threshold),
                      relative, level, shape_differences(prediction, model.config),
                      tuple(matches[name] for name in sorted(idle) if name in matches),
                      _aligned_equations(model, readings, threshold=threshold, relative=relative),
                      model.config.activation, prediction.aliases, scores)


# Rules that read a formula off a predicted unit's signed links, by name.
RULES: dict[str, Callable[[str, Sequence[tuple[str, int]]], Expr]] = {"overlap": overlap_rule}


def places(results: Sequence[LayerResult], layers: Sequence[LayerEquations]) -> dict[str, Place]:
    """Every unit by the name the comparison gives it: the learnt unit it reads, and its flip."""
    found: dict[str, Place] = {}
    for k, (result, layer) in enumerate(zip(results, layers)):
        index = {u.name: j for j, u in enumerate(layer.units)}
        if result.alignment:
            for m in result.alignment:
                found[m.name] = (k, index[m.learnt], -1 if m.flipped else 1)
        else:  # the outputs keep their places
            found.update({u.name: (k, j, 1) for j, u in enumerate(layer.units)})
    return found


def _score_logic(prediction: Prediction, model: Model, results: Sequence[LayerResult],
                 layers: Sequence[LayerEquations], formulas: Sequence[Formula], rule: str | None
                 ) -> tuple[FormulaScore, ...]:
    """Each formula, and each rule's formula for every predicted later unit, scored."""
    if not formulas and rule is None:
        return ()
    named = places([r for r in results if r.title in {la.title for la in layers}], layers)
    scores = [score_formula(model, f, named) for f in formulas]
    if rule is not None:
        for result in results[1:]:
            for unit in result.units:
                if unit.name not in named:
                    continue
                links = [(t.source, t.predicted) for t in unit.terms
                         if t.predicted and t.source in named]
                where = f"{prediction.source or 'line'} {unit.line}".strip()
                formula = Formula(unit.name, RULES[rule](unit.name, links), where)
                scores.append(score_formula(model, formula, named, origin=rule))
    return tuple(scores)


def idle_units(layers: Sequence[LayerEquations]) -> frozenset[str]:
    """Hidden units with no live incoming link, or whose live incoming links all leave idle units.

    Such a unit outputs a constant, its activation of its bias (plus constants from idle
    units below): its outgoing links add a constant to the next layer, so their signs say
    nothing about what the network computes.
    """
    idle: set[str] = set()
    for layer in layers[:-1]:
        for unit in layer.units:
            if all(t.source in idle for t in unit.kept):
                idle.add(unit.name)
    return frozenset(idle)


def _signs_without_idle(layers: Sequence[LayerEquations], idle: frozenset[str]
                        ) -> tuple[np.ndarray, ...]:
    """The learnt sign matrices with the links leaving idle units made absent."""
    signs = [s.copy() for s in equation_signs(layers)]
    for k, layer in enumerate(layers[:-1]):
        for i, unit in enumerate(layer.units):
            if unit.name in idle:
                signs[k + 1][i, :] = 0
    return tuple(signs)


def check_units(prediction: Prediction, config: Config) -> None:
    """Raise TableError (with its line) for a predicted unit the network cannot have.

    A hidden layer of n units has h·1 … h·n; the output layer o1 … o(outputs). Layers deeper
    than the network are a difference of shape, reported, not an error.
    """
    sizes = config.layer_sizes
    hidden = len(sizes) - 2

    def names(layer: int) -> str:
        size = sizes[layer]
        return ", ".join(unit_name(layer, i, size, output=False) for i in range(min(size, 3))) + (
            f" … {unit_name(layer, size - 1, size, output=False)}" if size > 3 else "")

    def refuse(line: int, what: str, layer: int) -> TableError:
        return TableError(line, f"{what} cannot exist: the network's {layer_title(layer, hidden)} "
                          f"has {sizes[layer]} unit{'s' if sizes[layer] != 1 else ''} "
                          f"({names(layer)})", source=prediction.source)

    for layer in prediction.layers:
        compared_output = layer.output and prediction.depth == hidden
        for unit in layer.units:
            if layer.output:
                if unit.index > sizes[-1]:
                    raise TableError(unit.line, f"{unit.name} cannot exist: the network has "
                                     f"{sizes[-1]} output unit{'s' if sizes[-1] != 1 else ''}",
                                     source=prediction.source)
            elif layer.layer <= hidden and unit.index > sizes[layer.layer]:
                raise refuse(unit.line, unit.name, layer.layer)
            if not layer.output or compared_output:
                for term in unit.terms:
                    position = unit_position(term.source)
                    if (position is not None and position[0] <= hidden
                            and position[1] > sizes[position[0]]):
                        raise refuse(unit.line, f"{term.text} in {unit.name}'s equation",
                                     position[0])


def shape_differences(prediction: Prediction, config: Config, *, fewer_inputs: bool = False
                      ) -> tuple[str, ...]:
    """How the prediction's layers and inputs differ from the network's, one phrase each.

    With `fewer_inputs`, tables reading some of the network's inputs only do not differ: they
    predict the other inputs' links absent, and are counted on the links they give."""
    hidden = len(config.shape)
    found = []
    # Without an output table, a prediction of the first layers only says nothing of the depth.
    has_output = any(layer.output for layer in prediction.layers)
    if prediction.depth > hidden or (has_output and prediction.depth != hidden):
        found.append(f"the prediction has {_count(prediction.depth, 'hidden layer')}, "
                     f"the network {_count(hidden, 'hidden layer')}")
    first = prediction.layer(1)  # the layer reading the inputs (the output when no hidden)
    if first is not None:
        read = sorted({t.source for u in first.units for t in u.terms
                       if unit_position(t.source) is None},
                      key=lambda f: (config.features.index(f) if f in config.features else 99, f))
        others = set(read) - set(config.features) if fewer_inputs else set(read) ^ set(config.features)
        if read and others:
            found.append(f"the prediction reads {', '.join(read)}, the network "
                         f"{', '.join(config.features)}")
    return tuple(found)


NO_SIGNS = "the tables give no signed link (every unit given is 0)"


def check_signed(prediction: Prediction, *, value: object = None, source: str = "") -> None:
    """Raise ConfigError naming `predicted` (`value` as given, else the tables' source) unless
    the tables give at least one signed link: against tables of `0`s alone every seed agrees."""
    if not prediction.signed:
        shown = (prediction.source or "the tables") if value is None else value
        raise ConfigError("predicted", shown,
                          f"tables with at least one signed link: {NO_SIGNS}", source=source)


def check_fits(prediction: Prediction, config: Config, *, setting: str = "predicted") -> None:
    """Raise unless `config`'s network has a place for every unit and input the prediction names.

    A unit beyond its layer (`check_units`) raises TableError with its line; a difference of
    shape (`shape_differences`: another depth, inputs the network lacks) raises ConfigError
    naming `setting`, worded as `compare` reports it. A prediction of the first layers only,
    without an output table, fits: it says nothing of the layers after them; so do tables
    reading some of the network's inputs only.
    """
    check_units(prediction, config)
    differences = shape_differences(prediction, config, fewer_inputs=True)
    if differences:
        wanted = (f"{_count(len(config.shape), 'hidden layer')}, inputs "
                  f"{', '.join(config.features)}")
        raise ConfigError(setting, prediction.source or "the tables",
                          f"tables of the network's shape ({wanted}), but "
                          + "; ".join(differences))


def misfit(prediction: Prediction, config: Config) -> str | None:
    """Why `config`'s network has no place for every unit and input the prediction names (its
    hidden layers, its inputs, a unit beyond its layer's size), or why it gives no sign to
    count there (every unit it gives is 0); None when it fits and has a sign to count."""
    reasons = list(shape_differences(prediction, config, fewer_inputs=True))
    try:
        check_units(prediction, config)
    except TableError as err:
        reasons.append(str(err))
    if not prediction.signed:
        reasons.append(NO_SIGNS)
    return "; ".join(reasons) or None


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _aligned_transforms(model: Model, readings: dict[int, _Reading]) -> list[Transform] | None:
    """Per hidden layer, the reordering and flips that put each learnt unit at its aligned
    position, or None when the alignment does not place every learnt unit in its layer."""
    transforms = []
    for h, size in enumerate(model.config.shape, start=1):
        reading = readings[h]
        placed = sorted((idx, m, f) for m, (idx, f) in reading.of_learnt.items())
        if [idx for idx, _, _ in placed] != list(range(1, size + 1)):
            return None
        transforms.append(Transform(tuple(m for _, m, _ in placed), tuple(f for _, _, f in placed)))
    return transforms


def _aligned_equations(model: Model, readings: dict[int, _Reading], *, threshold: float,
                       relative: bool) -> tuple[LayerEquations, ...]:
    """The learnt equations with hidden units reordered and flipped as the alignment reads them.

    The reordered, flipped network computes the same function (`transform_model`); its
    units take the aligned names, so its tables sit beside the prediction's. Empty when the
    alignment does not place every learnt unit at a position of its layer.
    """
    transforms = _aligned_transforms(model, readings)
    if transforms is None:
        return ()
    moved = transform_model(model, transforms)
    return network_equations(moved.config, moved.layers, threshold=threshold, relative=relative)


def aligned_model(prediction: Prediction, model: Model, *, threshold: float = 0.0,
                  relative: bool = False, symmetry: bool = True) -> Model:
    """The model with its hidden units reordered and flipped as the prediction reads them.

    It computes the same function, and every view of it (tables, SymPy, logic) names and
    orients its units as the prediction does. Raises TableError for units the network cannot
    have, like `compare`.
    """
    check_units(prediction, model.config)
    layers = equations(model, threshold=threshold, relative=relative)
    idle = idle_units(layers)
    learnt_signs = _signs_without_idle(layers, idle)
    plan = _plan(prediction, layers, model.config.features)
    alignment = _alignment(plan, layers, learnt_signs, symmetry=symmetry,
                           flips=flippable(model.config))
    transforms = _aligned_transforms(model, _readings(plan, alignment, layers))
    return model if transforms is None else transform_model(model, transforms)


def predicted_signs(prediction: Prediction, config: Config) -> tuple[np.ndarray, ...]:
    """The prediction as sign matrices laid out against the layers of `config`'s network, for `align`."""
    empty = [np.zeros((a, b), dtype=np.int8) for a, b in pairwise(config.layer_sizes)]
    return tuple(_plan(prediction, pattern_equations(config, empty), config.features).matrices)


def compare_models(predicted: Model, model: Model, *, threshold: float = 0.0, relative: bool = False,
                   symmetry: bool = True, predicted_source: str = "", model_source: str = "",
                   chance: bool = True, draws: int | None = None,
                   formulas: Sequence[Formula] = (), rule: str | None = None) -> Comparison:
    """Compare two learnt networks: the first's live signs act as the prediction."""
    prediction = from_equations(equations(predicted, threshold=threshold, relative=relative),
                                source=predicted_source)
    return compare(prediction, model, threshold=threshold, relative=relative, symmetry=symmetry,
                   model_source=model_source, chance=chance, draws=draws, check_names=False,
                   formulas=formulas, rule=rule)


def read_predicted(path: str | os.PathLike[str], *, aliases: Mapping[str, str] | None = None
                   ) -> Prediction | Model:
    """What a prediction file holds, by its content: a model file if its text starts with '{',
    else predicted tables (read with `aliases`)."""
    text = read_text(path, limit=MAX_MODEL_BYTES)  # it may be a model file
    if text.lstrip("\ufeff \t\r\n").startswith("{"):  # JSON: a second learnt network
        return load(path)
    return parse_tables(text, aliases=aliases, source=str(path))
