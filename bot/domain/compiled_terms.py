"""Watchlist terms compiled for matching: words, anchors, triggers and threshold (pure).

Steps 2 and 3 of `bot.domain.matching`: each term gets its *anchors* (content words, their
one-edit variants, split and run-together forms) and the few rare *triggers* any match
must show; exclude phrases become patterns over the normalised text.
"""

from __future__ import annotations

import itertools
import re
import string
from collections import Counter
from dataclasses import dataclass

from bot.domain.models import Term, Watchlist
from bot.domain.text import fold, fold_keep_case

# Function words: never anchors, and a window may not insert one the term lacks.
STOPWORDS = frozenset(
    "a an the of for and or nor in on at to by with from as via into onto over under "  # noqa: SIM905
    "is are was were be been its it this that these those than then".split()
)
# Characters that end a phrase: a term never spans them unless it contains them itself.
BARRIERS = frozenset(".,;:!?()[]{}\"'“”«»’ʼ")
_NEIGHBOUR_MIN_LEN = 5  # one-edit variants of shorter words are too often ordinary words
_SPLIT_MIN_PART = 3
_LONG_NAME_WORDS = 5  # from this many content words on, a name may lose one to typos
_AUTO_EXACT_MAX_LEN = 6


@dataclass(frozen=True, slots=True)
class CompiledTerm:
    watchlist: int
    text: str
    words: tuple[str, ...]
    phrase: str
    exact: bool
    case_sensitive: bool
    cased_phrase: str
    threshold: int
    allowed_barriers: frozenset[str]
    # anchor → indices of the term words it shows (two for words run together)
    anchor_covers: dict[str, tuple[int, ...]]
    # how many term words must show near a trigger before windows are scored
    required: int
    # the term words whose anchors start a look: any `len(content) - required + 1` of
    # them will do, because a match shows at least one of them
    trigger_indices: frozenset[int]


def _is_exact(term: Term, words: tuple[str, ...]) -> bool:
    if term.exact:
        return True
    if len(words) != 1:
        return False
    raw = term.text.strip()
    # A fuzzy TRIPP would fire on every "trip": short acronyms and tiny words only match exactly.
    return (raw.isupper() and len(words[0]) <= _AUTO_EXACT_MAX_LEN) or len(words[0]) <= 3


def _one_edit_variants(word: str) -> set[str]:
    """Every string one insertion, deletion, substitution or transposition away."""
    letters = set(string.ascii_lowercase) | set(word)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    variants = {left + right[1:] for left, right in splits if right}
    variants |= {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    variants |= {left + c + right[1:] for left, right in splits if right for c in letters}
    variants |= {left + c + right for left, right in splits for c in letters}
    variants.discard(word)
    return variants


def _content_words(words: tuple[str, ...]) -> list[int]:
    content = [i for i, w in enumerate(words) if w not in STOPWORDS]
    return content or list(range(len(words)))


def _fuzzy_anchors(words: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """Anchors of a phrase term, each with the indices of the term words it shows."""
    anchors: dict[str, tuple[int, ...]] = {}
    content = _content_words(words)
    for i in content:
        word = words[i]
        if len(word) >= _NEIGHBOUR_MIN_LEN:
            for variant in _one_edit_variants(word):
                anchors.setdefault(variant, (i,))
        # A word broken at a line break without a hyphen arrives as two words.
        for cut in range(_SPLIT_MIN_PART, len(word) - _SPLIT_MIN_PART + 1):
            anchors.setdefault(word[:cut], (i,))
    for i, j in itertools.pairwise(content):
        if j == i + 1:
            anchors[words[i] + words[j]] = (i, j)
    for i in content:
        anchors[words[i]] = (i,)
    return anchors


def _required_words(content: int) -> int:
    """Content words that must show (exactly or one edit away) near a trigger.

    A term of up to four content words must show all of them; a longer name may lose
    one to a word with two typos in it.
    """
    return max(content - 1 if content >= _LONG_NAME_WORDS else content, 1)


def _trigger_indices(
    text: str, words: tuple[str, ...], content: list[int], count: int, usage: Counter[str]
) -> frozenset[int]:
    """Pick the words most likely to be rare in an article: capitalised ones (names are
    rarer than "economic" or "zone"), then words few terms share ("corridor" is in
    many), then longer ones."""
    capitalised = {fold(w) for w in fold_keep_case(text).split() if w[:1].isupper()}

    def commonness(i: int) -> tuple[bool, int, int]:
        return words[i] not in capitalised, usage[words[i]], -len(words[i])

    return frozenset(sorted(content, key=commonness)[:count])


def compile_term(
    term: Term, watchlist: Watchlist, index: int, usage: Counter[str]
) -> CompiledTerm | None:
    words = tuple(fold(term.text).split())
    if not words:
        return None
    exact = _is_exact(term, words)
    content = [0] if exact else _content_words(words)
    covers: dict[str, tuple[int, ...]] = {words[0]: (0,)} if exact else _fuzzy_anchors(words)
    required = 1 if exact else _required_words(len(content))
    return CompiledTerm(
        watchlist=index,
        text=term.text,
        words=words,
        phrase=" ".join(words),
        exact=exact,
        case_sensitive=term.case_sensitive,
        cased_phrase=fold_keep_case(term.text),
        threshold=watchlist.threshold,
        allowed_barriers=frozenset(term.text) & BARRIERS,
        anchor_covers=covers,
        required=required,
        trigger_indices=_trigger_indices(
            term.text, words, content, len(content) - required + 1, usage
        ),
    )


def exclude_pattern(phrase: str) -> re.Pattern[str] | None:
    words = fold(phrase).split()
    if not words:
        return None
    return re.compile(r"(?<![^ ])" + " +".join(map(re.escape, words)) + r"(?![^ ])")
