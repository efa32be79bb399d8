"""Round-trip editing of watchlist files (bot/lists/edit.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import tomlkit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bot.lists.toml_arrays as toml_arrays
from bot.domain.models import Term, Watchlist
from bot.domain.text import fold
from bot.lists.edit import (
    EditError,
    add_exclude,
    add_term,
    new_watchlist_text,
    remove_exclude,
    remove_term,
    watchlist_file_name,
)
from bot.lists.files import load_watchlist, parse_watchlist
from bot.lists.rules import MIN_TERM_LETTERS
from tests.watchlist_copy import FROZEN_WATCHLISTS

# The tests' frozen copy of the three shipped files (read only), not the live
# watchlists/, where users add lists and edit these.
SHIPPED = sorted(FROZEN_WATCHLISTS.glob("*.toml"))
PATH = "edited.toml"


def shipped_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def closing_line(lines: list[str], key: str) -> int:
    """Index of the `]` that closes the multi-line array `key` (as the shipped files lay
    them out: the key line opens it, a line of its own closes it)."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key} = ["))
    return next(i for i in range(start, len(lines)) if lines[i] == "]")


def item_line(term: Term) -> str:
    """How the shipped files write a term (none of them needs escaping)."""
    if not term.exact and term.case_sensitive is None:
        return f'  "{term.text}",'
    flags = ", exact = true" if term.exact else ""
    if term.case_sensitive is not None:
        flags += f", case_sensitive = {str(term.case_sensitive).lower()}"
    return f'  {{ text = "{term.text}"{flags} }},'


def with_line_inserted(text: str, key: str, line: str) -> str:
    lines = text.splitlines(keepends=True)
    lines.insert(closing_line(text.splitlines(), key), line + "\n")
    return "".join(lines)


def with_line_removed(text: str, line: str) -> str:
    lines = text.splitlines(keepends=True)
    assert lines.count(line + "\n") == 1
    lines.remove(line + "\n")
    return "".join(lines)


def shipped_items(kind: str) -> list[tuple[Path, Term | str]]:
    cases: list[tuple[Path, Term | str]] = []
    for path in SHIPPED:
        watchlist = load_watchlist(path)
        cases.extend((path, item) for item in getattr(watchlist, kind))
    return cases


def case_id(case: object) -> str:
    return case.name if isinstance(case, Path) else str(getattr(case, "text", case))


ONE_TERM = 'name = "Solo"\nterms = [\n  "Rogun Dam",\n]\n'


# -- the shipped files: only the edited line changes, every comment stays ---------------


def test_the_shipped_files_are_there() -> None:
    assert [p.name for p in SHIPPED] == [
        "abraham-accords.toml",
        "middle-corridor.toml",
        "tripp.toml",
    ]


@pytest.mark.parametrize("path", SHIPPED, ids=case_id)
@pytest.mark.parametrize(
    "term",
    [Term("Kuryk ferry terminal"), Term("BTK", exact=True)],
    ids=["phrase", "exact"],
)
def test_adding_a_term_inserts_one_line_before_the_closing_bracket(path: Path, term: Term) -> None:
    original = shipped_text(path)
    result = add_term(original, term, path=PATH)
    assert result == with_line_inserted(original, "terms", item_line(term))
    assert comment_lines(result) == comment_lines(original)
    assert parse_watchlist(result, PATH).terms == (*load_watchlist(path).terms, term)


@pytest.mark.parametrize(("path", "term"), shipped_items("terms"), ids=case_id)
def test_removing_any_term_deletes_only_its_line_and_keeps_every_comment(
    path: Path, term: Term
) -> None:
    original = shipped_text(path)
    result = remove_term(original, term.text.upper(), path=PATH)
    assert result == with_line_removed(original, item_line(term))
    # The chosen behaviour: comment lines above the removed item stay too.
    assert comment_lines(result) == comment_lines(original)
    before = load_watchlist(path)
    assert parse_watchlist(result, PATH).terms == tuple(t for t in before.terms if t != term)


@pytest.mark.parametrize("path", SHIPPED, ids=case_id)
def test_adding_an_exclude_inserts_one_line_before_the_closing_bracket(path: Path) -> None:
    original = shipped_text(path)
    result = add_exclude(original, "Caspian Sea level", path=PATH)
    assert result == with_line_inserted(original, "exclude", '  "Caspian Sea level",')
    assert comment_lines(result) == comment_lines(original)


