"""Forgiving names: which watchlist or time zone a person meant by what they typed.

People type "middle corridor", "Middle-Corridor", "abraham" or "midle corridor" for the
watchlist "Middle Corridor", and "berlin" or "America/New York" for a time zone. Each
resolver accepts what is unambiguous and otherwise answers with a few candidates for a
"did you mean …" reply; neither ever guesses between two plausible answers.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import chain
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.text import fold

__all__ = [
    "UnknownTimezone",
    "WatchlistResolution",
    "resolve_timezone",
    "resolve_watchlist",
    "timezone_reading",
]

# -- watchlists ---------------------------------------------------------------------------

# A fuzzy match is taken only when it is this good and this far ahead of the next name;
# below, the names are offered as candidates instead, down to the candidate floor.
_FUZZY_ACCEPT = 80.0
_FUZZY_MARGIN = 10.0
_CANDIDATE_FLOOR = 60.0
_MAX_CANDIDATES = 3
_MIN_PREFIX = 2


@dataclass(frozen=True)
class WatchlistResolution:
    """The watchlist meant (`name`), or None with up to three `candidates` to offer.

    `candidates` is empty when a name was found, and when nothing came close.
    """

    name: str | None
    candidates: tuple[str, ...] = ()


def resolve_watchlist(query: str, names: Sequence[str]) -> WatchlistResolution:
    """The name in `names` that `query` means, tried from the strictest reading down:

    1. equal after folding (case, accents, hyphens, underscores and spaces do not count),
       then equal with the spaces dropped ("middlecorridor");
    2. a prefix of the name ("abraham accord"), then of a run of its words ("corridor",
       "mid corr"); two or more names sharing the prefix is ambiguous;
    3. a fuzzy match (typos: "midle corridor") clearly ahead of every other name.

    The first step that finds exactly one name decides; a step that finds several ends
    the search with those as candidates. Otherwise the closest names are the candidates.
    """
    query_folded = fold(query)
    if not query_folded:
        return WatchlistResolution(None)
    folded = {name: fold(name) for name in dict.fromkeys(names)}
    folded = {name: f for name, f in folded.items() if f}
    query_compact = query_folded.replace(" ", "")
    query_words = query_folded.split()
    scored: dict[str, float] = {}

    def scores() -> dict[str, float]:
        # Scored only to guess a name or rank candidates: scoring loads rapidfuzz.
        if not scored:
            scored.update((name, _similarity(query_folded, f)) for name, f in folded.items())
        return scored

    exact = [
        [name for name, f in folded.items() if f == query_folded],
        [name for name, f in folded.items() if f.replace(" ", "") == query_compact],
    ]
    prefixed = [
        [name for name, f in folded.items() if f.startswith(query_folded)],
        [name for name, f in folded.items() if _word_run_prefix(query_words, f.split())],
    ]
    # One character is too little to pick a list by its start ("t" for TRIPP) or to score
    # against one: past an exact name, the lists it starts are only offered.
    too_short = len(query_compact) < _MIN_PREFIX
    for found in exact if too_short else [*exact, *prefixed]:
        if found:
            return _decide(found, scores)
    if too_short:
        return WatchlistResolution(None, _best(dict.fromkeys(chain(*prefixed)), scores()))

    ranked = _best(folded, scores(), limit=2)
    if ranked:
        best = scored[ranked[0]]
        runner_up = scored[ranked[1]] if len(ranked) > 1 else 0.0
        if best >= _FUZZY_ACCEPT and best - runner_up >= _FUZZY_MARGIN:
            return WatchlistResolution(ranked[0])
    close = [name for name in folded if scored[name] >= _CANDIDATE_FLOOR]
    return WatchlistResolution(None, _best(close, scored))


def _decide(found: list[str], scores: Callable[[], dict[str, float]]) -> WatchlistResolution:
    if len(found) == 1:
        return WatchlistResolution(found[0])
    return WatchlistResolution(None, _best(found, scores()))


def _word_run_prefix(query_words: list[str], name_words: list[str]) -> bool:
    """Whether the query words start consecutive words of the name, one for one."""
    span = len(query_words)
    return any(
        all(w.startswith(q) for q, w in zip(query_words, name_words[i : i + span], strict=True))
        for i in range(len(name_words) - span + 1)
    )


def _similarity(query: str, name: str) -> float:
    """How close `query` is to a folded name, 0-100: to the whole name or to any run of
    its words, so a typo in one word of a long name still scores high."""
    # Imported here: a bot asked only for names it finds as typed never loads rapidfuzz
    # (see bot.domain.edit_distance).
    from rapidfuzz import fuzz

    words = name.split()
    runs = (" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1))
    return max(
        fuzz.ratio(query.replace(" ", ""), name.replace(" ", "")),
        fuzz.token_sort_ratio(query, name),
        max(fuzz.ratio(query, run) for run in runs),
    )


def _best(
    names: Iterable[str], scores: dict[str, float], limit: int = _MAX_CANDIDATES
) -> tuple[str, ...]:
    # Ties broken by name so the same query always gets the same reply.
    return tuple(sorted(names, key=lambda name: (-scores[name], name))[:limit])


# -- time zones ---------------------------------------------------------------------------

_SUGGEST_FLOOR = 70.0
_SUGGEST_BAND = 10.0
_SPLIT_WORD_PENALTY = 0.9
# The areas of the tz database proper; the rest (US/, Canada/, Etc/, bare names) are
# backward-compatible aliases, preferred less when a city names several identical zones.
_AREAS = frozenset(
    "Africa America Antarctica Arctic Asia Atlantic Australia Europe Indian Pacific".split()  # noqa: SIM905
)
# "UTC+4", "GMT-3", "+04:00": a fixed offset, read as the Etc/ zone that has it, whose
# name has the sign the other way round (POSIX's: Etc/GMT-4 is four hours ahead of UTC).
_OFFSET = re.compile(
    r"(?:utc|gmt|z)?\s*(?P<sign>[+\-−])\s*(?P<hours>\d{1,2})(?:[:.]?(?P<minutes>\d{2}))?",
    re.IGNORECASE,
)
# Abbreviations people type for a zone that changes its clocks: the tz database has
# some as zones with fixed offsets or US rules ("EST" is UTC−5 all year), which is wrong
# for the place meant half the year. The place is taken instead (and the reply says so).
ABBREVIATIONS = {
    "est": "America/New_York",
    "edt": "America/New_York",
    "est5edt": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "cst6cdt": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mst7mdt": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pst8pdt": "America/Los_Angeles",
    "hst": "Pacific/Honolulu",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "met": "Europe/Berlin",
    "eet": "Europe/Athens",
    "eest": "Europe/Athens",
    "wet": "Europe/Lisbon",
    "bst": "Europe/London",
    "msk": "Europe/Moscow",
}

TimezoneReading = Literal["name", "abbreviation", "offset"]


_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})


class UnknownTimezone(ValueError):
    """What the user typed is not a time zone we can pick; `suggestions` may be empty.

    `str()` of the exception is a sentence to show to the user as it is.
    """

    def __init__(self, query: str, suggestions: tuple[str, ...] = ()) -> None:
        self.query = query
        self.suggestions = suggestions
        super().__init__(_unknown_message(query, suggestions))


def _unknown_message(query: str, suggestions: tuple[str, ...]) -> str:
    if not query.strip():
        return "Give a time zone name like Europe/Berlin or a city like Berlin."
    head = f"Unknown time zone “{query.strip()}”."
    if not suggestions:
        return f"{head} Give a name like Europe/Berlin or a city like Berlin."
    if len(suggestions) == 1:
        listed = suggestions[0]
    else:
        listed = f"{', '.join(suggestions[:-1])} or {suggestions[-1]}"
    return f"{head} Did you mean {listed}?"


def resolve_timezone(query: str) -> ZoneInfo:
    """The time zone `query` names, or UnknownTimezone with suggestions.

    Accepts any IANA key in any case, with spaces or hyphens for underscores
    ("america/new york"), and a bare city or trailing part of a key when only one zone
    has it ("Berlin", "Indiana/Indianapolis"). A city shared by identical zones (links
    such as Asia/Istanbul and Europe/Istanbul) resolves; one shared by different zones
    ("Pacific": US/ or Canada/) does not, and the zones are the suggestions. An
    abbreviation of a zone with summer time is taken for its place ("EST":
    America/New_York, `ABBREVIATIONS`), and an offset for its fixed Etc/ zone ("UTC+4":
    Etc/GMT-4); `timezone_reading` says which happened, for the reply to say so.
    """
    key = _loose(query)
    if not key:
        raise UnknownTimezone(query)
    if key in ABBREVIATIONS:
        return ZoneInfo(ABBREVIATIONS[key])
    index = _tz_index()
    exact = index.by_key.get(key)
    if exact is not None:
        return ZoneInfo(exact)
    if (offset := _offset_zone(query)) is not None:
        return ZoneInfo(offset)
    by_tail = index.by_tail.get(key, ())
    if by_tail:
        chosen = _one_zone(by_tail)
        if chosen is not None:
            return ZoneInfo(chosen)
        raise UnknownTimezone(query, by_tail[:_MAX_CANDIDATES])
    raise UnknownTimezone(query, _suggest_timezones(key))


def timezone_reading(query: str) -> TimezoneReading:
    """How `resolve_timezone` reads `query`: as a zone's name or city, as an abbreviation
    taken for its place ("EST": America/New_York), or as a fixed offset ("UTC+4")."""
    if _loose(query) in ABBREVIATIONS:
        return "abbreviation"
    if _loose(query) in _tz_index().by_key:
        return "name"
    return "offset" if _OFFSET.fullmatch(query.strip()) else "name"


def _offset_zone(query: str) -> str | None:
    """The Etc/ zone of a fixed offset typed as "UTC+4", "GMT-3", "+04:00" or "utc + 4";
    None when `query` is no offset. An offset no Etc/ zone has (+05:30, +15) is refused:
    only a place has it (/timezone Kolkata)."""
    match = _OFFSET.fullmatch(query.strip())
    if match is None:
        return None
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    ahead = match["sign"] == "+"
    if minutes or hours > (14 if ahead else 12):
        raise UnknownTimezone(query)
    if hours == 0:
        return "Etc/UTC"
    return f"Etc/GMT{'-' if ahead else '+'}{hours}"


def _loose(text: str) -> str:
    """The form keys are compared in: casefolded, "_", "-" and spaces alike, no spaces
    around "/"."""
    # Invisible characters a copy and paste can bring along (zero-width spaces,
    # direction marks) are no part of any key.
    text = "".join(c for c in text if c.isspace() or unicodedata.category(c) not in _INVISIBLE)
    text = re.sub(r"\s*/\s*", "/", text.strip().casefold())
    # The "-" of an offset (Etc/GMT-5) is a sign, not a separator: Etc/GMT+5 is another zone.
    return re.sub(r"(?:[\s_]|-(?!\d))+", " ", text).strip()


@dataclass(frozen=True)
class _TzIndex:
    by_key: dict[str, str]
    # Every trailing part of every key ("berlin", "indiana/indianapolis") to its keys.
    by_tail: dict[str, tuple[str, ...]]
    # (loose form, key) pairs the suggestions are scored against: keys and cities.
    choices: tuple[tuple[str, str], ...]


# Files in the tz database that are not places: "localtime" is whatever the server is
# set to, "Factory" a placeholder. A subscriber's digest must not follow the server.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def _tz_index() -> _TzIndex:
    # Cached: the tz database does not change while the bot runs, and listing it reads
    # the disk. Sorted so that every reply is the same from one run to the next.
    keys = sorted(zoneinfo.available_timezones() - _NOT_ZONES)
    by_key = {_loose(key): key for key in keys}
    by_tail: dict[str, list[str]] = {}
    choices: list[tuple[str, str]] = []
    for key in keys:
        parts = key.split("/")
        # Etc/ is left out: "GMT-3" would find Etc/GMT-3, which is three hours *ahead* of
        # UTC, and the other Etc/ zones have top-level names ("UTC", "Zulu") of their own.
        for i in range(1, len(parts) if parts[0] != "Etc" else 1):
            by_tail.setdefault(_loose("/".join(parts[i:])), []).append(key)
        choices.append((_loose(key), key))
        if len(parts) > 1:
            choices.append((_loose(parts[-1]), key))
    ordered = {tail: tuple(sorted(found, key=_preference)) for tail, found in by_tail.items()}
    return _TzIndex(by_key, ordered, tuple(choices))


def _preference(key: str) -> tuple[bool, int, str]:
    # A key in a proper area, and the deeper one, is usually the canonical name of a zone
    # that has several (America/Argentina/Buenos_Aires over America/Buenos_Aires).
    parts = key.split("/")
    return parts[0] not in _AREAS, -len(parts), key


def _one_zone(keys: tuple[str, ...]) -> str | None:
    """The preferred key when all of `keys` are the same zone under different names."""
    if len(keys) == 1 or _same_zone(keys):
        return keys[0]
    return None


@cache
def _same_zone(keys: tuple[str, ...]) -> bool:
    # Compared by offset and abbreviation every week over the years the bot cares about
    # and well before: links are the same data, different zones differ within a year.
    start = datetime(1970, 1, 1, tzinfo=UTC)
    instants = [start + timedelta(weeks=n) for n in range(52 * 70)]

    def readings(key: str) -> list[tuple[timedelta | None, str | None]]:
        zone = ZoneInfo(key)
        return [(t.astimezone(zone).utcoffset(), t.astimezone(zone).tzname()) for t in instants]

    first = readings(keys[0])
    return all(readings(key) == first for key in keys[1:])


def _suggest_timezones(key: str) -> tuple[str, ...]:
    """Up to three keys close to the loose form `key`, the best first."""
    from rapidfuzz import fuzz

    words = key.replace("/", " ").split()
    best: dict[str, float] = {}
    for choice, zone in _tz_index().choices:
        score = fuzz.ratio(key, choice)
        if len(words) > 1 and "/" not in choice:
            # "Paris France": one of the words may be the city on its own.
            score = max(score, _SPLIT_WORD_PENALTY * max(fuzz.ratio(w, choice) for w in words))
        if score >= _SUGGEST_FLOOR and score > best.get(zone, 0.0):
            best[zone] = score
    if not best:
        return ()
    top = max(best.values())
    near = [zone for zone, score in best.items() if score >= top - _SUGGEST_BAND]
    return tuple(sorted(near, key=lambda zone: (-best[zone], _preference(zone)))[:_MAX_CANDIDATES])
