"""Watchlist matching: compile watchlists once, then match article fields (pure, no I/O).

How a field is matched:

1. HTML is rendered to plain text and normalised (`bot.domain.text`); words are the runs of
   letters and digits of the matching form.
2. Each term is compiled (`bot.domain.compiled_terms`): its kind (acronym, literal, exact
   or phrase), the typos it may carry (`bot.domain.typos`), and a few rare *pieces* of
   its words that any match must show (`bot.domain.pieces`).
3. Prefilter: one Aho–Corasick pass over the normalised text finds every piece of every
   term at once. Nothing else is done for a field without pieces. A piece counts only
   where the text word holding it may be its term word (within that word's typos, or
   split or run together) and the text word beside that may be the term's next word:
   " ro" in "road" is no look at "Trump Route", nor "Baku" in "Baku officials" one at
   "Baku port". Both checks are made once per text word, however many terms share it,
   and remembered from article to article (a bounded memo keyed on the words).
4. Verify: where a term is looked at, it would start a few characters away. A place
   whose text does not hold the term's letters in order but for its typos (longest
   common subsequence) is dropped at once; elsewhere windows of
   whole words starting there are compared with the term by edit distance
   (`bot.domain.edit_distance`, cut off at the term's typo budget), then word for word
   (each word within its own share of typos); a literal term (`3+3 format`) is checked
   as written by its pattern over the plain text.
5. A window is refused when it crosses a sentence or clause boundary (`middle. Corridor`),
   a possessive (`Trump's route`), or inserts a function word the term does not have
   (`middle of corridor`); a case-sensitive term (an acronym, by default) must be written
   in its case; and a match overlapped by one of the watchlist's exclude phrases is
   cancelled.

This module verifies and picks the matches; the prefilter of (3) is
`bot.domain.piece_finder`, the word windows of (4) are `bot.domain.word_windows`, and a
match's snippet is cut by `bot.domain.snippets`.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.compiled_terms import (
    BARRIERS,
    STOPWORDS,
    CompiledTerm,
    compile_term,
    exclude_pattern,
)
from bot.domain.edit_distance import lcs_at_least, osa_distance
from bot.domain.models import Match, Watchlist
from bot.domain.piece_finder import PieceFinder
from bot.domain.snippets import make_snippet
from bot.domain.term_kinds import leading_symbols
from bot.domain.text import Normalized, fold, fold_keep_case, html_to_text, normalize
from bot.domain.typos import fits
from bot.domain.word_windows import spans_from, word_starts

__all__ = ["Matcher", "PieceFinder", "ReadField", "compile_watchlists", "read_fields"]

_EXCLUDE_REACH = 300  # characters around a match searched for an exclude phrase


# A field as matched: its name, and its text rendered and normalised (None when empty).
ReadField = tuple[str, Normalized | None]


@dataclass(frozen=True, slots=True)
class _Hit:
    term: int
    start: int  # in the plain text of the field
    end: int
    score: float


def _overlaps(a: tuple[_Hit, int, Normalized], b: tuple[_Hit, int, Normalized]) -> bool:
    """Same field and overlapping spans: two readings of one mention, not two mentions."""
    return a[1] == b[1] and a[0].start < b[0].end and b[0].start < a[0].end


class Matcher:
    """Compiled watchlists. Build with `compile_watchlists`; `match` is pure and thread-safe
    (the automaton is only read once built; the memos of word verdicts only remember
    answers that never change)."""

    def __init__(
        self,
        watchlists: Sequence[Watchlist],
        terms: Sequence[CompiledTerm],
        excludes: Sequence[tuple[re.Pattern[str], ...]],
        max_per_watchlist: int,
    ) -> None:
        self._watchlists = tuple(watchlists)
        self._terms = tuple(terms)
        self._excludes = tuple(excludes)
        self._max_per_watchlist = max_per_watchlist
        self._finder = PieceFinder(self._terms)
        self._leads = tuple(
            leading_symbols(t.text) if t.literal is not None else "" for t in self._terms
        )

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return self._watchlists

    @property
    def terms(self) -> tuple[CompiledTerm, ...]:
        return self._terms

    def match(self, fields: Sequence[tuple[str, str]], *, plain: bool = False) -> list[Match]:
        """Match article fields, each `(field name, text that may contain HTML)`.

        With `plain`, the texts are already plain (an `Article`'s, rendered when its
        feed was parsed): rendering them again would decode an entity or drop a tag
        that the article shows as text.

        Returns, for each watchlist that matched, its best match (and up to
        `max_per_watchlist` distinct ones), in watchlist order.
        """
        return self.match_read(read_fields(fields, plain=plain))

    def match_read(
        self,
        fields: Sequence[ReadField],
        looks: Sequence[Mapping[int, set[int]]] | None = None,
    ) -> list[Match]:
        """`match` of fields already read (`read_fields`): the lists in force read an
        article once, however many matchers it goes through. `looks`, for each field,
        are the terms worth a look and where, when a `PieceFinder` over several matchers'
        terms has found them (by this matcher's term numbers, `terms`)."""
        found: list[tuple[_Hit, int, Normalized]] = []
        for field_index, (_, norm) in enumerate(fields):
            if norm is None:
                continue
            at = self._finder.find(norm.text) if looks is None else looks[field_index]
            if at:
                found.extend((hit, field_index, norm) for hit in self._verify(norm, at))
        if not found:
            return []
        found.sort(key=lambda f: (-f[0].score, f[1], f[0].start, -(f[0].end - f[0].start)))
        chosen: dict[int, list[tuple[_Hit, int, Normalized]]] = {}
        for item in found:
            watchlist = self._terms[item[0].term].watchlist
            picked = chosen.setdefault(watchlist, [])
            if len(picked) < self._max_per_watchlist and not any(
                _overlaps(item, other) for other in picked
            ):
                picked.append(item)
        return [
            self._to_match(hit, fields[field_index][0], norm)
            for watchlist in sorted(chosen)
            for hit, field_index, norm in chosen[watchlist]
        ]

    def find_all(self, plain: str) -> list[tuple[str, str, str, float]]:
        """Every match in one plain text as (watchlist, term, matched text, score); for
        tools and tests that want all of them rather than the best per watchlist."""
        norm = normalize(plain)
        return [
            (
                self._watchlists[self._terms[h.term].watchlist].name,
                self._terms[h.term].text,
                plain[h.start : h.end],
                h.score,
            )
            for h in self._scan(norm)
        ]

    # -- internals ---------------------------------------------------------------------

    def _scan(self, norm: Normalized) -> list[_Hit]:
        return self._verify(norm, self._finder.find(norm.text))

    def _verify(self, norm: Normalized, found: Mapping[int, set[int]]) -> list[_Hit]:
        """The matches of the terms looked at (`PieceFinder.find`) where they are."""
        text = norm.text
        terms = self._terms
        hits: dict[tuple[int, int, int], _Hit] = {}
        for term_index, starts in found.items():
            term = terms[term_index]
            tried: set[int] = set()
            budget = term.budget
            for start in starts:
                if budget and term.literal is None:
                    # Every window `_check` tries below starts here or after and is at
                    # most the term's length and its typos long: without a run of spaces
                    # (which `_check` skips) it lies in `region`, which then holds the
                    # letters of a form in order but for its typos, or none matches.
                    lo = max(0, start - term.slack)
                    hi = start + 2 * budget + len(term.phrase)
                    region = text[lo:hi]
                    if "  " not in region:
                        for form in term.forms:
                            if lcs_at_least(form.phrase, region, len(form.phrase) - budget):
                                break
                        else:
                            continue
                for p in word_starts(text, start - term.slack, start + budget):
                    if p in tried:
                        continue
                    tried.add(p)
                    hit = self._check(norm, term_index, term, p)
                    if hit is not None:
                        hits.setdefault((hit.term, hit.start, hit.end), hit)
        return [hit for hit in hits.values() if not self._excluded(norm, hit)]

    def _check(
        self, norm: Normalized, term_index: int, term: CompiledTerm, position: int
    ) -> _Hit | None:
        """The best match of `term` in a window of whole words starting at `position`."""
        if term.literal is not None:
            return self._check_literal(norm, term_index, term, position)
        text = norm.text
        budget = term.budget
        phrase = term.phrase
        after = position + len(phrase)
        # Written as the term is, one space apart: what the windows below would find
        # first, and the common case.
        if (
            text.startswith(phrase, position)
            and text[after : after + 1] in ("", " ")
            and self._acceptable(norm, term, spans_from(text, position, len(term.words)))
        ):
            start, end = norm.plain_span(position, after)
            return _Hit(term=term_index, start=start, end=end, score=100.0)
        # Words enough for the longest window: the term's length and its typos, to a space.
        reach = text.find(" ", position + len(term.phrase) + budget)
        words = text[position : reach if reach >= 0 else len(text)].split()
        if reach >= 0 and len(words) < len(term.words):
            # Runs of spaces (a blanked tag, a spaced dash) between the words.
            words = [text[a:b] for a, b in spans_from(text, position, len(term.words) + 1)]
        best: tuple[int, int, float, int] | None = None  # distance, size, score
        # Every window tried below is a prefix of these words: a form whose letters they
        # do not hold, in order, but for its typos (each typo costs the longest common
        # subsequence at most one letter) is no match in any of them.
        seen_all = " ".join(words[: len(term.words) + 1])
        for form in term.forms:
            if budget and not lcs_at_least(form.phrase, seen_all, len(form.phrase) - budget):
                continue
            n = len(form.words)
            for size in (n, n - 1, n + 1) if budget else (n,):
                if size < 1 or size > len(words):
                    continue
                seen = words[:size]
                written = " ".join(seen)
                if (
                    len(written) - len(form.phrase) > budget
                    or len(form.phrase) - len(written) > budget
                ):
                    continue
                distance = osa_distance(form.phrase, written, budget)
                if distance > budget or (best is not None and distance >= best[0]):
                    continue
                if budget and not fits(form.words, form.caps, seen):
                    continue
                window = spans_from(text, position, size)
                if not self._acceptable(norm, term, window):
                    continue
                score = 100.0 * (1 - distance / max(len(form.phrase), len(written)))
                best = (distance, size, score, window[-1][1])
                if distance == 0:
                    break
            if best is not None and best[0] == 0:
                break
        if best is None:
            return None
        start, end = norm.plain_span(position, best[3])
        return _Hit(term=term_index, start=start, end=end, score=round(best[2], 1))

    def _check_literal(
        self, norm: Normalized, term_index: int, term: CompiledTerm, position: int
    ) -> _Hit | None:
        assert term.literal is not None
        plain = norm.plain
        at = norm.to_plain(position)
        lo = at
        lead = self._leads[term_index]
        if lead:
            # The matching form drops the symbols the term starts with (`$100`, `🚀
            # rocket`), so the word found is past them: the match may start in the run of
            # symbols before it, across a space only where the term has one there (`.kz`
            # is not the full stop in "Astana. Kz").
            gaps = sum(c.isspace() and not lead[i - 1 : i].isspace() for i, c in enumerate(lead))
            floor = max(0, at - 2 * len(lead) - 2)
            while lo > floor and not plain[lo - 1].isalnum():
                if plain[lo - 1].isspace() and not plain[lo : lo + 1].isspace():
                    if not gaps:
                        break
                    gaps -= 1
                lo -= 1
        found = None
        # Not `search` with an end: that would cut the text, and the pattern's look past
        # the term's end would see the cut as the end of a word.
        for begin in range(lo, at + 1):
            if begin == at or not plain[begin].isspace():
                found = term.literal.match(plain, begin)
                if found is not None:
                    break
        if found is None:
            return None
        start, end = found.span()
        # The pattern takes any spacing around punctuation (`100$ `); the mark does not.
        while end > start and plain[end - 1].isspace():
            end -= 1
        return _Hit(term=term_index, start=start, end=end, score=100.0)

    def _acceptable(
        self, norm: Normalized, term: CompiledTerm, window: list[tuple[int, int]]
    ) -> bool:
        text = norm.text
        if any(w in STOPWORDS and w not in term.words for w in (text[a:b] for a, b in window)):
            return False
        plain = norm.plain
        for (_, left_end), (right_start, _) in itertools.pairwise(window):
            gap = plain[norm.to_plain(left_end - 1) + 1 : norm.to_plain(right_start)]
            if "\n\n" in gap or any(c in BARRIERS and c not in term.allowed_barriers for c in gap):
                return False
        if term.case_sensitive:
            start, end = norm.plain_span(window[0][0], window[-1][1])
            written = fold_keep_case(plain[start:end])
            if not term.budget:
                return written == term.cased_phrase
            distance = osa_distance(term.cased_phrase, written, term.budget)
            return distance <= term.budget
        return True

    def _excluded(self, norm: Normalized, hit: _Hit) -> bool:
        patterns = self._excludes[self._terms[hit.term].watchlist]
        if not patterns:
            return False
        text = norm.text
        # Positions in `text` and `plain` agree closely; widen the search to cover drift.
        lo = max(0, hit.start - _EXCLUDE_REACH)
        hi = min(len(text), hit.end + _EXCLUDE_REACH)
        for pattern in patterns:
            m = pattern.search(text, lo, hi)
            while m is not None and norm.to_plain(m.start()) < hit.end:
                exclude_start, exclude_end = norm.plain_span(m.start(), m.end())
                if (
                    exclude_start < hit.end
                    and exclude_end > hit.start
                    and (m.start() == 0 or text[m.start() - 1] == " ")
                ):
                    return True
                m = pattern.search(text, m.start() + 1, hi)
        return False

    def _to_match(self, hit: _Hit, field: str, norm: Normalized) -> Match:
        term = self._terms[hit.term]
        snippet, mark_start, mark_end = make_snippet(norm.plain, hit.start, hit.end)
        return Match(
            watchlist=self._watchlists[term.watchlist].name,
            term=term.text,
            matched_text=snippet[mark_start:mark_end],
            score=hit.score,
            field=field,
            snippet=snippet,
            mark_start=mark_start,
            mark_end=mark_end,
        )


def read_fields(fields: Sequence[tuple[str, str]], *, plain: bool = False) -> list[ReadField]:
    """Article fields `(name, text that may contain HTML)` rendered and normalised as
    `Matcher.match` reads them (with `plain`, the texts are already plain)."""
    return [
        (name, normalize(raw if plain else html_to_text(raw)) if raw else None)
        for name, raw in fields
    ]


def compile_watchlists(watchlists: Sequence[Watchlist], *, max_per_watchlist: int = 1) -> Matcher:
    """Compile watchlists into a `Matcher`. Terms that fold to nothing are skipped.

    `max_per_watchlist` is how many distinct (non-overlapping) matches `match` reports per
    watchlist, best first.
    """
    usage = Counter(
        word for w in watchlists for term in w.terms for word in set(fold(term.text).split())
    )
    terms: list[CompiledTerm] = []
    taken: set[str] = set()  # the pieces of the terms compiled so far, which others may share
    for index, watchlist in enumerate(watchlists):
        for term in watchlist.terms:
            compiled = compile_term(term, watchlist, index, usage, taken)
            if compiled is not None:
                terms.append(compiled)
                taken.update(piece for piece, _, _ in compiled.pieces)
    excludes = [
        tuple(p for p in map(exclude_pattern, w.exclude) if p is not None) for w in watchlists
    ]
    return Matcher(watchlists, terms, excludes, max(1, max_per_watchlist))
