"""One place where seeds are normalised and spawned.

Every stochastic entry point of multipolar takes a single ``seed`` (``int``,
:class:`numpy.random.SeedSequence`, or ``None``). A master :class:`~numpy.random.SeedSequence`
spawns one child per ensemble member, identified by the member's *global index*, so a member's
random stream never depends on how members are chunked, ordered or distributed to workers.
Depends only on NumPy.
"""

from __future__ import annotations

import numpy as np

SeedLike = int | np.random.SeedSequence | None


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Normalise ``seed`` to a :class:`numpy.random.SeedSequence`."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, a SeedSequence or None, not {type(seed).__name__}")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    return np.random.SeedSequence(int(seed))


def member_seed_sequences(seed: SeedLike, start: int, stop: int) -> list[np.random.SeedSequence]:
    """Child sequences for global members ``start .. stop-1`` of the ensemble of ``seed``.

    The child for member ``i`` is ``SeedSequence(entropy, spawn_key=(i,))``, exactly what
    ``master.spawn`` would give as its ``i``-th child, but computed without spawning the
    preceding ``i`` children, so chunk ``[start, stop)`` can be seeded anywhere.
    """
    master = seed_sequence(seed)
    base = tuple(master.spawn_key)
    return [
        np.random.SeedSequence(master.entropy, spawn_key=(*base, i), pool_size=master.pool_size)
        for i in range(start, stop)
    ]


def member_uint64(seed: SeedLike, start: int, stop: int, words: int = 2) -> np.ndarray:
    """Per-member 64-bit keys, shape ``(stop-start, words)``, for counter-based generators.

    The vectorised model draws its random numbers from a counter-based hash keyed by these
    values, so draws for member ``i`` depend only on ``(seed, i)`` and the draw's counter.
    """
    seqs = member_seed_sequences(seed, start, stop)
    if not seqs:
        return np.zeros((0, words), dtype=np.uint64)
    return np.stack([s.generate_state(words, dtype=np.uint64) for s in seqs])


def as_generator(seed: SeedLike | np.random.Generator) -> np.random.Generator:
    """A :class:`numpy.random.Generator` for ``seed`` (passed through if already one)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed_sequence(seed))
