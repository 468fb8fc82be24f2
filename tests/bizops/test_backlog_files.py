"""Backlog tickets as Markdown files: `manage.py backlog import|export DIR`."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bizops.core.backlog_files import BacklogFileError, export_dir, import_dir
from bizops.core.models import BacklogTicket
from health.models import JobRun
from tests.factories import BacklogTicketFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "bizops" / "core" / "fixtures" / "backlog"
FIELDS = [
    "key",
    "title",
    "priority",
    "status",
    "owner_id",
    "target_week",
    "due_date",
    "kpi",
    "target",
    "signal_30d",
    "acceptance_criteria",
    "body",
    "created_at",
    "done_at",
]


def snapshot():
    return [tuple(getattr(t, f) for f in FIELDS) for t in BacklogTicket.objects.order_by("key")]


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_the_sample_backlog_holds_the_five_ready_tickets_of_the_plan(db):
    result = import_dir(FIXTURES)
    assert result.created == 5
    tickets = {t.key: t for t in BacklogTicket.objects.all()}
    assert set(tickets) == {
        "analytics_infrastructure",
        "stripe_billing_integration",
        "retention_campaigns",
        "activation_definition",
        "usage_limit_enforcement",
    }
    assert {t.status for t in tickets.values()} == {"ready"}
    assert tickets["usage_limit_enforcement"].priority == "P1"
    assert tickets["analytics_infrastructure"].target_week == "Week 1"


def test_export_then_import_gives_the_same_tickets(tmp_path, django_user_model):
    owner = UserFactory(username="maya")
    BacklogTicketFactory(
        key="checkout_speed",
        owner=owner,
        due_date="2026-12-04",
        kpi="Conversion",
        target="at least 3.5 %",
        acceptance_criteria="- [ ] one\n- [ ] two",
        body="## Why\n\nLine: with colon\n",
    )
    BacklogTicketFactory(key="faq_page", status="done", priority="P3", target_week="Week 2")
    before = snapshot()
    export_dir(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DONE_faq_page.md", "READY_checkout_speed.md"]

    BacklogTicket.objects.all().delete()
    result = import_dir(tmp_path)
    assert result.created == 2
    after = snapshot()
    assert [row[:-3] for row in after] == [row[:-3] for row in before]
    assert [r[-3].strip() for r in after] == [r[-3].strip() for r in before]  # body
    assert [r[-2:] for r in after] == [r[-2:] for r in before]  # created_at, done_at

    again = import_dir(tmp_path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_export_replaces_the_file_of_a_ticket_whose_status_changed(tmp_path):
    ticket = BacklogTicketFactory(key="checkout_speed", status="ready")
    export_dir(tmp_path)
    ticket.status = "in_progress"
    ticket.save()
    export_dir(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["IN_PROGRESS_checkout_speed.md"]


def test_the_status_and_key_may_come_from_the_file_name(tmp_path):
    write(tmp_path, "BLOCKED_vendor_contract.md", "---\ntitle: Vendor contract\npriority: P1\n---\nBody\n")
    import_dir(tmp_path)
    ticket = BacklogTicket.objects.get()
    assert (ticket.key, ticket.status, ticket.body) == ("vendor_contract", "blocked", "Body")


def test_a_bad_file_names_each_problem_and_imports_nothing(tmp_path):
    write(tmp_path, "READY_good.md", "---\ntitle: Good\npriority: P1\n---\nok\n")
    write(tmp_path, "READY_bad_priority.md", "---\ntitle: Bad\npriority: P7\n---\n")
    write(tmp_path, "READY_bad_owner.md", "---\ntitle: Bad\nowner: ghost\n---\n")
    write(tmp_path, "READY_dupe.md", "---\nkey: good\ntitle: Dupe\n---\n")
    write(tmp_path, "READY_typo.md", "---\ntitle: Typo\npriorty: P1\n---\n")
    with pytest.raises(BacklogFileError) as caught:
        import_dir(tmp_path)
    problems = caught.value.problems
    assert "READY_bad_priority.md: unknown value 'P7'; expected one of P0, P1, P2, P3" in problems
    assert "READY_bad_owner.md: unknown owner 'ghost': no user has that username" in problems
    assert "READY_good.md: duplicate key 'good' (also in READY_dupe.md)" in problems
    assert any(p.startswith("READY_typo.md: unknown field(s) priorty") for p in problems)
    assert BacklogTicket.objects.count() == 0


def test_the_command_imports_exports_and_records_its_runs(tmp_path, capsys):
    call_command("backlog", "import", str(FIXTURES))
    assert "created 5, updated 0, unchanged 0" in capsys.readouterr().out
    call_command("backlog", "export", str(tmp_path))
    assert "exported 5 ticket(s)" in capsys.readouterr().out
    assert len(list(tmp_path.glob("READY_*.md"))) == 5
    runs = JobRun.objects.order_by("started_at")
    assert [(r.job, r.trigger, r.status, r.rows_written) for r in runs] == [
        ("backlog.import", "command", "succeeded", 5),
        ("backlog.export", "command", "succeeded", 5),
    ]


def test_the_command_dry_run_writes_nothing(capsys):
    call_command("backlog", "import", str(FIXTURES), "--dry-run")
    assert "dry run: would have created 5" in capsys.readouterr().out
    assert BacklogTicket.objects.count() == 0


def test_the_command_fails_with_the_problems_listed(tmp_path, capsys):
    write(tmp_path, "READY_x.md", "---\ntitle: X\nstatus: shipped\n---\n")
    with pytest.raises(CommandError, match=r"nothing imported: 1 file\(s\) with problems"):
        call_command("backlog", "import", str(tmp_path))
    assert "READY_x.md: unknown value 'shipped'" in capsys.readouterr().err
    assert JobRun.objects.get().status == "failed"


def test_the_command_refuses_a_folder_of_more_files_than_the_limit(tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 2
    for n in range(3):
        write(tmp_path, f"READY_t{n}.md", f"---\ntitle: T{n}\n---\n")
    with pytest.raises(CommandError) as caught:
        call_command("backlog", "import", str(tmp_path))
    assert str(caught.value) == (
        f"nothing imported from {tmp_path}: the folder has 3 files; at most 2 files per import"
    )
    assert BacklogTicket.objects.count() == 0


def test_the_command_refuses_files_over_the_size_limit_together(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024
    write(tmp_path, "READY_a.md", "---\ntitle: A\n---\n" + "a" * 600)
    write(tmp_path, "READY_b.md", "---\ntitle: B\n---\n" + "b" * 600)
    with pytest.raises(CommandError, match=r": the \.md files total 1\.2 KB; at most 1 KB per import$"):
        call_command("backlog", "import", str(tmp_path))
    assert BacklogTicket.objects.count() == 0
