"""Shopify's search syntax, for the sandbox's ``orders(query:)``: date filters with AND, OR, NOT.

The grammar (https://shopify.dev/docs/api/usage/search-syntax)::

    Query      = Term { [ whitespace Connective ] whitespace Term }
    Connective = "AND" | "OR"            (none between two terms: AND)
    Term       = [ Modifier ] ( "(" Query ")" | [ name Comparator ] value )
    Modifier   = "-" | "NOT" whitespace
    Comparator = ":" | ":<" | ":>" | ":<=" | ":>="

Values are bare or quoted (single or double quotes); dates must be quoted.
AND binds tighter than OR. Only the order fields the connector filters on
are known (``created_at``, ``updated_at``, ``processed_at``), with full
timestamps: anything else is refused with ``SearchError`` instead of being
guessed at, so a test of a query the sandbox cannot evaluate fails loudly.
"""

import re
from collections.abc import Callable
from datetime import datetime

FIELDS = {"created_at": "created_at", "updated_at": "updated_at", "processed_at": "created_at"}
TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) |
        (?P<term>-?[A-Za-z_]+(?::(?:<=|>=|<|>)?)(?:'[^']*'|"[^"]*"|[^\s()]+))
        | (?P<word>[^\s()]+)
    )""",
    re.VERBOSE,
)
TERM = re.compile(r"""(?P<neg>-)?(?P<name>[A-Za-z_]+):(?P<op><=|>=|<|>)?(?P<value>.+)""", re.DOTALL)
COMPARE = {
    "": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}

Predicate = Callable[[object], bool]


class SearchError(ValueError):
    pass


def tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise SearchError(f"cannot read the search query at {text[position:]!r}")
        kind = match.lastgroup
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def timestamp(value: str) -> datetime:
    text = value.strip("'\"") if value[:1] in "'\"" else value
    if value[:1] not in "'\"":
        raise SearchError(f"date values must be quoted: {value}")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchError(f"{value} is not a timestamp") from None
    if moment.tzinfo is None:
        raise SearchError(f"{value} has no time zone")
    return moment


def term(text: str) -> Predicate:
    match = TERM.fullmatch(text)
    if not match:
        raise SearchError(f"free-text search ({text!r}) is not supported by the sandbox")
    field = FIELDS.get(match["name"])
    if field is None:
        raise SearchError(f"the sandbox knows no order search field {match['name']!r}")
    op, bound = COMPARE[match["op"] or ""], timestamp(match["value"])
    test = lambda order: op(getattr(order, field), bound)  # noqa: E731
    return (lambda order: not test(order)) if match["neg"] else test


class Parser:
    def __init__(self, text: str):
        self.items = tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self) -> tuple[str, str]:
        item = self.items[self.at]
        self.at += 1
        return item

    def query(self) -> Predicate:
        """OR of AND-groups: ``a b OR c`` is ``(a AND b) OR c``."""
        groups = [self.conjunction()]
        while self.peek() == ("word", "OR"):
            self.take()
            groups.append(self.conjunction())
        return lambda order: any(group(order) for group in groups)

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() not in (None, ("close", ")"), ("word", "OR")):
            if self.peek() == ("word", "AND"):
                self.take()
            parts.append(self.unary())
        return lambda order: all(part(order) for part in parts)

    def unary(self) -> Predicate:
        if self.peek() is None:
            raise SearchError("the search query ends where a term was expected")
        kind, text = self.take()
        if (kind, text) in (("word", "NOT"), ("word", "-")):
            inner = self.unary()
            return lambda order: not inner(order)
        if kind == "open":
            inner = self.query()
            if self.peek() != ("close", ")"):
                raise SearchError("unbalanced parentheses in the search query")
            self.take()
            return inner
        if kind == "term":
            return term(text)
        raise SearchError(f"unexpected {text!r} in the search query")


def compile_search(text: str) -> Predicate:
    """A predicate over sandbox orders; an empty query matches every order."""
    if not (text or "").strip():
        return lambda order: True
    parser = Parser(text)
    predicate = parser.query()
    if parser.peek() is not None:
        raise SearchError(f"unexpected {parser.peek()[1]!r} in the search query")
    return predicate
