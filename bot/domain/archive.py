"""The digest archive as plain data (pure): which articles each shared list and each
day holds, how a list's matches are paged, and the site's URL scheme.

URLs are stable: an article's page is named after a hash of its id, a list's after its
name, a day after its date, and a list's pages are counted from its oldest match, so a
page once full never changes as new articles arrive (only the newest page grows).

The scheme, relative to the site's root:
``index.html``, ``style.css``, ``favicon.svg`` (the icon every page links),
``days/index.html``, ``days/YYYY-MM-DD.html`` (and
``days/YYYY-MM-DD-p2.html`` … for a day of more than ``PAGE_SIZE`` articles),
``lists/index.html``, ``lists/<slug>/index.html`` (the newest page),
``lists/<slug>/page-N.html`` (N = 1 holds the oldest ``PAGE_SIZE``), ``articles/<id>.html``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from bot.domain.aboutness import PossiblyAbout
from bot.domain.lead import lead_only
from bot.domain.models import Article, Match
from bot.domain.possibly_about import outranked

PAGE_SIZE = 50
# Days the index shows, newest first, and of each day its newest articles: a busy day
# (sixty on one corridor) would otherwise bury the rest of the page; the day's own page
# has them all.
INDEX_DAYS = 7
INDEX_DAY_ITEMS = 10

INDEX = "index.html"
STYLE = "style.css"
ICON = "favicon.svg"
# Where a browser looks for an icon when a page names none (a page of the site always
# does, but other clients ask anyway): served as "nothing here", not as an error.
DEFAULT_ICON = "favicon.ico"
DAYS_INDEX = "days/index.html"
LISTS_INDEX = "lists/index.html"

_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
_DAY_PAGE = re.compile(r"days/(\d{4}-\d{2}-\d{2})(?:-p([2-9]|[1-9][0-9]{1,8}))?\.html")
_LIST_PAGE = re.compile(r"lists/([a-z0-9-]+)/(?:index|page-([1-9][0-9]{0,8}))\.html")
_ARTICLE_PAGE = re.compile(r"articles/([0-9a-f]{16})\.html")


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """An article with what each shared list found in it: named matches, and the "possibly
    about" findings of lists it does not name."""

    article: Article
    first_seen_at: datetime
    matches: tuple[Match, ...] = ()
    about: tuple[PossiblyAbout, ...] = ()

    @property
    def watchlists(self) -> tuple[str, ...]:
        return tuple(
            sorted({m.watchlist for m in self.matches} | {f.watchlist for f in self.about})
        )

    def matches_of(self, watchlist: str) -> tuple[Match, ...]:
        return tuple(m for m in self.matches if m.watchlist == watchlist)

    def about_of(self, watchlist: str) -> tuple[PossiblyAbout, ...]:
        return tuple(f for f in self.about if f.watchlist == watchlist)


@dataclass(frozen=True, slots=True)
class Archive:
    """Every entry, oldest first; each list's and each day's entries, oldest first."""

    entries: tuple[ArchiveEntry, ...]
    lists: tuple[str, ...]
    by_list: dict[str, tuple[ArchiveEntry, ...]]
    by_day: dict[date, tuple[ArchiveEntry, ...]]
    tz: tzinfo
    # Each entry by its page's name (``article_slug``).
    by_slug: dict[str, ArchiveEntry] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        """The days with entries, newest first."""
        return sorted(self.by_day, reverse=True)

    def day_of(self, entry: ArchiveEntry) -> date:
        return entry.first_seen_at.astimezone(self.tz).date()

    def entry(self, slug: str) -> ArchiveEntry | None:
        return self.by_slug.get(slug)

    def list_named(self, slug: str) -> str | None:
        return next((w for w in self.lists if list_slug(w) == slug), None)

    def pages_of(self, watchlist: str) -> int:
        return page_count(len(self.by_list.get(watchlist, ())))


def _oldest_first(entry: ArchiveEntry) -> tuple[datetime, datetime, str]:
    # One poll finds many articles at the same moment (the first poll, a backfill): among
    # them the publication date orders, not the id's text ("report 9" before "report 60").
    return (entry.first_seen_at, entry.article.published or entry.first_seen_at, entry.article.id)


