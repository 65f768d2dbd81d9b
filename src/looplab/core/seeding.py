"""Seeding: every random stream of a run is a named child of one ``SeedSequence``."""

from __future__ import annotations

import hashlib

import numpy as np

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
