"""The "possibly about" tier's rules (pure): an article's passages, and from their
similarities to a list's `about` and `not_about` sentences, whether it discusses the
list's subject without naming it, how strongly, and which passage to quote.

The similarities come in as plain floats (``bot/semantic`` computes them with the
embedder, in a child process): nothing here knows how a sentence became a vector.

A passage's similarity to `about` is its mean similarity to the two `about` sentences
closest to it (ABOUT_AGREEING): a passage on the subject agrees with more than one of
the ways the list describes it, while a passage on a neighbouring subject tends to
echo one (a passage on the Negev Forum lists the states of the 2020 agreements, and
says nothing else of them). Its similarity to `not_about` is to the closest sentence:
one neighbour is enough to be confused with.

The score adds four things, each a cosine similarity or a difference of them:
- support: the mean similarity to `about` of the article's five passages closest to it
  (one close sentence is an allusion; a subject discussed fills a paragraph, which gives
  about five passages: its sentences and each two running on);
- contrast: the mean margin over `not_about` of the three passages closest to `about`
  (are the article's most subject-like passages closer to the subject than to any of its
  neighbours? The best margin of any one passage would let a stray sentence that is
  near nothing in `not_about` lift an article on a neighbouring subject);
- lean: the whole article's mean similarity to `about` less its mean similarity to
  `not_about` (what the article as a whole is closer to);
- focus: the same difference for the article's best paragraph (of two sentences or
  more): an article may discuss the subject in one paragraph and something else, maybe a
  neighbouring subject, in the rest, and the whole-article lean alone then sinks it. An
  article without such a paragraph counts its lean a second time.
Each list's thresholds on that score are calibrated on labelled data (``caci-watch eval
FILE --about``) and kept in its file; a list without them gets the defaults below.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models import Watchlist

__all__ = [
    "ABOUT_AGREEING",
    "CLOSE",
    "DEFAULT_CLOSE",
    "DEFAULT_VERY_CLOSE",
    "MAX_PASSAGES",
    "MAX_QUOTE",
    "VERY_CLOSE",
    "ArticleSimilarities",
    "Passages",
    "PossiblyAbout",
    "Thresholds",
    "decide",
    "passages",
    "quote",
    "score",
    "thresholds_of",
]

CLOSE = "close"
VERY_CLOSE = "very close"

# For a list whose file carries no calibrated thresholds (a list someone wrote): the
# strictest of the shipped lists' calibrated values, so that an uncalibrated list errs
# towards saying nothing.
DEFAULT_CLOSE = 0.65
DEFAULT_VERY_CLOSE = 0.80

# How many `about` sentences a passage's similarity to the subject is the mean of (see
# the module's docstring); calibrated thresholds hold for this value only.
ABOUT_AGREEING = 2

MAX_QUOTE = 300
# Enough for a long analysis (about 120 sentences, each alone and with the next); the
# rest of a longer text is not read, which keeps the tier within its time per article.
MAX_PASSAGES = 240
_SUPPORT_PASSAGES = 5
_CONTRAST_PASSAGES = 3

# A sentence ends at . ! ? (and any closing quote or bracket) before a space and a capital,
# a digit or an opening quote; "No. 5" and "U.S. officials" do not end one (the word before
# the stop is a short abbreviation: up to three letters, or single letters with stops).
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]\.(?:[A-Za-z]\.)*|\b(?:No|Nos|Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sgt|Jr|Sr|vs|etc"
    r"|approx|Prof|Rep|Sen|Gov|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)$"
)
_PARAGRAPH = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class PossiblyAbout:
    """An article that does not name a watchlist but discusses its subject."""

    article_id: str  # Article.id
    watchlist: str  # Watchlist.name
    score: float  # similarity, for ordering and for eval; not shown to users
    strength: str  # CLOSE or VERY_CLOSE, the plain words users see
    passage: str  # the article's closest passage, plain text, <= 300 chars, cut at a word


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A list's calibrated scores: from `close` the article is possibly about it, from
    `very_close` it is very close."""

    close: float = DEFAULT_CLOSE
    very_close: float = DEFAULT_VERY_CLOSE


@dataclass(frozen=True, slots=True)
class ArticleSimilarities:
    """One article against one list.

    ``about[i]``: passage i's mean similarity to the ABOUT_AGREEING `about` sentences
    closest to it; ``not_about[i]``: its greatest similarity to any `not_about` sentence
    (anything when the list has none: see `score`).
    ``whole_about`` and ``whole_not_about``: the whole article's similarity to each
    `about` and each `not_about` sentence.
    ``paragraphs_about[j]`` and ``paragraphs_not_about[j]``: paragraph j's (see
    `Passages.paragraphs`) mean similarity to the `about` and to the `not_about`
    sentences; none for an article without such a paragraph.
    """

    about: Sequence[float]
    not_about: Sequence[float]
    whole_about: Sequence[float]
    whole_not_about: Sequence[float]
    paragraphs_about: Sequence[float] = ()
    paragraphs_not_about: Sequence[float] = ()


