"""The "possibly about" tier's pure rules: an article's passages, the score from plain
similarities, close or very close, the quoted passage, and a list's thresholds."""

from __future__ import annotations

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.aboutness import (
    CLOSE,
    DEFAULT_CLOSE,
    DEFAULT_VERY_CLOSE,
    MAX_PASSAGES,
    MAX_QUOTE,
    VERY_CLOSE,
    ArticleSimilarities,
    Thresholds,
    decide,
    passages,
    quote,
    score,
    thresholds_of,
)
from bot.domain.models import Term, Watchlist

# Words of four letters or more: a single letter and a stop is an initial ("J. Smith"),
# and short ones may be abbreviations ("No."), neither of which ends a sentence.
words = st.text(alphabet="abcdefghij", min_size=4, max_size=8)
sentence = st.lists(words, min_size=1, max_size=12).map(lambda ws: " ".join(ws).capitalize() + ".")
paragraph = st.lists(sentence, min_size=1, max_size=6).map(" ".join)
article_text = st.lists(paragraph, min_size=0, max_size=6).map("\n\n".join)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


@given(article_text)
def test_every_word_of_the_text_is_in_a_single_sentence_passage_in_reading_order(
    text: str,
) -> None:
    found = passages("", text).texts
    # Single sentences are the passages without a sentence end inside them.
    singles = [p for p in found if not re.search(r"[.!?] ", p)]
    assert [w for p in singles for w in _words(p)] == _words(text)
    assert all(p.strip() == p and p for p in found)


@given(paragraph)
def test_two_sentences_running_on_are_also_one_passage(text: str) -> None:
    found = passages("", text).texts
    singles = [p for p in found if not re.search(r"[.!?] ", p)]
    pairs = [p for p in found if p not in singles]
    assert pairs == [f"{a} {b}" for a, b in itertools.pairwise(singles)]


def test_a_long_article_gives_at_most_max_passages() -> None:
    text = "\n\n".join(" ".join(f"Sentence {p} {i} here." for i in range(8)) for p in range(40))
    found = passages("Title", text).texts
    assert len(found) == MAX_PASSAGES
    assert found[:3] == ["Title", "Sentence 0 0 here.", "Sentence 0 0 here. Sentence 0 1 here."]


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "U.S. officials met in Room No. 5 on Monday. Dr. Aliyev spoke. The E.U. did not."
    assert passages("", text).texts[::2] == [
        "U.S. officials met in Room No. 5 on Monday.",
        "Dr. Aliyev spoke.",
        "The E.U. did not.",
    ]


@given(article_text)
def test_paragraphs_are_those_of_two_sentences_or_more_in_reading_order(text: str) -> None:
    found = passages("Title", text)
    expected = [p for p in text.split("\n\n") if p and len(re.findall(r"[.!?](?: |$)", p)) >= 2]
    joined = [" ".join(found.sentences[i] for i in p) for p in found.paragraphs]
    assert joined == expected
    assert all(0 not in p for p in found.paragraphs)  # the title is no paragraph


def test_the_title_is_a_passage_and_line_wraps_are_spaces() -> None:
    assert passages("  A  title ", "One line\nwrapped.").texts == ["A title", "One line wrapped."]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=900))
def test_a_quote_is_at_most_300_characters_and_cut_at_a_word(text: str) -> None:
    quoted = quote(text)
    assert len(quoted) <= MAX_QUOTE
    assert "\n" not in quoted
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= MAX_QUOTE:
        assert quoted == flat
    else:
        assert quoted.endswith("…")
        assert flat.startswith(quoted[:-1])


def test_a_long_passage_is_cut_between_words() -> None:
    passage = " ".join(["corridor"] * 60)
    quoted = quote(passage)
    assert quoted.endswith("corridor…")
    assert len(quoted) <= MAX_QUOTE


def sims(about: list[float], not_about: list[float], whole: float = 0.5) -> ArticleSimilarities:
    return ArticleSimilarities(about, not_about, [whole, whole], [0.4])


