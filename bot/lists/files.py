"""Load and validate watchlist files (`watchlists/*.toml`).

A file looks like::

    name = "Middle Corridor"
    description = "..."
    threshold = 88            # how strictly phrase terms take typos (100: none)
    terms = ["Middle Corridor", "TITR", { text = "BRI", case_sensitive = false }]
    exclude = ["Middle East corridor"]
    about = ["The trade route from China across the Caspian to Europe ..."]
    not_about = ["The International North–South Transport Corridor ..."]
    about_close = 0.93        # calibrated with `caci-watch eval FILE --about`
    about_very_close = 1.08

Every problem is reported as a `WatchlistError` naming the file, the line (from tomllib
for syntax errors, best effort for schema errors) and the reason. `load_watchlists`
keeps going past a bad file so one typo does not take the other watchlists down.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.domain.models import Term, Watchlist
from bot.domain.term_kinds import term_kind
from bot.lists.rules import (
    DEFAULT_THRESHOLD,
    PERSONAL_PREFIX,
    SHARED,
    RuleError,
    checked_name,
    checked_term_text,
    checked_text,
    too_short,
    valid_about_score,
    valid_threshold,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_TERMS",
    "MAX_TERM_LENGTH",
    "WatchlistError",
    "how_term_matches",
    "load_watchlist",
    "load_watchlists",
    "term_flag_list",
]

# A hand-edited file is held to what the editors (CLI, admin commands) write: the rules
# and limits of `bot.lists.rules`.
MAX_NAME_LENGTH = SHARED.name_length
MAX_DESCRIPTION_LENGTH = SHARED.description_length
MAX_TERM_LENGTH = SHARED.term_length  # also the limit for an exclude phrase
MAX_TERMS = SHARED.terms  # and as many exclude phrases
MAX_FILE_BYTES = 1_000_000
_TOP_KEYS = (
    "name",
    "description",
    "threshold",
    "terms",
    "exclude",
    "about",
    "not_about",
    "about_close",
    "about_very_close",
)
_TERM_KEYS = ("text", "exact", "case_sensitive")
_TOML_WHERE = re.compile(r"^(?P<reason>.*?) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


class WatchlistError(Exception):
    """A watchlist file that cannot be used, with where and why."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.reason}"


