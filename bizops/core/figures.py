"""A report's figures (its JSON) as rows a person reads: key, then the value written compactly."""

import json


def compact(value) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def rows(figures) -> list[tuple[str, str]]:
    if isinstance(figures, dict):
        return [(str(key), compact(value)) for key, value in figures.items()]
    if figures in (None, [], ""):
        return []
    return [("", compact(figures))]
