from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.lead import (
    LEAD_CHARS,
    article_lead,
    cut_at_word,
    has_abstract,
    lead_marks,
    mark_in_lead,
)
from bot.domain.models import Match
from tests.factories import make_article

TEXT = (
    "The Washington-brokered deal created the TRIPP, a U.S.-managed strip. "
    "Tehran has greeted it with alarm. Moscow has stayed quiet."
)


def test_lead_is_the_first_two_sentences_when_the_feed_repeats_the_text() -> None:
    article = replace(make_article(text=TEXT), summary=TEXT)
    assert article_lead(article) == (
        "The Washington-brokered deal created the TRIPP, a U.S.-managed strip. "
        "Tehran has greeted it with alarm."
    )


def test_lead_is_the_feeds_abstract_when_it_has_its_own() -> None:
    article = replace(make_article(text=TEXT), summary="Iran fears a U.S.\n route next door.")
    assert has_abstract(article)
    assert article_lead(article) == "Iran fears a U.S. route next door."


def test_a_summary_that_is_the_texts_start_cut_short_is_no_abstract() -> None:
    article = replace(make_article(text=TEXT), summary="The Washington-brokered deal created […]")
    assert not has_abstract(article)
    assert article_lead(article).startswith("The Washington-brokered deal created the TRIPP")


def test_lead_of_an_article_without_text_is_empty() -> None:
    assert article_lead(replace(make_article(text=""), summary="")) == ""


def test_long_lead_is_cut_at_a_word_with_an_ellipsis() -> None:
    long = "Word " * 100 + "end."
    lead = article_lead(replace(make_article(text=long), summary=""))
    assert len(lead) <= LEAD_CHARS
    assert lead.endswith("Word…")


def test_cut_leaves_no_dangling_comma_before_the_ellipsis() -> None:
    assert cut_at_word("one two, three four", 12) == "one two…"


def test_a_single_word_longer_than_the_limit_is_cut_where_it_must() -> None:
    assert cut_at_word("x" * 20, 10) == "x" * 9 + "…"


WORDS = st.text(alphabet=st.sampled_from("abcXYZ.,é😀&<"), min_size=1, max_size=12)


@settings(max_examples=300)
@given(st.lists(WORDS, max_size=80), st.integers(2, 320))
def test_cut_at_word_never_cuts_inside_a_word_and_keeps_the_limit(
    words: list[str], limit: int
) -> None:
    text = " ".join(words)
    cut = cut_at_word(text, limit)
    assert len(cut) <= limit
    if cut == text:
        return
    assert cut.endswith("…")
    kept = cut.removesuffix("…").rstrip(",;:–—-‐ ")
    # Whole words only, unless the first word alone is over the limit.
    if len(words[0]) < limit:
        assert text.startswith(kept)
        assert kept == "" or text[len(kept) : len(kept) + 1] in ("", " ", ",", ";", ":", "-")


def match_at(snippet: str, words: str, field: str = "body") -> Match:
    start = snippet.index(words)
    return Match("TRIPP", words, words, 100.0, field, snippet, start, start + len(words))


def test_a_match_the_lead_shows_is_marked_there() -> None:
    lead = "The deal created the TRIPP, a U.S.-managed strip. Tehran has greeted it."
    found = match_at("The deal created the TRIPP, a U.S.-managed strip.", "TRIPP")
    span = mark_in_lead(lead, found)
    assert span is not None
    assert lead[span[0] : span[1]] == "TRIPP"


def test_a_match_further_on_or_in_the_title_is_not_in_the_lead() -> None:
    lead = "The deal created a strip. Tehran has greeted it."
    assert mark_in_lead(lead, match_at("Later the TRIPP opened.", "TRIPP")) is None
    title = match_at("The TRIPP opens", "TRIPP", field="title")
    assert mark_in_lead("The TRIPP opens", title) is None


def test_a_snippet_cut_on_the_left_is_still_found_in_the_lead() -> None:
    lead = "A long opening about the deal that created the TRIPP route. More."
    found = match_at("… that created the TRIPP route.", "TRIPP")
    span = mark_in_lead(lead, found)
    assert span is not None and lead[span[0] : span[1]] == "TRIPP"


def test_overlapping_marks_in_the_lead_are_merged() -> None:
    lead = "The Trump Route for International Peace (TRIPP) opens."
    wide = match_at(lead, "Trump Route for International Peace (TRIPP)")
    narrow = match_at(lead, "TRIPP")
    assert lead_marks(lead, [narrow, wide]) == [(4, 47)]


# -- lead_only: keeping many articles for their leads (the archive site) -----------------

_WORDS = st.text(alphabet=st.sampled_from("ab. \n\tXY…"), max_size=6000)


@settings(max_examples=200, deadline=None)
@given(_WORDS, _WORDS, st.sampled_from(["own", "same", "start"]))
def test_an_article_cut_to_what_its_lead_reads_has_the_same_lead(
    text: str, summary: str, kind: str
) -> None:
    from bot.domain.lead import article_lead, has_abstract, lead_only

    if kind == "same":
        summary = text
    elif kind == "start":
        summary = text[: len(summary) // 2] + "…"
    article = replace(make_article(1), text=text, summary=summary)
    cut = lead_only(article)
    assert article_lead(cut) == article_lead(article)
    assert has_abstract(cut) == has_abstract(article)
    assert len(cut.text) <= max(len(text), 20_000)