class _Source:
    """The file's text, for pointing schema errors at a line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of_key(self, key: str) -> int | None:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line):
                return number
        return None

    def line_of_item(self, key: str, index: int, text: str | None) -> int | None:
        """Line of the `index`-th item of array `key`: where its text is written if known,
        else the item's position counted from the array's first line."""
        start = self.line_of_key(key)
        if start is None:
            return None
        if text:
            quoted = (f'"{text}"', f"'{text}'")
            for number in range(start, len(self.lines) + 1):
                if any(q in self.lines[number - 1] for q in quoted):
                    return number
        return start

    def error(self, line: int | None, reason: str) -> WatchlistError:
        return WatchlistError(self.path, line, reason)


def _describe(value: object) -> str:
    return type(value).__name__ if not isinstance(value, bool) else "a boolean"


def _string(source: _Source, data: Mapping[str, Any], key: str, *, required: bool) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise source.error(None, f"{key} is required")
        return ""
    if not isinstance(value, str):
        raise source.error(source.line_of_key(key), f"{key} must be a string")
    if required and not value.strip():
        raise source.error(source.line_of_key(key), f"{key} must not be empty")
    return value.strip()


def _name(source: _Source, data: Mapping[str, Any]) -> str:
    name = _string(source, data, "name", required=True)
    try:
        # Names are shown in messages, buttons and logs, one per line, and typed in /subscribe.
        return checked_name(name, SHARED)
    except RuleError as exc:
        if exc.rule == "too-long":
            reason = f"name must be at most {exc.limit} characters (this one has {exc.size})"
        elif exc.rule in ("empty", "no-letters"):
            reason = f"name {name!r} has no letters or digits to type it by"
        elif exc.rule == "prefix":
            reason = f"name must not start with {PERSONAL_PREFIX!r}"
        else:
            reason = "name must not contain line breaks, control or text-direction characters"
        raise source.error(source.line_of_key("name"), reason) from None


def _description(source: _Source, data: Mapping[str, Any]) -> str:
    description = _string(source, data, "description", required=False)
    try:
        # TOML lets a description run over several lines; the editors write one.
        return checked_text(
            description,
            max_length=MAX_DESCRIPTION_LENGTH,
            required=False,
            letters=False,
            one_line=False,
        )
    except RuleError as exc:
        if exc.rule == "too-long":
            reason = f"description must be at most {exc.limit} characters (this one has {exc.size})"
        elif exc.rule == "bidi":
            reason = "description must not contain text-direction controls"
        else:
            reason = "description must not contain control characters"
        raise source.error(source.line_of_key("description"), reason) from None


def _threshold(source: _Source, data: Mapping[str, Any]) -> int:
    value = data.get("threshold", DEFAULT_THRESHOLD)
    if not valid_threshold(value):
        raise source.error(
            source.line_of_key("threshold"), "threshold must be a whole number from 0 to 100"
        )
    return value


def _term_table(source: _Source, label: str, index: int, item: dict[str, Any]) -> Term:
    raw_text = item.get("text")
    line = source.line_of_item("terms", index, raw_text if isinstance(raw_text, str) else None)
    for key in item:
        if key not in _TERM_KEYS:
            raise source.error(
                line, f"{label}: unknown key {key!r} (expected text, exact, case_sensitive)"
            )
    if not isinstance(raw_text, str):
        raise source.error(line, f"{label}: text is required and must be a string")
    # case_sensitive left out is not false: an acronym is then case-sensitive.
    flags = {key: item.get(key) for key in ("exact", "case_sensitive")}
    for key, flag in flags.items():
        if flag is not None and not isinstance(flag, bool):
            raise source.error(line, f"{label}: {key} must be true or false")
    return Term(text=raw_text, exact=bool(flags["exact"]), case_sensitive=flags["case_sensitive"])


def _term(source: _Source, index: int, item: object) -> Term:
    label = f"terms[{index}]"
    if isinstance(item, str):
        term = Term(text=item)
    elif isinstance(item, dict):
        term = _term_table(source, label, index, item)
    else:
        raise source.error(
            source.line_of_item("terms", index, None),
            f'{label}: must be a string or a table like {{ text = "...", exact = true }},'
            f" not {_describe(item)}",
        )
    line = source.line_of_item("terms", index, term.text or None)
    text = _item_text(source, line, label, term.text, term=True)
    return Term(text=text, exact=term.exact, case_sensitive=term.case_sensitive)


def _item_text(
    source: _Source,
    line: int | None,
    label: str,
    text: str,
    *,
    no_letters: str = "",
    term: bool = False,
) -> str:
    """A term's (with `term`) or exclude phrase's text, stripped, held to the rules."""
    try:
        if term:
            return checked_term_text(text, max_length=MAX_TERM_LENGTH)
        return checked_text(text, max_length=MAX_TERM_LENGTH)
    except RuleError as exc:
        if exc.rule == "too-short":
            reason = f"needs at least {too_short(exc)}"
        elif exc.rule == "too-long":
            reason = f"must be at most {exc.limit} characters (this one has {exc.size})"
        elif exc.rule == "bidi":
            reason = "must not contain text-direction controls"
        elif exc.rule in ("empty", "no-letters"):
            reason = no_letters or f"{text!r} has no letters or digits to match"
        else:
            reason = "must not contain line breaks or control characters"
        raise source.error(line, f"{label}: {reason}") from None


def _terms(source: _Source, data: Mapping[str, Any]) -> tuple[Term, ...]:
    value = data.get("terms")
    if value is None:
        raise source.error(None, "terms is required (a list of strings or tables)")
    if not isinstance(value, list):
        raise source.error(source.line_of_key("terms"), "terms must be a list")
    if not value:
        raise source.error(source.line_of_key("terms"), "terms must not be empty")
    if len(value) > MAX_TERMS:
        raise source.error(
            source.line_of_key("terms"),
            f"terms: at most {MAX_TERMS} (this list has {len(value)}); split it into several",
        )
    return tuple(_term(source, i, item) for i, item in enumerate(value))


def _excludes(source: _Source, data: Mapping[str, Any]) -> tuple[str, ...]:
    value = data.get("exclude", [])
    if not isinstance(value, list):
        raise source.error(source.line_of_key("exclude"), "exclude must be a list of strings")
    if len(value) > MAX_TERMS:
        raise source.error(
            source.line_of_key("exclude"),
            f"exclude: at most {MAX_TERMS} phrases (this list has {len(value)})",
        )
    excludes: list[str] = []
    for i, item in enumerate(value):
        line = source.line_of_item("exclude", i, item if isinstance(item, str) else None)
        reason = "must be a string with letters or digits"
        if not isinstance(item, str):
            raise source.error(line, f"exclude[{i}]: {reason}")
        excludes.append(_item_text(source, line, f"exclude[{i}]", item, no_letters=reason))
    return tuple(excludes)


def _about_sentences(source: _Source, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """`about` or `not_about`: a few one-line sentences for the "possibly about" tier."""
    value = data.get(key, [])
    reason = "must be a string with letters or digits"
    if not isinstance(value, list):
        raise source.error(source.line_of_key(key), f"{key} must be a list of strings")
    if len(value) > SHARED.about_sentences:
        raise source.error(
            source.line_of_key(key),
            f"{key}: at most {SHARED.about_sentences} sentences (this list has {len(value)})",
        )
    sentences: list[str] = []
    for i, item in enumerate(value):
        line = source.line_of_item(key, i, item if isinstance(item, str) else None)
        if not isinstance(item, str):
            raise source.error(line, f"{key}[{i}]: {reason}")
        try:
            sentences.append(checked_text(item, max_length=SHARED.about_length))
        except RuleError as exc:
            if exc.rule == "too-long":
                why = f"must be at most {exc.limit} characters (this one has {exc.size})"
            elif exc.rule == "bidi":
                why = "must not contain text-direction controls"
            elif exc.rule in ("empty", "no-letters"):
                why = reason
            else:
                why = "must not contain line breaks or control characters"
            raise source.error(line, f"{key}[{i}]: {why}") from None
    return tuple(sentences)


def _about_scores(source: _Source, data: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """`about_close` and `about_very_close`, the list's calibrated scores (or None)."""
    scores: list[float | None] = []
    for key in ("about_close", "about_very_close"):
        value = data.get(key)
        if value is not None and not valid_about_score(value):
            raise source.error(
                source.line_of_key(key), f"{key} must be a number from -5 to 5 (see eval --about)"
            )
        scores.append(None if value is None else float(value))
    close, very_close = scores
    if close is not None and very_close is not None and very_close < close:
        raise source.error(
            source.line_of_key("about_very_close"),
            "about_very_close must not be below about_close",
        )
    return close, very_close


