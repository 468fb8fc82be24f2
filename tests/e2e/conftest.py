from pathlib import Path

import pytest

from tests.services import chromium_path

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@pytest.fixture
def browser():
    """Debian's Chromium, headless, driven by Playwright (skipped loudly when missing)."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


WIDTH = 1400
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture
def page(monkeypatch, browser, live_server):
    """A superuser signed in to the live server's admin, in a 1,400 px wide tab."""
    from tests.factories import UserFactory

    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    UserFactory(username="admin", is_superuser=True)
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    tab = context.new_page()
    tab.goto(f"{live_server.url}/admin/login/")
    tab.fill("#id_username", "admin")
    tab.fill("#id_password", PASSWORD)
    tab.click("input[type=submit]")
    tab.wait_for_url(f"{live_server.url}/admin/")
    yield tab
    context.close()
