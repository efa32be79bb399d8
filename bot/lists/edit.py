"""Edit watchlist files without losing what people wrote in them.

Pure functions on file text: the caller reads the file, passes its text in and writes
the returned text back. tomlkit does the round trip, so every comment, the key order,
the indentation and the trailing-comma style of a list survive an edit.

Comments: no edit removes a comment line. Removing an item removes only a comment on
the same line after it (`"Foo",  # why Foo`), which is about that item alone. A comment
line above a removed item stays, because such lines often introduce a group of items
and a stale note is easier to fix by hand than a lost one is to recover.

Every edit parses its result with `bot.lists.files.parse_watchlist` and compares it with
the watchlist the edit was meant to produce; any difference (a bug here or in tomlkit)
raises `EditError` rather than handing back a file that is broken or says something
else. A file that is already invalid is refused, so an edit never hides its error.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.domain.models import Term, Watchlist
from bot.domain.text import fold
from bot.lists.files import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_TERM_LENGTH,
    WatchlistError,
    parse_watchlist,
)
from bot.lists.rules import (
    DEFAULT_THRESHOLD,
    SHARED,
    RuleError,
    checked_name,
    checked_term_text,
    checked_terms,
    checked_text,
    describe,
    same_text,
    valid_threshold,
)

# tomlkit, and bot.lists.toml_arrays built on it, are imported by the edits themselves:
# the running bot loads them when a list is first edited, not at start.
if TYPE_CHECKING:
    from tomlkit.items import Array
    from tomlkit.toml_document import TOMLDocument

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_TERM_LENGTH",
    "EditError",
    "add_exclude",
    "add_term",
    "new_watchlist_text",
    "remove_exclude",
    "remove_term",
    "watchlist_file_name",
    "with_terms",
]

_MAX_SLUG_LENGTH = 80  # well under any file system's limit, and still readable in `ls`
_DEFAULT_PATH = "<watchlist>"


class EditError(ValueError):
    """An edit that was refused; `str()` is one line to show the person who asked."""


# -- validating what people type ---------------------------------------------------------


def _clean(
    value: str, what: str, *, max_length: int, required: bool = True, letters: bool = True
) -> str:
    """`value` stripped (the loader strips too), or EditError saying what is wrong."""
    if not isinstance(value, str):
        raise EditError(f"{what} must be text")
    try:
        return checked_text(value, max_length=max_length, required=required, letters=letters)
    except RuleError as exc:
        raise EditError(describe(exc, what)) from None


def _clean_term(term: Term) -> Term:
    if not isinstance(term.text, str):
        raise EditError("a term must be text")
    try:
        text = checked_term_text(term.text, max_length=MAX_TERM_LENGTH)
    except RuleError as exc:
        raise EditError(describe(exc, "a term")) from None
    return Term(text=text, exact=bool(term.exact), case_sensitive=term.case_sensitive)


def _clean_phrase(phrase: str) -> str:
    return _clean(phrase, "an exclude phrase", max_length=MAX_TERM_LENGTH)


# -- reading and checking -----------------------------------------------------------------


def _load(text: str, path: str) -> tuple[Watchlist, TOMLDocument]:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        watchlist = parse_watchlist(text, path)
    except WatchlistError as exc:
        raise EditError(f"the file is not a valid watchlist; fix it first: {exc}") from exc
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        # tomllib accepted it, so this is a tomlkit limitation rather than a bad file.
        raise EditError(f"{path}: cannot edit this file's TOML ({exc}); edit it by hand") from exc
    return watchlist, document


def _checked(result: str, path: str, expected: Watchlist) -> str:
    try:
        actual = parse_watchlist(result, path)
    except WatchlistError as exc:
        raise EditError(
            f"the edit would leave an invalid file, so it was not made: {exc.reason}"
        ) from exc
    if actual != expected:
        raise EditError(
            "the edit would change more than was asked, so it was not made (this is a bug)"
        )
    return result


def _array(document: TOMLDocument, key: str) -> Array:
    from tomlkit.items import AoT, Array

    value = document[key]
    if isinstance(value, AoT):
        raise EditError(
            f"{key} is written as [[{key}]] tables; only a {key} = [...] list can be edited"
            " here, so edit this file by hand"
        )
    if not isinstance(value, Array):  # the loader already rejects this; keeps mypy honest
        raise EditError(f"{key} is not a list")
    return value


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _find(texts: Sequence[str], wanted: str, what: str, name: str) -> int:
    """Index of the item matching `wanted` the way duplicates are judged (by `fold`)."""
    key = fold(wanted)
    hits = [i for i, text in enumerate(texts) if key and fold(text) == key]
    if len(hits) == 1:
        return hits[0]
    if hits:
        # Only a file edited by hand can hold two such items; the exact text decides.
        same = [i for i in hits if texts[i] == wanted.strip()]
        if len(same) == 1:
            return same[0]
        listed = ", ".join(f'"{texts[i]}"' for i in hits)
        raise EditError(
            f'"{name}" has several {what}s like "{wanted}" ({listed}); give the exact text'
        )
    by_key: dict[str, str] = {}
    for text in texts:
        by_key.setdefault(fold(text), text)
    # Imported here: only a typo needs it, and the running bot does without its memory.
    import difflib

    close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)
    hint = f' (did you mean "{by_key[close[0]]}"?)' if close else ""
    raise EditError(f'no {what} "{wanted.strip()}" in "{name}"{hint}')


# -- edits ----------------------------------------------------------------------------------


def add_term(text: str, term: Term, *, path: str = _DEFAULT_PATH) -> str:
    """`text` with `term` appended to `terms`: a plain string, or an inline table
    `{ text = "TITR", exact = true }` when the term is exact or case-sensitive.

    Refused when the watchlist has the term already (compared the way matching sees
    text: ignoring case, accents and the kind of hyphen) or excludes it.
    """
    before, document = _load(text, path)
    term = _new_term(before, term)
    from bot.lists.toml_arrays import append_item, term_item

    append_item(_array(document, "terms"), term_item(term), None)
    expected = dataclasses.replace(before, terms=(*before.terms, term))
    return _checked(document.as_string(), path, expected)


def with_terms(before: Watchlist, terms: Sequence[Term]) -> Watchlist:
    """`before` with `terms` added as `add_term` would add them, refused for the same
    reasons: the list a dry run tries a term on before anyone adds it (no file is read)."""
    if isinstance(terms, Term) or not terms:
        raise EditError("give at least one term to try")
    after = before
    for term in terms:
        after = dataclasses.replace(after, terms=(*after.terms, _new_term(after, term)))
    return after


def _new_term(before: Watchlist, term: Term) -> Term:
    """`term` cleaned, or EditError when `before` may not take it."""
    term = _clean_term(term)
    try:
        [term] = checked_terms([term], SHARED, existing=before.terms)
    except RuleError as exc:
        if exc.rule == "same":
            raise EditError(f'"{before.name}" already has the term "{exc.texts[0]}"') from None
        raise EditError(
            f'"{before.name}" has {len(before.terms)} terms, and a watchlist has at most'
            f" {exc.limit}; split it into several"
        ) from None
    for phrase in before.exclude:
        if same_text(phrase, term.text):
            raise EditError(
                f'"{before.name}" excludes "{phrase}", so the term "{term.text}" would never'
                " match; remove the exclude first"
            )
    return term


def remove_term(text: str, term_text: str, *, path: str = _DEFAULT_PATH) -> str:
    """`text` without the term matching `term_text` (compared as in `add_term`).

    Refused when no term matches (with the closest one as a hint) and when it is the
    watchlist's only term, since a watchlist needs at least one.
    """
    before, document = _load(text, path)
    index = _find([t.text for t in before.terms], term_text, "term", before.name)
    if len(before.terms) == 1:
        raise EditError(
            f'"{before.name}" has only one term,'
            f' "{before.terms[0].text}"; add another before removing it'
        )
    from bot.lists.toml_arrays import delete_item

    delete_item(_array(document, "terms"), index)
    expected = dataclasses.replace(before, terms=before.terms[:index] + before.terms[index + 1 :])
    return _checked(document.as_string(), path, expected)


def add_exclude(text: str, phrase: str, *, path: str = _DEFAULT_PATH) -> str:
    """`text` with `phrase` appended to `exclude`, which is created at the end of the file
    if the file has none. An empty list is laid out like `terms` (one item a line)."""
    before, document = _load(text, path)
    phrase = _clean_phrase(phrase)
    for existing in before.exclude:
        if same_text(existing, phrase):
            raise EditError(f'"{before.name}" already excludes "{existing}"')
    for term in before.terms:
        if same_text(term.text, phrase):
            raise EditError(
                f'"{term.text}" is a term of "{before.name}": excluding it would cancel'
                " every match of it"
            )
    import tomlkit

    from bot.lists.toml_arrays import append_item, array_layout, fresh_array

    terms_layout = array_layout(_array(document, "terms"))
    item = tomlkit.string(phrase)
    newline = _newline(text)
    if "exclude" not in document:
        assert terms_layout is not None  # the loader guarantees terms is not empty
        document.add("exclude", fresh_array(item, terms_layout, newline))
    else:
        array = _array(document, "exclude")
        if re.fullmatch(r"\[\s*\]", array.as_string()) and terms_layout is not None:
            # `exclude = []` (as new files have it) would otherwise grow along one line.
            fresh = fresh_array(item, terms_layout, newline)
            fresh.trivia.indent = array.trivia.indent
            fresh.trivia.comment_ws = array.trivia.comment_ws
            fresh.trivia.comment = array.trivia.comment
            fresh.trivia.trail = array.trivia.trail
            document["exclude"] = fresh
        else:
            append_item(array, item, terms_layout)
    expected = dataclasses.replace(before, exclude=(*before.exclude, phrase))
    return _checked(document.as_string(), path, expected)


def remove_exclude(text: str, phrase: str, *, path: str = _DEFAULT_PATH) -> str:
    """`text` without the exclude phrase matching `phrase` (compared as in `add_term`).
    The last one may go: the key then stays as an empty list, with its comments."""
    before, document = _load(text, path)
    if not before.exclude:
        raise EditError(f'"{before.name}" has no exclude phrases')
    index = _find(before.exclude, phrase, "exclude phrase", before.name)
    from bot.lists.toml_arrays import delete_item

    delete_item(_array(document, "exclude"), index)
    expected = dataclasses.replace(
        before, exclude=before.exclude[:index] + before.exclude[index + 1 :]
    )
    return _checked(document.as_string(), path, expected)


# -- new files ------------------------------------------------------------------------------

_NEW_FILE = """\
# A caci-watch watchlist. Lines starting with # are notes for people: the bot ignores
# them, and keeps them when it edits this file.
#
# name: how alerts and digests refer to this list; no two watchlists may share one.
name = {name}
# description: one line on what the list follows.
description = {description}
# threshold: how strictly phrase terms take typos; the default, 88, lets a letter be
# wrong in a word of 5 letters or more, and two in a name of 10 or more; 100 allows none.
threshold = {threshold}
# terms: what to look for. A plain string is a phrase, matched on whole words while
# ignoring case, accents, hyphens and small typos. Capitals of up to six letters ("TITR")
# are an acronym: exact, whole word, and only in capitals unless the term says
# {{ text = "TITR", case_sensitive = false }}. A term with digits or punctuation ("C5+1")
# matches only as written. A note above a term is a good place to say why it is listed.
terms = [
{terms}]
# exclude: phrases that cancel a match they overlap, such as "Middle East corridor" for
# a list that follows the Middle Corridor.
exclude = []
"""


def new_watchlist_text(
    name: str,
    terms: Sequence[Term],
    *,
    description: str = "",
    threshold: int = DEFAULT_THRESHOLD,
) -> str:
    """The text of a new watchlist file, with comments explaining each key.

    `terms` must hold at least one term, because the loader refuses a watchlist without
    any. Whether the file name or the name is already taken is for the caller to check.
    """
    if not isinstance(name, str):
        raise EditError("a name must be text")
    try:
        name = checked_name(name, SHARED)
    except RuleError as exc:
        raise EditError(describe(exc, "a name")) from None
    description = _clean(
        description,
        "a description",
        max_length=MAX_DESCRIPTION_LENGTH,
        required=False,
        letters=False,
    )
    if not valid_threshold(threshold):
        raise EditError("threshold must be a whole number from 0 to 100")
    if isinstance(terms, Term) or not terms:
        raise EditError("a new watchlist needs at least one term")
    try:
        cleaned = checked_terms([_clean_term(term) for term in terms], SHARED)
    except RuleError as exc:
        raise EditError(describe(exc, "a term")) from None
    import tomlkit

    from bot.lists.toml_arrays import term_item

    text = _NEW_FILE.format(
        name=tomlkit.string(name).as_string(),
        description=tomlkit.string(description).as_string(),
        threshold=threshold,
        terms="".join(f"  {term_item(term).as_string()},\n" for term in cleaned),
    )
    path = "<new watchlist>"
    expected = Watchlist(
        name=name,
        terms=tuple(cleaned),
        description=description,
        threshold=threshold,
        source=path,
    )
    return _checked(text, path, expected)


def watchlist_file_name(name: str) -> str:
    """A file name for a watchlist called `name`: `Middle Corridor` → `middle-corridor.toml`.

    ASCII letters and digits only, lower-case, words joined by hyphens, accents folded
    (`Zəngəzur` → `zangazur.toml`). Letters of other scripts are dropped, so a name with
    no Latin letter or digit is refused. Different names can give the same file name;
    the caller must not overwrite an existing file.
    """
    words = re.findall(r"[a-z0-9]+", fold(name) if isinstance(name, str) else "")
    slug = "-".join(words)
    if len(slug) > _MAX_SLUG_LENGTH:
        cut = slug[: _MAX_SLUG_LENGTH + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:_MAX_SLUG_LENGTH]
    if not slug:
        raise EditError(
            f'cannot make a file name from "{name}": it needs a Latin letter or a digit'
        )
    return f"{slug}.toml"