def parse_watchlist(text: str, path: Path | str = "<string>") -> Watchlist:
    """Validate the TOML text of one watchlist file (pure; `path` only labels errors)."""
    source = _Source(Path(path), text)
    if text.startswith("\ufeff"):
        # Some Windows editors add one; TOML does not allow it.
        raise source.error(1, "the file starts with a byte-order mark (BOM): save it without one")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_WHERE.match(str(exc))
        if where is None:
            raise source.error(None, f"invalid TOML: {exc}") from exc
        reason = f"invalid TOML: {where['reason']} (column {where['column']})"
        raise source.error(int(where["line"]), reason) from exc
    except RecursionError:
        # tomllib recurses once per level of nested arrays or inline tables.
        raise source.error(None, "invalid TOML: arrays or tables nested too deeply") from None
    except ValueError as exc:
        # Python refuses to read an integer of more than 4,300 digits.
        raise source.error(None, "invalid TOML: a number with thousands of digits") from exc
    for key in data:
        if key not in _TOP_KEYS:
            raise source.error(
                source.line_of_key(key), f"unknown key {key!r} (expected {', '.join(_TOP_KEYS)})"
            )
    about_close, about_very_close = _about_scores(source, data)
    return Watchlist(
        name=_name(source, data),
        terms=_terms(source, data),
        exclude=_excludes(source, data),
        description=_description(source, data),
        threshold=_threshold(source, data),
        source=str(path),
        about=_about_sentences(source, data, "about"),
        not_about=_about_sentences(source, data, "not_about"),
        about_close=about_close,
        about_very_close=about_very_close,
    )


