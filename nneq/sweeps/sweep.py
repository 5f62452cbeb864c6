"""Many seeds of one configuration, trained together, grouped by the sign pattern they learn.

Every member is the network `nneq train --seed S` would make with the same settings; all of
them advance in one stacked numpy computation. Two members learn the same pattern when their
sign tables are equal once hidden units are reordered and odd units flipped (the same
symmetries `nneq compare` allows), so each is keyed by its canonical pattern.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from nneq.comparison.canonical import class_member
from nneq.comparison.chance import Chance, chance_level
from nneq.comparison.compare import check_fits, check_signed, predicted_signs
from nneq.comparison.symmetry import (
    Canonical,
    SymmetryError,
    align,
    canonical,
    flippable,
    identity,
    pattern_key,
)
from nneq.comparison.tables import Prediction
from nneq.explain.equations import check_threshold, link_states
from nneq.playground.config import Config, check_epochs, whole_number
from nneq.playground.engine import choose_engine
from nneq.playground.errors import ConfigError
from nneq.playground.many import stack_seeds
from nneq.playground.model import Model, sign_accuracy
from nneq.playground.network import Layer, forward
from nneq.playground.processes import check_workers, default_workers
from nneq.playground.stack import member_groups
from nneq.playground.train import Training, train

MAX_SEEDS = 5000  # keeps a sweep's stacked data within a few hundred megabytes
ACCURACY_PASS_BYTES = 8 * 2**20  # about the most the accuracy passes of a sweep hold in outputs


@dataclass(frozen=True)
class Member:
    """One seed's outcome: its pattern (None if it diverged) and final losses."""

    seed: str
    pattern: int | None
    loss_train: float | None
    loss_test: float | None
    diverged_at: int | None = None
    accuracy_train: float | None = None  # classification: share of points of the right sign
    accuracy_test: float | None = None


@dataclass(frozen=True, eq=False)
class Pattern:
    """A sign pattern learnt by one or more seeds, in canonical form."""

    id: int
    key: str
    signs: tuple[np.ndarray, ...]
    seeds: tuple[str, ...]
    mean_loss_train: float
    mean_loss_test: float
    agree: int | None = None  # predicted signs that agree with this pattern, when predicted
    compared: int | None = None
    mean_accuracy_train: float | None = None  # classification only
    mean_accuracy_test: float | None = None
    chance: Chance | None = None  # what random tables of the prediction's shape agree on here

    @property
    def count(self) -> int:
        """How many seeds learnt it."""
        return len(self.seeds)


@dataclass(frozen=True, eq=False)
class Sweep:
    """A sweep's members, its patterns (most frequent first) and, if given, the prediction."""

    config: Config
    epochs: int
    threshold: float
    relative: bool
    members: tuple[Member, ...]
    patterns: tuple[Pattern, ...]
    prediction: Prediction | None = None
    predicted_signs: int = 0  # signs the prediction states
    models: tuple[Model, ...] | None = None
    engine: str = "numpy"  # the engine that trained every member

    @property
    def diverged(self) -> tuple[Member, ...]:
        """Members whose numbers stopped being finite, kept out of the patterns."""
        return tuple(m for m in self.members if m.diverged_at is not None)

    def share(self, pattern: Pattern) -> float:
        """The pattern's share of the members that did not diverge."""
        return pattern.count / max(len(self.members) - len(self.diverged), 1)

    def agreement(self) -> dict[int, int]:
        """Per number of agreeing predicted signs, how many seeds reach it (most first)."""
        counts: dict[int, int] = {}
        for p in self.patterns:
            counts[p.agree or 0] = counts.get(p.agree or 0, 0) + p.count
        return dict(sorted(counts.items(), reverse=True))

    def full_agreement(self) -> int:
        """Seeds whose learnt pattern agrees with every predicted sign (none when there are no
        predicted signs: agreeing with nothing is not agreement)."""
        if not self.predicted_signs:
            return 0
        return sum(p.count for p in self.patterns if p.agree == self.predicted_signs)

    def beating_chance(self) -> int:
        """Seeds whose agreement with the prediction beats chance (p below 0.05)."""
        return sum(p.count for p in self.patterns if p.chance is not None and p.chance.beats_chance)

    def p_value(self, member: Member) -> float | None:
        """The chance p-value of a member's agreement with the prediction (None without one)."""
        if member.pattern is None:
            return None
        chance = self.patterns[member.pattern - 1].chance
        return None if chance is None else chance.p_value


