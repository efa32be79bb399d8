from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.digest import Digest
from bot.domain.lead import article_lead, mark_in_lead
from bot.domain.matching import compile_watchlists
from bot.domain.models import Article, DigestEntry, FeedState, Match, Term, Watchlist
from bot.domain.poll import match_article
from bot.domain.snippets import make_snippet
from bot.messages.articles import render_alert, render_digest, render_empty_digest
from bot.messages.html import (
    MAX_MESSAGE,
    bold,
    code,
    cut,
    escape,
    escape_attr,
    html_to_plain,
    link,
    split_messages,
    utf16_len,
)
from tests.factories import T0, make_article, make_match

BAKU = timezone(timedelta(hours=4))
STALE = timedelta(days=45)
HEALTHY = FeedState(
    url="https://f.example/a.feed", last_success_at=T0, newest_item_at=T0 - timedelta(days=1)
)
FAILING = FeedState(
    url="https://f.example/b.feed",
    last_success_at=T0 - timedelta(days=3),
    error_count=4,
    last_error="HTTP 503",
    failing_since=T0 - timedelta(days=2),
)

# -- a checker for what Telegram's HTML parse mode accepts -----------------------------

TELEGRAM_TAGS = frozenset(
    "b strong i em u ins s strike del span tg-spoiler a code pre blockquote tg-emoji".split()  # noqa: SIM905
)
TOKEN = re.compile(
    r'<(/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>'
    r"|&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);"
    r"|[<>&]"
)


def assert_valid_telegram_html(
    message: str, limit: int = MAX_MESSAGE, *, allow_empty: bool = False
) -> None:
    """Within the limit, encodable as UTF-8, only Telegram's tags, balanced, only
    Telegram's entities, no stray `<`, `>` or `&`, and (for our own messages) no
    element without text, which would be an entity of length zero."""
    assert utf16_len(message) <= limit
    # The plain-text fallback must fit too.
    assert utf16_len(html_to_plain(message)) <= utf16_len(message)
    if not allow_empty:
        assert not re.search(r"<([a-z-]+)[^>]*></\1>", message), message
    message.encode("utf-8")
    assert not re.search("[\x00-\x08\x0b-\x1f]", message)
    stack: list[str] = []
    for token in TOKEN.finditer(message):
        if token.group(2) is None:
            assert token.group(0) not in "<>&", f"stray {token.group(0)!r} at {token.start()}"
            continue
        closing, name, attrs = token.groups()
        assert name in TELEGRAM_TAGS, name
        if closing:
            assert not attrs
            assert stack, f"</{name}> closes nothing"
            assert stack.pop() == name, f"</{name}> closes another tag"
            continue
        if name == "a":
            assert re.fullmatch(r' href="https?://[^"]+"', attrs), attrs
        elif name == "span":
            assert attrs == ' class="tg-spoiler"'
        else:
            assert not attrs
        stack.append(name)
    assert not stack, f"unclosed {stack}"


def without_stripped(text: str) -> str:
    return "".join(c for c in text if c in "\n\t" or not (ord(c) < 32 or 0xD800 <= ord(c) < 0xE000))


# -- strategies ------------------------------------------------------------------------

MARKUP = (*"<>&\"'", "&amp;", "&lt;", "</b>", "<script>")
SCRIPTS = ("😀", "🇦🇿", "👨\u200d👩\u200d👧", "مرحبا", "שלום", "\u202e", "\u200f", "e\u0301")
CONTROLS = ("\x00", "\x07", "\x1b", "\r", "\n", "\t", " ")
AWKWARD = st.sampled_from((*MARKUP, *SCRIPTS, *CONTROLS))
awkward_text = st.lists(st.one_of(AWKWARD, st.text(max_size=6)), max_size=20).map("".join)
# Occasionally huge, to reach every budget.
long_awkward_text = st.builds(lambda t, k: t * k, awkward_text, st.sampled_from([1, 1, 40, 200]))
urls = st.one_of(
    st.just("https://www.cacianalyst.org/publications/analytical-articles/item/13850"),
    st.sampled_from(["", "javascript:alert(1)", "/relative", 'https://x.example/a"b<c>&d']),
    awkward_text,
)


