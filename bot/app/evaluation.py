"""``caci-watch eval``: the watchlists in force against a labelled file."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from bot.app.watchlist_files import check_files
from bot.domain.evaluate import (
    AboutReport,
    EvalRecord,
    EvalReport,
    evaluate,
    evaluate_about,
    parse_eval,
)
from bot.domain.matching import compile_watchlists
from bot.domain.models import Article


def load_eval(path: Path | str) -> list[EvalRecord]:
    """Read a JSON Lines evaluation file (id, title, text, labels[, notes]); OSError or
    EvalError when it cannot be used."""
    path = Path(path)
    return parse_eval(path.read_bytes(), str(path))


@dataclass(frozen=True, slots=True)
class Evaluation:
    report: EvalReport
    watchlist_errors: tuple[str, ...]  # files that did not load, and so were not judged


# (records done, records in all): called as an evaluation goes.
Progress = Callable[[int, int], None]
# How many records between two calls of a `Progress`: often enough for a bar to move,
# seldom enough to cost nothing next to matching.
_PROGRESS_EVERY = 50


def evaluate_file(
    watchlists_dir: Path, path: Path, *, progress: Progress | None = None
) -> Evaluation:
    files = check_files(watchlists_dir)
    lists = list(files.watchlists)
    records: Sequence[EvalRecord] = load_eval(path)
    if progress is not None:
        records = _Reported(records, progress)
    report = evaluate(compile_watchlists(lists), records, [w.name for w in lists])
    return Evaluation(report, tuple(files.errors))


class _Reported(Sequence[EvalRecord]):
    """The records, telling `progress` how far an evaluation reading them in order has
    got: the evaluation itself stays a pure function of the records."""

    def __init__(self, records: Sequence[EvalRecord], progress: Progress) -> None:
        self._records = records
        self._progress = progress

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> EvalRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[EvalRecord]: ...
    def __getitem__(self, index: int | slice) -> EvalRecord | Sequence[EvalRecord]:
        return self._records[index]

    def __iter__(self) -> Iterator[EvalRecord]:
        total = len(self._records)
        self._progress(0, total)
        for done, record in enumerate(self._records, start=1):
            yield record
            if done % _PROGRESS_EVERY == 0 or done == total:
                self._progress(done, total)


@dataclass(frozen=True, slots=True)
class AboutEvaluation:
    report: AboutReport
    watchlist_errors: tuple[str, ...]


def evaluate_about_file(watchlists_dir: Path, path: Path) -> AboutEvaluation:
    """``caci-watch eval FILE --about``: the "possibly about" tier on the lists that have
    `about` sentences, run in this process (the bot runs it in a child). OSError when
    the file cannot be read, EmbedderUnavailable when the embedder cannot load, EvalError
    for a file without `about` fields."""
    # numpy and the model load only for this command, never with the rest of the app.
    from bot.semantic.tier import possibly_about, scores
    from bot.semantic.wordllama_embedder import WordLlamaEmbedder

    files = check_files(watchlists_dir)
    lists = [w for w in files.watchlists if w.about]
    records = load_eval(path)
    matcher = compile_watchlists(list(files.watchlists))
    articles = [record_article(r) for r in records]
    named = {
        r.id: frozenset(m.watchlist for m in matcher.match([("title", r.title), ("body", r.text)]))
        for r in records
    }
    embedder = WordLlamaEmbedder.load()
    found = possibly_about(articles, lists, named, embedder)
    every = scores(articles, lists, embedder)
    report = evaluate_about(records, named, found, [w.name for w in lists], every)
    return AboutEvaluation(report, tuple(files.errors))


def record_article(record: EvalRecord) -> Article:
    """A labelled record as the tier sees an article: its title and text."""
    return Article(
        id=record.id,
        feed_url="",
        link="",
        title=record.title,
        author="",
        section="",
        published=None,
        summary="",
        html="",
        text=record.text,
        content_hash="",
    )