def member_bytes(config: Config) -> int:
    """About how much memory one member of a stacked sweep of `config` takes while it trains.

    Per member the stack holds its parameters four times over (the values, their gradients,
    the dead-link mask and the update's scales) and, for every unit, a row per data point in
    the passes (outputs and slopes): 8 bytes each. Measured on a 20 x 100 network, a member
    takes about 17.7 MB; this gives 18 MB.
    """
    sizes = config.layer_sizes
    params = sum((n_in + 1) * n_out for n_in, n_out in pairwise(sizes))
    units = sum(sizes[1:])
    return int(8 * (4 * params + 1.5 * units * 500))


def available_memory() -> int | None:
    """Bytes of memory this machine can still give, from /proc/meminfo or sysconf; None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def check_memory(config: Config, seeds: int, *, available: int | None = None) -> None:
    """Refuse, before anything is allocated, a sweep whose members would not fit in memory.

    The stack may use at most 80 % of the memory available now.
    """
    free = available_memory() if available is None else available
    each = member_bytes(config)
    if free is None or seeds * each <= 0.8 * free:
        return
    fit = max(int(0.8 * free // each), 0)
    raise ConfigError("seeds", seeds,
                      f"at most {fit} networks of this size at once (about {each / 2**20:.0f} MiB "
                      f"each; {free / 2**30:.1f} GiB of memory available)")


def member_seeds(seed: str, count: int) -> list[str]:
    """The members' seeds: the configuration's seed followed by -1, -2, …, each rerunnable alone."""
    count = whole_number("seeds", count, low=1, high=MAX_SEEDS)
    return [f"{seed}-{k}" for k in range(1, count + 1)]


def stack(config: Config, seeds: list[str], *, track_losses: bool = False,
          engine: str = "numpy", workers: int = 1) -> Training:
    """Every seed's network set up as `nneq train --seed S` would, stacked to train together
    (by the numpy engine in `workers` processes at once)."""
    configs = [dataclasses.replace(config, seed=seed) for seed in seeds]
    # Data, shuffles and weights of every seed made together (nneq.playground.many).
    return Training(configs, stack_seeds(config, seeds, workers=workers), stacked=True,
                    track_losses=track_losses, engine=engine, workers=workers)


def sign_tables(networks: Sequence[Sequence[Layer]], *, threshold: float = 0.0,
                relative: bool = False) -> list[tuple[np.ndarray, ...]]:
    """Each network's sign matrices, as `equation_signs(network_equations(...))` reads them,
    for networks of one shape all at once: a link left out of the equations (`link_states`)
    counts 0, any other its sign."""
    check_threshold(threshold, relative=relative)
    if not networks:
        return []
    tables = []
    for k in range(len(networks[0])):
        weights = np.stack([layers[k].weights for layers in networks])  # (S, n_in, n_out)
        dead = np.stack([layers[k].dead for layers in networks])
        kept = link_states(weights, dead, threshold=threshold, relative=relative) == 0
        tables.append(np.where(kept, np.where(weights < 0, -1, 1), 0).astype(np.int8))
    return [tuple(t[s] for t in tables) for s in range(len(networks))]


def _own_form(signs: Sequence[np.ndarray], flips: Sequence[bool]) -> Canonical:
    """A pattern's canonical form, or its own order when it is too symmetric to canonicalise."""
    try:
        return canonical(signs, flippable=flips)
    except SymmetryError:
        return Canonical(tuple(signs), identity(signs), pattern_key(signs))


