"""Bucketing agrees with GrowthBook's published hash cases."""

import pytest

from flags import hashing

# growthbook/growthbook-python tests/cases.json (spec 0.7.1), "hash": (seed, value, version, n).
# The same vectors ship with every GrowthBook SDK as its conformance suite.
PUBLISHED_HASH_CASES = [
    ("", "a", 1, 0.22),
    ("", "b", 1, 0.077),
    ("b", "a", 1, 0.946),
    ("ef", "d", 1, 0.652),
    ("asdf", "8952klfjas09ujk", 1, 0.549),
    ("", "123", 1, 0.011),
    ("", '___)((*":&', 1, 0.563),
    ("seed", "a", 2, 0.0505),
    ("seed", "b", 2, 0.2696),
    ("foo", "ab", 2, 0.2575),
    ("foo", "def", 2, 0.2019),
    ("89123klj", "8952klfjas09ujkasdf", 2, 0.124),
    ("90850943850283058242805", "123", 2, 0.7516),
    ("()**(%$##$%#$#", '___)((*":&', 2, 0.0128),
    ("abc", "def", 99, None),
]
# cases.json "getBucketRange": (count, coverage, weights) -> ranges.
PUBLISHED_BUCKET_RANGES = [
    ((2, 1, None), [(0, 0.5), (0.5, 1)]),
    ((2, 0.5, None), [(0, 0.25), (0.5, 0.75)]),
    ((2, 0, None), [(0, 0), (0.5, 0.5)]),
    ((4, 1, None), [(0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1)]),
    ((2, 1, [0.4, 0.6]), [(0, 0.4), (0.4, 1)]),
    ((3, 1, [0.2, 0.3, 0.5]), [(0, 0.2), (0.2, 0.5), (0.5, 1)]),
    ((2, 1, [0.7, 0.6]), [(0, 0.5), (0.5, 1)]),  # weights not summing to 1: equal weights
    ((2, 1, [0.4, 0.1, 0.5]), [(0, 0.5), (0.5, 1)]),  # wrong count: equal weights
]


@pytest.mark.parametrize(("seed", "value", "version", "expected"), PUBLISHED_HASH_CASES)
def test_it_reproduces_growthbooks_published_hash_cases(seed, value, version, expected):
    assert hashing.gb_hash(seed, value, version) == expected


@pytest.mark.parametrize(("args", "expected"), PUBLISHED_BUCKET_RANGES)
def test_it_reproduces_growthbooks_published_bucket_ranges(args, expected):
    got = hashing.bucket_ranges(*args)
    assert [(round(a, 6), round(b, 6)) for a, b in got] == expected


def test_it_hashes_utf16_code_units_not_utf8_bytes():
    # "é" is one UTF-16 unit (0xE9) but two UTF-8 bytes; "😀" is two units (a surrogate pair).
    units = [0xE9, 0xD83D, 0xDE00]
    state = hashing.FNV_OFFSET
    for unit in units:
        state = ((state ^ unit) * hashing.FNV_PRIME) & 0xFFFFFFFF
    assert hashing.fnv1a32("é😀") == state
    assert hashing.fnv1a32("a") == 0xE40C292C


def test_it_turns_a_coverage_into_the_bucket_count_the_sdks_compare_against():
    for coverage in [0, 0.0001, 0.1, 0.3333, 0.5, 0.57, 0.999, 1]:
        limit = hashing.threshold(coverage)
        assert all((k / 10000 < coverage) == (k < limit) for k in range(10000)), coverage