@pytest.mark.parametrize(("path", "phrase"), shipped_items("exclude"), ids=case_id)
def test_removing_any_exclude_deletes_only_its_line_and_keeps_every_comment(
    path: Path, phrase: str
) -> None:
    original = shipped_text(path)
    result = remove_exclude(original, phrase.lower(), path=PATH)
    assert result == with_line_removed(original, f'  "{phrase}",')
    assert comment_lines(result) == comment_lines(original)
    assert phrase not in parse_watchlist(result, PATH).exclude


@pytest.mark.parametrize("path", SHIPPED, ids=case_id)
def test_adding_then_removing_gives_back_the_shipped_file_byte_for_byte(path: Path) -> None:
    original = shipped_text(path)
    with_term = add_term(original, Term("Aktau port"), path=PATH)
    assert remove_term(with_term, "Aktau port", path=PATH) == original
    with_exclude = add_exclude(original, "Aktau beach", path=PATH)
    assert remove_exclude(with_exclude, "Aktau beach", path=PATH) == original


# -- how terms are written ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "written"),
    [
        (Term("TITR"), '"TITR"'),
        (Term("BTK", exact=True), '{ text = "BTK", exact = true }'),
        (Term("TAP", case_sensitive=True), '{ text = "TAP", case_sensitive = true }'),
        (
            Term("BRI", exact=True, case_sensitive=True),
            '{ text = "BRI", exact = true, case_sensitive = true }',
        ),
    ],
    ids=["plain", "exact", "case-sensitive", "both"],
)
def test_exact_and_case_sensitive_terms_are_written_as_inline_tables(
    term: Term, written: str
) -> None:
    result = add_term(ONE_TERM, term)
    assert result == f'name = "Solo"\nterms = [\n  "Rogun Dam",\n  {written},\n]\n'
    assert parse_watchlist(result).terms[-1] == term


def test_a_term_is_stripped_like_the_loader_strips_it() -> None:
    result = add_term(ONE_TERM, Term("  Vakhsh river \n"))
    assert '  "Vakhsh river",\n' in result
    assert remove_term(result, " vakhsh river ") == ONE_TERM


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "duplicate", "existing"),
    [
        ("tripp.toml", "zangezur", "Zangezur"),
        ("tripp.toml", "ZANGEZUR", "Zangezur"),
        ("tripp.toml", "Zängëzur", "Zangezur"),
        ("tripp.toml", "tripp", "TRIPP"),
        ("middle-corridor.toml", "Trans‑Caspian route", "Trans-Caspian route"),  # U+2011
        ("middle-corridor.toml", "Trans–Caspian route", "Trans-Caspian route"),  # en dash
        ("middle-corridor.toml", "trans caspian ROUTE", "Trans-Caspian route"),
        ("middle-corridor.toml", "titr", "TITR"),
    ],
)
def test_a_duplicate_term_is_refused_whatever_its_case_accents_or_hyphens(
    path: str, duplicate: str, existing: str
) -> None:
    original = shipped_text(FROZEN_WATCHLISTS / path)
    with pytest.raises(EditError) as info:
        add_term(original, Term(duplicate, exact=True))
    name = load_watchlist(FROZEN_WATCHLISTS / path).name
    assert str(info.value) == f'"{name}" already has the term "{existing}"'


def test_a_duplicate_exclude_is_refused() -> None:
    original = shipped_text(FROZEN_WATCHLISTS / "middle-corridor.toml")
    with pytest.raises(EditError, match='already excludes "Trans-Caspian gas"'):
        add_exclude(original, "trans–caspian GAS")


def test_a_term_that_is_also_an_exclude_is_refused_both_ways() -> None:
    original = shipped_text(FROZEN_WATCHLISTS / "tripp.toml")
    with pytest.raises(EditError, match='excludes "Trump routed", so the term'):
        add_term(original, Term("trump routed"))
    with pytest.raises(EditError, match='"Trump Route" is a term of "TRIPP"'):
        add_exclude(original, "Trump route")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a term must be 1–200 characters"),
        ("   ", "a term must be 1–200 characters"),
        ("x" * 201, "a term must be 1–200 characters (this one has 201)"),
        ("Zangezur\ncorridor", "a term cannot contain a line break"),
        ("Zangezur\u2028corridor", "a term cannot contain a line break"),
        ("Zangezur\tcorridor", "a term cannot contain control characters such as tabs"),
        ("abc\u202edef", "a term cannot contain invisible text-direction controls"),
        ("— ! —", "a term needs at least one letter or digit"),
    ],
    ids=["empty", "blank", "too-long", "newline", "line-separator", "tab", "bidi", "no-letters"],
)
def test_a_term_that_cannot_be_written_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(EditError) as info:
        add_term(ONE_TERM, Term(text))
    assert str(info.value) == message


