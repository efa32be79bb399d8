"""The rare pieces of a term: substrings that any match of it must show (pure).

The matcher finds pieces with one Aho–Corasick pass over the normalised text, padded
with a space each side so that a piece may be anchored at a word's start or end
(`" zan"`, `"zur "`). A term is scored only where one of its pieces is found.

Why a match must show a piece (pigeonhole): a term that may carry `k` typos has `k + 1`
pieces that never overlap and stand at least one character apart, so each typo breaks
at most one of them. A piece lies within one content word with the space before it (the
last word's also with the space after it); a word followed by another leaves its last
letter out, which keeps a piece ending there apart from the next word's. Function words
hold no piece, so a name written without one (`Peace & Prosperity`) still shows them all.

Rarity is estimated from English letter frequencies: `" zan"` is rarer than `"ion "`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

# Share of each letter in English text; the space stands for a word boundary.
_LETTER_SHARE = {
    "e": 0.127, "t": 0.091, "a": 0.082, "o": 0.075, "i": 0.070, "n": 0.067, "s": 0.063,
    "h": 0.061, "r": 0.060, "d": 0.043, "l": 0.040, "c": 0.028, "u": 0.028, "m": 0.024,
    "w": 0.024, "f": 0.022, "g": 0.020, "y": 0.020, "p": 0.019, "b": 0.015, "v": 0.010,
    "k": 0.008, "j": 0.002, "x": 0.002, "q": 0.001, "z": 0.001, " ": 0.180,
}  # fmt: skip
_OTHER_SHARE = 0.005  # digits and letters beyond a–z
# Word beginnings and endings far more common than their letters say.
_COMMON_AFFIXES = (
    " re", " co", " con", " com", " pro", " pre", " de", " di", " in", " ex", " st", " tr",
    " un", " ac", " ma", " pa", " po", " se", "ment ", "tion ", "sion ", "ing ", "ed ", "es ",
    "er ", "ers ", "al ", "ly ", "ity ", "ive ", "ous ", "ent ", "ant ", "nce ", "ate ",
    "way ", "line ", "ship ", "port ", "ian ", "an ", "ic ", "ical ", "te ", "le ", "ge ",
    "ry ", "nal ", "ional ", "ation ", "ions ", "ns ", "ts ", "rs ", "ds ", "nd ", "ne ",
)  # fmt: skip
_AFFIX_WEIGHT = 30.0
_SHORT_PIECE = 3
_SHORT_WEIGHT = 20.0
_INNER_WEIGHT = 3.0
# Words most news articles hold: their pieces are found in nearly every one.
_COMMON_WORDS = frozenset(
    "economic economy political policy international national regional government free "  # noqa: SIM905
    "zone trade transport transit route road rail railway port line pipeline highway "
    "corridor agreement project development security energy state states north south "
    "east west northern southern eastern western central middle great peace prosperity "
    "cooperation partnership union council organization organisation bank investment "
    "strategic initiative programme program plan deal accord accords treaty summit "
    "ferry terminal border crossing customs cargo freight logistics bridge ministry "
    "minister president parliament election market power water company city region "
    "country world global public private foreign military defence defense".split()
)  # fmt: skip
_COMMON_WORD_CHANCE = 1e-4  # a piece of one is found about once an article
_MIN_PIECE = 3


def _chance(piece: str) -> float:
    """Roughly how likely the piece is to start at a given place in English text.

    Letters are far from independent: short pieces and pieces inside a word ("tion")
    turn up more often than their letters say."""
    chance = math.exp(sum(math.log(_LETTER_SHARE.get(c, _OTHER_SHARE)) for c in piece))
    if len(piece) <= _SHORT_PIECE:
        chance *= _SHORT_WEIGHT
    if not (piece.startswith(" ") or piece.endswith(" ")):
        chance *= _INNER_WEIGHT
    if any(piece.startswith(a) or piece.endswith(a) for a in _COMMON_AFFIXES):
        chance *= _AFFIX_WEIGHT
    return chance


def _cuts(padded: str, count: int, shortest: int) -> list[tuple[int, int]]:
    """`padded` (part of a word with its spaces) cut into `count` pieces of at least
    `shortest` characters, one character apart, the rarest way: their chances summed
    are least. Empty when it is too short."""
    size = len(padded)
    if count <= 1:
        return [(0, size)] if size >= shortest else []
    best: tuple[float, list[tuple[int, int]]] | None = None

    def consider(gaps: Sequence[int]) -> None:
        nonlocal best
        bounds = [0, *gaps, size]
        spans = [(bounds[i] + (1 if i else 0), bounds[i + 1]) for i in range(len(bounds) - 1)]
        if any(end - start < shortest for start, end in spans):
            return
        cost = sum(_chance(padded[a:b]) for a, b in spans)
        if best is None or cost < best[0]:
            best = (cost, spans)

    if count == 2:
        for gap in range(2, size - 2):
            consider((gap,))
    elif count == 3:
        for first in range(2, size - 4):
            for second in range(first + 3, size - 2):
                consider((first, second))
    return best[1] if best is not None else []


def _cost(piece: str, weight: int, common_word: bool, taken: Collection[str]) -> float:
    """What a piece would cost in looks: nothing if another term has taken it."""
    if piece in taken:
        return 0.0
    return weight * max(_COMMON_WORD_CHANCE if common_word else 0.0, _chance(piece))


Piece = tuple[str, int, int]  # the piece, where it ends in the padded phrase, its word
WHOLE = -1  # the word of a piece that is the whole term


def choose_pieces(
    words: Sequence[str],
    content: Sequence[int],
    budget: int,
    usage: Sequence[int],
    caps: Sequence[int] = (),
    taken: Collection[str] = (),
) -> tuple[tuple[Piece, ...], int]:
    """The pieces of a term, each with where it ends in the padded phrase
    (`" " + " ".join(words) + " "`) and which word it is in (`WHOLE` for the whole term),
    and the typos they allow: `budget`, or fewer when the words are too short to hold
    `budget + 1` pieces. `usage[i]` is how many terms share word i: a piece of "railway"
    is found for each of them, so it costs that much more, unless another term compiled
    with it has taken it already (`taken`): one look finds a piece for every term holding
    it, so a piece taken costs nothing more.

    A content word that takes no typo (`caps[i]` 0) is in any match as written, never
    split and never run into its neighbour (`bot.domain.typos.fits`), so it may be the
    one piece, with the space before it if it is the term's first word and after it if
    the last ("port " for "Meghri port"), when that is rarer than `budget + 1` pieces."""
    for allowed in range(budget, 0, -1):
        for shortest in (_MIN_PIECE, 2):
            cost, pieces = _choose(words, content, allowed, usage, shortest, allowed + 1, taken)
            if pieces:
                whole_word = _whole_word_piece(words, content, caps, usage, taken)
                if whole_word is not None and whole_word[0] < cost:
                    return (whole_word[1],), allowed
                return pieces, allowed
    padded = " " + " ".join(words) + " "
    return ((padded, len(padded), WHOLE),), 0


def _whole_word_piece(
    words: Sequence[str],
    content: Sequence[int],
    caps: Sequence[int],
    usage: Sequence[int],
    taken: Collection[str],
) -> tuple[float, Piece] | None:
    """The rarest content word that takes no typo, as a piece, and its cost."""
    best: tuple[float, Piece] | None = None
    position = 0  # of the space before the word, in the padded phrase
    for i, word in enumerate(words):
        end = position = position + 1 + len(word)
        if i not in content or i >= len(caps) or caps[i] or len(word) < _MIN_PIECE:
            continue
        end += i == len(words) - 1
        piece = (" " if i == 0 else "") + word + (" " if i == len(words) - 1 else "")
        cost = _cost(piece, usage[i], word in _COMMON_WORDS, taken)
        if best is None or cost < best[0]:
            best = (cost, (piece, end, i))
    return best


def _choose(
    words: Sequence[str],
    content: Sequence[int],
    budget: int,
    usage: Sequence[int],
    shortest: int,
    wanted: int,
    taken: Collection[str] = (),
) -> tuple[float, tuple[Piece, ...]]:
    """The rarest `wanted` pieces of at least `shortest` characters, and their cost."""
    padded = " " + " ".join(words) + " "
    if budget == 0:
        return (0.0, ((padded, len(padded), WHOLE),) if wanted == 1 else ())
    # Each content word's region: its leading space and its letters; the last word keeps
    # its trailing space too, the others leave out their last letter, which keeps their
    # pieces one character apart from the next word's.
    regions: list[tuple[int, int]] = []
    owners: list[int] = []
    position = 0  # of the space before the word, in `padded`
    for i, word in enumerate(words):
        if i in content:
            last = i == max(content)
            end = position + 1 + len(word) + (1 if last else -1)
            if end - position >= shortest:
                regions.append((position, end))
                owners.append(i)
        position += len(word) + 1
    # best[j] = (cost, spans) of j pieces among the regions seen so far
    best: list[tuple[float, list[tuple[int, int, int]]] | None] = [(0.0, [])] + [None] * wanted
    for index, (start, end) in enumerate(regions):
        region = padded[start:end]
        weight = usage[owners[index]]
        common = words[owners[index]] in _COMMON_WORDS
        options: list[tuple[int, float, list[tuple[int, int, int]]]] = [(0, 0.0, [])]
        for count in range(1, wanted + 1):
            cut = _cuts(region, count, shortest)
            if len(cut) == count:
                cost = sum(_cost(region[a:b], weight, common, taken) for a, b in cut)
                owner = owners[index]
                options.append((count, cost, [(start + a, start + b, owner) for a, b in cut]))
        nxt: list[tuple[float, list[tuple[int, int, int]]] | None] = [None] * (wanted + 1)
        for have, held in enumerate(best):
            if held is None:
                continue
            for count, cost, spans in options:
                total = min(have + count, wanted)
                candidate = (held[0] + cost, held[1] + spans)
                kept = nxt[total]
                if kept is None or candidate[0] < kept[0]:
                    nxt[total] = candidate
        best = nxt
    chosen = best[wanted]
    if chosen is None:
        return (0.0, ())
    return chosen[0], tuple((padded[a:b], b, word) for a, b, word in chosen[1])