@st.composite
def matches(draw: st.DrawFn) -> Match:
    snippet = draw(long_awkward_text)
    start = draw(st.integers(-2, len(snippet) + 2))
    end = draw(st.integers(-2, len(snippet) + 2))
    return Match(
        watchlist=draw(st.one_of(st.sampled_from(["TRIPP", "Middle Corridor"]), awkward_text)),
        term=draw(long_awkward_text),
        matched_text=draw(long_awkward_text),
        score=draw(st.floats(0, 100)),
        field=draw(st.sampled_from(["title", "summary", "body"])),
        snippet=snippet,
        mark_start=start,
        mark_end=end,
    )


@st.composite
def articles(draw: st.DrawFn) -> Article:
    return replace(
        make_article(draw(st.integers(1, 999))),
        title=draw(long_awkward_text),
        link=draw(urls),
        author=draw(long_awkward_text),
        section=draw(awkward_text),
        published=draw(st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)))),
        summary=draw(long_awkward_text),
        text=draw(long_awkward_text),
    )


def entry(
    n: int,
    *watchlists: str,
    snippet_words: int = 0,
    updated: bool = False,
    rematched: bool = False,
) -> DigestEntry:
    found = [make_match(w, term=w) for w in watchlists]
    if snippet_words:
        filler = " ".join(["corridor freight"] * snippet_words)
        found = [replace(m, snippet=f"{m.snippet} {filler}") for m in found]
    return DigestEntry(
        article=make_article(n),
        first_seen_at=T0,
        updated=updated,
        matches=tuple(found),
        rematched=rematched,
    )


def digest_of(*entries: DigestEntry, feeds: tuple[FeedState, ...] = (HEALTHY,)) -> Digest:
    return Digest(since=T0 - timedelta(days=1), until=T0, entries=entries, feeds=feeds)


def alert(article: Article, *found: Match, updated: bool = False) -> str:
    return render_alert(article, found or (make_match(),), updated=updated, tz=UTC)


# -- escaping --------------------------------------------------------------------------


def test_escape_turns_markup_characters_into_entities() -> None:
    assert escape('<b>Tom & "Jerry"</b>') == '&lt;b&gt;Tom &amp; "Jerry"&lt;/b&gt;'


def test_escape_attr_also_escapes_double_quotes() -> None:
    assert escape_attr('a"b&c') == "a&quot;b&amp;c"


def test_escape_drops_control_characters_but_keeps_newline_and_tab() -> None:
    assert escape("a\x00b\x07c\x1b\rd\ne\tf") == "abcd\ne\tf"


def test_escape_rejoins_split_surrogate_pairs_and_drops_lone_ones() -> None:
    assert escape("a\ud83d\ude00b\ud800c\udfff") == "a😀bc"


def test_escape_keeps_emoji_and_right_to_left_text() -> None:
    text = "🇦🇿 👨‍👩‍👧 مرحبا שלום \u200f"
    assert escape(text) == text


@settings(max_examples=300)
@given(st.one_of(st.text(), awkward_text))
def test_plain_fallback_gives_back_any_escaped_text(text: str) -> None:
    assert html_to_plain(f"<b>{escape(text)}</b>") == without_stripped(text)


@given(st.lists(st.one_of(st.text(), st.sampled_from(["\ud800", "\udc80", "\ud83d"]))))
def test_escape_of_anything_encodes_as_utf8(pieces: list[str]) -> None:
    escape("".join(pieces)).encode("utf-8")


def test_utf16_len_counts_characters_outside_the_basic_plane_twice() -> None:
    assert utf16_len("a😀") == 3
    assert utf16_len("🇦🇿") == 4


def test_plain_fallback_keeps_link_addresses_so_the_article_stays_reachable() -> None:
    html = '<b><a href="https://x.example/?a=1&amp;b=2">Tom &amp; Jerry</a></b>'
    assert html_to_plain(html) == "Tom & Jerry (https://x.example/?a=1&b=2)"
    assert html_to_plain(link("https://x.example/", "https://x.example/")) == "https://x.example/"