def test_a_term_of_exactly_200_characters_is_accepted() -> None:
    term = Term("x" * 200)
    assert parse_watchlist(add_term(ONE_TERM, term)).terms[-1] == term


def test_an_unusable_exclude_phrase_is_refused_with_a_reason() -> None:
    with pytest.raises(EditError, match=r"^an exclude phrase cannot contain a line break$"):
        add_exclude(ONE_TERM, "a\nb")


def test_removing_the_last_term_is_refused() -> None:
    with pytest.raises(EditError) as info:
        remove_term(ONE_TERM, "rogun dam")
    assert (
        str(info.value) == '"Solo" has only one term, "Rogun Dam"; add another before removing it'
    )


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("Zangezurr", 'no term "Zangezurr" in "TRIPP" (did you mean "Zangezur"?)'),
        ("Trump Rout", 'no term "Trump Rout" in "TRIPP" (did you mean "Trump Route"?)'),
        ("Samarkand", 'no term "Samarkand" in "TRIPP"'),
    ],
)
def test_removing_a_missing_term_is_refused_with_the_closest_one_suggested(
    asked: str, message: str
) -> None:
    with pytest.raises(EditError) as info:
        remove_term(shipped_text(FROZEN_WATCHLISTS / "tripp.toml"), asked)
    assert str(info.value) == message


def test_removing_a_missing_exclude_is_refused_with_a_suggestion() -> None:
    original = shipped_text(FROZEN_WATCHLISTS / "tripp.toml")
    with pytest.raises(EditError, match=r'no exclude phrase "Trump router" .*"Trump routed"'):
        remove_exclude(original, "Trump router")
    with pytest.raises(EditError, match=r'^"Solo" has no exclude phrases$'):
        remove_exclude(ONE_TERM, "anything")


def test_a_hand_made_duplicate_is_removed_by_its_exact_text_or_not_at_all() -> None:
    text = 'name = "D"\nterms = ["Zangezur", "zangezur", "Trump Route"]\n'
    assert remove_term(text, "zangezur") == 'name = "D"\nterms = ["Zangezur", "Trump Route"]\n'
    with pytest.raises(EditError, match="several terms like"):
        remove_term(text, "ZANGEZUR")


def test_a_file_that_is_already_invalid_is_refused_rather_than_edited() -> None:
    with pytest.raises(EditError, match=r"not a valid watchlist; fix it first: .*terms"):
        add_term('name = "Broken"\nterms = []\n', Term("Aktau"), path="broken.toml")


def test_terms_written_as_an_array_of_tables_are_refused_clearly() -> None:
    text = 'name = "T"\n\n[[terms]]\ntext = "BTK"\nexact = true\n'
    assert parse_watchlist(text).terms == (Term("BTK", exact=True),)
    with pytest.raises(EditError, match=r"\[\[terms\]\] tables"):
        add_term(text, Term("Aktau"))


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("Other", "change more than was asked"),
        ("!!!", "would leave an invalid file, so it was not made: terms.*no letters"),
    ],
)
def test_an_edit_that_would_write_the_wrong_thing_is_not_returned(
    monkeypatch: pytest.MonkeyPatch, written: str, message: str
) -> None:
    # Simulates a bug in the writing step: the check after the edit must catch it.
    monkeypatch.setattr(toml_arrays, "term_item", lambda term: tomlkit.string(written))
    with pytest.raises(EditError, match=message):
        add_term(ONE_TERM, Term("Aktau"))


# -- layouts other than the shipped one ----------------------------------------------------

LAYOUTS = {
    "one line": ('terms = ["Aral", "Baku"]\n', 'terms = ["Aral", "Baku", "Chui"]\n'),
    "one line, trailing comma": (
        'terms = ["Aral", "Baku",]\n',
        'terms = ["Aral", "Baku", "Chui",]\n',
    ),
    "one line, padded": ('terms = [ "Aral", "Baku" ]\n', 'terms = [ "Aral", "Baku", "Chui" ]\n'),
    "no trailing comma": (
        'terms = [\n    "Aral",\n    "Baku"\n]\n',
        'terms = [\n    "Aral",\n    "Baku",\n    "Chui"\n]\n',
    ),
    "same-line comments": (
        'terms = [\n  "Aral",  # why A\n  "Baku",  # why B\n]\n',
        'terms = [\n  "Aral",  # why A\n  "Baku",  # why B\n  "Chui",\n]\n',
    ),
    "same-line comment, no trailing comma": (
        'terms = [\n  "Aral",  # why A\n  "Baku"  # why B\n]\n',
        'terms = [\n  "Aral",  # why A\n  "Baku",  # why B\n  "Chui"\n]\n',
    ),
    "tabs": (
        'terms = [\n\t"Aral",\n\t"Baku",\n]\n',
        'terms = [\n\t"Aral",\n\t"Baku",\n\t"Chui",\n]\n',
    ),
    "CRLF": (
        'terms = [\r\n  "Aral",\r\n  "Baku",\r\n]\r\n',
        'terms = [\r\n  "Aral",\r\n  "Baku",\r\n  "Chui",\r\n]\r\n',
    ),
    "closing comment": (
        'terms = [\n  "Aral",\n  "Baku",\n  # more to come\n]\n',
        'terms = [\n  "Aral",\n  "Baku",\n  # more to come\n  "Chui",\n]\n',
    ),
}


