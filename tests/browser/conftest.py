"""One headless Chromium for the browser tests: Debian's `chromium` driven through its own
`chromedriver` (scripts/setup-browser.sh installs both), never anything downloaded.

Where there is no Chromium (or no Selenium) the tests skip and say why; under
``CACI_BROWSER_REQUIRED=1`` (set by .ci/run) they fail instead, so CI cannot pass by
skipping them.

The browser and the written site are per test process: under pytest-xdist the root
conftest puts these tests at the front of one worker's share, so one browser starts;
`pytest -n 0 tests/browser` runs them alone in one process (with `-n 4` alone, four).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests.browser.viewing import DESKTOP_HEIGHT, DESKTOP_WIDTH

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = Path(os.environ.get("CACI_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CACI_CHROMEDRIVER", "/usr/bin/chromedriver"))


def _no_browser(reason: str) -> NoReturn:
    if os.environ.get("CACI_BROWSER_REQUIRED") == "1":
        pytest.fail(f"CACI_BROWSER_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _why_no_browser() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (path.is_file() and os.access(path, os.X_OK)):
            return (
                f"no headless browser: {path} is missing"
                " (scripts/setup-browser.sh, run as root, installs it)"
            )
    return None


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """A headless Chromium at desktop size, with its console log kept; one per worker."""
    reason = _why_no_browser()
    if reason:
        _no_browser(reason)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _no_browser("selenium is not installed (it is in the dev extras)")
    # Selenium Manager is skipped when the driver's path is given; offline in case not.
    os.environ["SE_OFFLINE"] = "true"
    os.environ["SE_AVOID_STATS"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # we may run as root, where Chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--window-size={DESKTOP_WIDTH},{DESKTOP_HEIGHT}",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    log = tmp_path_factory.getbasetemp() / "chromedriver.log"
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(log))
    # A browser that is installed but does not start fails the tests: that is a fault to
    # see, not a missing package.
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
