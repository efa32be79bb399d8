"""The "possibly about" tier's verdict on an article (pure data; the contract between
the tier in ``bot.semantic`` and the bot that stores, alerts and digests it)."""

from __future__ import annotations

from dataclasses import dataclass

CLOSE = "close"
VERY_CLOSE = "very close"


@dataclass(frozen=True, slots=True)
class PossiblyAbout:
    """An article that does not name a watchlist but discusses its subject."""

    article_id: str  # Article.id
    watchlist: str  # Watchlist.name
    score: float  # similarity, for ordering and for eval; not shown to users
    strength: str  # CLOSE or VERY_CLOSE, the plain words users see
    passage: str  # the article's closest passage, plain text, <= 300 chars, cut at a word