@pytest.mark.parametrize(("before", "after"), LAYOUTS.values(), ids=LAYOUTS.keys())
def test_other_layouts_keep_their_indentation_and_trailing_comma_style(
    before: str, after: str
) -> None:
    header = 'name = "L"\n'.replace("\n", "\r\n" if "\r\n" in before else "\n")
    added = add_term(header + before, Term("Chui"))
    assert added == header + after
    assert remove_term(added, "Chui") == header + before


def test_removing_an_item_takes_its_same_line_comment_but_not_the_lines_above() -> None:
    text = 'name = "L"\nterms = [\n  # the As\n  "Aral",  # why A\n  "Baku",  # why B\n]\n'
    assert remove_term(text, "Aral") == 'name = "L"\nterms = [\n  # the As\n  "Baku",  # why B\n]\n'


def test_removing_the_first_item_of_a_padded_line_keeps_the_padding() -> None:
    assert (
        remove_term('name = "L"\nterms = [ "Aral", "Baku" ]\n', "Aral")
        == 'name = "L"\nterms = [ "Baku" ]\n'
    )


def test_an_exclude_list_is_created_after_the_other_keys_in_the_terms_layout() -> None:
    assert (
        add_exclude(ONE_TERM, "Rogun village") == ONE_TERM + 'exclude = [\n  "Rogun village",\n]\n'
    )
    one_line = 'name = "L"\nterms = ["Aral"]  # note\n'
    assert add_exclude(one_line, "B c") == one_line + 'exclude = ["B c"]\n'


def test_an_empty_exclude_list_grows_in_the_terms_layout_and_keeps_its_comment() -> None:
    text = ONE_TERM + "exclude = []  # none yet\n"
    result = add_exclude(text, "Rogun village")
    assert result == ONE_TERM + 'exclude = [\n  "Rogun village",\n]  # none yet\n'


def test_removing_the_last_exclude_keeps_the_key_and_its_comments() -> None:
    text = ONE_TERM + 'exclude = [\n  # a museum is not the dam\n  "Rogun museum",\n]\n'
    result = remove_exclude(text, "Rogun museum")
    assert result == ONE_TERM + "exclude = [\n  # a museum is not the dam\n]\n"
    assert parse_watchlist(result).exclude == ()
    assert add_exclude(result, "Rogun museum") == text


# -- awkward text round-trips ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'The "Middle" Corridor',
        "back\\slash \\n not a newline",
        "C# and # not a comment",
        "it's ''' and \"\"\"",
        "Zəngəzur dəhlizi",
        "Oʻzbekiston",
        "Зангезурский коридор",
        "ממר זנגזור",  # Hebrew, right to left
        "ممر زنكزور",  # Arabic, right to left
        "北京 2025",
        "no\u00a0break space",
        "emoji 🚆 rail",
    ],
)
def test_quotes_backslashes_hashes_and_any_script_round_trip(text: str) -> None:
    for path in SHIPPED:
        original = shipped_text(path)
        for term in (Term(text), Term(text, exact=True)):
            added = add_term(original, term)
            assert parse_watchlist(added).terms[-1] == term
            assert remove_term(added, text) == original
        added = add_exclude(original, text)
        assert parse_watchlist(added).exclude[-1] == text
        assert remove_exclude(added, text) == original


