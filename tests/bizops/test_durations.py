from datetime import timedelta

import pytest

from bizops.core.durations import human


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (timedelta(seconds=1.172553), "1.2 s"),
        (timedelta(seconds=0.04), "0.0 s"),
        (timedelta(seconds=59.94), "59.9 s"),
        (timedelta(minutes=3, seconds=4.4), "3 min 4 s"),
        (timedelta(hours=2, minutes=5, seconds=9), "2 h 5 min"),
        (None, "-"),
    ],
)
def test_durations_read_as_people_say_them(value, shown):
    assert human(value) == shown