def thresholds_of(watchlist: Watchlist) -> Thresholds:
    """The list's calibrated thresholds, the defaults where its file has none."""
    close = DEFAULT_CLOSE if watchlist.about_close is None else watchlist.about_close
    very_close = watchlist.about_very_close
    if very_close is None:
        # Calibrated `close` alone: "very close" as far above it as the defaults are apart.
        very_close = close + (DEFAULT_VERY_CLOSE - DEFAULT_CLOSE)
    return Thresholds(close=close, very_close=max(close, very_close))


def _sentences(paragraph: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(paragraph):
        head = paragraph[start : end.start()].rstrip("\"'”’)]")
        if _ABBREVIATION.search(head):
            continue
        sentences.append(paragraph[start : end.start()])
        start = end.end()
    sentences.append(paragraph[start:])
    return [s for s in (_SPACES.sub(" ", s).strip() for s in sentences) if s]


@dataclass(frozen=True, slots=True)
class Passages:
    """An article's passages: ``sentences`` (its title first, when it has one, then each
    sentence in reading order), ``groups``, each passage as the sentences it joins, and
    ``paragraphs``, each paragraph of the text of two sentences or more as its sentences
    (a one-sentence paragraph is no more than the allusion a passage already is)."""

    sentences: tuple[str, ...]
    groups: tuple[tuple[int, ...], ...]
    paragraphs: tuple[tuple[int, ...], ...] = ()

    @property
    def texts(self) -> list[str]:
        return [" ".join(self.sentences[i] for i in group) for group in self.groups]


def passages(title: str, text: str) -> Passages:
    """The passages of an article compared with a list's sentences: its title, each
    sentence, and each two sentences running on in a paragraph (a subject described over
    two sentences is closer as one passage); at most MAX_PASSAGES, in reading order."""
    sentences: list[str] = []
    groups: list[tuple[int, ...]] = []
    paragraphs: list[tuple[int, ...]] = []
    title = _SPACES.sub(" ", title).strip()
    if title:
        sentences.append(title)
        groups.append((0,))
    for paragraph in _PARAGRAPH.split(text):
        if len(groups) >= MAX_PASSAGES:
            break
        first = len(sentences)
        sentences.extend(_sentences(paragraph))
        paragraphs.append(tuple(range(first, len(sentences))))
        for i in range(first, len(sentences)):
            groups.append((i,))
            if i + 1 < len(sentences):
                groups.append((i, i + 1))
    groups = groups[:MAX_PASSAGES]
    used = max((g[-1] for g in groups), default=-1) + 1
    kept = (tuple(i for i in p if i < used) for p in paragraphs)
    return Passages(tuple(sentences[:used]), tuple(groups), tuple(p for p in kept if len(p) >= 2))


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def score(similarities: ArticleSimilarities) -> tuple[float, int]:
    """The article's score for the list, and the index of its closest passage (-1 for an
    article without passages, whose score is then -inf)."""
    about, not_about = similarities.about, similarities.not_about
    if not about:
        return float("-inf"), -1
    closest = sorted(range(len(about)), key=about.__getitem__, reverse=True)
    best = closest[0]
    support = _mean([about[i] for i in closest[:_SUPPORT_PASSAGES]])
    if similarities.whole_not_about:
        contrast = _mean([about[i] - not_about[i] for i in closest[:_CONTRAST_PASSAGES]])
        lean = _mean(similarities.whole_about) - _mean(similarities.whole_not_about)
        focus = max(
            (
                a - n
                for a, n in zip(
                    similarities.paragraphs_about, similarities.paragraphs_not_about, strict=True
                )
            ),
            default=lean,
        )
    else:
        # A list without `not_about` has nothing to set its subject apart from: it gets
        # no credit for contrast, and so says "possibly about" less readily.
        contrast = lean = focus = 0.0
    return support + contrast + lean + focus, best


def quote(passage: str, limit: int = MAX_QUOTE) -> str:
    """`passage` on one line, at most `limit` characters, cut at a word (with "…")."""
    passage = _SPACES.sub(" ", passage).strip()
    if len(passage) <= limit:
        return passage
    cut = passage[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:–-") + "…"


def decide(
    article_id: str,
    watchlist: str,
    article_passages: Sequence[str],
    similarities: ArticleSimilarities,
    thresholds: Thresholds,
) -> PossiblyAbout | None:
    """Whether the article is possibly about the list, with its strength and quote."""
    value, best = score(similarities)
    if best < 0 or value < thresholds.close:
        return None
    strength = VERY_CLOSE if value >= thresholds.very_close else CLOSE
    return PossiblyAbout(
        article_id=article_id,
        watchlist=watchlist,
        score=value,
        strength=strength,
        passage=quote(article_passages[best]),
    )