def test_plain_fallback_decodes_only_the_entities_telegram_knows() -> None:
    assert html_to_plain("&copy; &#169; &#xA9; &amp;lt;") == "&copy; © © &lt;"


def test_helpers_escape_their_input() -> None:
    assert bold("a<b") == "<b>a&lt;b</b>"
    assert code("x & y") == "<code>x &amp; y</code>"
    assert link("a&b", "https://x.example/?q=1&r=2") == (
        '<a href="https://x.example/?q=1&amp;r=2">a&amp;b</a>'
    )


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "", "/item/1"]
)
def test_link_shows_only_the_text_for_anything_but_http_and_https(url: str) -> None:
    assert link("title", url) == "title"


def test_link_accepts_http_and_https_in_any_case() -> None:
    assert link("t", "HTTPS://x.example/") == '<a href="HTTPS://x.example/">t</a>'
    assert link("t", "http://x.example/a b") == '<a href="http://x.example/a%20b">t</a>'


# -- alerts ----------------------------------------------------------------------------


def test_alert_names_watchlists_and_links_the_title_in_bold() -> None:
    found = (make_match("TRIPP"), make_match("Middle Corridor", term="Middle Corridor"))
    message = alert(make_article(7), *found)
    lines = message.splitlines()
    assert lines[0] == "🔔 New in <b>Middle Corridor</b>, <b>TRIPP</b>"
    assert lines[1] == '<b><a href="https://example.org/item/7">Article number 7</a></b>'
    assert lines[2] == "A. Writer · Analytical Articles · 20 Aug 2025"
    assert_valid_telegram_html(message)


def test_alert_explains_the_best_match_of_each_watchlist_with_its_words_in_bold() -> None:
    weak = make_match("Middle Corridor", term="Middle Corridor", score=89)
    strong = replace(
        weak, matched_text="Midle Corridor", score=93, snippet="the Midle Corridor & more"
    )
    strong = replace(strong, mark_start=4, mark_end=18)
    message = alert(make_article(), weak, strong)
    assert "<b>Middle Corridor</b>: names the Middle Corridor in the body, spelt “Midle”" in message
    assert "the <b>Midle Corridor</b> &amp; more" in message
    assert "score" not in message


def test_alert_titles_an_article_without_a_visible_title_untitled() -> None:
    message = alert(make_article(title="\x00\x07 \n"))
    assert '<a href="https://example.org/item/1">(untitled)</a>' in message


def test_alert_leaves_out_an_empty_snippet_rather_than_an_empty_quote() -> None:
    message = alert(make_article(), replace(make_match(), snippet="", mark_start=0, mark_end=0))
    assert_valid_telegram_html(message)
    assert "<blockquote>" not in message


def test_alert_tags_an_updated_article() -> None:
    assert "(updated)" in alert(make_article(), updated=True)
    assert "(updated)" not in alert(make_article(), updated=False)


def test_alert_dates_the_article_in_the_subscribers_time_zone() -> None:
    late = make_article(published=datetime(2026, 11, 25, 22, 30, tzinfo=UTC))
    assert "26 Nov 2026" in render_alert(late, [make_match()], updated=False, tz=BAKU)
    assert "25 Nov 2026" in render_alert(late, [make_match()], updated=False, tz=UTC)


def test_alert_takes_a_naive_publication_time_as_utc() -> None:
    naive = make_article(published=datetime(2026, 11, 25, 22, 30))
    assert "26 Nov 2026" in render_alert(naive, [make_match()], updated=False, tz=BAKU)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "", "ftp://x.example/a"])
def test_alert_shows_the_title_unlinked_when_the_link_is_not_http(url: str) -> None:
    message = alert(replace(make_article(), link=url))
    assert "<b>Article number 1</b>" in message
    assert "<a " not in message


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert(1)</script>",
        "Tom & Jerry &amp; friends",
        "Unmatched </b> closing tag",
        'Quote " and <a href="javascript:x">link</a>',
        "Emoji 🇦🇲🇦🇿 👨‍👩‍👧 and ZWJ",
        "اتفاقيات أبراهام والممر الأوسط",
        "הסכמי אברהם",
    ],
)
def test_hostile_title_gives_a_valid_message_containing_the_escaped_title(title: str) -> None:
    message = alert(make_article(title=title))
    assert_valid_telegram_html(message)
    assert escape(title) in message
    assert title in html_to_plain(message)


