"""Relevance feedback: what the 👍 and 👎 under alerts say about a list (pure).

Votes come in as plain data; out come the counts ``/feedback`` shows and two kinds of
suggestion an admin (or a personal list's owner) can apply with one tap:

- excludes: phrases that recur around the matches of down-voted articles and never
  around up-voted ones. An exclude cancels a match it overlaps, so a suggestion is the
  matched words with a word or two of their surroundings ("Trump Route 66"), never the
  matched words alone (that would be removing the term).
- terms: names that recur in up-voted articles the list does not name (the "possibly
  about" ones), and that no term of the list already covers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.models import Article, Match

# /feedback counts votes over these windows.
WINDOWS = (timedelta(days=30), timedelta(days=90))
# A phrase or name must come up in this many different articles to be suggested.
MIN_ARTICLES = 2
SHOWN = 5

_WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class VotedArticle:
    """One chat's vote on whether an article is about a list, with the list's matches
    of it as stored (none for an article the list does not name)."""

    chat_id: int
    watchlist: str
    up: bool
    voted_at: datetime
    article: Article
    matches: tuple[Match, ...] = ()


@dataclass(frozen=True, slots=True)
class VoteCounts:
    days: int
    up: int
    down: int


def vote_counts(votes: Sequence[VotedArticle], now: datetime) -> list[VoteCounts]:
    """Votes up and down within each of ``WINDOWS`` before ``now``."""
    out = []
    for window in WINDOWS:
        recent = [v for v in votes if now - window <= v.voted_at <= now]
        up = sum(v.up for v in recent)
        out.append(VoteCounts(window.days, up, len(recent) - up))
    return out


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _phrases_around(m: Match) -> set[str]:
    """The matched words widened by one or two words on either side, as found in the
    snippet, normalised (case folded, spaces collapsed)."""
    start = min(max(m.mark_start, 0), len(m.snippet))
    end = min(max(m.mark_end, start), len(m.snippet))
    marked = " ".join(_words(m.snippet[start:end]))
    if not marked:
        return set()
    before, after = _words(m.snippet[:start]), _words(m.snippet[end:])
    out = set()
    for left in range(3):
        for right in range(3):
            if left + right == 0 or left + right > 2 or left > len(before) or right > len(after):
                continue
            lead = before[len(before) - left :] if left else []
            out.add(_norm(" ".join([*lead, marked, *after[:right]])))
    return out


def suggested_excludes(votes: Sequence[VotedArticle], *, shown: int = SHOWN) -> list[str]:
    """Phrases around down-voted matches that recur in at least ``MIN_ARTICLES``
    articles and occur in no up-voted article's snippet of that list, most frequent
    first (ties: shorter first, then alphabetical). A longer phrase found in the same
    articles as a shorter one it contains adds nothing and is left out."""
    up_text = [_norm(" ".join(_words(m.snippet))) for v in votes if v.up for m in v.matches]
    seen: dict[str, set[str]] = {}
    for v in votes:
        if v.up:
            continue
        for m in v.matches:
            for phrase in _phrases_around(m):
                seen.setdefault(phrase, set()).add(v.article.id)
    kept = {
        p: ids
        for p, ids in seen.items()
        if len(ids) >= MIN_ARTICLES and not any(_contains(t, p) for t in up_text)
    }
    ranked = sorted(kept, key=lambda p: (-len(kept[p]), len(p), p))
    out: list[str] = []
    for p in ranked:
        if any(_contains(p, q) and kept[p] == kept[q] for q in out):
            continue
        out.append(p)
        if len(out) == shown:
            break
    return out


def _contains(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words (both normalised)."""
    return f" {phrase} " in f" {text} "


# Capitalised words in a row (with "of", "for", "and" between them), or an acronym.
_NAME = re.compile(
    r"\b(?:[A-Z][\w'’-]*[a-z][\w'’-]*|[A-Z]{2,})"
    r"(?:[ \u00a0](?:(?:of|for|and|the|de|al)[ \u00a0])?(?:[A-Z][\w'’-]*[a-z][\w'’-]*|[A-Z]{2,}))*"
)
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_ENDS = frozenset('.!?:;"“”\n')
# Capitalised for reasons other than being a name.
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "of",
        "for",
        "and",
        "but",
        "or",
        "if",
        "as",
        "by",
        "to",
        "from",
        "with",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "his",
        "her",
        "their",
        "our",
        "there",
        "here",
        "when",
        "while",
        "after",
        "before",
        "since",
        "during",
        "however",
        "meanwhile",
        "yet",
        "still",
        "also",
        "such",
        "what",
        "which",
        "who",
        "how",
        "why",
        "mr",
        "ms",
        "dr",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def _names(text: str) -> set[str]:
    out = set()
    for found in _NAME.finditer(text):
        # "Meghri's" is Meghri.
        name = _POSSESSIVE.sub("", found.group())
        words = name.split()
        before_count = len(words)
        while words and words[0].casefold() in _NOT_NAMES:
            words.pop(0)
        if not words:
            continue
        name = " ".join(words)
        if len(words) < before_count:
            out.add(name)  # "The Syunik…": the name itself does not start the sentence
            continue
        before = text[max(0, found.start() - 8) : found.start()].rstrip(" \t\u00a0")
        starts_sentence = not before or before[-1] in _SENTENCE_ENDS
        if len(words) == 1 and ((starts_sentence and not name.isupper()) or len(name) < 3):
            continue  # "Officials said…": capitalised because it starts a sentence
        out.add(name)
    return out


def suggested_terms(
    votes: Sequence[VotedArticle], terms: Collection[str], *, shown: int = SHOWN
) -> list[str]:
    """Names that recur in at least ``MIN_ARTICLES`` up-voted articles the list does
    not name (no match of it), none of the list's ``terms`` among them or containing
    them, and in no down-voted article; most frequent first."""
    known = [_norm(t) for t in terms if t.strip()]
    down_text = [
        _norm(" ".join(_words(f"{v.article.title} {v.article.text}"))) for v in votes if not v.up
    ]
    seen: dict[str, set[str]] = {}
    spelt: dict[str, str] = {}
    for v in votes:
        if not v.up or v.matches:
            continue
        for name in _names(f"{v.article.title}\n{v.article.text}"):
            key = _norm(name)
            seen.setdefault(key, set()).add(v.article.id)
            spelt.setdefault(key, name)
    kept = [
        k
        for k, ids in seen.items()
        if len(ids) >= MIN_ARTICLES
        and not any(_contains(k, t) or _contains(t, k) for t in known)
        and not any(_contains(d, k) for d in down_text)
    ]
    kept.sort(key=lambda k: (-len(seen[k]), -len(k.split()), k))
    return [spelt[k] for k in kept[:shown]]


@dataclass(frozen=True, slots=True)
class DownVoted:
    """A down-voted article as /feedback lists it: the term that fired."""

    article: Article
    term: str
    votes: int


def down_voted(votes: Sequence[VotedArticle]) -> list[DownVoted]:
    """The articles voted down (by any chat), newest vote first, each once, with the
    list's term that matched it ("" when the list does not name it)."""
    by_id: dict[str, tuple[VotedArticle, int]] = {}
    for v in sorted(votes, key=lambda v: v.voted_at, reverse=True):
        if v.up:
            continue
        first, n = by_id.get(v.article.id, (v, 0))
        by_id[v.article.id] = (first, n + 1)
    return [
        DownVoted(v.article, v.matches[0].term if v.matches else "", n) for v, n in by_id.values()
    ]
