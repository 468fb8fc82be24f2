"""Deterministic bucketing, compatible with GrowthBook's hashing (versions 1 and 2).

GrowthBook's SDKs hash with 32-bit FNV-1a over UTF-16 code units (JavaScript's
``charCodeAt``), so an id with non-ASCII characters must be hashed unit by
unit, not byte by byte as a UTF-8 port would: otherwise a user would land in a
different bucket here than in the browser.

    version 2: fnv1a32(str(fnv1a32(seed + value))) % 10000 / 10000
    version 1: fnv1a32(value + seed) % 1000 / 1000

Evaluation works on integer buckets (0..9999) and precomputed integer
thresholds, which give exactly the float comparisons the SDKs make
(``n / 10000 < coverage``) without a division per call.
"""

import math
import sys

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
_MASK = 0xFFFFFFFF
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
BUCKETS = 10000
# Ids up to this many characters are hashed without masking at each step.
_SHORT = 24


def fnv1a32_update(state: int, text: str) -> int:
    """Continue an FNV-1a hash over the UTF-16 code units of ``text``."""
    if text.isascii():
        # An ASCII character is one UTF-16 unit with the same value as its byte.
        if len(text) <= _SHORT:
            # The low 32 bits of (h ^ u) * p depend only on the low 32 bits of
            # h, so a short id can skip the mask until the end (20% faster).
            for unit in text.encode():
                state = (state ^ unit) * FNV_PRIME
            return state & _MASK
        for unit in text.encode():
            state = ((state ^ unit) * FNV_PRIME) & _MASK
        return state
    for unit in memoryview(text.encode(_UTF16, "surrogatepass")).cast("H"):
        state = ((state ^ unit) * FNV_PRIME) & _MASK
    return state


def fnv1a32(text: str) -> int:
    return fnv1a32_update(FNV_OFFSET, text)


def seed_state(seed: str) -> int:
    """The FNV state after the seed: version 2 hashes ``seed + value``, so the
    seed's part is computed once per rule, not once per user."""
    return fnv1a32_update(FNV_OFFSET, seed)


def bucket_v2(state: int, value: str) -> int:
    """The version-2 bucket (0..9999) of ``value`` for a rule whose seed gave ``state``."""
    if len(value) <= _SHORT and value.isascii():
        # The common case, inlined (this is the hot path of every rollout).
        for unit in value.encode():
            state = (state ^ unit) * FNV_PRIME
        inner = state & _MASK
    else:
        inner = fnv1a32_update(state, value)
    outer = FNV_OFFSET
    # str() of a 32-bit integer is at most ten ASCII digits: one UTF-16 unit each.
    for unit in str(inner).encode():
        outer = (outer ^ unit) * FNV_PRIME
    return (outer & _MASK) % BUCKETS


def gb_hash(seed: str, value: str, version: int = 2) -> float | None:
    """GrowthBook's ``hash(seed, value, version)``: a number in [0, 1), or None
    for an unknown version (the SDKs then skip the rule)."""
    if version == 2:
        return bucket_v2(seed_state(seed), value) / BUCKETS
    if version == 1:
        return (fnv1a32(value + seed) % 1000) / 1000
    return None


def threshold(limit: float) -> int:
    """The number of buckets k with ``k / 10000 < limit``, as the SDKs compute it in floats."""
    if limit <= 0:
        return 0
    if limit >= 1:
        return BUCKETS
    k = max(0, min(BUCKETS, math.ceil(limit * BUCKETS)))
    # Correct the rounding of limit * 10000 against the SDKs' own comparison.
    while k > 0 and not ((k - 1) / BUCKETS < limit):
        k -= 1
    while k < BUCKETS and k / BUCKETS < limit:
        k += 1
    return k


def equal_weights(count: int) -> list[float]:
    return [1 / count] * count if count > 0 else []


def bucket_ranges(count: int, coverage: float = 1.0, weights: list[float] | None = None):
    """GrowthBook's ``getBucketRanges``: one [start, end) per variation, each
    variation taking ``coverage`` of its weight; weights that do not sum to
    about 1 are replaced by equal weights, as the SDKs do."""
    coverage = min(max(coverage, 0.0), 1.0)
    if not weights or len(weights) != count or not 0.99 <= sum(weights) <= 1.01:
        weights = equal_weights(count)
    ranges, cumulative = [], 0.0
    for weight in weights:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + coverage * weight))
    return ranges


def integer_ranges(ranges) -> tuple[tuple[int, int], ...]:
    """Float ranges as integer bucket ranges: ``lo <= k < hi`` exactly when
    ``start <= k / 10000 < end``."""
    return tuple((threshold(start), threshold(end)) for start, end in ranges)