def test_five_thousand_character_title_is_cut_with_an_ellipsis() -> None:
    title = "Zangezur " * 555
    message = alert(make_article(title=title))
    assert_valid_telegram_html(message)
    shown = re.search(r'<a href="[^"]+">([^<]*)</a>', message)
    assert shown is not None
    assert shown.group(1).endswith("…")
    assert 200 < len(shown.group(1)) <= 300
    assert title.startswith(shown.group(1)[:-1])


def test_cutting_never_splits_an_entity() -> None:
    message = alert(make_article(title="&" * 5000))
    assert_valid_telegram_html(message)
    assert "&amp;…" in message


@settings(max_examples=200)
@given(
    st.lists(st.text(alphabet=st.sampled_from("ab&<é😀."), min_size=1, max_size=4), max_size=90),
    st.integers(60, 400),
)
def test_a_cut_falls_between_words_never_inside_one(words: list[str], units: int) -> None:
    # (Only a word longer than half the room is cut inside: these are short.)
    text = " ".join(words)
    shortened = cut(text, units)
    kept = shortened.removesuffix("…")
    assert utf16_len(escape(kept)) + 1 <= units
    assert text.startswith(kept)
    if kept != text:
        assert text[len(kept)] == " " or kept == ""


def test_alert_with_many_watchlists_stays_within_the_limit_and_counts_the_rest() -> None:
    long_snippet = "word " * 300
    found = [
        replace(make_match(f"Watchlist {i:02}"), snippet=long_snippet, mark_start=5, mark_end=9)
        for i in range(60)
    ]
    message = alert(make_article(), *found)
    assert_valid_telegram_html(message)
    assert "<blockquote>" in message
    assert re.search(r"and \d+ more watchlists matched", message)
    assert re.search(r"and \d+ more$", message.splitlines()[0])


def worst_case_entry() -> DigestEntry:
    """Every piece at its longest and costliest: `&` is 5 units escaped, 🇦🇿 is 4."""
    costly = "&🇦🇿" * 2000
    article = replace(
        make_article(),
        title=costly,
        link="https://x.example/" + "a" * 1000,
        author=costly,
        section=costly,
        summary=costly,
        text=costly,
    )
    found = tuple(
        Match(f"{i}{costly}", costly, costly, 100.0, costly, costly, 3000, 5000) for i in range(60)
    )
    return DigestEntry(article, first_seen_at=T0, updated=True, matches=found, rematched=True)


def test_worst_case_alert_stays_structured_within_the_limit() -> None:
    worst = worst_case_entry()
    message = render_alert(worst.article, worst.matches, updated=True, tz=UTC)
    assert_valid_telegram_html(message)
    assert message.startswith("🔔 New in <b>")
    assert '<b><a href="https://x.example/aaa' in message


def test_worst_case_digest_items_stay_structured_within_the_limit() -> None:
    parts = render_digest(
        replace(digest_of(*[worst_case_entry()] * 3), unmatched_count=5),
        now=T0,
        tz=UTC,
        stale_after=STALE,
        title="&🇦🇿" * 2000,
    )
    for part in parts:
        assert_valid_telegram_html(part)
    text = "\n".join(parts)
    for n in (1, 2, 3):
        assert f'\n\n{n}. <b><a href="https://x.example/aaa' in text


@settings(max_examples=60, deadline=None)
@given(articles(), st.lists(matches(), max_size=12), st.booleans())
def test_any_alert_is_valid_telegram_html_within_the_limit(
    article: Article, found: list[Match], updated: bool
) -> None:
    message = render_alert(article, found, updated=updated, tz=BAKU)
    assert_valid_telegram_html(message)
    # Still the structured message, not the plain-text safety net.
    assert message.startswith("🔔 New")
    assert "<b>" in message


# -- the lead and the plain words --------------------------------------------------------

