"""Execution: the backlog's flow on hand-made tickets."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bizops.audit.analyzers import execution
from bizops.audit.base import Period
from bizops.core.models import BacklogTicket
from tests.factories import BacklogTicketFactory, UserFactory

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2025, 3, 31, 12, 0, tzinfo=TORONTO)
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 28))  # 4 weeks; the previous: Feb 1 to Feb 28
S = BacklogTicket.Status


def moment(day: int, month: int = 3) -> datetime:
    return datetime(2025, month, day, 10, 0, tzinfo=TORONTO)


@time_machine.travel(NOW, tick=False)
def test_old_p0_overdue_work_and_too_much_wip_fail_their_checks():
    alice = UserFactory(username="alice")
    BacklogTicketFactory(key="old-p0", priority="P0", status=S.READY, created_at=moment(1))  # 30 days old
    BacklogTicketFactory(
        key="new-p1", priority="P1", status=S.IN_PROGRESS, owner=alice, created_at=moment(25)
    )
    for n in range(3):  # alice: 4 in progress, over the limit of 3
        BacklogTicketFactory(
            key=f"wip-{n}", priority="P2", status=S.IN_PROGRESS, owner=alice, created_at=moment(25)
        )
    BacklogTicketFactory(
        key="late", priority="P2", status=S.READY, due_date=date(2025, 3, 20), created_at=moment(2)
    )
    BacklogTicketFactory(key="done-1", status=S.DONE, done_at=moment(10), created_at=moment(1))
    BacklogTicketFactory(key="done-2", status=S.DONE, done_at=moment(20), created_at=moment(1))
    BacklogTicketFactory(key="done-before", status=S.DONE, done_at=moment(10, 2), created_at=moment(1, 2))
    result = execution.analyze(PERIOD)
    # P0/P1 fresh no (old-p0 is 30 days old, over 14); throughput held yes (2 done against 1);
    # nothing overdue no (late was due Mar 20); WIP within limit no (alice 4 > 3): 1 of 4 = 25.
    assert result.score == 25
    assert result.inputs["throughput held"] == "passed"
    assert result.inputs["in progress per owner"] == "alice 4"
    # Weekly throughput = 2 / (28 / 7) = 0.5 against the previous 1 / 4 = 0.25: no gap.
    assert (result.kpi.value, result.kpi.target, result.kpi.gap) == (Decimal("0.5"), Decimal("0.25"), 0)
    findings = {f.key: f for f in result.findings}
    assert findings["old-p0-p1"].evidence[0].rows[0]["ticket"] == "old-p0"
    assert findings["old-p0-p1"].evidence[0].rows[0]["age (days)"] == "30"
    assert findings["overdue"].evidence[0].rows[0]["due"] == "2025-03-20"
    assert findings["wip"].message.endswith("alice has 4")


def test_an_empty_backlog_is_not_enough_data():
    result = execution.analyze(PERIOD)
    assert (result.score, result.note) == (None, "not enough data: the backlog is empty")
