"""Fixtures of the browser tests: Debian's headless chromium driven by Playwright. Without it a
browser test is skipped, except with GRIDPATROL_REQUIRE_BROWSER=1 (CI), where it fails."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")  # Debian's (make browser-deps)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def chromium() -> Path:
    """Debian's chromium, or a skip (a failure when GRIDPATROL_REQUIRE_BROWSER=1)."""
    if not CHROMIUM.exists():
        if os.environ.get("GRIDPATROL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is required (GRIDPATROL_REQUIRE_BROWSER=1): make browser-deps")
        pytest.skip(f"{CHROMIUM} is not installed (make browser-deps installs it)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium),
                                                   args=CHROMIUM_ARGS)
        yield browser
        await browser.close()
