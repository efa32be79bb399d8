"""Benchmark: what computing the typo count in Python costs the matcher.

Run: .venv/bin/python bench/bench_typo_count.py [--articles N] [--runs R]

The matcher's edit distance is ``bot.domain.edit_distance.osa_distance`` (pure Python),
so that the running bot never loads rapidfuzz (about 4 MB of its idle memory; see
``bench/bench_footprint.py``). The baseline is the same matcher with rapidfuzz's
``OSA.distance`` put in its place, which gives the same figures (a test proves it):
time per article over N synthetic CACI-length articles (default 1,000, those of
``bench/bench_matching.py``), with the shipped lists and with 100 generated terms, R runs
(default 5) interleaved, each with a freshly compiled matcher; medians, next to the exact
Aho–Corasick pass. Also the time per call over every call the matcher made.

Figures (medians of three runs of this script, defaults, one core of the shared 2-core
machine): the matcher takes 1.04x its time with rapidfuzz with the shipped lists (2.13x
the exact pass instead of 2.04x) and 1.22x with 100 terms (4.07x instead of 3.34x); a
typo count costs 0.70 us, rapidfuzz's 0.14 us.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz.distance import OSA

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench_matching as bm  # noqa: E402

from bot.domain import matching, piece_finder, typos  # noqa: E402
from bot.domain.edit_distance import osa_distance  # noqa: E402
from bot.domain.models import Watchlist  # noqa: E402
from bot.lists.files import load_watchlists  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

Distance = Callable[[str, str, int], int]


def rapidfuzz_osa(s1: str, s2: str, score_cutoff: int) -> int:
    return OSA.distance(s1, s2, score_cutoff=score_cutoff)


def use(distance: Distance) -> None:
    """The matcher's modules compute the typo count with ``distance`` from now on."""
    for module in (matching, piece_finder, typos):
        module.osa_distance = distance  # type: ignore[attr-defined]


def per_article(watchlists: list[Watchlist], articles: list[str], distance: Distance) -> float:
    use(distance)
    try:
        return bm.seconds(bm.fuzzy_pass(bm.compile_watchlists(watchlists)), articles)
    finally:
        use(osa_distance)


def calls_made(watchlists: list[Watchlist], articles: list[str]) -> list[tuple[str, str, int]]:
    made: list[tuple[str, str, int]] = []

    def recording(s1: str, s2: str, score_cutoff: int) -> int:
        made.append((s1, s2, score_cutoff))
        return osa_distance(s1, s2, score_cutoff)

    per_article(watchlists, articles, recording)
    return made


def per_call(calls: list[tuple[str, str, int]], distance: Distance) -> float:
    start = time.perf_counter()
    for s1, s2, cutoff in calls:
        distance(s1, s2, cutoff)
    return (time.perf_counter() - start) / len(calls)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=bm.ARTICLES)
    parser.add_argument("--runs", type=int, default=bm.RUNS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        shipped, _ = load_watchlists(copy_shipped_watchlists(Path(folder) / "watchlists"))
    generated = bm.hundred_terms()
    rng = random.Random(bm.SEED)
    extra = [bm.varied(t.text, rng) for w in generated for t in w.terms[:2]]
    articles = bm.synthetic_articles(args.articles, bm.VARIANTS + tuple(extra))
    print(f"{len(articles)} articles, median of {args.runs} interleaved runs")
    calls: list[tuple[str, str, int]] = []
    for label, lists in (("shipped lists", shipped), ("100 generated terms", generated)):
        exact = bm.exact_pass(lists)
        times: dict[str, list[float]] = {"python": [], "rapidfuzz": [], "exact": []}
        for _ in range(args.runs):
            times["python"].append(per_article(lists, articles, osa_distance))
            times["rapidfuzz"].append(per_article(lists, articles, rapidfuzz_osa))
            times["exact"].append(bm.seconds(exact, articles))
        t = {name: statistics.median(v) for name, v in times.items()}
        made = calls_made(lists, articles)
        calls += made
        print(
            f"{label:<20} matcher {t['python'] * 1e6:5.0f} us an article"
            f" ({len(made) / len(articles):.0f} typo counts), with rapidfuzz"
            f" {t['rapidfuzz'] * 1e6:5.0f} us: {t['python'] / t['rapidfuzz']:.2f}x;"
            f" vs exact {t['rapidfuzz'] / t['exact']:.2f}x -> {t['python'] / t['exact']:.2f}x"
        )
    python = statistics.median(per_call(calls, osa_distance) for _ in range(args.runs))
    fuzz = statistics.median(per_call(calls, rapidfuzz_osa) for _ in range(args.runs))
    print(
        f"a typo count: {python * 1e6:.2f} us, with rapidfuzz {fuzz * 1e6:.2f} us"
        f" ({python / fuzz:.1f}x; {len(calls)} calls)"
    )


if __name__ == "__main__":
    main()
