"""Many seeds of one configuration set up at once: draws, data, shuffles and weights as arrays.

A sweep of a thousand seeds would otherwise spend most of its set-up in per-seed Python
loops. Here each step runs over every seed together, with a seed axis in front, and does for
each seed exactly what `network.start` does for it alone (docs/playground.md §3 to §8): the
same draws in the same order, the same operations on them, so the members stay bit-identical
to single runs. The gauss dataset, whose draw count depends on its rejections, and any seed
whose bytes run short are set up one by one instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from nneq.playground.config import Config
from nneq.playground.datasets import DATASETS, FROM_DRAWS, Points
from nneq.playground.features import feature_matrix
from nneq.playground.layout import Layout
from nneq.playground.network import start
from nneq.playground.processes import fork_map, parts
from nneq.playground.rng import (
    _BIT_LENGTH,
    SeedRandom,
    _double,
    _rare_length,
    arc4_many,
)
from nneq.playground.stack import Stack, joined, stack_starts

_CHUNK = 64  # seeds whose values are worked out together, to keep the arrays small
_MARGIN = 256  # bytes beyond 7 + 1/16 per draw: enough for all but about one seed in 10**9


def uniform_many(seeds: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `n` values of every seed's generator, (S, n), and (S,) which are complete.

    A draw reads 7 or 8 bytes (rarely more) depending on its first bytes, so the draws of one
    stream are found in order; all streams advance together, one draw at a time.
    """
    size = int(n * 7.0625) + _MARGIN
    data, _ = arc4_many(list(seeds), size)  # (S, size)
    count = len(seeds)
    # Bytes read by a draw starting at each position: 7, 8, or 0 when more (see _draw_lengths),
    # a few seeds at a time to keep the masks small.
    lengths = np.empty(data.shape, dtype=np.int8)
    for first in range(0, count, _CHUNK):
        rows = slice(first, first + _CHUNK)
        block, marks = data[rows], lengths[rows]
        marks[...] = 8
        marks[block >= 16] = 7
        marks[:, :-1][(block[:, :-1] == 0) & (block[:, 1:] < 16)] = 0
    flat_lengths = lengths.ravel()
    base = np.arange(count, dtype=np.int64) * size
    # Positions within one stream's bytes fit in 32 bits: half the memory of the (S, n) arrays.
    starts = np.empty((count, n + 1), dtype=np.int32)
    pos = np.zeros(count, dtype=np.int64)
    for k in range(n):
        starts[:, k] = pos
        step = flat_lengths[base + np.minimum(pos, size - 1)].astype(np.int64)
        for s in np.flatnonzero(step == 0).tolist():  # a draw of 9 bytes or more
            step[s] = _rare_length(data[s], int(pos[s])) if pos[s] + 24 <= size else size
        pos += step
    starts[:, n] = pos
    del lengths, flat_lengths, block, marks  # their memory goes to the values
    complete = pos <= size - 16
    np.minimum(starts, size - 16, out=starts)
    begin, width = starts[:, :n], np.diff(starts, axis=1)
    values = np.empty((count, n))
    flat = data.ravel()
    for first in range(0, count, _CHUNK):
        rows = slice(first, first + _CHUNK)
        values[rows] = _values(flat, begin[rows] + base[rows, None], width[rows])
    for s, k in zip(*np.nonzero(width > 8), strict=True):
        values[s, k] = _double(data[s], int(begin[s, k]), int(width[s, k]))
    return values, complete