def read_watchlist_bytes(path: Path) -> bytes:
    """A watchlist file's bytes; `WatchlistError` when it is too large to be one (a log
    or a database copied in by mistake must not be read into memory and parsed).

    OSError is left to the caller, which knows whether to wait and look again.
    """
    with path.open("rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise WatchlistError(
            path, None, f"larger than {MAX_FILE_BYTES:,} bytes; a watchlist is a few lines"
        )
    return data


def load_watchlist(path: Path | str) -> Watchlist:
    """Read and validate one watchlist file; raises `WatchlistError`."""
    path = Path(path)
    try:
        text = read_watchlist_bytes(path).decode("utf-8")
    except OSError as exc:
        raise WatchlistError(path, None, exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise WatchlistError(path, None, f"not UTF-8 ({exc.reason})") from exc
    return parse_watchlist(text, path)


def load_watchlists(directory: Path | str) -> tuple[list[Watchlist], list[WatchlistError]]:
    """Load every `*.toml` in `directory`, in file-name order.

    Returns the good watchlists and the errors; a bad file, or a second file using a name
    already taken (compared case-insensitively), is reported and left out.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return [], [WatchlistError(directory, None, "not a directory")]
    watchlists: list[Watchlist] = []
    errors: list[WatchlistError] = []
    owners: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            watchlist = load_watchlist(path)
        except WatchlistError as exc:
            errors.append(exc)
            continue
        key = watchlist.name.casefold()
        if key in owners:
            line = _Source(path, path.read_text("utf-8")).line_of_key("name")
            errors.append(
                WatchlistError(
                    path,
                    line,
                    f"duplicate name {watchlist.name!r} (also used by {owners[key].name})",
                )
            )
            continue
        owners[key] = path
        watchlists.append(watchlist)
    return watchlists, errors


def how_term_matches(t: Term) -> str:
    """How a term matches, in a few words: "acronym: exact, case-sensitive"."""
    kind = term_kind(t)
    case = "case-sensitive" if kind.case_sensitive else "any case"
    if kind.kind == "acronym":
        return f"acronym: exact, {case}"
    if kind.kind == "literal":
        return f"as written, {case}"
    if kind.kind == "exact":
        return f"exact, {case}"
    return "typos allowed, case-sensitive" if kind.case_sensitive else "typos allowed"


def term_flag_list(t: Term) -> list[str]:
    """The flags a term's file or command set: exact, case-sensitive or -insensitive."""
    flags = ["exact"] if t.exact else []
    if t.case_sensitive is not None:
        flags.append("case-sensitive" if t.case_sensitive else "case-insensitive")
    return flags


def term_flags(t: Term) -> str:
    """A term's flags as set, shown after it: "  (exact, case-sensitive)" or nothing."""
    flags = term_flag_list(t)
    return f"  ({', '.join(flags)})" if flags else ""


def terms_detail(terms: Sequence[Term]) -> str:
    """Terms as the audit records them: "Rogun, TITR  (exact)"."""
    return ", ".join(t.text + term_flags(t) for t in terms)


def write_atomically(path: Path, text: str) -> None:
    """Write a watchlist file so that a reader never sees it half-written.

    The running bot reloads every minute; the temporary name does not end in .toml, so
    it is never loaded itself.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
