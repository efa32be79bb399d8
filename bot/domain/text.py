"""Text normalisation for matching: HTML to plain text, and plain text to a matching form.

Both functions are pure. The matching form (`Normalized.text`) is casefolded, accent-folded
and has every character that is not a letter or digit replaced by a space, so words are
`text.split()`. It stays aligned with the plain text character for character wherever it
can: that is what lets the matcher report a match "as written" and cut a snippet from the
plain text without a per-character offset table. The few places where alignment breaks
(a hyphenated line break that is joined, `ß` → `ss`, a soft hyphen that vanishes) are
recorded in a sparse offset map. Tags that survive as visible text (escaped markup such
as `&lt;em&gt;`) are blanked so they do not come between the words of a name.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

__all__ = [
    "Normalized",
    "fold",
    "fold_keep_case",
    "html_to_text",
    "normalize",
]

# -- HTML → plain text ------------------------------------------------------------------

_PARAGRAPH_TAGS = frozenset(
    "p div section article header footer aside nav main blockquote pre figure figcaption "  # noqa: SIM905
    "h1 h2 h3 h4 h5 h6 ul ol dl table thead tbody tfoot tr hr address details summary".split()
)
_LINE_TAGS = frozenset(("br", "li", "dt", "dd", "caption", "option"))
_CELL_TAGS = frozenset(("td", "th"))

_DROPPED_BLOCKS = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style|template)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.I | re.S
)
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>|<![^>]*>|<\?[^>]*>")
_ASCII_ODD_SPACES = "\t\f\v"
_ODD_SPACES = (
    _ASCII_ODD_SPACES + "\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
)
# Removed from rendered text: they never show, and they would split words.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"


def _remove_invisible(s: str) -> str:
    # str.replace is far quicker than str.translate on non-ASCII text.
    for c in _INVISIBLE:
        if c in s:
            s = s.replace(c, "")
    return s


def _tag_replacement(match: re.Match[str]) -> str:
    name = (match.group(1) or "").lower()
    if name in _PARAGRAPH_TAGS:
        return "\n\n"
    closing = match.group(0).startswith("</")
    # Only the opening tag of a line or a cell separates, so `</li><li>` is one break.
    if name in _LINE_TAGS:
        return "" if closing else "\n"
    if name in _CELL_TAGS:
        return "" if closing else " "
    # Inline tags (i, em, b, a, span, …) vanish without a space: `Zan<b>ge</b>zur` is one word.
    return ""


def html_to_text(s: str) -> str:
    """Render an HTML fragment to plain text.

    Block tags become line breaks (a blank line between paragraphs; cells a space),
    inline tags vanish, every entity is decoded, soft hyphens and zero-width characters
    are removed, odd spaces (no-break, thin, tab) become plain ones and lines are
    trimmed. Text without `<` or `&` is returned unchanged (the fast path).
    """
    if "<" not in s and "&" not in s:
        return s
    if "<" in s:
        s = _DROPPED_BLOCKS.sub("", s)
        s = _TAG.sub(_tag_replacement, s)
    # Decoding after the tags are gone keeps `&lt;em&gt;` as visible text.
    s = html.unescape(s)
    if not s.isascii():
        s = _remove_invisible(s)
    return _tidy_whitespace(s)


def _tidy_whitespace(s: str) -> str:
    """Odd spaces become plain ones; lines are trimmed, and blank lines collapse to one.

    Runs of spaces inside a line are left alone: the normaliser and the snippets treat
    them as one, and finding them costs more than the rest of the rendering together.
    """
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    for space in _ODD_SPACES if not s.isascii() else _ASCII_ODD_SPACES:
        if space in s:
            s = s.replace(space, " ")
    lines: list[str] = []
    blank = False
    for line in s.split("\n"):
        line = line.strip()
        if not line:
            blank = True
            continue
        if blank and lines:
            lines.append("")
        lines.append(line)
        blank = False
    return "\n".join(lines)


# -- character folding -------------------------------------------------------------------

# Letters that Unicode does not decompose to a base letter, folded the way a reader of
# transliterated names would (Azerbaijani ə is written a in most English sources).
_SPECIAL_FOLDS = {
    "ə": "a",
    "Ə": "a",
    "ı": "i",
    "ø": "o",
    "Ø": "o",
    "đ": "d",
    "Đ": "d",
    "ð": "d",
    "Ð": "d",
    "ł": "l",
    "Ł": "l",
    "ħ": "h",
    "Ħ": "h",
    "ŧ": "t",
    "Ŧ": "t",
    "þ": "th",
    "Þ": "th",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "ß": "ss",
    "ẞ": "ss",
    # Uzbek ʻ is part of a word (Oʻzbekiston), so it disappears rather than split it.
    "ʻ": "",
}
_APOSTROPHES = "'’ʼ"
_HYPHENS_AT_BREAK = "-\u00ad\u2010\u2011"
# Reversed: a line break, optional trailing blanks, a hyphen. (The letter before the
# hyphen and the next line's indent are checked in code.)
_HYPHEN_BREAK_REVERSED = re.compile(r"\n[ \t\r]*[" + _HYPHENS_AT_BREAK + r"]")


@lru_cache(maxsize=4096)
def _fold_char(c: str, keep_case: bool = False) -> str:
    """Fold one character: its base letters, casefolded; separators become one space.

    The result is usually one character; it is empty for marks and invisible characters
    and longer for ligatures (ß → ss).
    """
    if c in _APOSTROPHES:
        return " "
    special = _SPECIAL_FOLDS.get(c)
    if special is not None:
        return special.upper() if keep_case and c.isupper() else special
    category = unicodedata.category(c)
    if category in ("Mn", "Me", "Mc", "Cf"):
        return ""
    folded = []
    for part in unicodedata.normalize("NFKD", c):
        if unicodedata.combining(part):
            continue
        for ch in part if keep_case else part.casefold():
            folded.append(ch if ch.isalnum() else " ")
    out = "".join(folded)
    return out if out.strip() else " "


def _ascii_table(keep_case: bool) -> bytes:
    def fold_byte(b: int) -> int:
        c = chr(b)
        if c.isascii() and c.isalnum():
            return b if keep_case else ord(c.lower())
        return 0x20

    return bytes(fold_byte(b) for b in range(256))


_ASCII_FOLD = _ascii_table(keep_case=False)
_ASCII_FOLD_KEEP_CASE = _ascii_table(keep_case=True)


# -- the normalised form with its offset map -----------------------------------------------


class Normalized:
    """Plain text and its matching form, with a map from matching-form offsets to plain ones.

    `text` has one character per plain character except at recorded edits, so the map is
    stored sparsely: segment k starts at `text` offset `_text_marks[k]`, which corresponds to
    plain offset `_plain_marks[k]`; inside a segment the offset advances with slope 1, or
    stays put (slope 0) for the characters a ligature expanded into.
    """

    __slots__ = ("_plain_marks", "_slopes", "_text_marks", "plain", "text")

    def __init__(
        self,
        plain: str,
        text: str,
        text_marks: tuple[int, ...] = (0,),
        plain_marks: tuple[int, ...] = (0,),
        slopes: tuple[int, ...] = (1,),
    ) -> None:
        self.plain = plain
        self.text = text
        self._text_marks = text_marks
        self._plain_marks = plain_marks
        self._slopes = slopes

    @property
    def aligned(self) -> bool:
        """True when `text` and `plain` line up character for character."""
        return len(self._text_marks) == 1

    def words(self) -> list[str]:
        return self.text.split()

    def collapsed(self) -> str:
        """The matching form with each run of separators collapsed to one space."""
        return " ".join(self.text.split())

    def to_plain(self, i: int) -> int:
        """Plain offset of the character that produced `text[i]` (clamped to the text)."""
        if self.aligned:
            return min(max(i, 0), len(self.plain))
        k = bisect_right(self._text_marks, i) - 1
        if k < 0:
            return 0
        offset = self._plain_marks[k] + (i - self._text_marks[k]) * self._slopes[k]
        return min(offset, len(self.plain))

    def plain_span(self, start: int, end: int) -> tuple[int, int]:
        """Plain span covering `text[start:end]` (end exclusive, `start < end`)."""
        return self.to_plain(start), self.to_plain(end - 1) + 1

    def offsets(self) -> list[int]:
        """The whole map: `offsets()[i] == to_plain(i)` for every offset of `text`."""
        return [self.to_plain(i) for i in range(len(self.text))]


def _scan_non_ascii(plain: str, encoded: bytes, keep_case: bool) -> list[tuple[int, int, str]]:
    """Edits for the non-ASCII characters of `plain` that do not fold to a space.

    `encoded` is `plain` encoded with one `?` per non-ASCII character, so positions agree.
    """
    edits: list[tuple[int, int, str]] = []
    find = encoded.find
    i = find(b"?")
    while i >= 0:
        c = plain[i]
        if c != "?":
            folded = _fold_char(c, keep_case)
            if folded != " ":
                edits.append((i, i + 1, folded))
        i = find(b"?", i + 1)
    return edits


def _possessive_edits(plain: str) -> list[tuple[int, int, str]]:
    """Blank the `s` of `'s` after a word, so `TRIPP's` reads as `TRIPP`."""
    edits: list[tuple[int, int, str]] = []
    for apostrophe in _APOSTROPHES:
        i = plain.find(apostrophe)
        while i >= 0:
            after = i + 2
            if (
                i > 0
                and plain[i - 1].isalnum()
                and after <= len(plain)
                and plain[i + 1 : after] in ("s", "S")
                and (after == len(plain) or not plain[after].isalnum())
            ):
                edits.append((i + 1, after, " "))
            i = plain.find(apostrophe, i + 1)
    return edits


def _line_break_hyphen_edits(plain: str) -> list[tuple[int, int, str]]:
    """Join words split by a hyphen at a line break (`Zange-\\nzur` → `zangezur`).

    Only when the next line starts in lower case: `Trans-\\nCaspian` is a compound that
    happened to break at its own hyphen and stays two words.
    """
    # The search runs over the text reversed, where the pattern starts at the line break:
    # a pattern that starts at a character class (the hyphen) is tried at every position
    # of the text, and that cost more than the rest of `normalize` together.
    edits: list[tuple[int, int, str]] = []
    size = len(plain)
    last = size - 1
    for m in _HYPHEN_BREAK_REVERSED.finditer(plain[::-1]):
        start = last - (m.end() - 1)  # the hyphen
        if start and plain[start - 1].isalpha():
            end = last - m.start() + 1  # after the line break
            while end < size and plain[end] in " \t":
                end += 1  # the next line's indent
            if end < size and plain[end].islower():
                edits.append((start, end, ""))
    edits.reverse()
    return edits


_VISIBLE_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\s*/?>")


def _visible_markup_edits(plain: str) -> list[tuple[int, int, str]]:
    """Blank tags that survive as text (escaped markup such as `&lt;em&gt;`): `em` is not
    a word of the article, and left in it would split `<em>Rogun</em> Dam`."""
    return [(m.start(), m.end(), " " * (m.end() - m.start())) for m in _VISIBLE_TAG.finditer(plain)]


def _apply_edits(plain: str, base: str, edits: list[tuple[int, int, str]]) -> Normalized:
    """Splice edits into `base` (the aligned fold of `plain`) and record the offset map."""
    # Longest edit first at a shared start, so a joined line break swallows its soft hyphen.
    edits.sort(key=lambda edit: (edit[0], -edit[1]))
    pieces: list[str] = []
    text_marks = [0]
    plain_marks = [0]
    slopes = [1]
    position = 0  # in plain
    length = 0  # of the text built so far
    for start, end, replacement in edits:
        if start < position:
            continue  # overlaps an edit already applied (a hyphen inside a joined break)
        pieces.append(base[position:start])
        length += start - position
        pieces.append(replacement)
        if len(replacement) != end - start:
            if replacement:
                text_marks.append(length)
                plain_marks.append(start)
                slopes.append(0)
            text_marks.append(length + len(replacement))
            plain_marks.append(end)
            slopes.append(1)
        length += len(replacement)
        position = end
    pieces.append(base[position:])
    return Normalized(plain, "".join(pieces), tuple(text_marks), tuple(plain_marks), tuple(slopes))


def normalize(plain: str) -> Normalized:
    """Map plain text to its matching form (see the module docstring)."""
    return _normalize(plain, keep_case=False)


def _normalize(plain: str, keep_case: bool) -> Normalized:
    table = _ASCII_FOLD_KEEP_CASE if keep_case else _ASCII_FOLD
    if plain.isascii():
        encoded = plain.encode("ascii")
        edits: list[tuple[int, int, str]] = []
    else:
        encoded = plain.encode("ascii", "replace")
        edits = _scan_non_ascii(plain, encoded, keep_case)
    base = encoded.translate(table).decode("ascii")
    if any(apostrophe in plain for apostrophe in _APOSTROPHES):
        edits.extend(_possessive_edits(plain))
    if "\n" in plain:
        edits.extend(_line_break_hyphen_edits(plain))
    if "<" in plain:
        edits.extend(_visible_markup_edits(plain))
    if not edits:
        return Normalized(plain, base)
    return _apply_edits(plain, base, edits)


def fold(s: str) -> str:
    """The collapsed matching form of a short string, e.g. a watchlist term."""
    return normalize(s).collapsed()


def fold_keep_case(s: str) -> str:
    """Like `fold` but keeps letter case (for case-sensitive terms)."""
    return _normalize(s, keep_case=True).collapsed()