def group_patterns(config: Config, networks: Mapping[int, Sequence[Layer]], *, threshold: float = 0.0,
                   relative: bool = False) -> list[tuple[Canonical, list[int]]]:
    """Networks of `config` grouped by canonical sign pattern: most members first, then by
    first member; each group is (its canonical form, its members' keys in order), the form
    as its first member's patterns give it.

    Members are many and classes few: members whose patterns `class_member` maps to one
    pattern are of one class, whose canonical form is found once, from that pattern.
    """
    flips = flippable(config)
    keys = list(networks)
    tables = sign_tables(list(networks.values()), threshold=threshold, relative=relative)
    class_of: dict[bytes, str | None] = {}  # a class member's bytes → its class's key
    forms: dict[str, Canonical] = {}
    groups: dict[str, list[int]] = {}
    shortcut = True
    for k, signs in zip(keys, tables, strict=True):
        key = None
        if shortcut:
            member = class_member(signs, flippable=flips)
            code = b"".join(m.tobytes() for m in member)  # one config: shapes are fixed
            if code not in class_of:
                try:
                    class_of[code] = canonical(member, flippable=flips).key
                except SymmetryError:  # too symmetric: each member keeps its own order
                    class_of[code] = None
            key = class_of[code]
        if key is None or key not in forms:
            form = _own_form(signs, flips)
            if key is not None and form.key != key:  # never expected; then no more shortcuts
                shortcut = False
            key = form.key
            forms.setdefault(key, form)
        groups.setdefault(key, []).append(k)
    order = sorted(groups, key=lambda key: (-len(groups[key]), groups[key][0]))
    return [(forms[key], groups[key]) for key in order]


def _accuracies(run: Training) -> np.ndarray | None:
    """(S, 2): each member's share of training and test points whose output has the label's
    sign, as `Model.accuracy` counts it, for the network of its snapshot; None for regression.

    The members go through `forward` together, a group at a time (as many as about
    ACCURACY_PASS_BYTES of outputs hold); a member's products are those of its own pass.
    """
    config = run.config
    if config.problem != "classification":
        return None
    data, sizes = run.data, run.layout.sizes
    blocks = run.layout.blocks(run.snapshot.params)
    weights, biases = [b[:, 1:, :] for b in blocks], [b[:, 0, :] for b in blocks]
    count = len(run.snapshot.params)
    points = data.x_train.shape[1] + data.x_test.shape[1]
    shares = np.empty((count, 2))
    with np.errstate(all="ignore"):  # members that diverged are passed too, and not read
        for rows in member_groups(count, 8 * points * sum(sizes[1:]), ACCURACY_PASS_BYTES):
            for column, (x, y) in enumerate(((data.x_train, data.y_train),
                                             (data.x_test, data.y_test))):
                out = forward([w[rows] for w in weights], [b[rows] for b in biases], x[rows],
                              hidden=config.activation, problem=config.problem)[-1][..., 0]
                shares[rows, column] = sign_accuracy(out, y[rows])
    return shares


def _mean(values: Sequence[float | None]) -> float | None:
    """The mean of shares, or None where there are none (regression)."""
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


def check_prediction(prediction: Prediction, config: Config) -> tuple[np.ndarray, ...]:
    """The prediction's signs laid out against `config`'s network, for counting seeds; raises
    before anything is trained when the network has no place for what it names.

    A unit beyond its layer raises TableError with its line, another depth or an input the
    network lacks ConfigError (`nneq.comparison.compare.check_fits`): `compare` reports such a
    prediction as far as it goes, but counting the seeds that agree fully with a prediction of
    another shape counts nothing. Tables of the first layers or of some inputs only fit. Tables
    stating no signed link at all (every unit 0) raise ConfigError too (`check_signed`): every
    seed would agree with them.
    """
    check_fits(prediction, config)
    check_signed(prediction)
    return predicted_signs(prediction, config)