def _values(flat: np.ndarray, begin: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Each 7- or 8-byte draw's value, V / 256**B cut to 53 significant bits (as `_doubles`);
    `begin` indexes the bytes `flat`."""
    last = len(flat) - 1
    value = np.zeros(begin.shape, dtype=np.uint64)
    for t in range(8):
        value <<= np.uint64(8)
        value |= flat[np.minimum(begin + t, last)]
    value[width == 7] >>= np.uint64(8)  # a 7-byte draw leaves the 8th byte out
    first = flat[begin]
    lead = (first == 0).astype(np.int64)  # an 8-byte draw may start with a zero byte
    top = np.where(lead == 1, flat[np.minimum(begin + 1, last)], first).astype(np.int64)
    cut = (8 * (width - 1 - lead) + _BIT_LENGTH[top] - 53).clip(0).astype(np.uint64)
    value = (value >> cut) << cut
    return np.asarray(np.ldexp(value.astype(np.float64), -8 * np.minimum(width, 8)))


def shuffle_orders(draws: np.ndarray) -> np.ndarray:
    """Fisher–Yates from the back for every seed at once: (S, N) draws → (S, N) orders."""
    count, n = draws.shape
    picks = np.floor(draws * np.arange(n, 0, -1)).astype(np.int64)
    order = np.tile(np.arange(n), (count, 1))
    rows = np.arange(count)
    for step, c in enumerate(range(n - 1, -1, -1)):
        k = picks[:, step]
        held = order[rows, k]
        order[rows, k] = order[:, c]
        order[:, c] = held
    return order


def stack_seeds(config: Config, seeds: Sequence[str], *, workers: int = 1) -> Stack:
    """The stack of `config` networks, one per seed, each exactly as `network.start` makes it.

    With `workers` > 1 the seeds are split into as many runs set up at once, in forked
    processes (`processes`); every seed's numbers are its own whatever the split.
    """
    if workers > 1 and len(seeds) > 1:
        runs = [seeds[run.start:run.stop] for run in parts(len(seeds), workers)]
        return joined(fork_map(lambda run: stack_seeds(config, run), runs))
    dataset = DATASETS[config.dataset]
    sizes = config.layer_sizes
    links = sum(a * b for a, b in pairwise(sizes))
    if config.dataset not in FROM_DRAWS:
        # The bytes of about all their draws come from one pass over every generator at once.
        rngs = SeedRandom.many(list(seeds), draws=dataset.draws + dataset.points + links)
        return stack_starts(config, [start(dataclasses.replace(config, seed=s), rng)
                                     for s, rng in zip(seeds, rngs, strict=True)])
    generate, per_point = FROM_DRAWS[config.dataset]
    points = dataset.points
    data_draws = points * per_point
    values, complete = uniform_many(seeds, data_draws + points + links)
    for s in np.flatnonzero(~complete).tolist():  # bytes ran short: that seed alone
        values[s] = SeedRandom(seeds[s]).uniform(values.shape[1])
    made = generate(values[:, :data_draws].reshape(len(seeds), points, per_point),
                    config.noise / 100)
    order = shuffle_orders(values[:, data_draws:data_draws + points])
    shuffled = Points(*(np.take_along_axis(a, order, axis=1)
                        for a in (made.x, made.y, made.label)))
    cut = int(np.floor((points * config.train_percent) / 100))
    features = config.features
    layout = Layout(sizes)
    params = np.empty((len(seeds), layout.total))
    weights = values[:, data_draws + points:]
    offset = 0
    for block, (n_in, n_out) in zip(layout.blocks(params), pairwise(sizes), strict=True):
        # r − 0.5, drawn destination-major: link i→j is draw j·n_in + i of its layer
        drawn = weights[:, offset:offset + n_in * n_out].reshape(-1, n_out, n_in)
        block[:, 1:, :] = (drawn - 0.5).swapaxes(1, 2)
        block[:, 0, :] = 0.1
        offset += n_in * n_out
    if config.init_zero:
        params[:] = 0.0
    return Stack(
        layout,
        feature_matrix(features, shuffled.x[:, :cut], shuffled.y[:, :cut]),
        shuffled.label[:, :cut].copy(),
        feature_matrix(features, shuffled.x[:, cut:], shuffled.y[:, cut:]),
        shuffled.label[:, cut:].copy(),
        params, np.zeros((len(seeds), layout.total), dtype=bool),
    )
