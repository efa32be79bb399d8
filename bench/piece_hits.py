"""Where the prefilter's pieces are found: each piece's finds per article, and what a find
costs, for choosing pieces (`bot/domain/pieces.py`).

Run: PYTHONPATH=. .venv/bin/python bench/piece_hits.py [--top 15]

For the shipped lists and the 100 generated terms of `bench_matching.py`, prints the
pieces found most often in the 1,000 synthetic articles of its throughput figure (each
piece with the terms holding it), and the finds per 7,000 characters (a CACI article's
length) there and in real prose: the records of `/work/shared/eval/*.jsonl` when present.
Then the CPU time of the prefilter's automaton pass alone (each find handed to Python),
of `PieceFinder.find`, and of the exact pass's automaton over the same texts, medians of
five runs taking turns: a find costs what the pass does over a few hundred characters.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_matching as bm  # noqa: E402

from bot.domain.matching import compile_watchlists  # noqa: E402
from bot.domain.models import Watchlist  # noqa: E402
from bot.domain.text import fold, html_to_text, normalize  # noqa: E402
from bot.lists.files import load_watchlists  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

EVAL_DIR = Path("/work/shared/eval")
ARTICLE = 7000  # characters of a CACI-length article, normalised
RUNS = 5


def _real_prose() -> list[str]:
    texts = []
    for path in sorted(EVAL_DIR.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            plain = f"{record.get('title', '')}. {html_to_text(record.get('text', ''))}"
            texts.append(normalize(plain).text)
    return texts


def _per_article(texts: Sequence[str], pieces: set[str]) -> float:
    found = sum(f" {t} ".count(p) for t in texts for p in pieces)
    return found / sum(len(t) for t in texts) * ARTICLE


def _cpu(passes: dict[str, Callable[[str], object]], texts: Sequence[str]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(RUNS):
        for name, run in passes.items():
            start = time.process_time()
            for text in texts:
                run(text)
            times[name].append((time.process_time() - start) / len(texts) * 1e6)
    return {name: statistics.median(t) for name, t in times.items()}


def report(label: str, lists: Sequence[Watchlist], texts: list[str], real: list[str], top: int):
    matcher = compile_watchlists(lists)
    holders: dict[str, list[str]] = {}
    for term in matcher.terms:
        for piece, _, _ in term.pieces:
            holders.setdefault(piece, []).append(term.text)
    counts = Counter({p: sum(f" {t} ".count(p) for t in texts) for p in holders})
    finds = sum(counts.values()) / len(texts)
    print(f"\n{label}: {len(holders)} pieces, {finds:.1f} found an article", end="")
    print(
        f" ({_per_article(texts, set(holders)):.1f} per {ARTICLE} characters; in real prose"
        f" {_per_article(real, set(holders)):.1f})"
        if real
        else ""
    )
    for piece, count in counts.most_common(top):
        names = ", ".join(holders[piece][:3]) + (", ..." if len(holders[piece]) > 3 else "")
        print(f"  {piece!r:16} {count / len(texts):5.2f}  {names}")
    exact = ahocorasick.Automaton()
    for w in lists:
        for t in w.terms:
            exact.add_word(fold(t.text), None)
    exact.make_automaton()
    finder = matcher._finder  # the prefilter alone is what is measured
    automaton = finder._automaton
    for text in texts:  # warm the finder's memos, as a running bot has
        finder.find(text)
    cpu = _cpu(
        {
            "pieces' automaton pass": lambda t: sum(1 for _ in automaton.iter(f" {t} ")),
            "PieceFinder.find": finder.find,
            "exact pass's automaton": lambda t: sum(1 for _ in exact.iter(t)),
        },
        texts,
    )
    print("  CPU µs an article: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        shipped, _ = load_watchlists(copy_shipped_watchlists(Path(folder) / "watchlists"))
    generated = bm.hundred_terms()
    rng = random.Random(bm.SEED)
    extra = [bm.varied(t.text, rng) for w in generated for t in w.terms[:2]]
    articles = bm.synthetic_articles(args.articles, bm.VARIANTS + tuple(extra))
    texts = [normalize(html_to_text(a)).text for a in articles]
    real = _real_prose()
    report("shipped lists", shipped, texts, real, args.top)
    report("100 terms", generated, texts, real, args.top)


if __name__ == "__main__":
    main()
