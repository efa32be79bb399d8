"""What a person sees of a page in the browser: its visible text, headings, links, the
chart's box and name, the console's errors, sideways scrolling, colours. The phone width
and dark mode are emulated through Chrome's DevTools protocol, and undone on leaving.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

PHONE_WIDTH = 375
PHONE_HEIGHT = 812
DESKTOP_WIDTH = 1280
DESKTOP_HEIGHT = 900


def load(driver: WebDriver, url: str) -> None:
    """Open ``url`` with the console log emptied first, so that what `console_errors`
    returns afterwards is this page's."""
    driver.get_log("browser")
    driver.get(url)


def console_errors(driver: WebDriver) -> list[str]:
    """The console's errors since the last `load` (failed loads, CSP refusals, script
    errors): Chromium reports them at level SEVERE."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def visible_text(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.body.innerText"))


_HEADINGS = (
    "return [...document.querySelectorAll(arguments[0])]"
    ".filter(h => h.getClientRects().length).map(h => h.innerText.trim())"
)
_ERROR_PAGE = (
    "const n = performance.getEntriesByType('navigation')[0];"
    "return [document.URL, n ? n.responseStatus : 0]"
)
# The name as a screen reader finds it, short of aria-labelledby.
_LINKS = (
    "return [...document.querySelectorAll('a[href]')].map(a => [a.href,"
    " a.getAttribute('aria-label') || a.innerText.trim()"
    " || [...a.querySelectorAll('img[alt], svg title')]"
    ".map(e => e.alt || e.textContent).join(' ')])"
)

_SCRIPTS = (
    "return document.scripts.length + [...document.querySelectorAll('*')]"
    ".filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length"
)


def headings(driver: WebDriver, level: str = "h1") -> list[str]:
    """The visible headings of ``level``."""
    return [str(h) for h in driver.execute_script(_HEADINGS, level)]


def _is_error(url: object, code: object) -> bool:
    return str(url).startswith("chrome-error:") or int(str(code or 0)) >= 400


def is_error_page(driver: WebDriver) -> bool:
    """Chromium's own page for a file or address it could not load ("This site can't be
    reached", ERR_FILE_NOT_FOUND), or a served page answered with an HTTP error."""
    url, code = driver.execute_script(_ERROR_PAGE)
    return _is_error(url, code)


@dataclass(frozen=True)
class Link:
    href: str  # as resolved by the browser
    text: str  # its accessible name: what a screen reader says for it

    @property
    def target(self) -> str:
        return urldefrag(self.href).url

    @property
    def fragment(self) -> str:
        return urldefrag(self.href).fragment


def links(driver: WebDriver) -> list[Link]:
    # One script for all of a page's links: a WebDriver call per link would take most of
    # the suite's time.
    return _links(driver.execute_script(_LINKS))


def _links(found: list[list[str]]) -> list[Link]:
    return [Link(href=str(href), text=str(text).strip()) for href, text in found]


@dataclass(frozen=True)
class Glance:
    headings: list[str]
    error_page: bool
    links: list[Link]
    scripts: int  # script elements and on… attributes: what would need JavaScript
    levels: list[int]  # of every heading, in the order a screen reader lists them
    mains: int  # main landmarks: where "skip to the content" leads


def glance(driver: WebDriver) -> Glance:
    """`headings`, `is_error_page` and `links` at once: one call to the browser, not three."""
    got = driver.execute_script(
        f"return [(function () {{ {_HEADINGS} }})('h1'), (function () {{ {_ERROR_PAGE} }})(),"
        f" (function () {{ {_LINKS} }})(), (function () {{ {_SCRIPTS} }})(),"
        " [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1]),"
        " document.querySelectorAll('main, [role=main]').length]"
    )
    return Glance(
        headings=[str(h) for h in got[0]],
        error_page=_is_error(*got[1]),
        links=_links(got[2]),
        scripts=int(got[3]),
        levels=[int(level) for level in got[4]],
        mains=int(got[5]),
    )


def element_exists(driver: WebDriver, element_id: str) -> bool:
    return bool(driver.execute_script("return !!document.getElementById(arguments[0])", element_id))


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    name: str  # its accessible name: the text alternative a screen reader reads
    visible: bool


def charts(driver: WebDriver) -> list[Chart]:
    """Every chart the page shows: an SVG drawn as an image (not the small icons a page
    may also draw in SVG, which are hidden from screen readers)."""
    from selenium.webdriver.common.by import By

    found = []
    for svg in driver.find_elements(By.CSS_SELECTOR, "svg"):
        if svg.get_attribute("aria-hidden") == "true":
            continue
        box: dict[str, Any] = svg.rect
        found.append(
            Chart(
                width=float(box["width"]),
                height=float(box["height"]),
                name=svg.accessible_name.strip(),
                visible=svg.is_displayed(),
            )
        )
    return found


@dataclass(frozen=True)
class Label:
    text: str
    height: float  # of its box on the screen, in CSS pixels
    clipped: bool  # reaching out of the chart's box, where the SVG cuts it off