LEAD_TEXT = (
    "Baku and Yerevan signed a framework in Washington. It opens a route across Syunik. "
    "Later the Middle Corridor gains from it."
)


def test_alert_carries_the_articles_lead_after_the_byline() -> None:
    message = alert(make_article(text=LEAD_TEXT))
    lines = message.splitlines()
    assert lines[2] == "A. Writer · Analytical Articles · 20 Aug 2025"
    assert lines[3] == (
        "Baku and Yerevan signed a framework in Washington. It opens a route across Syunik."
    )


def test_a_match_in_the_title_does_not_quote_the_title_again() -> None:
    title = "The TRIPP and Iran"
    in_title = replace(
        make_match(), field="title", snippet=title, mark_start=4, mark_end=9, matched_text="TRIPP"
    )
    message = alert(make_article(title=title), in_title)
    assert "<b>TRIPP</b>: names TRIPP in the title" in message
    assert message.count("The TRIPP and Iran") == 1
    assert "<blockquote>" not in message
    assert_valid_telegram_html(message)


def test_a_match_the_lead_shows_is_bold_there_and_not_quoted_again() -> None:
    start = LEAD_TEXT.index("Syunik")
    snippet, ms, me = make_snippet(LEAD_TEXT, start, start + len("Syunik"))
    in_lead = Match("TRIPP", "Syunik", "Syunik", 100.0, "body", snippet, ms, me)
    start = LEAD_TEXT.index("Middle Corridor")
    snippet, ms, me = make_snippet(LEAD_TEXT, start, start + len("Middle Corridor"))
    later = Match(
        "Middle Corridor", "Middle Corridor", "Middle Corridor", 100.0, "body", snippet, ms, me
    )
    message = alert(make_article(text=LEAD_TEXT), in_lead, later)
    assert "It opens a route across <b>Syunik</b>." in message
    assert message.endswith("<b>TRIPP</b>: names Syunik in the body")
    assert "<blockquote>Later the <b>Middle Corridor</b> gains from it.</blockquote>" in message
    assert_valid_telegram_html(message)


def test_digest_item_carries_the_lead_too() -> None:
    lead_entry = replace(entry(1, "TRIPP"), article=make_article(1, text=LEAD_TEXT))
    [message] = render_digest(digest_of(lead_entry), now=T0, tz=UTC, stale_after=STALE)
    assert (
        "A. Writer · Analytical Articles · 20 Aug 2025\n"
        "Baku and Yerevan signed a framework in Washington. It opens a route across Syunik.\n"
        "Watchlists: TRIPP"
    ) in message


LITERAL = st.sampled_from(["<b>", "</i>", "&amp;", "&lt;", "<a href='x'>", "&", "Mr.", "No. 5"])
plain_words = st.sampled_from(["route", "Baku", "corridor", "the", "signed."])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(LITERAL, plain_words), min_size=1, max_size=30))
def test_text_that_looks_like_markup_reaches_the_reader_as_written(words: list[str]) -> None:
    text = " ".join([*words, "TRIPP", *words]) + "."
    start = text.index("TRIPP")
    snippet, ms, me = make_snippet(text, start, start + 5)
    found = Match("TRIPP", "TRIPP", "TRIPP", 100.0, "body", snippet, ms, me)
    message = alert(replace(make_article(text=text), summary=""), found)
    assert_valid_telegram_html(message)
    shown = html_to_plain(message)
    # What Telegram shows holds the lead and the snippet letter for letter.
    lead = article_lead(replace(make_article(text=text), summary=""))
    assert lead in shown
    if mark_in_lead(lead, found) is None:
        assert snippet in shown
    else:
        assert snippet[:me].removeprefix("… ") in lead


# -- digests ---------------------------------------------------------------------------


def test_digest_header_gives_title_local_date_and_article_count() -> None:
    digest = replace(digest_of(entry(1, "TRIPP"), entry(2, "TRIPP")), until=T0 + timedelta(hours=6))
    [message] = render_digest(digest, now=T0, tz=BAKU, stale_after=STALE, title="Daily <digest>")
    first, second = message.splitlines()[:2]
    assert first == "📰 <b>Daily &lt;digest&gt;</b>, 21 Aug 2025"
    assert second == "2 articles matched your watchlists."


