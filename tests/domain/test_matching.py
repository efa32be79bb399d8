"""The watchlist matcher: exact and fuzzy terms, boundaries, excludes, snippets, speed rules.

Sentences here are written for these tests. Most tests use small watchlists built in the
test; the `shipped` fixture checks the project's own watchlist files.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import Match, Term, Watchlist
from bot.domain.snippets import make_snippet
from bot.lists.files import load_watchlists
from tests.watchlist_copy import copy_watchlists


def wl(
    name: str, *terms: str | Term, exclude: tuple[str, ...] = (), threshold: int = 88
) -> Watchlist:
    return Watchlist(
        name=name,
        terms=tuple(t if isinstance(t, Term) else Term(t) for t in terms),
        exclude=exclude,
        threshold=threshold,
    )


def names(matches: list[Match]) -> set[str]:
    return {m.watchlist for m in matches}


def body(matcher: Matcher, text: str) -> list[Match]:
    return matcher.match([("body", text)])


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    # The tests' frozen copy of the shipped lists: the live watchlists/ is the user's.
    lists = copy_watchlists(tmp_path_factory.mktemp("shipped") / "watchlists")
    watchlists, errors = load_watchlists(lists)
    assert not errors
    return compile_watchlists(watchlists)


@pytest.fixture(scope="module")
def ferry() -> Matcher:
    return compile_watchlists(
        [
            wl(
                "Ferry",
                "Caspian Ferry Alliance",
                "Kuryk Ferry Terminal Development Programme",
                Term("CFA", exact=True),
                exclude=("Caspian Ferry Alliance Museum",),
            ),
            wl("Dam", "Rogun Dam"),
        ]
    )


# -- exact terms --------------------------------------------------------------------------------


def test_acronym_matches_as_a_whole_word(shipped: Matcher) -> None:
    assert names(body(shipped, "Officials discussed TRIPP on Monday.")) == {"TRIPP"}


def test_acronym_does_not_match_inside_tripped(shipped: Matcher) -> None:
    assert body(shipped, "The minister tripped, and trips were cancelled.") == []


@pytest.mark.parametrize("word", ["Tripoli", "tripartite", "triple", "tripled", "strip", "TRIPPED"])
def test_acronym_does_not_match_lookalike_words(shipped: Matcher, word: str) -> None:
    assert body(shipped, f"A note on {word} matters.") == []


def test_acronym_counts_with_possessive_and_hyphenated_compound(shipped: Matcher) -> None:
    assert names(body(shipped, "TRIPP's budget grew.")) == {"TRIPP"}
    assert names(body(shipped, "A TRIPP-linked contract.")) == {"TRIPP"}
    assert names(body(shipped, "Its TRIPP’s budget grew.")) == {"TRIPP"}


def test_short_all_caps_term_is_treated_as_exact() -> None:
    matcher = compile_watchlists([wl("Pipes", "TAPI")])
    assert names(body(matcher, "The TAPI line.")) == {"Pipes"}
    assert body(matcher, "The TAPIS line and tap.") == []


def test_case_sensitive_acronym_ignores_the_common_word() -> None:
    matcher = compile_watchlists([wl("Gas", Term("TAP", exact=True, case_sensitive=True))])
    assert names(body(matcher, "Gas flows through TAP to Italy.")) == {"Gas"}
    assert body(matcher, "Turn the tap and Tap again.") == []


def test_acronym_is_case_sensitive_unless_the_list_says_otherwise() -> None:
    by_shape = compile_watchlists([wl("Gas", "TAP")])
    assert names(body(by_shape, "Gas flows through TAP.")) == {"Gas"}
    assert body(by_shape, "turn the tap, Tap it") == []
    said = compile_watchlists([wl("Gas", Term("TAP", case_sensitive=False))])
    assert names(body(said, "turn the tap")) == {"Gas"}
    assert body(said, "the taps and a tape") == []


def test_multi_word_exact_term_needs_the_words_in_order() -> None:
    matcher = compile_watchlists([wl("Port", Term("Port of Aktau", exact=True))])
    assert names(body(matcher, "Cargo at the port of Aktau grew.")) == {"Port"}
    assert body(matcher, "Cargo at the port of Aktauu grew.") == []


# -- fuzzy phrases ------------------------------------------------------------------------------


def test_phrase_matches_in_any_case(ferry: Matcher) -> None:
    assert names(body(ferry, "the CASPIAN FERRY ALLIANCE met")) == {"Ferry"}


def test_one_or_two_letter_typos_in_a_long_name_count(ferry: Matcher) -> None:
    text = "They opened the Kuryk Fery Terminal Developmnt Programme in May."
    [match] = body(ferry, text)
    assert match.matched_text == "Kuryk Fery Terminal Developmnt Programme"
    assert 88 <= match.score < 100


def test_threshold_is_honoured() -> None:
    strict = compile_watchlists([wl("Dam", "Rogun Hydropower Dam", threshold=99)])
    loose = compile_watchlists([wl("Dam", "Rogun Hydropower Dam", threshold=88)])
    text = "the Rogun Hydropowr Dam"
    assert body(strict, text) == []
    assert names(body(loose, text)) == {"Dam"}


def test_phrase_never_matches_inside_a_longer_word(ferry: Matcher) -> None:
    assert body(ferry, "the Rogun Damascene style") == []


def test_phrase_split_by_a_sentence_boundary_does_not_match(ferry: Matcher) -> None:
    assert body(ferry, "They went to Rogun. Dam builders waited.") == []


def test_phrase_with_an_inserted_function_word_does_not_match(ferry: Matcher) -> None:
    assert body(ferry, "the Rogun of Dam") == []


def test_phrase_split_by_a_possessive_does_not_match() -> None:
    matcher = compile_watchlists([wl("Road", "Aliyev Road")])
    assert body(matcher, "Aliyev's road to power") == []
    assert names(body(matcher, "the Aliyev Road's cost")) == {"Road"}


def test_words_far_apart_do_not_match(ferry: Matcher) -> None:
    assert body(ferry, "Rogun is far upstream, and the new reservoir needs a dam soon.") == []


def test_hyphen_kinds_and_line_breaks_inside_a_phrase_count(ferry: Matcher) -> None:
    for sep in ("-", "\u2010", "\u2011", "\u2013", "\u2014", "\n", " \n "):
        assert names(body(ferry, f"the Rogun{sep}Dam works")) == {"Dam"}, repr(sep)


def test_hyphenated_line_break_inside_a_word_counts(ferry: Matcher) -> None:
    [match] = body(ferry, "the Caspian Fer-\nry Alliance met")
    assert match.matched_text == "Caspian Fer- ry Alliance"


def test_word_broken_across_lines_without_a_hyphen_counts() -> None:
    matcher = compile_watchlists([wl("Pass", "Kamchik")])
    assert names(body(matcher, "over the Kam\nchik pass")) == {"Pass"}


def test_html_tags_and_entities_inside_a_term_count(ferry: Matcher) -> None:
    assert names(body(ferry, "<p>the <i>Rogun</i> Dam</p>")) == {"Dam"}
    assert names(body(ferry, "the Ro<b>gun</b>&nbsp;Dam")) == {"Dam"}
    assert names(body(ferry, "the Ro&shy;gun&#8209;Dam")) == {"Dam"}
    assert names(body(ferry, "the &lt;em&gt;Rogun&lt;/em&gt; Dam")) == {"Dam"}


def test_accented_spelling_matches_plain_term() -> None:
    matcher = compile_watchlists([wl("City", "Ganca Highway")])
    assert names(body(matcher, "the Gəncə highway")) == {"City"}


def test_exclude_phrase_overlapping_a_match_cancels_it(ferry: Matcher) -> None:
    assert body(ferry, "a visit to the Caspian Ferry Alliance Museum") == []


def test_exclude_does_not_cancel_a_separate_mention(ferry: Matcher) -> None:
    text = "The Caspian Ferry Alliance Museum opened. The Caspian Ferry Alliance signed deals."
    [match] = body(ferry, text)
    assert match.snippet == "The Caspian Ferry Alliance signed deals."


# -- reporting ------------------------------------------------------------------------------------


def test_match_reports_term_text_as_written_field_and_snippet(ferry: Matcher) -> None:
    [match] = ferry.match(
        [("title", "Weekly notes"), ("summary", "Talks on the rogun dam’s future.")]
    )
    assert match.watchlist == "Dam"
    assert match.term == "Rogun Dam"
    assert match.matched_text == "rogun dam"
    assert match.field == "summary"
    assert match.snippet == "Talks on the rogun dam’s future."
    assert match.snippet[match.mark_start : match.mark_end] == "rogun dam"


def test_title_only_mention_counts(ferry: Matcher) -> None:
    matches = ferry.match([("title", "Rogun Dam at a crossroads"), ("body", "Nothing else.")])
    assert [(m.watchlist, m.field) for m in matches] == [("Dam", "title")]


def test_one_best_match_per_watchlist_by_default(ferry: Matcher) -> None:
    text = "The CFA met. Later the Caspian Fery Alliance and the Rogun Dam were discussed."
    matches = body(ferry, text)
    assert [m.watchlist for m in matches] == ["Ferry", "Dam"]
    assert matches[0].score == 100.0


def test_several_distinct_matches_when_asked() -> None:
    matcher = compile_watchlists(
        [wl("Ferry", "Caspian Ferry Alliance", Term("CFA", exact=True))], max_per_watchlist=3
    )
    matches = body(matcher, "The CFA, formally the Caspian Ferry Alliance, grew. CFA ships sail.")
    assert [m.matched_text for m in matches] == ["CFA", "Caspian Ferry Alliance", "CFA"]


def test_overlapping_readings_of_one_mention_are_reported_once() -> None:
    matcher = compile_watchlists([wl("Dam", "Rogun Dam", "Rogun")], max_per_watchlist=3)
    assert [m.matched_text for m in body(matcher, "the Rogun Dam")] == ["Rogun Dam"]


def test_long_sentence_snippet_is_cut_to_about_twelve_words_each_side() -> None:
    before = " ".join(f"w{i}" for i in range(30))
    after = " ".join(f"v{i}" for i in range(30))
    plain = f"{before} Rogun Dam {after}."
    start = plain.index("Rogun")
    snippet, ms, me = make_snippet(plain, start, start + len("Rogun Dam"))
    assert snippet[ms:me] == "Rogun Dam"
    assert snippet.startswith("… w18 ")
    assert snippet.endswith(" v11 …")


def test_snippet_is_the_sentence_on_one_line() -> None:
    plain = "First one. The Rogun\nDam is big.\n\nNext paragraph."
    start = plain.index("Rogun")
    snippet, ms, me = make_snippet(plain, start, plain.index("Dam") + 3)
    assert snippet == "The Rogun Dam is big."
    assert snippet[ms:me] == "Rogun Dam"


def test_empty_fields_and_empty_watchlists_are_fine() -> None:
    assert compile_watchlists([]).match([("title", ""), ("body", "text")]) == []
    assert compile_watchlists([wl("Dam", "Rogun Dam")]).match([]) == []


def test_find_all_lists_every_hit(ferry: Matcher) -> None:
    hits = ferry.find_all("CFA and Rogun Dam")
    assert ("Ferry", "CFA", "CFA", 100.0) in hits
    assert ("Dam", "Rogun Dam", "Rogun Dam", 100.0) in hits


# -- the shipped watchlists -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Washington unveiled the Trump Route for International Peace and Prosperity (TRIPP).",
            "TRIPP",
        ),
        ("Baku still speaks of the Zangezur corridor.", "TRIPP"),
        ("Azerbaijani media wrote Zəngəzur, others Zangazur.", "TRIPP"),
        ("A French map says Zangezour.", "TRIPP"),
        ("The Zangesur road was mentioned.", "TRIPP"),
        ("A ZANGEZUR banner hung there.", "TRIPP"),
        ("The Trump Rout for International Peace and Prosperity was announced.", "TRIPP"),
        ("Freight on the Middle Corridor rose.", "Middle Corridor"),
        ("the middle-corridor plan", "Middle Corridor"),
        ("the Trans-Caspain International Transport Route report", "Middle Corridor"),
        ("TITR members met.", "Middle Corridor"),
        ("the Trans\u2011Caspian route", "Middle Corridor"),
        ("the Trans–Caspian corridor", "Middle Corridor"),
        ("Kazakhstan may join the Abraham Accords.", "Abraham Accords"),
        ("an Abraham Accord framework", "Abraham Accords"),
        ("the Abrahamic Accords", "Abraham Accords"),
        ("the Abraham-Accords", "Abraham Accords"),
        ("the Abraham Acords", "Abraham Accords"),
        ("an Abraham Acord framework", "Abraham Accords"),
        ("the Trans-Caspian International Transport Route's board", "Middle Corridor"),
        ("a Middle Corri-\ndor project", "Middle Corridor"),
        ("the Zange&shy;zur corridor", "TRIPP"),
    ],
)
def test_shipped_watchlists_find_their_names(shipped: Matcher, text: str, expected: str) -> None:
    assert names(body(shipped, text)) == {expected}


def test_word_split_in_two_still_counts_but_an_added_word_does_not() -> None:
    matcher = compile_watchlists(
        [Watchlist("MC", (Term("Trans-Caspian International Transport Route"),))]
    )
    assert names(body(matcher, "the Trans-Caspian Inter national Transport Route")) == {"MC"}
    route = compile_watchlists([Watchlist("R", (Term("Trans-Caspian route"),))])
    assert body(route, "the Trans-Caspian freight route") == []


def test_a_word_that_takes_no_typo_is_neither_split_nor_misspelt_when_run_together() -> None:
    port = compile_watchlists([Watchlist("P", (Term("Meghri port"),))])
    assert names(body(port, "cargo at the Mgehri prot")) == set()
    assert names(body(port, "cargo at the Megrhi port")) == {"P"}
    assert names(body(port, "cargo at the Meghriport")) == {"P"}
    assert names(body(port, "cargo at the Meghri po rt")) == set()
    assert names(body(port, "cargo at the Meghriprot")) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Trump spoke to both leaders by phone.",
        "Abraham met the delegation; Abraham Lincoln was quoted.",
        "Scholars of the Abrahamic faiths gathered.",
        "The Trans-Caspian Gas Pipeline stalled again.",
        "a Middle East corridor of trade",
        "In the middle of the talks, someone raised the Lachin corridor.",
        "Zangilan district was rebuilt.",
        "Nakhchivan remains cut off.",
        "The International North–South Transport Corridor runs to Iran.",
        "The Middle East is tense.",
        "the India–Middle East–Europe Economic Corridor",
        "the Southern Gas Corridor and the Northern Corridor",
        "the Minsk, Dayton, Oslo and Helsinki accords",
        "Trump routed his rivals.",
        "stuck in the middle. Corridor politics resumed",
        "a mid-corridor checkpoint",
        "a Trans-Caspian oil route to Baku",
        "the trans-Caspian cable corridor under the sea",
    ],
)
def test_shipped_watchlists_ignore_near_misses(shipped: Matcher, text: str) -> None:
    assert body(shipped, text) == []


# -- properties -----------------------------------------------------------------------------------

_PROPERTY_LISTS = [
    # Any letter case: the list says so (an acronym is case-sensitive by default).
    wl("Ferry", "Caspian Ferry Alliance", Term("CFA", case_sensitive=False)),
    wl("Dam", "Rogun Dam"),
    wl("Pass", "Kamchik Pass"),
]
_PROPERTY_MATCHER = compile_watchlists(_PROPERTY_LISTS)
_TERMS = [
    ("Ferry", "Caspian Ferry Alliance"),
    ("Ferry", "CFA"),
    ("Dam", "Rogun Dam"),
    ("Pass", "Kamchik Pass"),
]
# Filler shares no piece with any term: consonant-only strings cannot be one edit from
# a term word (each has two vowels or more) and the plain words are unrelated.
_FILLER_WORD = st.one_of(
    st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=1, max_size=9),
    st.sampled_from(["the", "officials", "said", "new", "budget", "talks", "week", "rail", "a"]),
)
_SEPARATOR = st.sampled_from(
    [" ", " ", " ", ", ", ". ", "\n", " - ", " (", ") ", "<p>", "</p>", "&amp; "]
)
_FILLER = st.lists(st.tuples(_FILLER_WORD, _SEPARATOR), max_size=25).map(
    lambda parts: "".join(w + s for w, s in parts)
)
_BETWEEN_WORDS = [
    "-",
    "\u2010",
    "\u2011",
    "\u2013",
    "\u2014",
    "\u2212",
    "\n",
    "&nbsp;",
    "&#8209;",
    " <b></b>",
]


def _as_is(s: str) -> str:
    return s


_CASES: list[Callable[[str], str]] = [_as_is, str.upper, str.lower, str.title]


@st.composite
def _written(draw: st.DrawFn, term: str) -> str:
    """The term as an article might write it."""
    case = draw(st.sampled_from(_CASES))
    words = case(term).split()
    separators = [draw(st.sampled_from([" ", *_BETWEEN_WORDS])) for _ in words[1:]]
    if len(words[0]) > 4 and draw(st.booleans()):
        cut = draw(st.integers(2, len(words[0]) - 2))
        head, tail = words[0][:cut], words[0][cut:]
        words[0] = head + draw(
            st.sampled_from(["-\n" + tail.lower(), "&shy;" + tail, "<i>" + tail + "</i>"])
        )
    if "a" in words[-1] and draw(st.booleans()):
        words[-1] = words[-1].replace("a", "á", 1)
    written = words[0] + "".join(sep + w for sep, w in zip(separators, words[1:], strict=True))
    wrapper = draw(st.sampled_from(["{}", "<em>{}</em>", "&quot;{}&quot;", "“{}”"]))
    suffix = draw(st.sampled_from(["", "'s", "’s", "-linked", "’"]))
    return wrapper.format(written) + suffix


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), _FILLER, _FILLER)
def test_a_term_written_any_supported_way_is_found(
    data: st.DataObject, before: str, after: str
) -> None:
    name, term = data.draw(st.sampled_from(_TERMS))
    written = data.draw(_written(term))
    text = f"{before} {written} {after}"
    assert name in names(_PROPERTY_MATCHER.match([("body", text)])), text


@settings(max_examples=150)
@given(_FILLER)
def test_text_without_any_term_piece_matches_nothing(text: str) -> None:
    assert _PROPERTY_MATCHER.match([("title", text), ("body", text)]) == []


@settings(max_examples=100)
@given(st.data(), _FILLER, _FILLER)
def test_marks_point_at_the_matched_text_in_the_snippet(
    data: st.DataObject, before: str, after: str
) -> None:
    _, term = data.draw(st.sampled_from(_TERMS))
    for match in _PROPERTY_MATCHER.match([("body", f"{before} {term} {after}")]):
        assert match.snippet[match.mark_start : match.mark_end] == match.matched_text
        assert match.matched_text


def test_a_term_with_function_words_in_a_row_is_found() -> None:
    # The prefilter seeks a word's neighbour past as many function words as a term has
    # in a row ("of the"), not one.
    matcher = compile_watchlists([wl("Banks", "Bank of the South", "Friends of the Earth")])
    assert names(body(matcher, "Officials said the Bank of the South opened.")) == {"Banks"}
    assert names(body(matcher, "He met friends of the eartth today.")) == {"Banks"}
    assert body(matcher, "The bank of the north opened.") == []


def test_later_mention_is_found_among_many_repeated_place_names() -> None:
    places = ["Baku", "Tbilisi", "Aktau", "Poti", "Kars", "Alat", "Astana", "Tashkent", "Osh"]
    matcher = compile_watchlists(
        [
            Watchlist("ports", (Term("Port of Aktau"), Term("Alat ferry terminal"))),
            Watchlist("rail", (Term("Baku–Tbilisi railway"),)),
        ]
    )
    filler = " ".join(f"{p} officials met in {p}." for p in places * 4)
    text = f"{filler} Cargo left the Port of Aktau. {filler} The Baku-Tbilisi railway reopened."
    found = {m.watchlist: m.matched_text for m in body(matcher, text)}
    assert found == {"ports": "Port of Aktau", "rail": "Baku-Tbilisi railway"}
    assert body(matcher, filler) == []


# -- typos ----------------------------------------------------------------------------------------

_TYPO_LISTS = [
    wl("Ferry", "Caspian Ferry Alliance", "Kuryk Ferry Terminal Development Programme"),
    wl("Dam", "Rogun Dam"),
    wl("Pass", "Kamchik Pass"),
    wl("Road", "Trans-Caspian route"),
    wl("Zangezur", "Zangezur"),
]
_TYPO_MATCHER = compile_watchlists(_TYPO_LISTS)
_TYPO_TERMS = [(w.name, t.text) for w in _TYPO_LISTS for t in w.terms]
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@st.composite
def _one_typo(draw: st.DrawFn) -> tuple[str, str]:
    """(list, the term with one typo in one of its words of five letters or more)."""
    name, term = draw(st.sampled_from(_TYPO_TERMS))
    words = term.split()
    i = draw(st.sampled_from([j for j, w in enumerate(words) if len(w) >= 5]))
    word = words[i]
    kind = draw(st.sampled_from(["insert", "delete", "substitute", "transpose"]))
    at = draw(st.integers(0, len(word) - 1))
    letter = draw(st.sampled_from(_LETTERS))
    if kind == "insert":
        word = word[:at] + letter + word[at:]
    elif kind == "delete":
        word = word[:at] + word[at + 1 :]
    elif kind == "substitute":
        word = word[:at] + letter + word[at + 1 :]
    else:
        at = min(at, len(word) - 2)
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    words[i] = word
    return name, " ".join(words)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_one_typo(), _FILLER, _FILLER)
def test_any_one_typo_in_a_word_of_five_letters_or_more_is_found(
    typo: tuple[str, str], before: str, after: str
) -> None:
    name, written = typo
    text = f"{before} the {written} {after}"
    assert name in names(_TYPO_MATCHER.match([("body", text)])), text


def test_two_typos_in_a_long_name_are_found() -> None:
    text = "They opened the Kuryk Fery Termnal Development Programme in May."
    assert names(body(_TYPO_MATCHER, text)) == {"Ferry"}
    assert names(body(_TYPO_MATCHER, "the Trnas-Caspain route")) == {"Road"}


def test_two_typos_in_a_five_letter_word_or_a_short_name_are_not_a_match() -> None:
    assert body(_TYPO_MATCHER, "the Rgn Dam") == []
    assert body(_TYPO_MATCHER, "the Zangilan district") == []
    trump = compile_watchlists([wl("TRIPP", "Trump Route")])
    assert body(trump, "Trump wrote to both leaders.") == []
    assert names(body(trump, "the Trump Ruote")) == {"TRIPP"}


@settings(max_examples=150)
@given(st.sampled_from(_TYPO_TERMS), st.text(alphabet=_LETTERS, min_size=3, max_size=6), _FILLER)
def test_a_term_never_matches_inside_a_longer_word(
    term: tuple[str, str], letters: str, filler: str
) -> None:
    _, text = term
    for written in (letters + text, text + letters):
        assert _TYPO_MATCHER.match([("body", f"{filler} {written} {filler}")]) == [], written


# -- acronyms and terms written with digits or punctuation -----------------------------------------


@settings(max_examples=150)
@given(st.text(alphabet="BCDFGHJKLMNPQRSTVWXZ", min_size=3, max_size=6), _FILLER)
def test_an_acronym_matches_only_in_capitals_and_as_a_whole_word(acronym: str, filler: str) -> None:
    matcher = compile_watchlists([wl("A", acronym)])
    assert names(body(matcher, f"{filler} {acronym}'s plan {filler}")) == {"A"}
    for other in (acronym.lower(), acronym.title(), acronym + "S", "X" + acronym):
        assert body(matcher, f"{filler} {other} plan {filler}") == [], other


def test_an_acronym_said_to_be_case_insensitive_matches_any_case() -> None:
    matcher = compile_watchlists([wl("TRIPP", Term("TRIPP", case_sensitive=False))])
    assert names(body(matcher, "the Tripp route and tripp-linked firms")) == {"TRIPP"}
    assert body(matcher, "the trip was tripped") == []


def test_capitals_longer_than_six_letters_are_a_name_not_an_acronym() -> None:
    matcher = compile_watchlists([wl("Z", "ZANGEZUR")])
    assert names(body(matcher, "the Zangezour corridor")) == {"Z"}


@pytest.mark.parametrize(
    ("term", "written", "found"),
    [
        ("3+3 format", "the 3+3 format talks", True),
        ("3+3 format", "the 3 + 3 Format talks", True),
        ("3+3 format", "the 3+3-format talks", True),
        ("3+3 format", "the 3+3\nformat talks", True),
        ("3+3 format", "the 3 3 format talks", False),
        ("3+3 format", "the 3-3 format talks", False),
        ("3+3 format", "the 13+3 format talks", False),
        ("3+3 format", "the 3+3 formats talks", False),
        ("C5+1", "a C5+1 summit", True),
        ("C5+1", "a c5+1 summit", True),
        ("C5+1", "a C5 + 1 summit", True),
        ("C5+1", "a C5+10 summit", False),
        ("C5+1", "a C5 1 summit", False),
        ("C5+1", "a C5 summit", False),
        ("9/11", "after 9/11, the base", True),
        ("9/11", "after 9 11 the base", False),
        ("C-130", "a C-130 landed", True),
        ("C-130", "a C 130 landed", True),
        ("C-130", "a C-131 landed", False),
    ],
)
def test_a_term_with_digits_or_punctuation_matches_as_written(
    term: str, written: str, found: bool
) -> None:
    matcher = compile_watchlists([wl("L", term)])
    assert bool(body(matcher, written)) is found


@pytest.mark.parametrize(
    ("term", "written", "marked"),
    [
        ("$100", "$100", "$100"),
        ("$100", "they paid $100 for it", "$100"),
        ("$100", "they paid ($100) for it", "$100"),
        ("🚀 rocket", "launch day. 🚀 rocket", "🚀 rocket"),
        ("#hashtag", "#hashtag", "#hashtag"),
        ("@user", "@user", "@user"),
        ("🚀 rocket", "🚀 rocket", "🚀 rocket"),
        ("$100 bn", "$100 bn", "$100 bn"),
        (".kz", "the .kz domain", ".kz"),
        ("#TRIPP", "tweets with #TRIPP today", "#TRIPP"),
        ("€2 billion", "a €2 billion deal", "€2 billion"),
        ("100$", "they paid 100$ for it", "100$"),
        ("C5+1", "a C5+1 summit", "C5+1"),
        ("3+3 format", "the 3+3 format talks", "3+3 format"),
        (
            "Baku-Tbilisi-Kars (BTK)",
            "the Baku–Tbilisi–Kars (BTK) railway",
            "Baku–Tbilisi–Kars (BTK)",
        ),
        ("(BTK)", "the BTK railway", "BTK"),
    ],
)
def test_a_literal_term_starting_or_ending_with_a_symbol_is_marked_as_written(
    term: str, written: str, marked: str
) -> None:
    matcher = compile_watchlists([wl("L", term)])
    assert [m.matched_text for m in body(matcher, written)] == [marked]


@pytest.mark.parametrize(
    ("term", "written"),
    [
        ("$100", "they paid $1000 for it"),
        ("$100", "they paid 100 for it"),
        ("#hashtag", "the #hashtags trend"),
        ("#hashtag", "the hashtag trend"),
        ("@user", "an @username"),
        ("🚀 rocket", "a rocket launch"),
        ("🚀 rocket", "🚀 rockets"),
        ("$100 bn", "$100 billion"),
        (".kz", "the kz domain"),
        (".kz", "they left Astana. Kz officials said"),
        ("#hashtag", "see # hashtag"),
        ("€2 billion", "a €2 bn deal"),
        ("€2 billion", "a €12 billion deal"),
        ("100$", "they paid 1100$ for it"),
        ("C5+1", "a C5+10 summit"),
        ("3+3 format", "the 13+3 format talks"),
        ("3+3 format", "the 3 3 format talks"),
    ],
)
def test_a_literal_term_starting_or_ending_with_a_symbol_needs_the_whole_of_it(
    term: str, written: str
) -> None:
    matcher = compile_watchlists([wl("L", term)])
    assert body(matcher, written) == []


_LITERAL_BODY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)


@settings(max_examples=150)
@given(st.sampled_from("$#@.€"), _LITERAL_BODY, _FILLER, _FILLER)
def test_a_literal_term_starting_with_a_symbol_is_found_between_spaces(
    symbol: str, rest: str, before: str, after: str
) -> None:
    term = symbol + rest
    matcher = compile_watchlists([wl("L", term)])
    found = body(matcher, f"{before} {term} {after}")
    assert term in [m.matched_text for m in found], (term, before, after)
