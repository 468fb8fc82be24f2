import pytest

from health import registry


@pytest.fixture
def only_these_jobs(monkeypatch):
    """Replace the registry's jobs with the given specs for one test; no sources, checks or promises."""

    def use(*specs):
        monkeypatch.setattr(registry, "_jobs", {s.name: s for s in specs})
        monkeypatch.setattr(registry, "_checks", {})
        monkeypatch.setattr(registry, "_families", {})
        monkeypatch.setattr(registry, "_sources", {})
        monkeypatch.setattr(registry, "_promises", {})
        monkeypatch.setattr(registry, "_problems", {})

    return use
