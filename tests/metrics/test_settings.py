"""The metrics settings stop start-up with one line naming a bad value."""

import pytest

from tests.bizops.test_settings import manage


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "METRICS_DEFAULT_GROSS_MARGIN",
            "abc",
            "METRICS_DEFAULT_GROSS_MARGIN is malformed: 'abc' is not a number",
        ),
        (
            "METRICS_DEFAULT_GROSS_MARGIN",
            "1.2",
            "METRICS_DEFAULT_GROSS_MARGIN=1.2 must be a share from 0 to below 1 [etl.E002]",
        ),
        ("METRICS_TRAILING_DAYS", "0", "METRICS_TRAILING_DAYS=0 must be between 1 and 3660 [etl.E001]"),
    ],
)
def test_a_bad_metrics_setting_stops_start_up_naming_it(name, value, message):
    result = manage("check", env={"DEBUG": "1", name: value})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"bizops: configuration error: {message}"]
