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
    ABOUT_AGREEING,
    ArticleSimilarities,
    Passages,
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


@dataclass(frozen=True, slots=True)
class _Vectors:
    """An article's unit vectors: each passage, the whole, each paragraph
    (``Passages.paragraphs``; a (0, dimensions) array when it has none)."""

    passages: NDArray[np.float32]
    whole: NDArray[np.float32]
    paragraphs: NDArray[np.float32]


def _closest_mean(similarities: NDArray[np.float32]) -> NDArray[np.float32]:
    """Each passage's (row's) mean similarity to its ABOUT_AGREEING closest `about`
    sentences (all of them when the list has fewer)."""
    k = min(ABOUT_AGREEING, similarities.shape[1])
    closest = -np.partition(-similarities, k - 1, axis=1)[:, :k]
    mean: NDArray[np.float32] = closest.mean(axis=1)
    return mean


def _similarities(ref: _References, found: _Vectors) -> ArticleSimilarities:
    about = _closest_mean(found.passages @ ref.about.T)
    if ref.not_about is None:
        return ArticleSimilarities(
            about.tolist(), about.tolist(), (ref.about @ found.whole).tolist(), []
        )
    return ArticleSimilarities(
        about.tolist(),
        (found.passages @ ref.not_about.T).max(axis=1).tolist(),
        (ref.about @ found.whole).tolist(),
        (ref.not_about @ found.whole).tolist(),
        (found.paragraphs @ ref.about.T).mean(axis=1).tolist(),
        (found.paragraphs @ ref.not_about.T).mean(axis=1).tolist(),
    )


def _vectors(found: Passages, embedder: Embedder) -> _Vectors:
    """Each passage's vector, the whole article's and each paragraph's, from one
    embedding per sentence: a passage of two sentences, a paragraph and the whole article
    is their sentences' vectors summed, each weighted by its words (for a model that
    averages word vectors, as WordLlama does, nearly what embedding the joined text
    gives, for a third of the work), then made unit length."""
    sentences = embedder.embed(found.sentences)
    weights = np.fromiter((len(s.split()) for s in found.sentences), dtype=np.float32)
    weighted = sentences * weights[:, None]
    first = np.fromiter((g[0] for g in found.groups), dtype=np.int64)
    last = np.fromiter((g[-1] for g in found.groups), dtype=np.int64)
    # Groups are one sentence or two running on: first == last for one.
    passage = weighted[first] + np.where((last != first)[:, None], weighted[last], 0.0)
    whole = weighted.sum(axis=0)
    paragraphs = np.zeros((len(found.paragraphs), weighted.shape[1]), dtype=np.float32)
    for j, paragraph in enumerate(found.paragraphs):
        paragraphs[j] = weighted[paragraph[0] : paragraph[-1] + 1].sum(axis=0)
    return _Vectors(
        _unit(passage.astype(np.float32)),
        _unit(whole[None, :].astype(np.float32))[0],
        _unit(paragraphs),
    )


def _unit(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: NDArray[np.float32] = np.divide(
        vectors, norms, out=np.zeros_like(vectors), where=norms > 0
    )
    return unit


def possibly_about(
    articles: Sequence[Article],
    lists: Sequence[Watchlist],
    named: Mapping[str, frozenset[str]],
    embedder: Embedder,
) -> list[PossiblyAbout]:
    """Each (article, list) the tier finds, lists without `about` skipped, an article
    never for a list it names; in the order of `articles`, then of `lists`."""
    refs = _references(lists, embedder)
    decisions: list[PossiblyAbout] = []
    if not refs:
        return decisions
    for article in articles:
        todo = [r for r in refs if r.watchlist.name not in named.get(article.id, frozenset())]
        if not todo:
            continue
        found_passages = passages(article.title, article.text)
        if not found_passages.groups:
            continue
        vectors = _vectors(found_passages, embedder)
        texts = found_passages.texts
        for ref in todo:
            similarities = _similarities(ref, vectors)
            decision = decide(
                article.id,
                ref.watchlist.name,
                texts,
                similarities,
                thresholds_of(ref.watchlist),
            )
            if decision is not None:
                decisions.append(decision)
    return decisions


def scores(
    articles: Sequence[Article], lists: Sequence[Watchlist], embedder: Embedder
) -> dict[tuple[str, str], float]:
    """Every (article id, list name)'s score, whatever the thresholds: what calibration
    reads."""
    refs = _references(lists, embedder)
    out: dict[tuple[str, str], float] = {}
    for article in articles:
        found_passages = passages(article.title, article.text)
        if not found_passages.groups:
            continue
        vectors = _vectors(found_passages, embedder)
        for ref in refs:
            value, _ = score(_similarities(ref, vectors))
            out[(article.id, ref.watchlist.name)] = value
    return out
