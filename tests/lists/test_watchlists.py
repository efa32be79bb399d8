"""Loading and validating watchlist files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.models import Term
from bot.lists.files import WatchlistError, load_watchlist, load_watchlists
from tests.watchlist_copy import copy_watchlists

GOOD = """\
# Rail links across the Caspian
name = "Caspian Rail"
description = "Rail and ferry links"
threshold = 90
terms = [
  "Kuryk ferry terminal",
  { text = "BTK", exact = true },
  { text = "TAP", exact = true, case_sensitive = true },
]
exclude = ["Kuryk ferry museum"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> WatchlistError:
    path = write(tmp_path, "x.toml", text)
    with pytest.raises(WatchlistError) as info:
        load_watchlist(path)
    return info.value


def test_valid_file_loads_every_field(tmp_path: Path) -> None:
    path = write(tmp_path, "rail.toml", GOOD)
    w = load_watchlist(path)
    assert w.name == "Caspian Rail"
    assert w.description == "Rail and ferry links"
    assert w.threshold == 90
    assert w.terms == (
        Term("Kuryk ferry terminal"),
        Term("BTK", exact=True),
        Term("TAP", exact=True, case_sensitive=True),
    )
    assert w.exclude == ("Kuryk ferry museum",)
    assert w.source == str(path)


def test_defaults_apply_when_optional_keys_are_missing(tmp_path: Path) -> None:
    w = load_watchlist(write(tmp_path, "a.toml", 'name = "A"\nterms = ["Rogun Dam"]\n'))
    assert (w.threshold, w.description, w.exclude) == (88, "", ())


def test_error_names_file_line_and_term_for_a_bad_flag(tmp_path: Path) -> None:
    text = GOOD.replace('{ text = "TAP", exact = true,', '{ text = "TAP", exact = "yes",')
    error = error_for(tmp_path, text)
    assert error.line == 8
    assert str(error) == f"{tmp_path / 'x.toml'}:8: terms[2]: exact must be true or false"


def test_unknown_top_level_key_is_named_with_its_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, GOOD + "treshold = 80\n")
    assert error.line == 11
    assert "unknown key 'treshold'" in error.reason


def test_unknown_key_in_a_term_table_is_named(tmp_path: Path) -> None:
    error = error_for(tmp_path, 'name = "A"\nterms = [\n  { text = "X1", exakt = true },\n]\n')
    assert error.line == 3
    assert error.reason.startswith("terms[0]: unknown key 'exakt'")


def test_syntax_error_reports_the_line_from_toml(tmp_path: Path) -> None:
    error = error_for(tmp_path, 'name = "A"\nname = "B"\nterms = ["x"]\n')
    assert error.line == 2
    assert str(error) == (
        f"{tmp_path / 'x.toml'}:2: invalid TOML: Cannot overwrite a value (column 11)"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('terms = ["x"]\n', "name is required"),
        ('name = ""\nterms = ["x"]\n', "name must not be empty"),
        ('name = 3\nterms = ["x"]\n', "name must be a string"),
        ('name = "A"\n', "terms is required"),
        ('name = "A"\nterms = []\n', "terms must not be empty"),
        ('name = "A"\nterms = "x"\n', "terms must be a list"),
        ('name = "A"\nterms = [3]\n', "terms[0]: must be a string or a table"),
        ('name = "A"\nterms = ["--"]\n', "terms[0]: '--' has no letters or digits"),
        ('name = "A"\nterms = [{ exact = true }]\n', "terms[0]: text is required"),
        ('name = "A"\nterms = ["xyz"]\nthreshold = 101\n', "threshold must be a whole number"),
        ('name = "A"\nterms = ["xyz"]\nthreshold = true\n', "threshold must be a whole number"),
        ('name = "A"\nterms = ["xyz"]\nexclude = "y"\n', "exclude must be a list"),
        ('name = "A"\nterms = ["xyz"]\nexclude = [""]\n', "exclude[0]: must be a string"),
    ],
)
def test_schema_errors_say_what_is_wrong(tmp_path: Path, text: str, reason: str) -> None:
    assert error_for(tmp_path, text).reason.startswith(reason)


def test_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'name = "\xff"\n')
    with pytest.raises(WatchlistError, match="not UTF-8"):
        load_watchlist(path)


def test_a_malformed_file_does_not_take_the_others_down(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", 'name = "A"\nterms = ["Rogun Dam"]\n')
    write(tmp_path, "b.toml", 'name = "B"\nterms = [\n')
    write(tmp_path, "c.toml", 'name = "C"\nterms = ["Kamchik Pass"]\n')
    write(tmp_path, "notes.txt", "not a watchlist")
    watchlists, errors = load_watchlists(tmp_path)
    assert [w.name for w in watchlists] == ["A", "C"]
    assert [e.path.name for e in errors] == ["b.toml"]


def test_duplicate_names_are_reported_and_the_second_left_out(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", 'name = "Dams"\nterms = ["Rogun Dam"]\n')
    write(tmp_path, "b.toml", '# again\nname = "dams"\nterms = ["Nurek Dam"]\n')
    watchlists, errors = load_watchlists(tmp_path)
    assert [w.source for w in watchlists] == [str(tmp_path / "a.toml")]
    [error] = errors
    assert error.line == 2
    assert "duplicate name 'dams' (also used by a.toml)" in error.reason


def test_missing_directory_is_an_error_not_a_crash(tmp_path: Path) -> None:
    watchlists, errors = load_watchlists(tmp_path / "nope")
    assert watchlists == []
    assert "not a directory" in str(errors[0])


def test_shipped_watchlists_load_cleanly(tmp_path: Path) -> None:
    # The tests' frozen copy of the shipped lists: the live watchlists/ is the user's.
    watchlists, errors = load_watchlists(copy_watchlists(tmp_path / "shipped"))
    assert errors == []
    assert sorted(w.name for w in watchlists) == ["Abraham Accords", "Middle Corridor", "TRIPP"]
    for w in watchlists:
        assert w.terms and w.description
