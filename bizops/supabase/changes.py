"""What a comparison yields: changes the delta makes, findings it only reports."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bizops.core.declaration import TableSecurity
    from bizops.supabase.catalog import Snapshot

# Order of statements in a delta: what a statement needs comes before it.
SCHEMA, EXTENSION, TABLE, COLUMN, CONSTRAINT, INDEX_DROP, INDEX, RLS, PRIVILEGE, POLICY_DROP, POLICY = range(
    11
)

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Statement:
    phase: int
    sql: str


@dataclass(frozen=True)
class Change:
    """Something missing or different, with the statements that put it right."""

    code: str
    target: str
    message: str
    statements: tuple[Statement, ...]
    hazard: str = ""
    table: str = ""  # the table the statements alter, if any

    @property
    def fix(self) -> str:
        first = next((s.sql for s in self.statements if not s.sql.startswith("DO ")), self.statements[0].sql)
        line = " ".join(first.split())
        return line if len(line) <= 120 else line[:117] + "..."


@dataclass(frozen=True)
class Finding:
    """Something the delta reports but does not change."""

    severity: str
    code: str
    target: str
    message: str
    fix: str = ""


@dataclass
class Delta:
    """The comparison of the declaration and the model state with one database."""

    database: str
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Problems that forbid making a delta at all (missing roles, undeclared tables).
    blockers: list[Finding] = field(default_factory=list)
    statements_sent: int = 0
    snapshot: "Snapshot | None" = None
    declared: "dict[str, TableSecurity]" = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.changes

    def statements(self) -> list[str]:
        ordered = sorted(
            (statement for change in self.changes for statement in change.statements), key=lambda s: s.phase
        )
        unique = dict.fromkeys(statement.sql for statement in ordered)
        return list(unique)
