"""Precision and recall of compiled watchlists on a labelled file (`caci-watch eval`).

Pure: ``bot.app.evaluation`` reads the JSON Lines file. A record's labels are the
names of the watchlists it mentions; the matcher sees its title and text, as it would see
an article's title and body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.aboutness import PossiblyAbout
from bot.domain.matching import Matcher
from bot.domain.models import Match

__all__ = [
    "AboutFalseAlarm",
    "AboutReport",
    "EvalError",
    "EvalRecord",
    "EvalReport",
    "FalseAlarm",
    "Miss",
    "WatchlistScore",
    "evaluate",
    "evaluate_about",
    "parse_eval",
]


class EvalError(ValueError):
    """A line of an evaluation file that cannot be used."""


@dataclass(frozen=True, slots=True)
class EvalRecord:
    id: str
    title: str
    text: str
    labels: frozenset[str]
    notes: str = ""
    # What the record discusses, named or not (the "possibly about" tier's target);
    # None when the file does not say.
    about: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class WatchlistScore:
    name: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        # Nothing flagged means nothing flagged wrongly.
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        # Nothing to find means nothing missed.
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Miss:
    id: str
    watchlist: str


@dataclass(frozen=True, slots=True)
class FalseAlarm:
    id: str
    watchlist: str
    term: str
    matched_text: str
    field: str
    snippet: str
    score: float


@dataclass(frozen=True, slots=True)
class EvalReport:
    scores: tuple[WatchlistScore, ...]
    misses: tuple[Miss, ...]
    false_alarms: tuple[FalseAlarm, ...]
    records: int


def _field(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise EvalError(f"{where}: {key!r} must be a string")
    return value


def _record(line: str, where: str) -> EvalRecord:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise EvalError(f"{where}: expected a JSON object")
    labels = obj.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise EvalError(f"{where}: 'labels' must be a list of watchlist names")
    notes = obj.get("notes", "")
    about = obj.get("about")
    if about is not None and (
        not isinstance(about, list) or not all(isinstance(x, str) for x in about)
    ):
        raise EvalError(f"{where}: 'about' must be a list of watchlist names")
    return EvalRecord(
        id=_field(obj, "id", where),
        title=_field(obj, "title", where),
        text=_field(obj, "text", where),
        labels=frozenset(labels),
        notes=notes if isinstance(notes, str) else "",
        about=None if about is None else frozenset(about),
    )


_BOM = "\ufeff"


def _lines(data: str | bytes) -> Sequence[str | bytes]:
    # Lines end at a line feed (or a carriage return) only: str.splitlines would also end
    # one at U+2028, U+2029 or U+0085, which JSON allows unescaped inside a string (and
    # json.dumps(..., ensure_ascii=False) writes so), cutting a record in two. A raw CR
    # can only stand outside a string, where it is a line break or whitespace.
    if isinstance(data, bytes):
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return data.split(b"\n")
    if "\r" in data:
        data = data.replace("\r\n", "\n").replace("\r", "\n")
    return data.split("\n")


def _decoded(line: str | bytes, where: str) -> str:
    if isinstance(line, str):
        return line
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EvalError(f"{where}: not UTF-8 text (byte {exc.start + 1} of the line)") from exc


def parse_eval(data: str | bytes, source: str = "<string>") -> list[EvalRecord]:
    """Parse JSON Lines, as text or as the UTF-8 bytes of a file; blank lines are skipped
    and a byte order mark at the start is ignored. Raises `EvalError` naming the line.

    Bytes are decoded a line at a time: quicker than decoding the file and splitting the
    text, and a line that is not UTF-8 is named like any other bad line.
    """
    records: list[EvalRecord] = []
    seen: set[str] = set()
    for number, raw in enumerate(_lines(data), start=1):
        where = f"{source}:{number}"
        line = _decoded(raw, where)
        if number == 1 and line.startswith(_BOM):
            line = line[1:]
        if not line.strip():
            continue
        record = _record(line, where)
        if record.id in seen:
            raise EvalError(f"{where}: duplicate id {record.id!r}")
        seen.add(record.id)
        records.append(record)
    return records


@dataclass(frozen=True, slots=True)
class AboutFalseAlarm:
    id: str
    watchlist: str
    strength: str
    passage: str
    score: float


@dataclass(frozen=True, slots=True)
class AboutReport:
    """The "possibly about" tier on a labelled file: per list, only the records that do
    not name it are scored (naming is the named matcher's business)."""

    scores: tuple[WatchlistScore, ...]
    misses: tuple[Miss, ...]
    false_alarms: tuple[AboutFalseAlarm, ...]
    records: int
    scored: tuple[tuple[str, int], ...]  # per list, how many records were scored
    # Per list, for calibrating its thresholds: the lowest score of a scored record about
    # it and the highest of one not about it (None when there is none, or no scores).
    score_ranges: tuple[tuple[str, float | None, float | None], ...] = ()


def evaluate_about(
    records: Sequence[EvalRecord],
    named: Mapping[str, frozenset[str]],
    found: Sequence[PossiblyAbout],
    watchlist_names: Sequence[str],
    scores: Mapping[tuple[str, str], float] | None = None,
) -> AboutReport:
    """Precision and recall of the tier's decisions `found`, per list in
    `watchlist_names`, on the records whose id does not name it in `named` (the named
    matcher's verdict). A record is positive when its `about` holds the list; a record
    without `about` is an EvalError (the file was not made for this). `scores`, every
    (record id, list)'s score whatever the thresholds, gives each list's score ranges."""
    for record in records:
        if record.about is None:
            raise EvalError(f"record {record.id!r} has no 'about' field, which --about needs")
    predicted = {(f.article_id, f.watchlist): f for f in found}
    counts = {name: [0, 0, 0, 0] for name in watchlist_names}
    misses: list[Miss] = []
    false_alarms: list[AboutFalseAlarm] = []
    for record in records:
        about = record.about or frozenset()
        for name in watchlist_names:
            if name in named.get(record.id, frozenset()):
                continue
            counts[name][3] += 1
            expected = name in about
            hit = predicted.get((record.id, name))
            if expected and hit is not None:
                counts[name][0] += 1
            elif hit is not None:
                counts[name][1] += 1
                false_alarms.append(
                    AboutFalseAlarm(record.id, name, hit.strength, hit.passage, hit.score)
                )
            elif expected:
                counts[name][2] += 1
                misses.append(Miss(id=record.id, watchlist=name))
    table = tuple(WatchlistScore(name, tp, fp, fn) for name, (tp, fp, fn, _) in counts.items())
    scored = tuple((name, c[3]) for name, c in counts.items())
    ranges = tuple(_score_range(records, named, scores, name) for name in watchlist_names)
    return AboutReport(
        table, tuple(misses), tuple(false_alarms), len(records), scored, ranges if scores else ()
    )


def _score_range(
    records: Sequence[EvalRecord],
    named: Mapping[str, frozenset[str]],
    scores: Mapping[tuple[str, str], float] | None,
    name: str,
) -> tuple[str, float | None, float | None]:
    about: list[float] = []
    other: list[float] = []
    for record in records:
        value = (scores or {}).get((record.id, name))
        if value is None or name in named.get(record.id, frozenset()):
            continue
        (about if name in (record.about or frozenset()) else other).append(value)
    return name, min(about, default=None), max(other, default=None)


def evaluate(
    matcher: Matcher, records: Sequence[EvalRecord], watchlist_names: Sequence[str]
) -> EvalReport:
    """Score the matcher against the labels, per watchlist in `watchlist_names`.

    Labels naming other watchlists are ignored: the file may cover more than is loaded.
    """
    counts = {name: [0, 0, 0] for name in watchlist_names}
    misses: list[Miss] = []
    false_alarms: list[FalseAlarm] = []
    for record in records:
        matches = matcher.match([("title", record.title), ("body", record.text)])
        best: dict[str, Match] = {}
        for m in matches:
            best.setdefault(m.watchlist, m)
        for name in watchlist_names:
            expected = name in record.labels
            found = best.get(name)
            if expected and found is not None:
                counts[name][0] += 1
            elif found is not None:
                counts[name][1] += 1
                false_alarms.append(
                    FalseAlarm(
                        id=record.id,
                        watchlist=name,
                        term=found.term,
                        matched_text=found.matched_text,
                        field=found.field,
                        snippet=found.snippet,
                        score=found.score,
                    )
                )
            elif expected:
                counts[name][2] += 1
                misses.append(Miss(id=record.id, watchlist=name))
    scores = tuple(WatchlistScore(name, tp, fp, fn) for name, (tp, fp, fn) in counts.items())
    return EvalReport(scores, tuple(misses), tuple(false_alarms), len(records))
