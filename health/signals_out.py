"""The seam where health tells the rest of the system what it saw.

The sweep calls ``notify`` on every job or source state flip, on a data source
going stale, on a score dropping, and on the weekly report being written.
Today it does nothing: the event outbox (``emit(type, payload)``) will be
called from here, in the sweep's transaction, so webhooks and Slack learn of
these moments without the sweep knowing about them.

``kind`` is one of ``job.flipped``, ``source.stale``, ``score.dropped`` and
``report.written``; ``payload`` is JSON-ready (ids, names, ISO times, numbers).
"""


def notify(kind: str, payload: dict) -> None:
    """Hand one health event to whoever listens (nobody yet)."""
