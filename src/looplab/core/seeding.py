"""Seeding: the named random streams of a run.

Loop components (worlds, policies, channels) draw from per-replicate ``core.streams.Stream``
objects (``loop_streams``); code outside the replicate batch (bootstraps over a finished
table, data splits shared by all replicates) uses a named child of one ``SeedSequence``.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

import numpy as np

from looplab.core.streams import Rows, Stream

STREAMS = ("world-instance", "world", "policy", "channel")


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def child_seed(seed: int, *names: str) -> np.random.SeedSequence:
    """The seed sequence for stream ``names`` of run seed ``seed``; independent of call order."""
    return np.random.SeedSequence(entropy=seed, spawn_key=tuple(stream_key(n) for n in names))


def generator(seed: int, *names: str) -> np.random.Generator:
    """A PCG64 generator on stream ``names`` of ``seed``."""
    return np.random.Generator(np.random.PCG64(child_seed(seed, *names)))


class LoopStreams(NamedTuple):
    """The four per-replicate streams of one loop run (see ``core.streams``)."""

    instance: Stream
    world: Stream
    policy: Stream
    channel: Stream


def loop_streams(rows: Rows) -> LoopStreams:
    """The streams ``core.loop.run`` hands to reset, observe/step, init/act and the channel,
    for the batch ``rows`` (one seed's replicate range, or several seeds packed)."""
    return LoopStreams(*(Stream(rows, name) for name in STREAMS))
