"""The Playground's seeded generator: seedrandom 2.4.4 (RC4-drop[256]) turned into doubles.

The rules are in docs/playground.md §3.

A `SeedRandom` is an explicit object: whatever draws takes it as an argument, in the
Playground's order. Bytes come from one `Arc4` stream per seed; `arc4_many` runs many
streams together in numpy when a sweep needs hundreds of seeds at once.
"""

from __future__ import annotations

import os

import numpy as np

_DROP = 256
# Below this many seeds `arc4_many` runs the streams one after another: a numpy step costs
# about 10 µs whatever the number of seeds, a byte of one stream in Python about 0.2 µs, so
# the numpy steps pay only from some 50 seeds on (the data of one gauss seed: 0.25 s against
# 4 ms). The bytes are the same either way.
SEEDS_FOR_NUMPY = 32
# A double is V / 256**B truncated to 53 significant bits (see `_doubles`).
_BIT_LENGTH = np.array([int(b).bit_length() for b in range(256)], dtype=np.int64)
_SHIFTS8 = np.arange(56, -1, -8, dtype=np.uint64)


def _key(seed: str) -> list[int]:
    """seedrandom's mixkey: UTF-16 code units folded into at most 256 key bytes."""
    units = np.frombuffer(seed.encode("utf-16-le"), dtype="<u2").tolist()
    key: list[int] = []
    acc = 0
    for p, unit in enumerate(units):
        q = p & 255
        acc ^= 19 * (key[q] if q < len(key) else 0)
        if q < len(key):
            key[q] = (acc + unit) & 255
        else:
            key.append((acc + unit) & 255)
    return key or [0]


def _schedule(key: list[int]) -> list[int]:
    """The RC4 key schedule: a permutation of 0..255."""
    s = list(range(256))
    j = 0
    n = len(key)
    for i in range(256):
        j = (j + s[i] + key[i % n]) & 255
        s[i], s[j] = s[j], s[i]
    return s


class Arc4:
    """One RC4 keystream keyed by a seed string, positioned after the 256-byte drop."""

    def __init__(self, seed: str, *, state: tuple[list[int], int, int] | None = None) -> None:
        if state is None:
            self._s, self._i, self._j = _schedule(_key(seed)), 0, 0
            self.read(_DROP)
        else:
            self._s, self._i, self._j = state

    def read(self, n: int) -> np.ndarray:
        """The next `n` bytes of the stream."""
        s, i, j = self._s, self._i, self._j
        out = bytearray(n)
        for k in range(n):
            i = (i + 1) & 255
            si = s[i]
            j = (j + si) & 255
            sj = s[j]
            s[i] = sj
            s[j] = si
            out[k] = s[(si + sj) & 255]
        self._i, self._j = i, j
        return np.frombuffer(bytes(out), dtype=np.uint8)


def arc4_many(seeds: list[str], n: int) -> tuple[np.ndarray, list[Arc4]]:
    """The first `n` bytes of every seed's stream, computed together, and each stream after them.

    RC4's output index i is the same for every stream, so one step advances all of them with
    a handful of numpy calls; only j and the permutations differ. Fewer than SEEDS_FOR_NUMPY
    streams run one after another instead.
    """
    count = len(seeds)
    if count < SEEDS_FOR_NUMPY:
        alone = [Arc4(seed) for seed in seeds]
        data = np.empty((count, n), dtype=np.uint8)
        for row, stream in zip(data, alone, strict=True):
            row[:] = stream.read(n)
        return data, alone
    cols = np.arange(count)
    perm = np.tile(np.arange(256, dtype=np.int64)[:, None], (1, count))  # perm[value, seed]
    flat = perm.ravel()
    j = np.zeros(count, dtype=np.int64)

    def swap(i: int) -> np.ndarray:
        """Swap S[i] and S[j] in every stream; returns S[i] + S[j]."""
        si = perm[i].copy()
        at = j * count + cols
        sj = flat[at]
        perm[i] = sj
        flat[at] = si
        total: np.ndarray = si + sj
        return total

    keys = [_key(seed) for seed in seeds]
    key_bytes = np.array([[key[i % len(key)] for key in keys] for i in range(256)])
    for i in range(256):
        j = (j + perm[i] + key_bytes[i]) & 255
        swap(i)
    j[:] = 0
    out = np.empty((_DROP + n, count), dtype=np.uint8)
    for k in range(_DROP + n):
        i = (k + 1) & 255
        j += perm[i]
        j &= 255
        out[k] = flat[(swap(i) & 255) * count + cols]
    perms = perm.T.tolist()
    i_final = (_DROP + n) & 255
    streams = [Arc4(seed, state=(perms[c], i_final, int(j[c]))) for c, seed in enumerate(seeds)]
    return np.ascontiguousarray(out[_DROP:].T), streams