def test_digest_item_is_numbered_with_linked_title_byline_lead_watchlists_and_marked_snippet() -> (
    None
):
    [message] = render_digest(
        digest_of(entry(7, "TRIPP", "Middle Corridor")), now=T0, tz=UTC, stale_after=STALE
    )
    assert (
        '1. <b><a href="https://example.org/item/7">Article number 7</a></b>\n'
        "A. Writer · Analytical Articles · 20 Aug 2025\n"
        "Plain body text.\n"
        "Watchlists: Middle Corridor, TRIPP\n"
        "• Middle Corridor: names Middle Corridor in the body\n"
        "<i>the new <b>Middle Corridor</b> route</i>\n"
        "• TRIPP: names TRIPP in the body\n"
        "<i>the new <b>TRIPP</b> route</i>"
    ) in message
    assert_valid_telegram_html(message)


def test_digest_items_say_when_updated_or_newly_matching_after_a_watchlist_change() -> None:
    [message] = render_digest(
        digest_of(entry(1, "TRIPP", updated=True), entry(2, "TRIPP", rematched=True)),
        now=T0,
        tz=UTC,
        stale_after=STALE,
    )
    assert "Article number 1</a></b> <i>(updated)</i>" in message
    assert "Article number 2</a></b> <i>(newly matching after a watchlist change)</i>" in message


def test_digest_footer_counts_unmatched_articles_and_reports_each_feed() -> None:
    digest = replace(digest_of(entry(1, "TRIPP"), feeds=(HEALTHY, FAILING)), unmatched_count=3)
    [message] = render_digest(digest, now=T0, tz=UTC, stale_after=STALE)
    assert "3 other new articles matched no watchlist." in message
    assert "✅ https://f.example/a.feed: last fetched 0s ago, newest item 24h old" in message
    assert "⚠️ https://f.example/b.feed: last fetched 3d ago, failing: HTTP 503 (4x)" in message
    assert message.endswith("failing: HTTP 503 (4x)")


def test_small_digest_is_one_message_without_a_part_marker() -> None:
    parts = render_digest(digest_of(entry(1, "TRIPP")), now=T0, tz=UTC, stale_after=STALE)
    assert len(parts) == 1
    assert "(1/1)" not in parts[0]


def test_digest_of_forty_entries_splits_into_marked_parts_within_the_limit() -> None:
    entries = [entry(n, "TRIPP", "Middle Corridor", snippet_words=30) for n in range(1, 41)]
    parts = render_digest(digest_of(*entries), now=T0, tz=UTC, stale_after=STALE)
    assert len(parts) >= 3
    for i, part in enumerate(parts, start=1):
        assert_valid_telegram_html(part)
        assert (
            part.splitlines()[0] == f"📰 <b>CACI Analyst digest</b>, 20 Aug 2025 ({i}/{len(parts)})"
        )
    numbers = [int(n) for n in re.findall(r"^(\d+)\. <b>", "\n".join(parts), re.M)]
    assert numbers == list(range(1, 41))
    assert "✅ https://f.example/a.feed" in parts[-1]


def test_digest_item_too_long_on_its_own_is_cut_but_keeps_its_title_link() -> None:
    found = tuple(
        replace(make_match(f"List {i}"), snippet="&" * 900, mark_start=0, mark_end=400)
        for i in range(40)
    )
    crowded = DigestEntry(make_article(1), first_seen_at=T0, updated=False, matches=found)
    parts = render_digest(digest_of(crowded, entry(2, "TRIPP")), now=T0, tz=UTC, stale_after=STALE)
    for part in parts:
        assert_valid_telegram_html(part)
    text = "\n".join(parts)
    assert '1. <b><a href="https://example.org/item/1">' in text
    assert re.search(r"… and \d+ more watchlists matched", text)
    assert "2. <b>" in text