single_line_terms = st.text(
    st.characters(blacklist_categories=("C", "Zl", "Zp")), min_size=1, max_size=60
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    path=st.sampled_from(SHIPPED),
    text=single_line_terms,
    exact=st.booleans(),
    case_sensitive=st.booleans(),
)
def test_adding_then_removing_any_term_gives_back_the_original_text(
    path: Path, text: str, exact: bool, case_sensitive: bool
) -> None:
    original = shipped_text(path)
    before = parse_watchlist(original, PATH)
    key = fold(text)
    assume(sum(c.isalnum() for c in key) >= MIN_TERM_LETTERS)
    assume(all(fold(t.text) != key for t in before.terms))
    assume(all(fold(p) != key for p in before.exclude))
    term = Term(text.strip(), exact=exact, case_sensitive=case_sensitive)

    added = add_term(original, Term(text, exact=exact, case_sensitive=case_sensitive), path=PATH)
    assert parse_watchlist(added, PATH) == dataclasses.replace(before, terms=(*before.terms, term))
    assert comment_lines(added) == comment_lines(original)

    removed = remove_term(added, text, path=PATH)
    assert parse_watchlist(removed, PATH) == before
    assert removed == original


# -- new files -------------------------------------------------------------------------------


def test_a_new_file_loads_with_its_terms_and_explains_every_key(tmp_path: Path) -> None:
    terms = [Term("Kuryk ferry terminal"), Term("BTK", exact=True)]
    text = new_watchlist_text("Caspian Rail", terms, description="Rail and ferry", threshold=90)
    path = tmp_path / watchlist_file_name("Caspian Rail")
    path.write_text(text, encoding="utf-8")
    assert load_watchlist(path) == Watchlist(
        name="Caspian Rail",
        terms=tuple(terms),
        description="Rail and ferry",
        threshold=90,
        source=str(path),
    )
    for key in ("name", "description", "threshold", "terms", "exclude"):
        assert any(line.startswith(f"# {key}: ") for line in comment_lines(text)), key
    assert '  { text = "BTK", exact = true },\n' in text


def test_a_new_file_can_then_be_edited_one_item_a_line() -> None:
    text = new_watchlist_text("Caspian Rail", [Term("Kuryk ferry")])
    edited = add_exclude(add_term(text, Term("Aktau port")), "Kuryk museum")
    assert '  "Kuryk ferry",\n  "Aktau port",\n]\n' in edited
    assert edited.endswith('exclude = [\n  "Kuryk museum",\n]\n')
    assert comment_lines(edited) == comment_lines(text)


def test_a_new_file_defaults_to_no_description_and_threshold_88() -> None:
    w = parse_watchlist(new_watchlist_text(' "Quoted" #1 ', [Term("Rogun")]))
    assert (w.name, w.description, w.threshold, w.exclude) == ('"Quoted" #1', "", 88, ())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"terms": []}, "a new watchlist needs at least one term"),
        ({"terms": [Term("Aktau"), Term("AKTAU")]}, '"Aktau" and "AKTAU" are the same term'),
        ({"name": " "}, "a name must be 1–100 characters"),
        ({"threshold": 101}, "threshold must be a whole number from 0 to 100"),
        ({"threshold": True}, "threshold must be a whole number from 0 to 100"),
        ({"description": "two\nlines"}, "a description cannot contain a line break"),
    ],
)
def test_a_new_file_that_could_not_load_is_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"name": "N", "terms": [Term("Aktau")], **kwargs}
    with pytest.raises(EditError) as info:
        new_watchlist_text(**arguments)  # type: ignore[arg-type]
    assert str(info.value) == message


# -- file names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "file_name"),
    [
        ("Middle Corridor", "middle-corridor.toml"),
        ("TRIPP", "tripp.toml"),
        ("Abraham Accords", "abraham-accords.toml"),
        ("  Türkiye – Georgia  ", "turkiye-georgia.toml"),
        ("Zəngəzur / Syunik’s route", "zangazur-syunik-route.toml"),
        ("C5+1 summit 2025", "c5-1-summit-2025.toml"),
        ("Зангезур corridor", "corridor.toml"),
        ("word " * 40, ("word-" * 16)[:-1] + ".toml"),
    ],
)
def test_file_names_are_ascii_lower_case_hyphenated_slugs(name: str, file_name: str) -> None:
    assert watchlist_file_name(name) == file_name


@pytest.mark.parametrize("name", ["", "   ", "—", "Зангезур", "中亚"])
def test_a_name_without_latin_letters_or_digits_gets_no_file_name(name: str) -> None:
    with pytest.raises(EditError, match="cannot make a file name"):
        watchlist_file_name(name)


def test_the_shipped_files_are_named_after_their_watchlists() -> None:
    for path in sorted(FROZEN_WATCHLISTS.glob("*.toml")):
        assert watchlist_file_name(load_watchlist(path).name) == path.name
