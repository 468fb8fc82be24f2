"""Admin pages at 1,400 px in Chromium: nothing pushed out of view.

Each page is served by the live server and opened by a logged-in superuser;
the page and its result table must not scroll sideways (scrollWidth within
clientWidth). A screenshot of each is saved with the test output.
"""

import datetime as dt

import pytest
from django.utils import timezone

from flags.models import Experiment
from tests.e2e.conftest import WIDTH
from tests.factories import BacklogTicketFactory, UserFactory
from tests.flags.conftest import ExperimentFactory, FlagFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]
LONG_TITLE = (
    "Reconcile the Shopify payout report with the daily metrics when refunds land on a later day "
    "than their orders, including partial refunds and chargebacks across currencies"
)


@pytest.fixture(autouse=True)
def orm_beside_the_browser(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls here are plain sync."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def widths(tab, selector: str) -> dict:
    return tab.evaluate(
        """(selector) => {
            const page = document.documentElement;
            const table = document.querySelector(selector);
            return {page: [page.scrollWidth, page.clientWidth],
                    table: table ? [table.scrollWidth, table.clientWidth] : null};
        }""",
        selector,
    )


def assert_fits(tab, selector: str, name: str, output_dir) -> None:
    tab.screenshot(path=str(output_dir / f"{name}-1400.png"), full_page=True)
    seen = widths(tab, selector)
    assert seen["table"] is not None, f"{selector} is not on the page"
    assert seen["page"][0] <= seen["page"][1], f"the page scrolls sideways: {seen['page']}"
    assert seen["table"][0] <= seen["table"][1], f"{selector} scrolls sideways: {seen['table']}"


def test_the_backlog_list_fits_with_a_long_title(page, live_server, output_dir):
    owner = UserFactory(username="a.very.long.owner.name@example.com")
    ticket = BacklogTicketFactory(key="finance_payout_reconciliation", title=LONG_TITLE, owner=owner)
    BacklogTicketFactory(key="short", title="Short one", due_date=dt.date(2026, 5, 1))
    page.goto(f"{live_server.url}/admin/bizops/backlogticket/")

    assert_fits(page, "#changelist-form .results", "backlog-list", output_dir)
    header = page.locator("#result_list thead th.column-age_days")
    assert header.is_visible() and header.bounding_box()["x"] + header.bounding_box()["width"] <= WIDTH
    title = page.locator(f"#result_list td.field-short_title [title='{LONG_TITLE}']")
    assert title.count() == 1, "the full title is kept for hovering"
    line = float(title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20"))
    assert title.bounding_box()["height"] <= 2 * line + 2, "the title is cut to at most two lines"
    assert ticket.key in page.content()


def test_the_experiments_list_shows_the_decision(page, live_server, output_dir):
    owner = UserFactory(username="growth.team.lead@example.com")
    flag = FlagFactory(key="checkout-copy-with-a-rather-long-key")
    for n in range(3):
        ExperimentFactory(
            key=f"checkout-copy-variant-{n}-long-key",
            name=f"Checkout copy that says free returns and next day shipping, round {n}",
            flag=flag,
            owner=owner,
            status=Experiment.Status.RUNNING,
            started_at=timezone.now(),
            impact=8,
            confidence=7,
            ease=6,
        )
    page.goto(f"{live_server.url}/admin/flags/experiment/")

    assert_fits(page, "#changelist-form .results", "experiments-list", output_dir)
    header = page.locator("#result_list thead th.column-decision")
    box = header.bounding_box()
    assert box and box["x"] + box["width"] <= WIDTH, f"Decision is cut off: {box}"


def test_the_flag_rule_reference_fits(page, live_server, output_dir):
    flag = FlagFactory(key="new-checkout")
    page.goto(f"{live_server.url}/admin/flags/flag/{flag.pk}/change/")

    assert_fits(page, ".field-rule_reference .readonly", "flag-rule-reference", output_dir)
    reference = page.locator(".field-rule_reference pre")
    box = reference.bounding_box()
    assert box["x"] + box["width"] <= WIDTH, f"the rule reference is cut off: {box}"
    assert reference.evaluate("e => e.scrollWidth <= e.clientWidth"), "the examples scroll sideways"


def test_the_import_preview_shows_the_reason_of_a_bad_row(page, live_server, output_dir, tmp_path):
    upload = tmp_path / "tickets.csv"
    upload.write_text(
        "key,title,priority,status,owner\n"
        "good_one,A fine ticket,p1,ready,\n"
        f'bad_one,"{LONG_TITLE}",p9,ready,\n'
    )
    page.goto(f"{live_server.url}/admin/bizops/backlogticket/import/")
    page.set_input_files("input[type=file]", str(upload))
    page.select_option("select[name=format]", label="csv")
    page.click("input[type=submit]")
    page.wait_for_selector("table.import-preview")

    assert_fits(page, "table.import-preview", "import-error", output_dir)
    row = page.locator("table.import-preview tbody tr").filter(has_text="bad_one")
    reason = row.get_by_text("unknown value 'p9'")
    assert reason.count() >= 1 and reason.first.is_visible(), "the reason is shown in the row"
    errors = page.locator(".import-row-errors").get_by_text("unknown value 'p9'")
    assert errors.first.is_visible(), "the reason is listed under the table"
