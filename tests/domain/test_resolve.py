"""Forgiving names: the watchlist or time zone a person meant by what they typed."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.resolve import (
    ABBREVIATIONS,
    UnknownTimezone,
    WatchlistResolution,
    resolve_timezone,
    resolve_watchlist,
    timezone_reading,
)
from bot.domain.text import fold

NAMES = ("TRIPP", "Abraham Accords", "Middle Corridor")

# -- watchlists ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("middle corridor", "Middle Corridor"),
        ("Middle-Corridor", "Middle Corridor"),
        ("middle_corridor", "Middle Corridor"),
        ("  MIDDLE   corridor ", "Middle Corridor"),
        ("middlecorridor", "Middle Corridor"),
        ("abraham", "Abraham Accords"),
        ("abraham accord", "Abraham Accords"),
        ("tripp", "TRIPP"),
        ("TRIPP", "TRIPP"),
        ("Tripp's", "TRIPP"),
        ("corridor", "Middle Corridor"),
        ("mid corr", "Middle Corridor"),
        ("midle corridor", "Middle Corridor"),
        ("abrahm acords", "Abraham Accords"),
        ("trip", "TRIPP"),
    ],
)
def test_watchlist_is_found_from_what_people_type(query: str, expected: str) -> None:
    assert resolve_watchlist(query, NAMES) == WatchlistResolution(expected)


def test_accents_do_not_count() -> None:
    assert resolve_watchlist("zangezur", ["Zängezur", "Zangilan"]).name == "Zängezur"


def test_exact_name_wins_over_a_longer_name_it_starts() -> None:
    names = ["Iran", "Iran Nuclear Deal"]
    assert resolve_watchlist("iran", names).name == "Iran"
    assert resolve_watchlist("iran nuc", names).name == "Iran Nuclear Deal"


def test_start_of_a_name_wins_over_a_word_inside_another() -> None:
    names = ["Caspian Sea", "Trans-Caspian Route"]
    assert resolve_watchlist("caspian", names).name == "Caspian Sea"


def test_prefix_shared_by_several_names_offers_them_all() -> None:
    names = ["Iran", "Iraq", "Iran Nuclear Deal", "Turkey"]
    found = resolve_watchlist("ira", names)
    assert found.name is None
    assert set(found.candidates) == {"Iran", "Iraq", "Iran Nuclear Deal"}


def test_word_shared_by_several_names_offers_them() -> None:
    names = ["Middle Corridor", "Northern Corridor"]
    assert resolve_watchlist("corridor", names) == WatchlistResolution(
        None, ("Middle Corridor", "Northern Corridor")
    )


def test_typo_close_to_two_names_offers_both_rather_than_guessing() -> None:
    names = ["Middle Corridor", "Middle East"]
    found = resolve_watchlist("midle", names)
    assert found.name is None
    assert set(found.candidates) == set(names)


def test_one_letter_only_offers_the_lists_it_starts() -> None:
    assert resolve_watchlist("a", NAMES) == WatchlistResolution(None, ("Abraham Accords",))
    assert resolve_watchlist("x", ["X", "Xinjiang"]).name == "X"


@pytest.mark.parametrize("query", ["", "   ", "-_-", "!!"])
def test_empty_query_finds_nothing_and_offers_nothing(query: str) -> None:
    assert resolve_watchlist(query, NAMES) == WatchlistResolution(None, ())


def test_unrelated_words_find_nothing_and_offer_nothing() -> None:
    assert resolve_watchlist("weather in paris", NAMES) == WatchlistResolution(None, ())


def test_listing_a_name_twice_does_not_make_it_ambiguous() -> None:
    assert resolve_watchlist("trip", ["TRIPP", "TRIPP"]).name == "TRIPP"


def test_names_that_fold_alike_are_offered_not_guessed() -> None:
    found = resolve_watchlist("tripp", ["TRIPP", "Tripp"])
    assert found == WatchlistResolution(None, ("TRIPP", "Tripp"))


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäéöß", min_size=1, max_size=8)
names_strategy = st.lists(
    st.lists(words, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=6
).filter(lambda names: len({fold(n) for n in names}) == len(names))


@st.composite
def typed_as(draw: st.DrawFn, name: str) -> str:
    """`name` as someone might type it: any casing, any separators between the words."""
    cased = "".join(c.upper() if draw(st.booleans()) else c for c in name)
    separators = st.sampled_from([" ", "-", "_", "  ", " - ", "__"])
    typed = draw(separators).join(cased.split(" "))
    return draw(st.sampled_from(["", " "])) + typed + draw(st.sampled_from(["", "  "]))


@given(data=st.data(), names=names_strategy)
def test_every_name_is_found_in_any_casing_and_hyphenation(
    data: st.DataObject, names: list[str]
) -> None:
    name = data.draw(st.sampled_from(names))
    query = data.draw(typed_as(name))
    assert resolve_watchlist(query, names) == WatchlistResolution(name)


@given(query=st.text(max_size=40), names=st.lists(st.text(max_size=30), max_size=8))
def test_any_query_against_any_names_answers_from_those_names(query: str, names: list[str]) -> None:
    found = resolve_watchlist(query, names)
    assert found.name is None or found.name in names
    assert set(found.candidates) <= set(names)
    assert len(found.candidates) <= 3
    assert not (found.name and found.candidates)


# -- time zones ---------------------------------------------------------------------------

ALL_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory", "posixrules"})


def test_tz_database_files_that_are_not_places_are_refused() -> None:
    for name in ("localtime", "Factory", "posixrules"):
        with pytest.raises(UnknownTimezone):
            resolve_timezone(name)


def test_every_available_zone_is_found_by_its_name_in_any_case() -> None:
    # Bar the abbreviations taken for their place ("EST"): see the tests below.
    for key in (k for k in ALL_ZONES if k.casefold() not in ABBREVIATIONS):
        for typed in (key, key.lower(), key.upper(), key.replace("_", " ")):
            assert resolve_timezone(typed).key == key, typed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("europe/berlin", "Europe/Berlin"),
        ("  Europe / Berlin ", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("Tbilisi", "Asia/Tbilisi"),
        ("Baku", "Asia/Baku"),
        ("Almaty", "Asia/Almaty"),
        ("tashkent", "Asia/Tashkent"),
        ("port au prince", "America/Port-au-Prince"),
        ("Indiana/Indianapolis", "America/Indiana/Indianapolis"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "GMT"),
        ("Etc/GMT+5", "Etc/GMT+5"),
        ("etc/gmt-5", "Etc/GMT-5"),
    ],
)
def test_time_zone_is_found_from_what_people_type(query: str, expected: str) -> None:
    assert resolve_timezone(query) == ZoneInfo(expected)


def test_city_with_several_names_for_one_zone_resolves_to_the_canonical_one() -> None:
    assert resolve_timezone("Buenos Aires").key == "America/Argentina/Buenos_Aires"
    assert resolve_timezone("indianapolis").key == "America/Indiana/Indianapolis"


def test_name_shared_by_different_zones_is_refused_with_each_as_a_suggestion() -> None:
    with pytest.raises(UnknownTimezone) as caught:
        resolve_timezone("Pacific")
    assert caught.value.suggestions == ("Canada/Pacific", "US/Pacific")
    assert str(caught.value) == (
        "Unknown time zone “Pacific”. Did you mean Canada/Pacific or US/Pacific?"
    )


def test_misspelt_zone_is_refused_suggesting_the_close_one() -> None:
    with pytest.raises(UnknownTimezone) as caught:
        resolve_timezone("Europe/Berlinn")
    assert caught.value.query == "Europe/Berlinn"
    assert caught.value.suggestions == ("Europe/Berlin",)
    assert str(caught.value) == "Unknown time zone “Europe/Berlinn”. Did you mean Europe/Berlin?"


@pytest.mark.parametrize(
    ("query", "suggested"),
    [
        ("Tiblisi", "Asia/Tbilisi"),
        ("new yrok", "America/New_York"),
        ("Kolkatta", "Asia/Kolkata"),
        ("Los Angelos", "America/Los_Angeles"),
        ("Moskow", "Europe/Moscow"),
        ("Paris France", "Europe/Paris"),
    ],
)
def test_misspelt_city_is_refused_suggesting_its_zone_first(query: str, suggested: str) -> None:
    with pytest.raises(UnknownTimezone) as caught:
        resolve_timezone(query)
    assert caught.value.suggestions[0] == suggested


@pytest.mark.parametrize(
    ("query", "expected", "hours"),
    [
        ("UTC+4", "Etc/GMT-4", 4),
        ("GMT-3", "Etc/GMT+3", -3),
        ("gmt+3", "Etc/GMT-3", 3),
        ("+04:00", "Etc/GMT-4", 4),
        ("utc + 4", "Etc/GMT-4", 4),
        ("UTC−5", "Etc/GMT+5", -5),
        ("-0300", "Etc/GMT+3", -3),
        ("UTC+0", "Etc/UTC", 0),
        ("UTC+14", "Etc/GMT-14", 14),
    ],
)
def test_an_offset_is_read_as_the_fixed_zone_whose_name_has_the_sign_inverted(
    query: str, expected: str, hours: int
) -> None:
    zone = resolve_timezone(query)
    assert zone.key == expected
    assert timezone_reading(query) == "offset"
    noon = datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert noon.astimezone(zone).utcoffset() == timedelta(hours=hours)


@pytest.mark.parametrize("query", ["+05:30", "UTC+15", "GMT-13"])
def test_an_offset_no_fixed_zone_has_is_refused_asking_for_a_place(query: str) -> None:
    with pytest.raises(UnknownTimezone) as caught:
        resolve_timezone(query)
    assert caught.value.suggestions == ()
    assert "Europe/Berlin" in str(caught.value)


@pytest.mark.parametrize(
    ("query", "place"),
    [
        ("EST", "America/New_York"),
        ("edt", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("CET", "Europe/Berlin"),
        ("EST5EDT", "America/New_York"),
    ],
)
def test_an_abbreviation_is_taken_for_its_place_which_keeps_summer_time(
    query: str, place: str
) -> None:
    assert resolve_timezone(query).key == place
    assert timezone_reading(query) == "abbreviation"


def test_new_york_typed_as_est_is_four_hours_behind_utc_in_july() -> None:
    july = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert july.astimezone(resolve_timezone("EST")).utcoffset() == timedelta(hours=-4)


def test_a_place_is_read_as_a_name() -> None:
    assert timezone_reading("Asia/Baku") == "name"
    assert timezone_reading("berlin") == "name"


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_zone_is_refused_with_an_example(query: str) -> None:
    with pytest.raises(UnknownTimezone, match=r"^Give a time zone name like Europe/Berlin"):
        resolve_timezone(query)


def test_path_outside_the_database_is_refused() -> None:
    with pytest.raises(UnknownTimezone):
        resolve_timezone("../../etc/passwd")


def test_unknown_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Unknown time zone"):
        resolve_timezone("Atlantis")


@given(st.sampled_from([k for k in ALL_ZONES if k.casefold() not in ABBREVIATIONS]), st.data())
def test_every_zone_is_found_in_random_casing(key: str, data: st.DataObject) -> None:
    # (Abbreviations such as "HST" are taken for their place: tested on their own.)
    typed = "".join(c.swapcase() if data.draw(st.booleans()) else c for c in key)
    assert resolve_timezone(typed).key == key


@given(st.text(max_size=30))
@settings(max_examples=150)
def test_any_text_gives_a_zone_or_unknown_timezone(query: str) -> None:
    try:
        zone = resolve_timezone(query)
    except UnknownTimezone as e:
        assert len(e.suggestions) <= 3
        assert all(s in zoneinfo.available_timezones() for s in e.suggestions)
        assert str(e)
    else:
        assert zone.key in zoneinfo.available_timezones()
