"""``verify_db``: every required object checked, plus Supabase's advisor rules, one line per problem.

A problem is an ``error`` (the exit status is non-zero), a ``warning`` or an
``info``; each names its object and how to fix it. What the delta would
change is an error here: the database does not match the declaration.
"""

from dataclasses import asdict, dataclass, field

import psycopg

from bizops.supabase.changes import ERROR, INFO, WARNING, Delta
from bizops.supabase.diff import Config, plan
from bizops.supabase.lint import advisor_findings

SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Problem:
    severity: str
    code: str
    target: str
    message: str
    fix: str

    def line(self) -> str:
        text = f"{self.severity.upper():<7} {self.code}: {self.target}: {self.message}"
        return f"{text} | fix: {self.fix}" if self.fix else text


@dataclass
class Report:
    database: str
    connection_role: str
    role_bypasses_rls: bool
    problems: list[Problem] = field(default_factory=list)
    statements_sent: int = 0

    def count(self, severity: str) -> int:
        return sum(1 for problem in self.problems if problem.severity == severity)

    @property
    def ok(self) -> bool:
        return self.count(ERROR) == 0

    def summary(self) -> str:
        return (
            f"verify_db: {self.count(ERROR)} errors, {self.count(WARNING)} warnings, "
            f"{self.count(INFO)} notes in {self.database}"
        )

    def as_dict(self) -> dict:
        return {
            "database": self.database,
            "connection_role": self.connection_role,
            "role_bypasses_rls": self.role_bypasses_rls,
            "ok": self.ok,
            "errors": self.count(ERROR),
            "warnings": self.count(WARNING),
            "notes": self.count(INFO),
            "problems": [asdict(problem) for problem in self.problems],
        }


def problems_of(delta: Delta, schema: str) -> list[Problem]:
    problems = [Problem(b.severity, b.code, b.target, b.message, b.fix) for b in delta.blockers]
    problems += [
        Problem(ERROR, c.code, c.target, c.message, f"manage.py supabase_delta --apply ({c.fix})")
        for c in delta.changes
    ]
    problems += [Problem(f.severity, f.code, f.target, f.message, f.fix) for f in delta.findings]
    if delta.snapshot is not None:
        problems += [
            Problem(f.severity, f.code, f.target, f.message, f.fix)
            for f in advisor_findings(delta.snapshot, delta.declared, schema)
        ]
    unique: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        unique.setdefault((problem.code, problem.target), problem)
    return sorted(unique.values(), key=lambda p: (SEVERITY_ORDER[p.severity], p.target, p.code))


def verify(conn: psycopg.Connection, config: Config | None = None, **plan_options) -> Report:
    config = config or Config.from_settings()
    delta = plan(conn, config, **plan_options)
    snapshot = delta.snapshot
    return Report(
        database=delta.database,
        connection_role=snapshot.current_user,
        role_bypasses_rls=snapshot.bypass_rls or snapshot.superuser,
        problems=problems_of(delta, config.schema),
        statements_sent=delta.statements_sent,
    )
