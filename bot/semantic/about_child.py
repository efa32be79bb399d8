"""PLACEHOLDER for the "possibly about" tier (issue 13 part 1), written against the agreed
interface so the bot's wiring can be built and tested meanwhile; the real one (an
embedder in a short-lived child process) replaces this file whole.

Here a passage (a sentence of the article) is close to a list when it holds most of the
long words of one of the list's `about` sentences, and not more of a `not_about` one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.domain.aboutness import CLOSE, VERY_CLOSE, PossiblyAbout
from bot.domain.models import Article, Watchlist

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]{6,}")
_CLOSE, _VERY_CLOSE = 0.5, 0.7


async def possibly_about_in_child(
    articles: Sequence[Article],
    lists: Sequence[Watchlist],
    named: Mapping[str, frozenset[str]],
) -> list[PossiblyAbout]:
    """Lists without `about` are skipped; an article never comes back for a list it names."""
    found = []
    for article in articles:
        passages = [p for p in _SENTENCE.split(article.text) if p.strip()]
        for w in lists:
            if not w.about or w.name in named.get(article.id, frozenset()):
                continue
            best = max(((_overlap(p, w.about), p) for p in passages), default=(0.0, ""))
            score, passage = best
            if score < _CLOSE or _overlap(passage, w.not_about) >= score:
                continue
            strength = VERY_CLOSE if score >= _VERY_CLOSE else CLOSE
            found.append(PossiblyAbout(article.id, w.name, score, strength, _cut(passage)))
    return found


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def _overlap(passage: str, sentences: Sequence[str]) -> float:
    have = _words(passage)
    return max((len(have & _words(s)) / len(_words(s)) for s in sentences if _words(s)), default=0)


def _cut(passage: str, most: int = 300) -> str:
    passage = " ".join(passage.split())
    return passage if len(passage) <= most else passage[:most].rsplit(" ", 1)[0]
