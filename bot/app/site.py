"""``caci-watch site --out DIR`` and ``caci-watch serve``: the digest archive, as a
folder of static pages or one page at a time.

What the archive holds is the shared lists' named matches and, when the tier runs, the
"possibly about" findings of lists with `about` (the digest's rules, ``digests``):
personal lists are never published. The pages are ``bot.messages.site_pages``; the
chart's numbers are /trend's (``app.trends.trend_numbers``).

Writing compares each page with the file already there and writes (atomically) only a
page whose bytes differ, so an unchanged page keeps its file and its time; a page of
the scheme that the site no longer has (an article no list matches any more) is removed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app.possibly_about import tier_lists
from bot.app.published_files import write_if_changed
from bot.app.service import Service
from bot.app.trends import DEFAULT_WEEKS, TrendAsked, trend_numbers
from bot.domain.archive import (
    DAYS_INDEX,
    ICON,
    INDEX,
    LISTS_INDEX,
    STYLE,
    Archive,
    build_archive,
    site_paths,
)
from bot.messages.site_pages import SITE_NAME, SiteChart, render_page
from bot.messages.site_style import ICON_SVG, STYLE_CSS
from bot.storage import Store
from bot.storage.store import open_reading_store

# Pages of the scheme in the folders the site owns; anything else there is left alone.
_OWN_PAGE = re.compile(
    r"(days/\d{4}-\d{2}-\d{2}(-p\d+)?\.html|lists/[a-z0-9-]+/(index|page-\d+)\.html"
    r"|articles/[0-9a-f]{16}\.html)"
)


# What the index page of a site written here holds (its <title>), whatever it shows.
_OWN_INDEX = f" · {SITE_NAME}</title>".encode()


class NotASiteFolder(Exception):
    """``--out`` names a folder that holds files, and no site this command wrote."""


@dataclass(frozen=True, slots=True)
class SiteWritten:
    out: Path
    pages: int
    written: int
    removed: int

    @property
    def unchanged(self) -> int:
        return self.pages - self.written


@dataclass(frozen=True, slots=True)
class Site:
    """What the pages are made of."""

    archive: Archive
    chart: SiteChart

    def page(self, path: str) -> bytes | None:
        """The page at ``path`` (relative to the root), or None when the site has none."""
        text = render_page(self.archive, self.chart, path)
        return None if text is None else text.encode("utf-8")


def load_site(
    service: Service, now: datetime, *, store: Store | None = None, weeks: int = DEFAULT_WEEKS
) -> Site:
    """The archive as the store (``store`` when given, else the service's) holds it at
    ``now``, and the chart of its lists' last ``weeks`` weeks against the ``weeks`` before."""
    store = store or service.store
    lists = [w.name for w in service.watchlists]
    about = [w.name for w in tier_lists(service)]
    tz = ZoneInfo(service.config.digest.timezone)
    archive = build_archive(store.archive.entries(lists, about), lists, tz)
    trends = (
        trend_numbers(
            service,
            TrendAsked(archive.lists, weeks, service.config.digest.timezone),
            now,
            store=store,
        )
        if lists
        else []
    )
    return Site(archive, SiteChart(tuple(trends), weeks, service.config.digest.timezone))


def page_source(service: Service, clock: Callable[[], datetime]) -> Callable[[str], bytes | None]:
    """The site's pages made when asked for (``caci-watch serve``), from any thread, on a
    read-only connection of their own: as the store is at that moment (the archive is
    read once per version of the store, and each page rendered from it)."""

    kept: dict[str, tuple[tuple[object, ...], Site]] = {}
    lock = threading.Lock()

    def page(path: str) -> bytes | None:
        if path == STYLE:
            return STYLE_CSS.encode("utf-8")
        if path == ICON:
            return ICON_SVG.encode("utf-8")
        now = clock()
        store = open_reading_store(service.config.store.location)
        try:
            # The archive is read again only when the store or the lists changed, or
            # the day did (the chart's weeks): the day in the digest's zone, where its
            # weeks start, not in UTC.
            lists = tuple((w.name, bool(w.about)) for w in service.watchlists)
            tz = service.config.digest.timezone
            version = (store.archive.version(), lists, now.astimezone(ZoneInfo(tz)).date(), tz)
            with lock:
                if "site" not in kept or kept["site"][0] != version:
                    kept["site"] = (version, load_site(service, now, store=store))
                site = kept["site"][1]
        finally:
            store.close()
        return site.page(path)

    return page


def write_site(service: Service, out: Path, now: datetime) -> SiteWritten:
    """Every page of the site under ``out``: a new or empty folder, or one this wrote
    before (``NotASiteFolder`` else, before anything is written)."""
    _check_folder(out)
    site = load_site(service, now)
    paths = site_paths(site.archive)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in _linked_first(paths, fresh=not (out / "index.html").is_file()):
        body = site.page(path)
        if body is not None and write_if_changed(out / path, body):
            written += 1
    removed = _remove_stale(out, set(paths))
    return SiteWritten(out, len(paths), written, removed)


def _linked_first(paths: list[str], *, fresh: bool) -> list[str]:
    """The order to write in: a site being served gets each page before the pages that
    link to it (articles, lists, days, the indexes), so that no reader follows a link
    to a page not there yet; a new one gets its index first, which marks the folder as
    the site's (``_check_folder``) should the writing stop halfway."""
    if fresh:
        return paths
    last = [DAYS_INDEX, LISTS_INDEX, INDEX]
    rank = {STYLE: 0, "articles": 1, "lists": 2, "days": 3}
    pages = [p for p in paths if p not in last]
    return [*sorted(pages, key=lambda p: rank.get(p.split("/")[0], rank.get(p, 4))), *last]


def _check_folder(out: Path) -> None:
    # The site overwrites index.html and style.css and removes pages named as its own
    # are: pointed at a home folder, at / or at a web root with a site of its own, it
    # would destroy what is there. Its own index (written first) says it is its own.
    if not out.is_dir() or not any(p for p in out.iterdir() if not p.name.startswith(".")):
        return
    try:
        ours = _OWN_INDEX in (out / "index.html").read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        ours = False
    if not ours:
        raise NotASiteFolder(
            f"{out} holds files and no archive site written by caci-watch: give a new or "
            "empty folder (the site would overwrite or remove what is there)"
        )


def _remove_stale(out: Path, keep: set[str]) -> int:
    removed = 0
    for folder in ("days", "lists", "articles"):
        for file in sorted((out / folder).rglob("*.html")):
            name = file.relative_to(out).as_posix()
            if _OWN_PAGE.fullmatch(name) and name not in keep:
                file.unlink(missing_ok=True)
                removed += 1
    for empty in sorted((out / "lists").glob("*/")):
        if empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()
    return removed
