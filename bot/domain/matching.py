"""Watchlist matching: compile watchlists once, then match article fields (pure, no I/O).

How a field is matched:

1. HTML is rendered to plain text and normalised (`bot.domain.text`); words are the runs of
   letters and digits of the matching form.
2. Each term has *anchors*: its content words, their one-edit variants (so a typo still
   finds the word), the first part of a word split at a line break, and adjacent words
   run together. A few of each term's words are its *triggers* — enough that any match
   must show one (pigeonhole), chosen to be rare (names before common nouns).
3. Prefilter: one C-level set intersection of the field's words with all triggers.
   Around each trigger occurrence, a term is looked at only if its other words sit next
   to it (one small set test). Nothing else is done for a field without triggers.
4. Exact terms (acronyms) must equal the words there; phrases are scored with
   `rapidfuzz.fuzz.ratio` against word windows of n-1, n and n+1 words, so a match never
   starts or ends inside a word.
5. A window is refused when it crosses a sentence or clause boundary (`middle. Corridor`),
   a possessive (`Trump's route`), or inserts a function word the term does not have
   (`middle of corridor`); and a match overlapped by one of the watchlist's exclude
   phrases is cancelled.

This module scans and picks the matches; a term's anchors and triggers (2) are compiled in
`bot.domain.compiled_terms`, the word windows of (4) are `bot.domain.word_windows`, and a
match's snippet is cut by `bot.domain.snippets`.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from bot.domain.compiled_terms import (
    BARRIERS,
    STOPWORDS,
    CompiledTerm,
    compile_term,
    exclude_pattern,
)
from bot.domain.models import Match, Watchlist
from bot.domain.snippets import make_snippet
from bot.domain.text import Normalized, fold, fold_keep_case, html_to_text, normalize
from bot.domain.word_windows import WINDOWS, aligns, spans_before, spans_from

__all__ = ["Matcher", "compile_watchlists"]

_REACH_SLACK = 12  # characters of markup or punctuation a match may spread over
_EXCLUDE_REACH = 300  # characters around a match searched for an exclude phrase
# How far from a trigger another word of its term may stand: the next word, or the one
# after a stray token or a function word ("Port of Aktau").
_NEIGHBOUR_WORDS = 3
_PRESELECT_MIN_TRIGGERS = 8


@dataclass(frozen=True, slots=True)
class _Hit:
    term: int
    start: int  # in the plain text of the field
    end: int
    score: float


def _overlaps(a: tuple[_Hit, int, Normalized], b: tuple[_Hit, int, Normalized]) -> bool:
    """Same field and overlapping spans: two readings of one mention, not two mentions."""
    return a[1] == b[1] and a[0].start < b[0].end and b[0].start < a[0].end


def _covers_enough(term: CompiledTerm, shown: tuple[int, ...], nearby: list[str]) -> bool:
    covered = set(shown)
    for word in nearby:
        covered.update(term.anchor_covers.get(word, ()))
    return len(covered) >= term.required


@dataclass(frozen=True, slots=True)
class _Trigger:
    # (term, index of the term word the trigger stands for) of the terms matched from the
    # trigger alone (acronyms, one-word names), and of those that need other words near it
    alone: tuple[tuple[int, int], ...]
    with_others: tuple[tuple[int, int], ...]
    # characters either side holding the two nearest words, and every word of the term
    close: int
    reach: int
    # every anchor of those terms: one set test near the trigger rules most places out
    supporters: AbstractSet[str] = field(hash=False, compare=False, default=frozenset())


class Matcher:
    """Compiled watchlists. Build with `compile_watchlists`; `match` is pure and thread-safe."""

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
        self._shared_triggers: dict[_Trigger, _Trigger] = {}
        triggers: dict[str, list[tuple[int, int]]] = {}
        for term_index, term in enumerate(self._terms):
            for anchor, shown in term.anchor_covers.items():
                if term.trigger_indices.intersection(shown):
                    triggers.setdefault(anchor, []).append((term_index, shown[0]))
        self._triggers = {word: self._trigger(word, refs) for word, refs in triggers.items()}
        self._trigger_words = frozenset(triggers)

    def _trigger(self, word: str, refs: list[tuple[int, int]]) -> _Trigger:
        terms = [self._terms[t] for t, _ in refs]
        longest_word = max(len(w) for term in terms for w in term.words)
        stands_alone = [len(term.anchor_covers[word]) >= term.required for term in terms]
        trigger = _Trigger(
            alone=tuple(ref for ref, alone in zip(refs, stands_alone, strict=True) if alone),
            with_others=tuple(
                ref for ref, alone in zip(refs, stands_alone, strict=True) if not alone
            ),
            close=2 * (longest_word + 1) + _REACH_SLACK,
            reach=max(len(term.phrase) for term in terms) + _REACH_SLACK,
        )
        terms = [self._terms[t] for t, _ in trigger.with_others]
        # The one-edit variants of a word all share one trigger object, and its set.
        shared = self._shared_triggers.get(trigger)
        if shared is None:
            if len(terms) <= 1:
                supporters: AbstractSet[str] = (
                    terms[0].anchor_covers.keys() if terms else frozenset()
                )
            else:
                supporters = frozenset().union(*(term.anchor_covers for term in terms))
            shared = self._shared_triggers[trigger] = replace(trigger, supporters=supporters)
        return shared

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return self._watchlists

    def match(self, fields: Sequence[tuple[str, str]], *, plain: bool = False) -> list[Match]:
        """Match article fields, each `(field name, text that may contain HTML)`.

        With `plain`, the texts are already plain (an `Article`'s, rendered when its
        feed was parsed): rendering them again would decode an entity or drop a tag
        that the article shows as text.

        Returns, for each watchlist that matched, its best match (and up to
        `max_per_watchlist` distinct ones), in watchlist order.
        """
        found: list[tuple[_Hit, int, Normalized]] = []
        for field_index, (_, raw) in enumerate(fields):
            if not raw:
                continue
            norm = normalize(raw if plain else html_to_text(raw))
            found.extend((hit, field_index, norm) for hit in self._scan(norm))
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
        text = norm.text
        words = text.split()
        present = self._trigger_words.intersection(words)
        if not present:
            return []
        # With few trigger words present, searching the text for each is cheaper than a
        # pass over every word; with many (place names), the pass saves most searches.
        worth: dict[str, list[int] | None] = (
            dict(self._occurrences_worth_checking(words, present))
            if len(present) >= _PRESELECT_MIN_TRIGGERS
            else dict.fromkeys(present)
        )
        hits: dict[tuple[int, int, int], _Hit] = {}
        size = len(text)
        for word, wanted in worth.items():
            trigger = self._triggers[word]
            position = text.find(word)
            nth = 0  # which whole-word occurrence `position` is
            while position >= 0:
                end = position + len(word)
                if (position and text[position - 1] != " ") or (end < size and text[end] != " "):
                    position = text.find(word, end)
                    continue  # inside a longer word
                if wanted is None or nth in wanted:
                    for term_index, k in self._supported(trigger, text, word, position):
                        hit = self._check(norm, term_index, k, position)
                        if hit is not None:
                            hits.setdefault((hit.term, hit.start, hit.end), hit)
                nth += 1
                if wanted is not None and nth > wanted[-1]:
                    break
                position = text.find(word, end)
        return [hit for hit in hits.values() if not self._excluded(norm, hit)]

    def _occurrences_worth_checking(
        self, words: list[str], present: AbstractSet[str]
    ) -> dict[str, list[int]]:
        """For each trigger word, which of its occurrences (0 for the first, …) have a
        word of one of its terms within a few words, or stand alone as a match.

        Place names recur dozens of times an article; a look at the neighbouring words of
        the split text rules most occurrences out before any search of the text itself.
        """
        worth: dict[str, list[int]] = {}
        seen: dict[str, int] = {}
        for i, word in enumerate(words):
            if word not in present:
                continue
            nth = seen.get(word, 0)
            seen[word] = nth + 1
            trigger = self._triggers[word]
            if not trigger.alone:
                lo = i - _NEIGHBOUR_WORDS if i > _NEIGHBOUR_WORDS else 0
                neighbours = words[lo:i] + words[i + 1 : i + 1 + _NEIGHBOUR_WORDS]
                if trigger.supporters.isdisjoint(neighbours):
                    continue
            worth.setdefault(word, []).append(nth)
        return worth

    def _supported(
        self, trigger: _Trigger, text: str, word: str, position: int
    ) -> Sequence[tuple[int, int]]:
        """The (term, word index) pairs of a trigger occurrence with enough of the term's
        other words close by to be worth scoring. This is what keeps frequent names
        ("Baku", "corridor") cheap: most occurrences stop at one small set operation."""
        if not trigger.with_others:
            return trigger.alone
        end = position + len(word)
        # In a match the trigger's neighbour (or the word after a stray token such as
        # markup) is another word of the term.
        close = text[max(0, position - trigger.close) : end + trigger.close].split()
        close.remove(word)
        if trigger.supporters.isdisjoint(close):
            return trigger.alone
        supported = list(trigger.alone)
        nearby: list[str] | None = None  # every word a window could reach
        several = len(trigger.with_others) > 1
        for term_index, k in trigger.with_others:
            term = self._terms[term_index]
            if several and term.anchor_covers.keys().isdisjoint(close):
                continue
            if term.required > 2:
                if nearby is None:
                    lo = max(0, position - trigger.reach)
                    nearby = text[lo : end + trigger.reach].split()
                if not _covers_enough(term, term.anchor_covers[word], nearby):
                    continue
            supported.append((term_index, k))
        return supported

    def _check(self, norm: Normalized, term_index: int, k: int, position: int) -> _Hit | None:
        term = self._terms[term_index]
        n = len(term.words)
        if term.exact:
            spans = spans_from(norm.text, position, n)
            if len(spans) < n or tuple(norm.text[a:b] for a, b in spans) != term.words:
                return None
            if not self._acceptable(norm, term, spans):
                return None
            return self._hit(norm, term_index, spans, 100.0)
        before = spans_before(norm.text, position, k + 1)
        after = spans_from(norm.text, position, n - k + 2)
        spans = before + after
        j = len(before)
        best: tuple[float, int, list[tuple[int, int]]] | None = None
        for start, size in WINDOWS:
            start += j - k
            size += n
            window = spans[start : start + size] if start >= 0 else []
            if len(window) != size or size < 1 or not start <= j < start + size:
                continue
            words = [norm.text[a:b] for a, b in window]
            score = fuzz.ratio(term.phrase, " ".join(words), score_cutoff=term.threshold)
            if not score or (best is not None and score <= best[0]):
                continue
            if not aligns(term.words, words):
                continue
            if self._acceptable(norm, term, window):
                best = (score, -abs(size - n), window)
                if score == 100:
                    break  # the term as written: no other window can do better
        if best is None:
            return None
        return self._hit(norm, term_index, best[2], best[0])

    def _acceptable(
        self, norm: Normalized, term: CompiledTerm, window: list[tuple[int, int]]
    ) -> bool:
        text = norm.text
        words = [text[a:b] for a, b in window]
        if any(w in STOPWORDS and w not in term.words for w in words):
            return False
        plain = norm.plain
        for (_, left_end), (right_start, _) in itertools.pairwise(window):
            gap = plain[norm.to_plain(left_end - 1) + 1 : norm.to_plain(right_start)]
            if "\n\n" in gap or any(c in BARRIERS and c not in term.allowed_barriers for c in gap):
                return False
        if term.case_sensitive:
            start, end = norm.plain_span(window[0][0], window[-1][1])
            written = fold_keep_case(plain[start:end])
            if term.exact:
                return written == term.cased_phrase
            return fuzz.ratio(term.cased_phrase, written) >= term.threshold
        return True

    def _hit(
        self, norm: Normalized, term: int, window: list[tuple[int, int]], score: float
    ) -> _Hit:
        start, end = norm.plain_span(window[0][0], window[-1][1])
        return _Hit(term=term, start=start, end=end, score=round(score, 1))

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
                if exclude_start < hit.end and exclude_end > hit.start:
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


def compile_watchlists(watchlists: Sequence[Watchlist], *, max_per_watchlist: int = 1) -> Matcher:
    """Compile watchlists into a `Matcher`. Terms that fold to nothing are skipped.

    `max_per_watchlist` is how many distinct (non-overlapping) matches `match` reports per
    watchlist, best first.
    """
    usage: Counter[str] = Counter(
        word for w in watchlists for term in w.terms for word in set(fold(term.text).split())
    )
    terms = [
        compiled
        for index, watchlist in enumerate(watchlists)
        for term in watchlist.terms
        if (compiled := compile_term(term, watchlist, index, usage)) is not None
    ]
    excludes = [
        tuple(p for p in map(exclude_pattern, w.exclude) if p is not None) for w in watchlists
    ]
    return Matcher(watchlists, terms, excludes, max(1, max_per_watchlist))
