"""Normalisation: HTML to plain text, and plain text to the matching form with its offsets."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.text import (
    _line_break_hyphen_edits,
    fold,
    fold_keep_case,
    html_to_text,
    normalize,
)

# -- html_to_text --------------------------------------------------------------------------


def test_plain_text_without_markup_is_returned_as_is() -> None:
    s = "No tags here, only words.\nAnd a second line."
    assert html_to_text(s) is s


def test_paragraphs_become_a_blank_line_and_br_a_line_break() -> None:
    assert html_to_text("<p>First part.</p><p>Second<br>part.</p>") == (
        "First part.\n\nSecond\npart."
    )


def test_inline_tags_vanish_without_splitting_a_word() -> None:
    assert html_to_text("Rail<b>way</b> and <i>port</i>") == "Railway and port"


def test_list_items_and_divs_are_separated() -> None:
    assert html_to_text("<ul><li>one</li><li>two</li></ul><div>three</div>") == "one\ntwo\n\nthree"


def test_table_cells_are_separated_by_spaces() -> None:
    assert html_to_text("<tr><td>a</td><td>b</td></tr>") == "a b"
    assert html_to_text("one<br/>two<br />three") == "one\ntwo\nthree"


def test_named_and_numeric_entities_are_decoded() -> None:
    assert html_to_text("cats &amp; dogs &ndash; &#8212; &#x2011; &quot;q&quot;") == (
        'cats & dogs – — ‑ "q"'
    )


def test_soft_hyphen_entity_is_removed_inside_a_word() -> None:
    assert html_to_text("Kara&shy;ganda") == "Karaganda"


def test_non_breaking_space_entity_becomes_a_plain_space() -> None:
    assert html_to_text("Port&nbsp;of&nbsp;Aktau") == "Port of Aktau"


def test_escaped_markup_stays_visible_text() -> None:
    assert html_to_text("&lt;em&gt;ferry&lt;/em&gt;") == "<em>ferry</em>"


def test_scripts_styles_and_comments_are_dropped() -> None:
    html = "<style>p{x:1}</style>Before<!-- note --> after<script>var a = 1;</script>"
    assert html_to_text(html) == "Before after"


def test_lone_angle_bracket_is_kept() -> None:
    assert html_to_text("a < b & c") == "a < b & c"


@settings(max_examples=200)
@given(st.lists(st.sampled_from([*"<>&;#/ap=\"' x\n\u00ad", "<p>", "&amp;", "<!--"])).map("".join))
def test_html_to_text_never_raises(s: str) -> None:
    assert isinstance(html_to_text(s), str)


@settings(max_examples=100)
@given(st.text())
def test_html_to_text_never_raises_on_any_text(s: str) -> None:
    html_to_text(s)


# -- normalize -------------------------------------------------------------------------------


def test_case_is_folded() -> None:
    assert fold("Port of AKTAU") == "port of aktau"


def test_accents_are_folded_including_schwa() -> None:
    assert fold("Şəki Türkiye Gəncə") == "saki turkiye ganca"


def test_every_hyphen_and_dash_counts_as_a_space() -> None:
    for dash in "-\u2010\u2011\u2012\u2013\u2014\u2212":
        assert fold(f"Aktau{dash}Baku") == "aktau baku", repr(dash)


def test_hyphen_at_a_line_break_joins_the_word() -> None:
    assert fold("the Kara-\nganda plant") == "the karaganda plant"


def test_hyphen_at_a_line_break_before_a_capital_keeps_two_words() -> None:
    assert fold("the Aktau-\nBaku line") == "the aktau baku line"


def test_line_breaks_become_spaces() -> None:
    assert fold("ferry\nline") == "ferry line"


def test_possessives_are_dropped_with_either_apostrophe() -> None:
    assert fold("Baku's port and Aktau’s ferry") == "baku port and aktau ferry"


def test_plural_possessive_keeps_the_word() -> None:
    assert fold("the ports' owners") == "the ports owners"


def test_punctuation_becomes_space_and_runs_collapse() -> None:
    assert fold("  Poti, (Batumi)...  and  Kars!  ") == "poti batumi and kars"


def test_ligatures_expand() -> None:
    assert fold("Straße ﬁnance") == "strasse finance"


def test_decomposed_accents_fold_like_composed_ones() -> None:
    assert fold("Te\u0301rmez") == fold("Térmez") == "termez"


def test_keep_case_fold_keeps_capitals_but_folds_accents() -> None:
    assert fold_keep_case("Türkiye-BTK") == "Turkiye BTK"


def test_ascii_text_stays_aligned_with_the_plain_text() -> None:
    n = normalize("Aktau, Kuryk and Alat.")
    assert n.aligned
    assert n.text == "aktau  kuryk and alat "
    assert n.offsets() == list(range(len(n.plain)))


def test_offsets_map_an_expanded_ligature_to_its_source() -> None:
    n = normalize("Straße x")
    assert n.text == "strasse x"
    assert n.offsets() == [0, 1, 2, 3, 4, 4, 5, 6, 7]


def test_offsets_skip_a_joined_line_break() -> None:
    n = normalize("Kara-\nganda")
    assert n.text == "karaganda"
    start, end = n.plain_span(0, len(n.text))
    assert n.plain[start:end] == "Kara-\nganda"


def test_offsets_skip_a_soft_hyphen() -> None:
    n = normalize("Kara\u00adganda")
    assert n.text == "karaganda"
    assert n.plain_span(0, 9) == (0, 10)


_PLAIN = st.lists(
    st.sampled_from(
        [*"abcXYZ '’-\n\t.,", "ß", "ə", "é", "e\u0301", "\u00ad", "\u2011", "ﬁ", "ʻ", "s", "-\n"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=200)
@given(_PLAIN)
def test_offset_map_is_monotonic_and_in_range(plain: str) -> None:
    n = normalize(plain)
    offsets = n.offsets()
    assert len(offsets) == len(n.text)
    assert all(0 <= o < len(plain) for o in offsets)
    assert offsets == sorted(offsets)


@settings(max_examples=200)
@given(_PLAIN)
def test_each_letter_of_the_matching_form_comes_from_its_mapped_character(plain: str) -> None:
    n = normalize(plain)
    for i, o in enumerate(n.offsets()):
        if n.text[i] != " ":
            assert n.text[i] in fold(plain[o]), (i, o)


@settings(max_examples=100)
@given(_PLAIN)
def test_collapsed_form_has_single_spaces_and_no_edges(plain: str) -> None:
    collapsed = normalize(plain).collapsed()
    assert "  " not in collapsed
    assert collapsed == collapsed.strip()


# The regex `_line_break_hyphen_edits` used before it looked back from each line break
# (the regex, tried at every position, cost more than the rest of `normalize`).
_OLD_HYPHEN_BREAK = re.compile(r"[-\u00ad\u2010\u2011][ \t\r]*\n[ \t]*")


def _old_line_break_hyphen_edits(plain: str) -> list[tuple[int, int, str]]:
    edits: list[tuple[int, int, str]] = []
    for m in _OLD_HYPHEN_BREAK.finditer(plain):
        start, end = m.span()
        if start and plain[start - 1].isalpha() and end < len(plain) and plain[end].islower():
            edits.append((start, end, ""))
    return edits


_BREAKS = st.lists(
    st.sampled_from(
        [*"abZé5 \t\r\n-.", "\u00ad", "\u2010", "\u2011", "\u2013", "a-", "-\n", "\n\r", " \n"]
    ),
    max_size=20,
).map("".join)


@settings(max_examples=500)
@given(_BREAKS)
@example("Kara-\r\n ganda")
@example("Kara- \t\n\tganda")
@example("Kara-\n\rganda")
@example("-\nganda a-\n-\nb")
def test_line_break_joins_are_the_ones_the_old_regex_found(plain: str) -> None:
    assert _line_break_hyphen_edits(plain) == _old_line_break_hyphen_edits(plain)


def test_a_hyphen_then_blanks_and_a_windows_line_break_still_joins_the_word() -> None:
    assert fold("the Kara- \t\r\n   ganda plant") == "the karaganda plant"
    assert fold("the Kara\u00ad\nganda plant") == "the karaganda plant"
    assert fold("a -\nb and -\nc") == "a b and c"  # no letter before the hyphen
