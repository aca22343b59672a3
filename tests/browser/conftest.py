"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against `live_server`.

Chromium is launched once per session; every test gets a fresh context (cookies, storage) in
Chinese, as a receptionist's browser is. The browser is Debian's (/usr/bin/chromium, installed
by scripts/ensure-chromium.sh) — Playwright never downloads one here.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
# Root needs --no-sandbox; the rest keep Chromium from calling out of this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is absent (scripts/ensure-chromium.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, django_db_serialized_rollback):
    """A fresh tab on the live server.

    `live_server` flushes the database after each test, which would also drop the SOP roles
    that a migration creates; serialized rollback puts them back before every browser test.
    """
    # The restored roles can miss grants made after the snapshot (every browser test but the
    # first failed with 403); re-apply the role grants as `manage.py sync_roles` does.
    call_command("sync_roles", verbosity=0)
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot to test-artifacts/<test name>-<step>.png (gitignored)."""

    def take(step: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