def chart_labels(driver: WebDriver) -> list[Label]:
    """The words drawn in the page's charts (axes, notes) as they show on the screen."""
    found = driver.execute_script(
        "return [...document.querySelectorAll('svg')]"
        ".filter(s => s.getAttribute('aria-hidden') !== 'true').flatMap(s => {"
        "  const c = s.getBoundingClientRect(), clips = getComputedStyle(s).overflow !== 'visible';"
        "  return [...s.querySelectorAll('text')].map(t => {"
        "    const r = t.getBoundingClientRect();"
        "    return [t.textContent, r.height, clips && (r.left < c.left - 0.5"
        "      || r.right > c.right + 0.5 || r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5)];"
        "  });"
        "})"
    )
    return [Label(str(text), float(height), bool(clipped)) for text, height, clipped in found]


_ICON = (
    "const done = arguments[arguments.length - 1];"
    "const link = document.querySelector('link[rel~=icon]');"
    "if (!link) { done(null); return; }"
    "const image = new Image();"
    "image.onload = () => done([link.href, image.naturalWidth, image.naturalHeight]);"
    "image.onerror = () => done([link.href, 0, 0]);"
    "image.src = link.href;"
)


@dataclass(frozen=True)
class Icon:
    href: str  # where the page's icon link leads, resolved
    width: int  # as the browser decoded it: 0 when it could not load or read it
    height: int


def icon(driver: WebDriver) -> Icon | None:
    """The icon the page links, loaded as an image the way the tab loads it; None when
    the page links none (the browser then asks its origin for /favicon.ico)."""
    found = driver.execute_async_script(_ICON)
    if found is None:
        return None
    href, width, height = found
    return Icon(str(href), int(width), int(height))


def alert_text(driver: WebDriver) -> str | None:
    """The text of an open alert() dialog, dismissing it; None when none is open."""
    from selenium.common.exceptions import NoAlertPresentException

    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        return text
    except NoAlertPresentException:
        return None


def count_elements(driver: WebDriver, selector: str, text: str) -> int:
    """How many ``selector`` elements hold exactly ``text``: markup a hostile field made."""
    return int(
        driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])]"
            ".filter(e => e.textContent.trim() === arguments[1]).length",
            selector,
            text,
        )
    )


@dataclass(frozen=True)
class Widths:
    scroll: int  # the document's laid-out width
    inner: int  # the window's: on a phone, wider than the screen when the page zooms out

    @property
    def fits_a_phone(self) -> bool:
        """No sideways scrolling, and no zooming out to fit either: a phone shows a page
        wider than its screen zoomed out, its layout viewport as wide as the page."""
        return self.scroll <= self.inner == PHONE_WIDTH


def widths(driver: WebDriver) -> Widths:
    got = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    return Widths(scroll=int(got[0]), inner=int(got[1]))


def widest_elements(driver: WebDriver, limit: int = 3) -> list[str]:
    """The elements that reach furthest past a phone's width, for a failure message."""
    found = driver.execute_script(
        "const w = arguments[1];"
        "return [...document.body.querySelectorAll('*')]"
        ".map(e => [e.getBoundingClientRect().right, e])"
        ".filter(([r]) => r > w).sort((a, b) => b[0] - a[0]).slice(0, arguments[0])"
        ".map(([r, e]) => `${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''}"
        " reaches ${Math.round(r)}px: ${e.textContent.trim().slice(0, 60)}`)",
        limit,
        PHONE_WIDTH,
    )
    return [str(f) for f in found]


@contextmanager
def phone(driver: WebDriver) -> Iterator[None]:
    """A 375 px wide phone screen: the layout viewport as a phone has it, so a page
    without `<meta name="viewport">` is laid out 980 px wide, as on a real phone."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": PHONE_HEIGHT, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@contextmanager
def dark(driver: WebDriver) -> Iterator[None]:
    """`prefers-color-scheme: dark`, as a phone or desktop set to dark mode says."""
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    try:
        yield
    finally:
        driver.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": "light"}]},
        )


RGB = tuple[int, int, int]


def _rgb(css: object) -> RGB:
    """``rgb(1, 2, 3)`` or ``rgba(1, 2, 3, 1)`` as computed styles give them."""
    text = str(css)
    parts = text[text.index("(") + 1 : -1].split(",")
    red, green, blue = (round(float(p)) for p in parts[:3])
    return red, green, blue


def background(driver: WebDriver) -> RGB:
    """The colour behind the page's text: the body's, or the root's where the body's is
    transparent (the canvas: white, or in dark mode what `color-scheme` makes it)."""
    return _rgb(
        driver.execute_script(
            "for (const e of [document.body, document.documentElement]) {"
            "  const c = getComputedStyle(e).backgroundColor;"
            "  if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;"
            "}"
            "return matchMedia('(prefers-color-scheme: dark)').matches"
            "  && getComputedStyle(document.documentElement).colorScheme.includes('dark')"
            "  ? 'rgb(18, 18, 18)' : 'rgb(255, 255, 255)';"
        )
    )


def foreground(driver: WebDriver) -> RGB:
    """The colour of the body's text."""
    return _rgb(driver.execute_script("return getComputedStyle(document.body).color"))


def luminance(rgb: RGB) -> float:
    """Relative luminance (WCAG 2): 0 for black, 1 for white."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: RGB, other: RGB) -> float:
    """WCAG 2's contrast ratio, 1 to 21; body text needs 4.5."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def screenshot(driver: WebDriver, path: Path) -> Path:
    """The whole page, top to bottom, as a PNG at ``path``."""
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
