"""How well the "possibly about" tier's calibration carries to articles it was not
calibrated on: thresholds set on half of a labelled set, precision and recall on the
other half; and each record judged by a threshold set on all the others.

Run: .venv/bin/python bench/about_split_half.py [FILE ...] [--rounds R]

FILE defaults to /work/shared/eval/aboutness-dev.jsonl; bench/data/about-check.jsonl is
the project's own check set, written apart from it (pass both to calibrate on their
union; ids must not repeat across files). For each shipped list with `about` sentences,
the records that do not name it (as ``caci-watch eval --about`` scores them) are split
in two at random, R times; on each half the threshold is set as the calibration of the
shipped lists sets it (the midpoint of the gap between scores that makes the fewest
errors, a false alarm counting 1.2 misses), and the other half is judged with it.
Prints per list the pooled precision and recall, and the false alarms on
neighbouring-subject records (``hard`` in their notes) per half; then leave-one-out
(each record judged by the threshold set on all the others) and the threshold set on
all records, which is what a list's `about_close` is set from; then, per file, the
figures with each list's shipped threshold. Asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.evaluation import load_eval, record_article  # noqa: E402
from bot.app.watchlist_files import check_files  # noqa: E402
from bot.domain.aboutness import thresholds_of  # noqa: E402
from bot.domain.matching import compile_watchlists  # noqa: E402
from bot.semantic.tier import scores  # noqa: E402
from bot.semantic.wordllama_embedder import WordLlamaEmbedder  # noqa: E402

DEFAULT_FILE = Path("/work/shared/eval/aboutness-dev.jsonl")
FALSE_ALARM_WEIGHT = 1.2

Item = tuple[float, bool, bool]  # score, about the list, a neighbouring subject


def threshold(items: list[Item]) -> float:
    values = sorted({s for s, _, _ in items})
    candidates = [(a + b) / 2 for a, b in itertools.pairwise(values)]
    candidates.append(values[0] - 1e-3)

    def cost(t: float) -> tuple[float, float]:
        misses = sum(s < t for s, p, _ in items if p)
        alarms = sum(s >= t for s, p, _ in items if not p)
        return misses + FALSE_ALARM_WEIGHT * alarms, -t

    return min(candidates, key=cost)


def judged(items: list[Item], t: float) -> tuple[int, int, int, int]:
    tp = sum(s >= t and p for s, p, _ in items)
    fp = sum(s >= t and not p for s, p, _ in items)
    fn = sum(s < t and p for s, p, _ in items)
    hard = sum(s >= t and not p and h for s, p, h in items)
    return tp, fp, fn, hard


def left_out(items: list[Item]) -> tuple[int, int, int, int]:
    """Each record judged by the threshold set on all the others, summed."""
    pooled = [0, 0, 0, 0]
    for i in range(len(items)):
        t = threshold(items[:i] + items[i + 1 :])
        for k, n in enumerate(judged(items[i : i + 1], t)):
            pooled[k] += n
    tp, fp, fn, hard = pooled
    return tp, fp, fn, hard


def figures(tp: int, fp: int, fn: int) -> str:
    return f"precision {tp / max(tp + fp, 1):.3f}, recall {tp / max(tp + fn, 1):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT_FILE])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    files = check_files(ROOT / "watchlists")
    lists = [w for w in files.watchlists if w.about]
    source: dict[str, str] = {}
    records = []
    for path in args.files:
        for record in load_eval(path):
            if record.id in source:
                sys.exit(f"{path}: id {record.id} is also in {source[record.id]}")
            source[record.id] = path.name
            records.append(record)
    matcher = compile_watchlists(list(files.watchlists))
    named = {
        r.id: {m.watchlist for m in matcher.match([("title", r.title), ("body", r.text)])}
        for r in records
    }
    every = scores([record_article(r) for r in records], lists, WordLlamaEmbedder.load())
    names = " + ".join(p.name for p in args.files)
    print(f"{names}: {len(records)} records, {args.rounds} random splits in two")
    for w in lists:
        scored = [r for r in records if w.name not in named[r.id] and (r.id, w.name) in every]
        items = [
            (every[(r.id, w.name)], w.name in (r.about or ()), "hard" in r.notes) for r in scored
        ]
        pooled = [0, 0, 0, 0]
        rng = random.Random(0)
        for _ in range(args.rounds):
            order = items[:]
            rng.shuffle(order)
            halves = (order[: len(order) // 2], order[len(order) // 2 :])
            for calibrate, judge in (halves, halves[::-1]):
                for i, n in enumerate(judged(judge, threshold(calibrate))):
                    pooled[i] += n
        tp, fp, fn, hard = pooled
        print(
            f"  {w.name}: other half: {figures(tp, fp, fn)},"
            f" {hard / (2 * args.rounds):.2f} neighbouring-subject false alarms per half"
        )
        tp, fp, fn, hard = left_out(items)
        print(
            f"    left out one at a time: {figures(tp, fp, fn)} (fp {fp}, of them"
            f" {hard} neighbouring, fn {fn}); threshold set on all: {threshold(items):.3f}"
        )
        shipped = thresholds_of(w).close
        for path in args.files:
            mine = [x for x, r in zip(items, scored, strict=True) if source[r.id] == path.name]
            tp, fp, fn, hard = judged(mine, shipped)
            print(
                f"    shipped threshold {shipped:g} on {path.name}: {figures(tp, fp, fn)}"
                f" (tp {tp} fp {fp}, of them {hard} neighbouring, fn {fn})"
            )


if __name__ == "__main__":
    main()
