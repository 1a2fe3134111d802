"""Shuffle keys that give every chunk a Spark partition of its own (a port of Spark's Murmur3 hash of a long)."""

from __future__ import annotations

__all__ = ["murmur3_long", "partition_keys"]


def murmur3_long(value: int, seed: int = 42) -> int:
    """Spark's ``hash()`` of a long (``Murmur3_x86_32.hashLong``), as a signed 32-bit integer."""
    def mix(h: int, k: int) -> int:
        k = (k * 0xCC9E2D51) & 0xFFFFFFFF
        k = ((k << 15) | (k >> 17)) & 0xFFFFFFFF
        h ^= (k * 0x1B873593) & 0xFFFFFFFF
        h = ((h << 13) | (h >> 19)) & 0xFFFFFFFF
        return (h * 5 + 0xE6546B64) & 0xFFFFFFFF

    h = mix(mix(seed, value & 0xFFFFFFFF), (value >> 32) & 0xFFFFFFFF) ^ 8
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h - (1 << 32) if h >= 1 << 31 else h


def partition_keys(n: int) -> list[int]:
    """Keys ``v[k]`` that Spark's hash partitioning into ``n`` partitions sends to partition ``k``.

    ``repartition(n, bucket)`` hashes the bucket numbers, so two chunks may share a partition
    (and run one after the other in one task) while another partition stays empty; partitioning
    by ``v[bucket]`` gives each chunk a partition of its own. The partition of a long ``v`` is
    ``pmod(hash(v), n)`` (Murmur3, seed 42); were that ever to change, chunks could share
    partitions again, which costs time but not correctness.
    """
    keys: dict[int, int] = {}
    v = 0
    while len(keys) < n:
        keys.setdefault(murmur3_long(v) % n, v)
        v += 1
    return [keys[k] for k in range(n)]