def run_sweep(config: Config, *, seeds: int, epochs: int, threshold: float = 0.0,
              relative: bool = False, prediction: Prediction | None = None,
              keep_models: bool = False,
              on_epoch: Callable[[int, np.ndarray | None], object] | None = None,
              engine: str = "auto", workers: int | None = None) -> Sweep:
    """Train `seeds` seeds of `config` for `epochs` epochs and group them by sign pattern.

    With `keep_models`, every member's model (with its loss history) is kept as well. A config
    without a seed gets a fresh one, as the Playground does; the members' seeds derive from it.
    Every member is bit for bit the network `train` makes for its seed with the same engine;
    `engine` "auto" picks the compiled one when numba is installed and it pays for this sweep,
    and the sweep records the engine used. The numpy engine trains the stack in `workers`
    processes at once (None: one per available core when the sweep is long enough to gain
    from it); the members' numbers do not depend on it.
    """
    check_epochs(epochs)
    check_threshold(threshold, relative=relative)
    wanted = check_prediction(prediction, config) if prediction is not None else None
    config = config.with_seed()
    names = member_seeds(str(config.seed), seeds)
    check_memory(config, seeds)
    engine = choose_engine(engine, config, epochs, members=seeds)
    if workers is None:
        workers = default_workers(config, epochs, seeds) if engine == "numpy" else 1
    run = stack(config, names, track_losses=keep_models, engine=engine,
                workers=check_workers(workers))
    try:
        run.run(epochs, on_epoch)
        losses = run.final_losses()
    finally:
        run.close()
    models = [run.model(k) for k in range(len(names))] if keep_models else None
    members = []
    networks = {}
    shares = _accuracies(run)
    for k, seed in enumerate(names):
        if not run.snapshot.diverged_at[k] and np.isfinite(losses[k]).all():
            networks[k] = run.layers(k)
            members.append(Member(
                seed, None, float(losses[k, 0]), float(losses[k, 1]),
                accuracy_train=None if shares is None else float(shares[k, 0]),
                accuracy_test=None if shares is None else float(shares[k, 1])))
            continue
        # The stack checks losses at the end only (unless it keeps models); a member that
        # diverged trains again alone, which finds the very epoch `nneq train` would report.
        alone = train(dataclasses.replace(config, seed=seed), epochs=epochs, engine=engine)
        members.append(Member(seed, None, None, None, alone.diverged_at or run.epochs_run))
        if models is not None:
            models[k] = alone
    flips = flippable(config)
    patterns = []
    groups = group_patterns(config, networks, threshold=threshold, relative=relative)
    for number, (form, ks) in enumerate(groups, start=1):
        scored = align(wanted, form.signs, flippable=flips) if wanted is not None else None
        # Every seed of a pattern has the pattern's signs, hence its agreement and chance level.
        level = (chance_level(wanted, form.signs, flippable=flips, observed=scored.agree)
                 if wanted is not None and scored is not None else None)
        train_share = _mean([members[k].accuracy_train for k in ks])
        test_share = _mean([members[k].accuracy_test for k in ks])
        patterns.append(Pattern(
            number, form.key, form.signs, tuple(names[k] for k in ks),
            float(np.mean(losses[ks, 0])), float(np.mean(losses[ks, 1])),
            scored.agree if scored else None, scored.compared if scored else None,
            train_share, test_share, level))
        for k in ks:
            members[k] = dataclasses.replace(members[k], pattern=number)
    return Sweep(
        config, epochs, float(threshold), relative, tuple(members), tuple(patterns), prediction,
        int(sum(np.count_nonzero(m) for m in wanted)) if wanted is not None else 0,
        tuple(models) if models is not None else None, engine,
    )
