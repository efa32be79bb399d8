"""``caci-watch eval``: the watchlists in force against a labelled file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.app.watchlist_files import check_files
from bot.domain.evaluate import EvalRecord, EvalReport, evaluate, parse_eval
from bot.domain.matching import compile_watchlists


def load_eval(path: Path | str) -> list[EvalRecord]:
    """Read a JSON Lines evaluation file (id, title, text, labels[, notes]); OSError or
    EvalError when it cannot be used."""
    path = Path(path)
    return parse_eval(path.read_bytes(), str(path))


@dataclass(frozen=True, slots=True)
class Evaluation:
    report: EvalReport
    watchlist_errors: tuple[str, ...]  # files that did not load, and so were not judged


def evaluate_file(watchlists_dir: Path, path: Path) -> Evaluation:
    files = check_files(watchlists_dir)
    lists = list(files.watchlists)
    report = evaluate(compile_watchlists(lists), load_eval(path), [w.name for w in lists])
    return Evaluation(report, tuple(files.errors))
