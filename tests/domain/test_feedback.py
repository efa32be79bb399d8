"""What votes say of a list (pure): counts, the down-voted articles, and the excludes and
terms they suggest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.feedback import (
    VotedArticle,
    down_voted,
    suggested_excludes,
    suggested_terms,
    vote_counts,
)
from bot.domain.models import Match, Subscriber
from bot.domain.mute import heard_lists, is_muted, mute_end, muted_lists
from tests.factories import make_article

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def match_in(snippet: str, marked: str, term: str = "Trump Route") -> Match:
    start = snippet.index(marked)
    return Match("TRIPP", term, marked, 100.0, "body", snippet, start, start + len(marked))


def voted(n: int, up: bool, *matches: Match, text: str = "", days: int = 1) -> VotedArticle:
    return VotedArticle(
        chat_id=1,
        watchlist="TRIPP",
        up=up,
        voted_at=NOW - timedelta(days=days),
        article=make_article(n, text=text or "Plain body text."),
        matches=matches,
    )


def test_votes_are_counted_over_30_and_90_days() -> None:
    votes = [voted(1, True, days=3), voted(2, False, days=10), voted(3, False, days=60)]
    votes.append(voted(4, True, days=100))
    assert [(c.days, c.up, c.down) for c in vote_counts(votes, NOW)] == [(30, 1, 1), (90, 1, 2)]


def test_a_phrase_around_down_voted_matches_and_never_around_up_voted_ones_is_suggested() -> None:
    down = [
        voted(1, False, match_in("Drivers took the Trump Route 66 motel exit.", "Trump Route")),
        voted(2, False, match_in("Signs for Trump Route 66 were stolen.", "Trump Route")),
        voted(3, False, match_in("A Trump Route rally in Ohio.", "Trump Route")),
    ]
    up = [voted(4, True, match_in("The Trump Route through Syunik opened.", "Trump Route"))]
    found = suggested_excludes([*down, *up])
    assert found[0] == "trump route 66"
    # Never the matched words alone (that is removing the term), never what up-votes show.
    assert "trump route" not in found
    assert all("syunik" not in p and not p.startswith("the trump") for p in found)


def test_a_phrase_seen_around_an_up_voted_match_is_not_suggested() -> None:
    down = [
        voted(1, False, match_in("the Trump Route opened", "Trump Route")),
        voted(2, False, match_in("the Trump Route opened", "Trump Route")),
    ]
    up = [voted(3, True, match_in("When the Trump Route opened, trade rose.", "Trump Route"))]
    assert suggested_excludes([*down, *up]) == []
    assert "the trump route" in suggested_excludes(down)


def test_one_article_alone_suggests_nothing() -> None:
    once = voted(1, False, match_in("the Trump Route 66 motel", "Trump Route"))
    assert suggested_excludes([once, replace(once, chat_id=2)]) == []


words = st.sampled_from(
    ["the", "a", "route", "trump", "66", "motel", "syunik", "border", "rail", "of", "new", "old"]
)
snippets = st.lists(words, min_size=1, max_size=12).map(" ".join)


@given(st.lists(st.tuples(snippets, st.booleans()), max_size=12))
def test_suggested_excludes_recur_in_down_votes_and_never_occur_in_up_votes(
    rows: list[tuple[str, bool]],
) -> None:
    votes = []
    for n, (snippet, up) in enumerate(rows):
        split = snippet.split()
        middle = len(split) // 2
        marked = split[middle]
        start = len(" ".join(split[:middle])) + (1 if middle else 0)
        m = Match("TRIPP", marked, marked, 100, "body", snippet, start, start + len(marked))
        votes.append(voted(n, up, m))
    for phrase in suggested_excludes(votes):
        up_snippets = [f" {m.snippet.casefold()} " for v in votes if v.up for m in v.matches]
        assert not any(f" {phrase} " in s for s in up_snippets)
        down_ids = {
            v.article.id
            for v in votes
            if not v.up and any(f" {phrase} " in f" {m.snippet.casefold()} " for m in v.matches)
        }
        assert len(down_ids) >= 2
        assert len(phrase.split()) >= 2  # more than the matched word alone


def test_names_recurring_in_up_voted_articles_the_list_does_not_name_are_suggested() -> None:
    a = "Officials in Meghri said the Syunik transit strip would open. Meghri customs agreed."
    b = "The Syunik transit strip, run by a US operator, reaches Meghri. Syunik's mayor agreed."
    c = "Meghri is quiet. Nothing else."
    votes = [voted(1, True, text=a), voted(2, True, text=b), voted(3, False, text=c)]
    named = voted(4, True, match_in("the TRIPP plan", "TRIPP", "TRIPP"), text=a)
    found = suggested_terms([*votes, named], ["TRIPP"])
    assert "Syunik" in found
    assert "Meghri" not in found  # in a down-voted article too
    assert "Officials" not in found  # capitalised only because it starts a sentence
    assert "TRIPP" not in found  # a term already


def test_the_down_voted_articles_name_the_term_that_fired_once_each() -> None:
    m = match_in("the Trump Route 66 motel", "Trump Route")
    votes = [voted(1, False, m, days=2), replace(voted(1, False, m), chat_id=2), voted(2, True, m)]
    [only] = down_voted(votes)
    assert (only.article.id, only.term, only.votes) == (make_article(1).id, "Trump Route", 2)


def test_a_mute_lasts_until_its_end_and_then_lifts_by_itself() -> None:
    until = mute_end(NOW, 7)
    assert until == NOW + timedelta(days=7)
    assert is_muted(until, NOW) and is_muted(until, until - timedelta(seconds=1))
    assert not is_muted(until, until) and not is_muted(None, NOW)
    sub = Subscriber(1, "private", "UTC", "08:00", watchlists=("A", "B"), muted=(("A", until),))
    assert heard_lists(sub, NOW) == ("B",)
    assert muted_lists(sub, NOW) == {"A": until}
    assert heard_lists(sub, until) == ("A", "B")


def test_a_mute_of_no_days_or_more_than_a_year_is_refused() -> None:
    for days in (0, -1, 366):
        try:
            mute_end(NOW, days)
        except ValueError as exc:
            assert "1 to 365 days" in str(exc)
        else:
            raise AssertionError(days)


names = st.sampled_from(["Meghri", "Syunik", "Kapan", "Agarak", "Goris", "Nakhchivan", "Baku"])
bodies = st.lists(names, min_size=1, max_size=6).map(lambda ns: f"Talks in {', '.join(ns)}.")


@given(
    st.lists(st.tuples(bodies, st.booleans()), max_size=10),
    st.lists(names, max_size=3),
)
def test_suggested_terms_recur_in_up_votes_are_new_to_the_list_and_absent_from_down_votes(
    rows: list[tuple[str, bool]], terms: list[str]
) -> None:
    votes = [voted(n, up, text=text) for n, (text, up) in enumerate(rows)]
    for name in suggested_terms(votes, terms):
        assert name not in terms
        assert sum(name in text for text, up in rows if up) >= 2
        assert not any(name in text for text, up in rows if not up)
