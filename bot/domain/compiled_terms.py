"""Watchlist terms compiled for matching: words, typo budget, pieces, patterns (pure).

Step 2 of `bot.domain.matching`: each term gets its kind (`bot.domain.term_kinds`), the
typos it may carry and each word's share (`bot.domain.typos`), the rare pieces any match
must show (`bot.domain.pieces`), and for a literal term (`3+3 format`) the pattern that
checks it as written; exclude phrases become patterns over the normalised text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bot.domain.models import Term, Watchlist
from bot.domain.pieces import Piece, choose_pieces
from bot.domain.term_kinds import WORD_SEPARATORS, core, term_kind
from bot.domain.text import fold, fold_keep_case
from bot.domain.typos import term_budget, word_caps

# Function words: a window may not insert one the term lacks, and a long name may be
# written without one of its own ("Peace & Prosperity").
STOPWORDS = frozenset(
    "a an the of for and or nor in on at to by with from as via into onto over under "  # noqa: SIM905
    "is are was were be been its it this that these those than then".split()
)
# Characters that end a phrase: a term never spans them unless it contains them itself.
BARRIERS = frozenset(".,;:!?()[]{}\"'“”«»’ʼ")
_SEPARATOR_CLASS = "[\\s" + re.escape("".join(sorted(WORD_SEPARATORS))) + "]+"


@dataclass(frozen=True, slots=True)
class Form:
    """One way of writing a term: its words, each word's typos, the words as one string."""

    words: tuple[str, ...]
    caps: tuple[int, ...]
    phrase: str


@dataclass(frozen=True, slots=True)
class CompiledTerm:
    watchlist: int
    text: str
    words: tuple[str, ...]
    phrase: str
    case_sensitive: bool
    cased_phrase: str
    # typos the whole term may carry, and each word's share
    budget: int
    caps: tuple[int, ...]
    # the term, and the term without one of its inner function words
    forms: tuple[Form, ...]
    allowed_barriers: frozenset[str]
    # (piece, where it ends in " " + phrase + " ", its word)
    pieces: tuple[Piece, ...]
    # how much further left than its pieces say a match may start (a dropped word)
    slack: int
    # a literal term's pattern over the plain text
    literal: re.Pattern[str] | None
    # for each word, the content word beside it that a match shows: (1 for the next word,
    # -1 for the one before, the word, its typos), None for a term of one content word
    beside: tuple[tuple[int, str, int] | None, ...] = ()


def _content_words(words: tuple[str, ...]) -> list[int]:
    content = [i for i, w in enumerate(words) if w not in STOPWORDS]
    return content or list(range(len(words)))


def _forms(
    words: tuple[str, ...], caps: tuple[int, ...], content: list[int], budget: int
) -> tuple[Form, ...]:
    forms = [Form(words, caps, " ".join(words))]
    if budget and len(content) >= 2:
        for i in range(1, len(words) - 1):
            if i not in content:
                kept = words[:i] + words[i + 1 :]
                forms.append(Form(kept, caps[:i] + caps[i + 1 :], " ".join(kept)))
    return tuple(forms)


def _literal_pattern(text: str, case_sensitive: bool) -> re.Pattern[str]:
    """The term as written: its letters and digits in order, any spacing around its
    punctuation, and a space, hyphen, dash or line break where it has a space or hyphen."""
    parts: list[str] = []
    for c in text.strip():
        if c.isspace() or c in WORD_SEPARATORS:
            if parts and parts[-1] != _SEPARATOR_CLASS:
                parts.append(_SEPARATOR_CLASS)
        elif c.isalnum():
            parts.append(re.escape(c))
        else:
            parts.append(r"\s*" + re.escape(c) + r"\s*")
    body = "".join(parts)
    stripped = text.strip()
    if stripped[:1].isalnum():
        body = r"(?<![^\W_])" + body
    if stripped[-1:].isalnum():
        body += r"(?![^\W_])"
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


def _beside(
    words: tuple[str, ...], caps: tuple[int, ...], content: list[int]
) -> tuple[tuple[int, str, int] | None, ...]:
    beside: list[tuple[int, str, int] | None] = []
    for i in range(len(words)):
        later = [j for j in content if j > i]
        earlier = [j for j in content if j < i]
        if later:
            beside.append((1, words[later[0]], caps[later[0]]))
        elif earlier:
            beside.append((-1, words[earlier[-1]], caps[earlier[-1]]))
        else:
            beside.append(None)
    return tuple(beside)


def compile_term(
    term: Term,
    watchlist: Watchlist,
    index: int,
    usage: Mapping[str, int] | None = None,
    taken: Collection[str] = (),
) -> CompiledTerm | None:
    """`usage`: how many terms being compiled hold each folded word (their pieces are
    avoided)."""
    words = tuple(fold(term.text).split())
    if not words:
        return None
    kind = term_kind(term)
    content = _content_words(words)
    letters = sum(len(w) for w in words)
    if kind.typos:
        caps = word_caps(words, content)
        budget = min(term_budget(letters, watchlist.threshold), sum(caps))
    else:
        caps = (0,) * len(words)
        budget = 0
    if kind.kind == "literal":
        # The longest word of letters and digits finds it; the pattern checks the rest.
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        start = sum(len(w) + 1 for w in words[:longest])
        pieces: tuple[Piece, ...] = (
            (f" {words[longest]} ", start + len(words[longest]) + 2, longest),
        )
    else:
        pieces, budget = choose_pieces(
            words, content, budget, [max(1, (usage or {}).get(w, 1)) for w in words], caps, taken
        )
    forms = _forms(words, caps, content, budget)
    return CompiledTerm(
        watchlist=index,
        text=term.text,
        words=words,
        phrase=" ".join(words),
        case_sensitive=kind.case_sensitive,
        cased_phrase=fold_keep_case(term.text),
        budget=budget,
        caps=caps,
        forms=forms,
        allowed_barriers=frozenset(term.text) & BARRIERS,
        pieces=pieces,
        # A literal term's words may stand further apart than one space ("3 + 3 format").
        slack=len(term.text)
        if kind.kind == "literal"
        else budget + max((len(w) + 1 for w in words if w in STOPWORDS), default=0),
        literal=_literal_pattern(core(term.text), kind.case_sensitive)
        if kind.kind == "literal"
        else None,
        beside=_beside(words, caps, content),
    )


def exclude_pattern(phrase: str) -> re.Pattern[str] | None:
    words = fold(phrase).split()
    if not words:
        return None
    # Starting with its letters, not with a look behind, lets `re` skip ahead to them;
    # that the phrase starts a word is checked by the matcher.
    return re.compile(" +".join(map(re.escape, words)) + r"(?![^ ])")
