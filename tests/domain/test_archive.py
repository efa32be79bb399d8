"""The archive as plain data: which entries each list and day holds, paging counted from
the oldest match, and the URL scheme."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.aboutness import PossiblyAbout
from bot.domain.archive import (
    PAGE_SIZE,
    ArchiveEntry,
    article_path,
    build_archive,
    day_path,
    list_path,
    list_slug,
    page_count,
    page_items,
    page_wanted,
    relative,
    site_paths,
)
from tests.factories import make_article, make_match

T = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def entry(n: int, when: datetime, *lists: str, about: tuple[str, ...] = ()) -> ArchiveEntry:
    article = make_article(n)
    return ArchiveEntry(
        article,
        when,
        tuple(make_match(w) for w in lists),
        tuple(PossiblyAbout(article.id, w, 0.5, "close", "a passage") for w in about),
    )


def test_each_list_and_day_holds_its_entries_oldest_first() -> None:
    archive = build_archive(
        [entry(2, T + timedelta(hours=1), "TRIPP"), entry(1, T, "TRIPP", "Middle Corridor")],
        ["TRIPP", "Middle Corridor"],
        UTC,
    )
    assert archive.lists == ("Middle Corridor", "TRIPP")
    assert [e.article.id for e in archive.by_list["TRIPP"]] == [
        make_article(1).id,
        make_article(2).id,
    ]
    assert [e.article.id for e in archive.by_list["Middle Corridor"]] == [make_article(1).id]
    assert archive.days == [date(2026, 12, 7)]


def test_days_are_the_given_zones() -> None:
    late = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)
    archive = build_archive([entry(1, late, "TRIPP")], ["TRIPP"], ZoneInfo("Asia/Baku"))
    assert archive.days == [date(2026, 12, 8)]


def test_lists_not_asked_for_are_left_out_and_an_entry_left_with_none_is_dropped() -> None:
    archive = build_archive(
        [entry(1, T, "TRIPP", "someone's personal list"), entry(2, T, "someone's personal list")],
        ["TRIPP"],
        UTC,
    )
    assert [e.article.id for e in archive.entries] == [make_article(1).id]
    assert archive.entries[0].watchlists == ("TRIPP",)


def test_a_named_match_outranks_possibly_about_the_same_list() -> None:
    archive = build_archive(
        [entry(1, T, "TRIPP", about=("TRIPP", "Middle Corridor"))],
        ["TRIPP", "Middle Corridor"],
        UTC,
    )
    [e] = archive.entries
    assert [f.watchlist for f in e.about] == ["Middle Corridor"]


def test_pages_are_counted_from_the_oldest_so_a_full_page_never_changes() -> None:
    items = [entry(n, T + timedelta(minutes=n), "TRIPP") for n in range(PAGE_SIZE + 3)]
    before = build_archive(items, ["TRIPP"], UTC)
    after = build_archive([*items, entry(999, T + timedelta(days=1), "TRIPP")], ["TRIPP"], UTC)
    assert before.pages_of("TRIPP") == after.pages_of("TRIPP") == 2
    assert page_items(before.by_list["TRIPP"], 1) == page_items(after.by_list["TRIPP"], 1)
    newest = page_items(after.by_list["TRIPP"], 2)
    assert newest[0].article.id == make_article(999).id  # newest first
    assert len(newest) == 4


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=100))
def test_page_count_holds_every_item_once(items: int, size: int) -> None:
    pages = page_count(items, size)
    assert pages >= 1
    assert (pages - 1) * size < max(items, 1) <= pages * size


def test_the_url_scheme() -> None:
    slug = list_slug("Middle Corridor")
    assert slug.startswith("middle-corridor-")
    assert list_path("Middle Corridor") == f"lists/{slug}/index.html"
    assert list_path("Middle Corridor", 3) == f"lists/{slug}/page-3.html"
    assert day_path(date(2026, 12, 7)) == "days/2026-12-07.html"
    assert article_path(make_article(1).id).startswith("articles/")
    assert list_slug("A/B") != list_slug("A-B")
    assert list_slug("Абрахам").startswith("list-")  # no Latin letter to keep


def test_relative_links_between_pages() -> None:
    assert relative("index.html", "days/2026-12-07.html") == "days/2026-12-07.html"
    assert relative("lists/tripp-1/index.html", "style.css") == "../../style.css"
    assert relative("articles/ab.html", "lists/tripp-1/index.html") == "../lists/tripp-1/index.html"


def test_every_site_path_is_a_page_and_nothing_else_is() -> None:
    archive = build_archive(
        [entry(n, T + timedelta(days=n), "TRIPP") for n in range(3)], ["TRIPP"], UTC
    )
    for path in site_paths(archive):
        assert page_wanted(archive, path) is not None, path
    for path in (
        "days/2026-13-01.html",
        "days/1999-01-01.html",
        f"lists/{list_slug('TRIPP')}/page-2.html",
        f"lists/{list_slug('TRIPP')}/page-0.html",
        "lists/nope-000000/index.html",
        "articles/0000000000000000.html",
        "articles/../index.html",
        "secret.txt",
    ):
        assert page_wanted(archive, path) is None, path


_SEGMENT = st.text(alphabet="abc-", min_size=1, max_size=3)


@given(st.lists(_SEGMENT, min_size=1, max_size=4), st.lists(_SEGMENT, min_size=1, max_size=4))
def test_a_relative_link_leads_where_relpath_says(here: list[str], there: list[str]) -> None:
    import posixpath

    from_page, to_page = "/".join(here) + ".html", "/".join(there) + ".html"
    link = relative(from_page, to_page)
    assert posixpath.normpath(posixpath.join(posixpath.dirname(from_page), link)) == to_page
    assert link == posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def test_articles_found_in_one_poll_are_ordered_by_their_publication_not_their_ids() -> None:
    # A first poll or a backfill finds many at one moment; ids sort "item/10" before "item/9".
    found = [
        ArchiveEntry(make_article(n, published=T - timedelta(days=1, hours=n)), T, (make_match(),))
        for n in (9, 10, 1)
    ]
    archive = build_archive(found, ["TRIPP"], UTC)
    assert [e.article.title for e in archive.by_list["TRIPP"]] == [
        "Article number 10",
        "Article number 9",
        "Article number 1",
    ]