@st.composite
def digests(draw: st.DrawFn) -> Digest:
    entries = [
        DigestEntry(
            article=draw(articles()),
            first_seen_at=T0,
            updated=draw(st.booleans()),
            matches=tuple(draw(st.lists(matches(), max_size=5))),
            rematched=draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 8)))
    ]
    feeds = draw(
        st.lists(
            st.builds(
                FeedState,
                url=awkward_text,
                last_success_at=st.sampled_from([None, T0]),
                error_count=st.integers(0, 9),
                last_error=st.one_of(st.none(), long_awkward_text),
            ),
            max_size=4,
        )
    )
    return replace(digest_of(*entries, feeds=tuple(feeds)), unmatched_count=draw(st.integers(0, 3)))


@settings(max_examples=40, deadline=None)
@given(digests(), st.one_of(st.just("CACI Analyst digest"), awkward_text))
def test_any_digest_renders_valid_parts_within_the_limit_with_every_item_whole(
    digest: Digest, title: str
) -> None:
    parts = render_digest(digest, now=T0, tz=BAKU, stale_after=STALE, title=title)
    assert parts
    for part in parts:
        assert_valid_telegram_html(part)
    # Each item is present once and kept structured (a plain-text fallback has no <b>).
    numbers = [int(n) for n in re.findall(r"(?:^|\n\n)(\d+)\. <b>", "\n\n".join(parts))]
    assert numbers == list(range(1, len(digest.entries) + 1))


# -- the empty day ---------------------------------------------------------------------


def test_empty_digest_is_one_short_message_with_feed_health() -> None:
    message = render_empty_digest(digest_of(), now=T0, tz=BAKU, stale_after=STALE)
    assert message == (
        "📰 <b>CACI Analyst digest</b>, 20 Aug 2025\n"
        "No new articles matched your watchlists since 19 Aug 2025, 22:51 (UTC+04:00).\n"
        "✅ Feeds: 1/1 OK."
    )


def test_empty_digest_names_failing_feeds_and_counts_unmatched_articles() -> None:
    digest = replace(digest_of(feeds=(HEALTHY, FAILING)), unmatched_count=1)
    message = render_empty_digest(digest, now=T0, tz=UTC, stale_after=STALE)
    assert "1 other new article matched no watchlist." in message
    assert message.splitlines()[-1] == (
        "⚠️ Feeds: 1/2 OK; not OK: https://f.example/b.feed "
        "(last fetched 3d ago, failing: HTTP 503 (4x))."
    )
    assert_valid_telegram_html(message)


def test_empty_digest_without_feeds_says_none_was_polled() -> None:
    message = render_empty_digest(digest_of(feeds=()), now=T0, tz=UTC, stale_after=STALE)
    assert message.endswith("⚠️ Feeds: none polled yet.")


def test_empty_digest_with_many_broken_feeds_names_a_few_and_counts_the_rest() -> None:
    feeds = tuple(replace(FAILING, url=f"https://f.example/{i}.feed") for i in range(20))
    message = render_empty_digest(digest_of(feeds=feeds), now=T0, tz=UTC, stale_after=STALE)
    assert message.count("\n") == 2
    assert message.endswith("; 17 more.")


def test_rendering_an_empty_digest_gives_the_single_empty_day_message() -> None:
    empty = digest_of()
    parts = render_digest(empty, now=T0, tz=UTC, stale_after=STALE)
    assert parts == [render_empty_digest(empty, now=T0, tz=UTC, stale_after=STALE)]


def test_empty_day_message_refuses_a_digest_with_entries() -> None:
    with pytest.raises(ValueError, match="without entries"):
        render_empty_digest(digest_of(entry(1, "TRIPP")), now=T0, tz=UTC, stale_after=STALE)


# -- splitting -------------------------------------------------------------------------


def unsplit(parts: list[str], continuation: str) -> list[str]:
    """The blocks of `parts`, after checking and removing the (i/n) markers and the
    continuation line."""
    n = len(parts)
    if n == 1:
        assert not re.search(r"\(1/1\)", parts[0])
        return parts[0].split("\n\n")
    blocks: list[str] = []
    for i, part in enumerate(parts, start=1):
        first, newline, rest = part.partition("\n")
        marker = f"({i}/{n})" if i > 1 and not continuation else f" ({i}/{n})"
        assert first.endswith(marker), (first, marker)
        chunks = (first[: -len(marker)] + newline + rest).split("\n\n")
        if i > 1:
            assert chunks.pop(0) == continuation
        blocks += chunks
    return blocks


