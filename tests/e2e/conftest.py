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
