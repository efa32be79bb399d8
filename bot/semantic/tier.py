"""The "possibly about" tier in this process: articles and lists in, decisions out.

The child process (``about_child.py``) runs it for the bot; ``caci-watch eval --about``
runs it directly. It computes the similarities with the embedder and numpy and leaves
every decision to ``bot.domain.aboutness``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bot.domain.aboutness import (
    ArticleSimilarities,
    PossiblyAbout,
    decide,
    passages,
    score,
    thresholds_of,
)
from bot.domain.models import Article, Watchlist
from bot.semantic.embedder import Embedder

if TYPE_CHECKING:
    from numpy.typing import NDArray

# The whole article is embedded as one text too; past this many characters the rest adds
# little to its mean vector and only costs time.
_WHOLE_TEXT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class _References:
    watchlist: Watchlist
    about: NDArray[np.float32]
    not_about: NDArray[np.float32] | None


def _references(lists: Sequence[Watchlist], embedder: Embedder) -> list[_References]:
    return [
        _References(
            w,
            embedder.embed(w.about),
            embedder.embed(w.not_about) if w.not_about else None,
        )
        for w in lists
        if w.about
    ]


def _similarities(
    ref: _References, found: NDArray[np.float32], whole: NDArray[np.float32]
) -> ArticleSimilarities:
    about = (found @ ref.about.T).max(axis=1)
    if ref.not_about is None:
        return ArticleSimilarities(about.tolist(), about.tolist(), (ref.about @ whole).tolist(), [])
    return ArticleSimilarities(
        about.tolist(),
        (found @ ref.not_about.T).max(axis=1).tolist(),
        (ref.about @ whole).tolist(),
        (ref.not_about @ whole).tolist(),
    )


def _article_texts(article: Article) -> tuple[list[str], str]:
    whole = f"{article.title}\n\n{article.text}"[:_WHOLE_TEXT_CHARS]
    return passages(article.title, article.text), whole


def possibly_about(
    articles: Sequence[Article],
    lists: Sequence[Watchlist],
    named: Mapping[str, frozenset[str]],
    embedder: Embedder,
) -> list[PossiblyAbout]:
    """Each (article, list) the tier finds, lists without `about` skipped, an article
    never for a list it names; in the order of `articles`, then of `lists`."""
    refs = _references(lists, embedder)
    found: list[PossiblyAbout] = []
    if not refs:
        return found
    for article in articles:
        todo = [r for r in refs if r.watchlist.name not in named.get(article.id, frozenset())]
        if not todo:
            continue
        article_passages, whole = _article_texts(article)
        if not article_passages:
            continue
        vectors = embedder.embed([*article_passages, whole])
        for ref in todo:
            similarities = _similarities(ref, vectors[:-1], vectors[-1])
            decision = decide(
                article.id,
                ref.watchlist.name,
                article_passages,
                similarities,
                thresholds_of(ref.watchlist),
            )
            if decision is not None:
                found.append(decision)
    return found


def scores(
    articles: Sequence[Article], lists: Sequence[Watchlist], embedder: Embedder
) -> dict[tuple[str, str], float]:
    """Every (article id, list name)'s score, whatever the thresholds: what calibration
    reads."""
    refs = _references(lists, embedder)
    out: dict[tuple[str, str], float] = {}
    for article in articles:
        article_passages, whole = _article_texts(article)
        if not article_passages:
            continue
        vectors = embedder.embed([*article_passages, whole])
        for ref in refs:
            value, _ = score(_similarities(ref, vectors[:-1], vectors[-1]))
            out[(article.id, ref.watchlist.name)] = value
    return out