@st.composite
def splits(draw: st.DrawFn) -> tuple[str, list[str], str, int, str]:
    # Small limits too, so that parts run past nine and the markers gain a digit.
    limit = draw(st.one_of(st.integers(200, 400), st.integers(200, MAX_MESSAGE)))
    # Small enough that any item fits a part on its own (5 units a character at worst).
    size = (limit - 150) // 10
    text = st.text(st.characters(exclude_characters="\n"), max_size=size)
    piece = st.builds(
        lambda kind, t: kind(t),
        st.sampled_from([escape, bold, lambda t: link(t, "https://x.example/?a=1&b=2")]),
        text,
    )
    # No blank line inside a block, and none made at its edges: that is the separator.
    block = st.lists(piece, min_size=1, max_size=2).map(lambda p: "\n".join(p).strip("\n"))
    items = draw(st.one_of(st.lists(block, max_size=8), st.lists(block, min_size=30, max_size=80)))
    header = draw(st.one_of(st.just(""), block))
    footer = draw(st.one_of(st.just(""), block))
    continuation = draw(st.sampled_from(["", "<b>Digest</b>, 20 Aug 2025"]))
    return header, items, footer, limit, continuation


@settings(max_examples=100, deadline=None)
@given(splits())
def test_split_keeps_every_block_once_in_order_whole_and_marked(
    case: tuple[str, list[str], str, int, str],
) -> None:
    header, items, footer, limit, continuation = case
    parts = split_messages(header, items, footer, limit, continuation=continuation)
    for part in parts:
        assert_valid_telegram_html(part, limit, allow_empty=True)
    expected = [b for b in (header, *items, footer) if b]
    assert (unsplit(parts, continuation) if parts else []) == expected


def test_split_uses_as_few_parts_as_fit() -> None:
    parts = split_messages("head", ["x" * 40] * 10, "foot", limit=200)
    assert len(parts) == 3
    assert [p.splitlines()[0] for p in parts] == ["head (1/3)", "(2/3)", "(3/3)"]


def test_split_makes_room_for_two_digit_markers() -> None:
    parts = split_messages("", ["y" * 90] * 12, "", limit=100)
    assert len(parts) == 12
    assert parts[0] == "y" * 90 + " (1/12)"
    assert parts[11] == "(12/12)\n\n" + "y" * 90
    assert all(utf16_len(p) <= 100 for p in parts)


def test_split_replaces_a_block_too_long_for_any_part_with_its_cut_plain_text() -> None:
    huge = "<b>" + "&amp;" * 3000 + "</b>"
    parts = split_messages("head", ["<i>small</i>", huge], "", limit=1000)
    for part in parts:
        assert_valid_telegram_html(part, 1000)
    assert parts[0] == "head (1/2)\n\n<i>small</i>"
    assert parts[1].startswith("(2/2)\n\n&amp;&amp;")
    assert parts[1].endswith("…")


def test_split_of_nothing_is_no_message() -> None:
    assert split_messages("", [], "") == []


def test_split_refuses_a_limit_too_small_for_a_marker_and_a_line() -> None:
    with pytest.raises(ValueError, match="at least"):
        split_messages("a", ["b"], "c", limit=10)


def test_a_matched_snippet_with_tag_like_text_shows_it_as_written() -> None:
    text = (
        "Opening words about the region. Then its trade. Later, under Resolution No. 5 the "
        "<b> council &amp; the TRIPP board met. Closing words."
    )
    article = replace(make_article(text=text), summary="")
    matcher = compile_watchlists([Watchlist("TRIPP", (Term("TRIPP"),))])
    [found] = match_article(matcher, article)
    assert (
        found.snippet == "Later, under Resolution No. 5 the <b> council &amp; the TRIPP board met."
    )
    message = alert(article, found)
    assert "the &lt;b&gt; council &amp;amp; the <b>TRIPP</b> board met.</blockquote>" in message
    assert_valid_telegram_html(message)
