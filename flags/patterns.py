"""Regular expressions in targeting rules: checked on save, matched in linear time.

A rule's ``regex`` runs on every evaluation, in the request path, on a value
the visitor controls (an email, a user agent). A backtracking engine can take
exponential time there: ``(a+)+$`` needs 21 s on 27 characters with Python's
``re``. So:

- on save, a pattern is refused when it nests a repeat inside a repeat (the
  classic catastrophic shape) or uses what a linear-time engine cannot run
  (backreferences, lookahead/lookbehind), naming the rule and field;
- on evaluation, it runs on RE2 (``google-re2``: linear in the input, no
  backtracking at all), so even a stored pattern that predates these checks
  cannot stall a request; and the value is cut to
  ``FLAGS_MAX_ATTRIBUTE_LENGTH`` characters first, which bounds the work per
  condition.

GrowthBook's SDKs run the same pattern with their language's engine; for the
patterns accepted here (no backreferences nor lookarounds) RE2 agrees with them.
"""

import re
from re import _constants as sre_constants  # the parser's opcodes: public in sre_constants until 3.11
from re import _parser as sre_parse  # sre_parse is deprecated; same module

import re2
from django.conf import settings

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to the user, not to stderr


class PatternError(ValueError):
    """A pattern that is refused, with the reason."""


def _repeats(pattern) -> bool:
    """Whether a parsed pattern repeats anything more than once, at any depth."""
    return any(
        (op in _REPEATS and arg[1] > 1) or any(_repeats(child) for child in _children(op, arg))
        for op, arg in pattern
    )


def _children(op, arg) -> list:
    if op in _REPEATS:
        return [arg[2]]
    if op == sre_constants.SUBPATTERN:
        return [arg[3]]
    if op == sre_constants.BRANCH:
        return list(arg[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [arg[1]]
    if op == sre_constants.ATOMIC_GROUP:
        return [arg]
    if op == sre_constants.GROUPREF_EXISTS:
        return [branch for branch in arg[1:] if branch is not None]
    return []


def _nested_repeat(pattern) -> bool:
    """Whether a repeat (more than once) contains another repeat (more than once)."""
    for op, arg in pattern:
        if op in _REPEATS and arg[1] > 1 and _repeats(arg[2]):
            return True
        if any(_nested_repeat(child) for child in _children(op, arg)):
            return True
    return False


def check(pattern: str) -> None:
    """Raise ``PatternError`` unless ``pattern`` is safe to run on every request."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        raise PatternError(f"regular expression does not compile: {exc}") from None
    except RecursionError:
        raise PatternError("regular expression is nested too deeply") from None
    if _nested_repeat(parsed):
        raise PatternError(
            f"regular expression {pattern!r} nests a repeat inside a repeat (like (a+)+), which can "
            "take exponential time; write it without the inner repeat"
        )
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error:
        raise PatternError(
            f"regular expression {pattern!r} uses a feature linear-time matching cannot run "
            "(backreferences, lookahead or lookbehind)"
        ) from None


def compile_search(pattern: str):
    """A function of a string that says whether ``pattern`` occurs in its first
    ``FLAGS_MAX_ATTRIBUTE_LENGTH`` characters; None when RE2 cannot run it (a
    pattern stored before the checks above: it then matches nothing)."""
    try:
        compiled = re2.compile(pattern, _OPTIONS)
    except re2.error:
        return None
    limit = settings.FLAGS_MAX_ATTRIBUTE_LENGTH
    return lambda value: compiled.search(value[:limit]) is not None
