"""The browser checks can fail: each sees the fault it looks for on a small page made to
have it, so that a site passing them has passed something."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import viewing

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

HEAD = '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faulty-pages")
    for name, body in {
        "wide.html": f'{HEAD}<h1>Wide</h1><pre style="width:900px">{"x" * 200}</pre>',
        "no-viewport.html": '<meta charset="utf-8"><h1>No viewport</h1><p>Text.</p>',
        "noisy.html": f'{HEAD}<h1>Noisy</h1><img src="missing.png" alt="gone">',
        "alerting.html": f"{HEAD}<h1>Alerting</h1><script>alert(1)</script>",
        "plain.html": f'{HEAD}<h1>Plain</h1><p>Text and <a href="wide.html">a link</a>.</p>',
        "dark.html": f"{HEAD}<style>@media (prefers-color-scheme: dark) "
        "{ body { background: #111; } }</style><h1>Dark</h1>",
        "chart.html": f'{HEAD}<h1>Chart</h1><svg width="300" height="100" role="img">'
        '<title>Matches per week</title><rect width="300" height="100"/>'
        '<text x="10" y="50" font-size="14">inside</text>'
        '<text x="290" y="50" font-size="14">cut off</text></svg>',
    }.items():
        (root / name).write_text(body, encoding="utf-8")
    return root


def test_sideways_scrolling_at_phone_width_is_seen(browser: WebDriver, pages: Path) -> None:
    with viewing.phone(browser):
        viewing.load(browser, (pages / "wide.html").as_uri())
        assert not viewing.widths(browser).fits_a_phone
        assert any(w.startswith("pre reaches") for w in viewing.widest_elements(browser))


def test_a_page_without_a_viewport_is_laid_out_wider_than_a_phone(
    browser: WebDriver, pages: Path
) -> None:
    with viewing.phone(browser):
        viewing.load(browser, (pages / "no-viewport.html").as_uri())
        assert viewing.widths(browser).inner > viewing.PHONE_WIDTH
        assert not viewing.widths(browser).fits_a_phone
        viewing.load(browser, (pages / "chart.html").as_uri())
        assert viewing.widths(browser).fits_a_phone


def test_a_failed_load_is_a_console_error(browser: WebDriver, pages: Path) -> None:
    viewing.load(browser, (pages / "noisy.html").as_uri())
    assert any("missing.png" in e for e in viewing.console_errors(browser))
    viewing.load(browser, (pages / "chart.html").as_uri())
    assert viewing.console_errors(browser) == []


def test_a_script_that_runs_opens_an_alert(browser: WebDriver, pages: Path) -> None:
    viewing.load(browser, (pages / "alerting.html").as_uri())
    assert viewing.alert_text(browser) == "1"
    assert viewing.alert_text(browser) is None
    assert viewing.glance(browser).scripts == 1


def test_dark_mode_is_emulated_and_undone(browser: WebDriver, pages: Path) -> None:
    viewing.load(browser, (pages / "dark.html").as_uri())
    light = viewing.background(browser)
    with viewing.dark(browser):
        assert viewing.background(browser) == (17, 17, 17)
    assert viewing.background(browser) == light == (255, 255, 255)


def test_a_chart_has_its_size_and_its_title_as_its_name(browser: WebDriver, pages: Path) -> None:
    viewing.load(browser, (pages / "chart.html").as_uri())
    (chart,) = viewing.charts(browser)
    assert (chart.width, chart.height, chart.name) == (300, 100, "Matches per week")
    assert chart.visible
    labels = {label.text: label for label in viewing.chart_labels(browser)}
    assert not labels["inside"].clipped and labels["cut off"].clipped
    assert 14 <= labels["inside"].height <= 20


def test_a_glance_sees_the_heading_the_links_and_no_script(browser: WebDriver, pages: Path) -> None:
    viewing.load(browser, (pages / "plain.html").as_uri())
    seen = viewing.glance(browser)
    assert seen.headings == ["Plain"] and seen.scripts == 0 and not seen.error_page
    assert seen.levels == [1] and seen.mains == 0
    assert seen.links == [viewing.Link((pages / "wide.html").as_uri(), "a link")]


def test_a_missing_file_is_an_error_page(browser: WebDriver, pages: Path) -> None:
    viewing.load(browser, (pages / "gone.html").as_uri())
    assert viewing.is_error_page(browser)
    viewing.load(browser, (pages / "chart.html").as_uri())
    assert not viewing.is_error_page(browser)