def _draw_lengths(b: np.ndarray) -> np.ndarray:
    """Bytes read by a draw starting at each position: 7, 8, or 0 where more are needed.

    seedrandom keeps reading while the bytes before the last one are below 2**44, so a
    draw is 7 bytes when its first byte is 16 or more and 8 bytes in most other cases.
    """
    lengths = np.where(b >= 16, 7, 8)
    lengths[:-1][(b[:-1] == 0) & (b[1:] < 16)] = 0
    return lengths


def _rare_length(b: np.ndarray, start: int) -> int:
    """Bytes read by a draw whose first two bytes are small (probability about 1/4096)."""
    length = 9
    while int.from_bytes(b[start : start + length - 1].tobytes(), "big") < 2**44:
        length += 1
    return length


def _double(b: np.ndarray, start: int, length: int) -> float:
    """One draw's value with Python integers: V / 256**B cut to 53 significant bits."""
    value = int.from_bytes(b[start : start + length].tobytes(), "big")
    cut = max(value.bit_length() - 53, 0)
    return float(((value >> cut) << cut) / 256**length)


def _doubles(b: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The value of each 7- or 8-byte draw, as `_double` computes it, for many at once."""
    window = b[np.minimum(starts[:, None] + np.arange(8), len(b) - 1)].astype(np.uint64)
    value = (window << _SHIFTS8).sum(axis=1, dtype=np.uint64)
    value[lengths == 7] >>= np.uint64(8)  # a 7-byte draw leaves the 8th byte out
    lead = (window[:, 0] == 0).astype(np.int64)  # an 8-byte draw may start with a zero byte
    top = window[np.arange(len(starts)), lead].astype(np.int64)
    cut = (8 * (lengths - 1 - lead) + _BIT_LENGTH[top] - 53).astype(np.uint64)
    value = (value >> cut) << cut
    return np.asarray(np.ldexp(value.astype(np.float64), -8 * lengths))


class SeedRandom:
    """The Playground's `Math.random` after `seedrandom(seed)`: a stream of doubles in [0, 1)."""

    def __init__(
        self, seed: str, *, stream: Arc4 | None = None, prefix: np.ndarray | None = None
    ) -> None:
        self.seed = seed
        self._stream = stream if stream is not None else Arc4(seed)
        self._bytes = prefix if prefix is not None else np.empty(0, dtype=np.uint8)
        self._pos = 0

    @classmethod
    def many(cls, seeds: list[str], *, draws: int) -> list[SeedRandom]:
        """Generators for many seeds, the bytes of about their first `draws` values made together."""
        prefix, streams = arc4_many(seeds, int(draws * 7.07) + 64)
        return [cls(s, stream=st, prefix=p) for s, st, p in zip(seeds, streams, prefix, strict=True)]

    def _window(self, size: int) -> np.ndarray:
        missing = self._pos + size - len(self._bytes)
        if missing > 0:
            more = self._stream.read(max(missing, 4096))
            self._bytes = np.concatenate([self._bytes[self._pos :], more])
            self._pos = 0
        return self._bytes[self._pos : self._pos + size]

    def uniform(self, n: int) -> np.ndarray:
        """The next `n` values, exactly as the Playground would draw them one after another."""
        size = int(7.07 * n) + 64  # a draw reads 7 + 1/16 bytes on average
        while True:
            window = self._window(size)
            table = _draw_lengths(window).tolist()
            starts = [0] * n
            pos = 0
            for k in range(n):
                if pos + 24 > size:
                    break  # long draws used up the room: look again with more bytes
                starts[k] = pos
                pos += table[pos] or _rare_length(window, pos)
            else:
                begin = np.array(starts)
                lengths = np.diff(begin, append=pos)
                values = _doubles(window, begin, lengths)
                for k in np.flatnonzero(lengths > 8).tolist():
                    values[k] = _double(window, starts[k], int(lengths[k]))
                self._pos += pos
                return values
            size *= 2

    def random(self) -> float:
        """The next value."""
        return float(self.uniform(1)[0])


def new_seed() -> str:
    """A fresh seed string in the Playground's form (`Math.random().toFixed(5)`)."""
    while True:  # a uniform whole number below 100,000 from 17 random bits, by rejection
        draw = int.from_bytes(os.urandom(3), "big") >> 7
        if draw < 100_000:
            return f"{draw / 100_000:.5f}"
