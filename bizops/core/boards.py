"""The dashboards the admin index links to.

Dashboards are views over every area (a floor above the ground): each one
registers here at start-up (``bizops.dashboards``' ``ready()``), and the
admin index lists what is registered, so the ground never imports them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Dashboard:
    title: str
    url_name: str
    description: str
    permission: str


_registered: dict[str, Dashboard] = {}


def register_dashboard(board: Dashboard) -> None:
    """Add ``board`` (again: replaced in place, so a second ``ready()`` adds nothing)."""
    _registered[board.url_name] = board


def registered_dashboards() -> list[Dashboard]:
    """Every registered dashboard, in the order they were registered."""
    return list(_registered.values())