def test_the_score_adds_support_contrast_lean_and_focus() -> None:
    value, best = score(sims([0.2, 0.7, 0.6, 0.5, 0.6, 0.6], [0.5, 0.4, 0.6, 0.1, 0.7, 0.7]))
    # support: the mean of the five closest (0.7, 0.6, 0.6, 0.6, 0.5); contrast: the mean
    # margin of the three closest, passages 1, 2 and 4 (0.3, 0.0, -0.1); lean: 0.5 - 0.4;
    # focus: without paragraphs, the lean again
    assert round(value, 6) == round(0.6 + 0.2 / 3 + 0.1 + 0.1, 6)
    assert best == 1


def test_a_stray_passage_far_from_every_neighbour_adds_nothing() -> None:
    # Passage 3 is near nothing in `not_about`, but it is not among the closest to the
    # subject: the article's contrast is that of its most subject-like passages.
    plain, _ = score(sims([0.7, 0.6, 0.6, 0.3], [0.7, 0.6, 0.6, 0.3]))
    stray, _ = score(sims([0.7, 0.6, 0.6, 0.3], [0.7, 0.6, 0.6, -0.5]))
    assert stray == plain


def test_a_paragraph_on_the_subject_counts_among_paragraphs_on_a_neighbour() -> None:
    # The whole article leans to the neighbour (0.4 against 0.5); its second paragraph
    # leans to the subject by 0.3, and that is its focus.
    def article(paragraphs_about: list[float]) -> ArticleSimilarities:
        return ArticleSimilarities(
            [0.7, 0.6, 0.5], [0.4, 0.4, 0.4], [0.4], [0.5], paragraphs_about, [0.5, 0.4, 0.5]
        )

    focused, _ = score(article([0.3, 0.7, 0.3]))
    spread, _ = score(article([0.3, 0.4, 0.3]))
    assert round(focused - spread, 6) == 0.3
    lean = 0.4 - 0.5
    assert round(focused, 6) == round(0.6 + 0.2 + lean + 0.3, 6)


def test_closer_to_a_neighbouring_subject_scores_lower() -> None:
    alone, _ = score(sims([0.7, 0.6, 0.5], [0.3, 0.3, 0.3]))
    beside_a_neighbour, _ = score(
        ArticleSimilarities([0.7, 0.6, 0.5], [0.8, 0.7, 0.6], [0.5, 0.5], [0.6])
    )
    assert beside_a_neighbour < alone


def test_a_list_without_not_about_gets_no_credit_for_contrast() -> None:
    value, _ = score(ArticleSimilarities([0.7, 0.6, 0.5], [0.0, 0.0, 0.0], [0.9], []))
    assert round(value, 6) == 0.6  # the support alone: fewer than five passages, all count


def test_an_article_without_passages_is_about_nothing() -> None:
    empty = ArticleSimilarities([], [], [], [])
    assert decide("a", "L", [], empty, Thresholds(close=-5.0)) is None


def test_strength_is_close_from_the_first_threshold_and_very_close_from_the_second() -> None:
    texts = ["Title", "The closest sentence.", "Another.", "A third.", "Four.", "Five."]
    s = sims([0.2, 0.7, 0.6, 0.5, 0.6, 0.6], [0.5, 0.4, 0.6, 0.1, 0.7, 0.7])  # scores 0.867
    assert decide("a", "L", texts, s, Thresholds(close=0.9, very_close=1.5)) is None
    found = decide("a", "L", texts, s, Thresholds(close=0.8, very_close=1.5))
    assert found is not None
    assert (found.strength, found.passage) == (CLOSE, "The closest sentence.")
    found = decide("a", "L", texts, s, Thresholds(close=0.8, very_close=0.85))
    assert found is not None and found.strength == VERY_CLOSE


def test_a_list_without_calibrated_thresholds_takes_the_defaults() -> None:
    plain = Watchlist(name="L", terms=(Term("term"),))
    assert thresholds_of(plain) == Thresholds(DEFAULT_CLOSE, DEFAULT_VERY_CLOSE)
    only_close = Watchlist(name="L", terms=(Term("term"),), about_close=0.5)
    assert thresholds_of(only_close) == Thresholds(0.5, 0.5 + DEFAULT_VERY_CLOSE - DEFAULT_CLOSE)