def build_archive(entries: Iterable[ArchiveEntry], lists: Sequence[str], tz: tzinfo) -> Archive:
    """The archive of ``lists``: each entry keeps only those lists' matches and findings,
    a finding of a list the article names is dropped (a named match takes precedence),
    and an entry left with none is dropped."""
    wanted = set(lists)
    kept: list[ArchiveEntry] = []
    for e in entries:
        matches = tuple(m for m in e.matches if m.watchlist in wanted)
        named = frozenset(m.watchlist for m in matches)
        about = tuple(f for f in e.about if f.watchlist in wanted and not outranked(f, named))
        if matches or about:
            # The pages show an article's lead, never its text: keep no more of it.
            kept.append(ArchiveEntry(lead_only(e.article), e.first_seen_at, matches, about))
    kept.sort(key=_oldest_first)
    names = tuple(sorted(dict.fromkeys(lists), key=str.casefold))
    by_list: dict[str, list[ArchiveEntry]] = {w: [] for w in names}
    by_day: dict[date, list[ArchiveEntry]] = {}
    for e in kept:
        for w in e.watchlists:
            by_list[w].append(e)
        by_day.setdefault(e.first_seen_at.astimezone(tz).date(), []).append(e)
    return Archive(
        entries=tuple(kept),
        lists=names,
        by_list={w: tuple(v) for w, v in by_list.items()},
        by_day={d: tuple(v) for d, v in by_day.items()},
        tz=tz,
        by_slug={article_slug(e.article.id): e for e in kept},
    )


# -- paging ------------------------------------------------------------------------------


def page_count(items: int, size: int = PAGE_SIZE) -> int:
    """How many pages ``items`` fill (at least one, which may be empty)."""
    return max(1, -(-items // size))


def page_items(
    oldest_first: Sequence[ArchiveEntry], page: int, size: int = PAGE_SIZE
) -> list[ArchiveEntry]:
    """Page ``page`` (1 holds the oldest ``size``), newest first."""
    return list(reversed(oldest_first[(page - 1) * size : page * size]))


# -- the URL scheme ------------------------------------------------------------------


def list_slug(watchlist: str) -> str:
    """A list's folder name: its name in lower-case letters, digits and hyphens, and a
    short hash of the name, so that "A/B" and "A-B" stay apart."""
    safe = _SLUG_UNSAFE.sub("-", watchlist.casefold()).strip("-")[:40].strip("-")
    tag = hashlib.sha256(watchlist.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{safe}-{tag}" if safe else f"list-{tag}"


def article_slug(article_id: str) -> str:
    return hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def day_path(day: date, page: int = 1) -> str:
    """A day's page: its first (``days/YYYY-MM-DD.html``, the day's oldest ``PAGE_SIZE``
    articles, or all of them) or a further one (``days/YYYY-MM-DD-p2.html``)."""
    return f"days/{day.isoformat()}{'' if page == 1 else f'-p{page}'}.html"


def list_path(watchlist: str, page: int | None = None) -> str:
    """A list's newest page (``page`` None) or its page number ``page``."""
    name = "index.html" if page is None else f"page-{page}.html"
    return f"lists/{list_slug(watchlist)}/{name}"


def article_path(article_id: str) -> str:
    return f"articles/{article_slug(article_id)}.html"


def relative(from_page: str, to_page: str) -> str:
    """The relative link from one page of the site to another (both relative to the
    root, as the scheme writes them: no "." or ".." in them)."""
    here = from_page.split("/")[:-1]
    there = to_page.split("/")
    common = 0
    while common < min(len(here), len(there) - 1) and here[common] == there[common]:
        common += 1
    return "../" * (len(here) - common) + "/".join(there[common:])


def site_paths(archive: Archive) -> list[str]:
    """Every page of the site (and its style sheet and icon)."""
    paths = [INDEX, STYLE, ICON, DAYS_INDEX, LISTS_INDEX]
    for d in archive.days:
        paths += [day_path(d, p) for p in range(1, page_count(len(archive.by_day[d])) + 1)]
    for w in archive.lists:
        paths.append(list_path(w))
        paths += [list_path(w, p) for p in range(1, archive.pages_of(w) + 1)]
    paths += [article_path(e.article.id) for e in archive.entries]
    return paths


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a path names: ``kind`` is index, style, icon, days, lists, day, list or
    article."""

    kind: str
    day: date | None = None
    watchlist: str = ""
    page: int | None = None
    entry: ArchiveEntry | None = None


def page_wanted(archive: Archive, path: str) -> Wanted | None:
    """What page ``path`` (relative to the root, no leading slash) is, or None when the
    site has no such page."""
    fixed = {
        INDEX: "index",
        "": "index",
        STYLE: "style",
        ICON: "icon",
        DAYS_INDEX: "days",
        LISTS_INDEX: "lists",
    }
    if path in fixed:
        return Wanted(fixed[path])
    if m := _DAY_PAGE.fullmatch(path):
        try:
            day = date.fromisoformat(m[1])
        except ValueError:
            return None
        number = 1 if m[2] is None else int(m[2])
        if day not in archive.by_day or number > page_count(len(archive.by_day[day])):
            return None
        return Wanted("day", day=day, page=number)
    if m := _LIST_PAGE.fullmatch(path):
        name = archive.list_named(m[1])
        if name is None:
            return None
        page = None if m[2] is None else int(m[2])
        if page is not None and page > archive.pages_of(name):
            return None
        return Wanted("list", watchlist=name, page=page)
    if m := _ARTICLE_PAGE.fullmatch(path):
        entry = archive.entry(m[1])
        return None if entry is None else Wanted("article", entry=entry)
    return None
