"""Every match the matcher makes on the benches' corpora and the eval set, to prove that a
change meant to make matching faster leaves its results as they were.

Run on the code before the change, then after it:

    PYTHONPATH=OLD_CHECKOUT .venv/bin/python bench/match_outputs.py --save before.json
    .venv/bin/python bench/match_outputs.py --compare before.json

It matches, with the shipped lists, the 100 generated terms, both together and the
100-term list as users write it (each with one match a list and with three): the 1,000
articles of `bench_matching.py` and the 1,000 of `bench_eval_process.py` (title and
body), the typo cases of both recall figures, the precision articles, and the records of
`/work/shared/eval/*.jsonl` when present (as HTML and as plain text); and `find_all` on
200 articles. `--compare` prints the first difference, or that there is none.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_matching as bm  # noqa: E402

from bot.app.evaluation import load_eval  # noqa: E402
from bot.domain.matching import Matcher, compile_watchlists  # noqa: E402
from bot.domain.models import Match, Watchlist  # noqa: E402
from bot.lists.files import load_watchlists  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

EVAL_DIR = Path("/work/shared/eval")
Fields = list[tuple[str, str]]


def outputs() -> list[Any]:
    with tempfile.TemporaryDirectory() as folder:
        shipped, _ = load_watchlists(copy_shipped_watchlists(Path(folder) / "watchlists"))
    generated = bm.hundred_terms()
    rng = random.Random(bm.SEED)
    extra = [bm.varied(t.text, rng) for w in generated for t in w.terms[:2]]
    articles = bm.synthetic_articles(1000, bm.VARIANTS + tuple(extra))
    rng = random.Random(bm.SEED)
    extra = [
        t.text if rng.random() < 0.5 else t.text.lower() for w in generated for t in w.terms[:2]
    ]
    process_articles = bm.synthetic_articles(1000, bm.VARIANTS + tuple(extra), seed=20251)
    records = [r for path in sorted(EVAL_DIR.glob("*.jsonl")) for r in _records(path)]
    both: list[Watchlist] = [*shipped, *generated]
    out: list[Any] = []
    for name, lists in (
        ("shipped", shipped),
        ("generated", generated),
        ("both", both),
        ("user", bm.user_list()),
    ):
        for most in (1, 3):
            matcher = compile_watchlists(lists, max_per_watchlist=most)
            label = f"{name}/{most}"
            cases = random.Random(bm.SEED)
            sets: list[tuple[str, list[Fields], bool]] = [
                ("bench", [[("body", a)] for a in articles], False),
                ("process", [[("title", a[:80]), ("body", a)] for a in process_articles], False),
                ("typo1", [[("body", t)] for _, t in bm.typo_cases(both, cases, 1, 5)], False),
                ("typo2", [[("body", t)] for _, t in bm.typo_cases(both, cases, 2, 10)], False),
                (
                    "precision",
                    [
                        [("body", t)]
                        for t, _ in bm.precision_articles(
                            bm.user_list(), bm.PRECISION_ARTICLES, random.Random(bm.SEED)
                        )
                    ],
                    False,
                ),
                ("eval", [[("title", r.title), ("body", r.text)] for r in records], False),
                ("eval plain", [[("title", r.title), ("body", r.text)] for r in records], True),
            ]
            for what, items, plain in sets:
                out.extend(_matches(f"{label} {what}", matcher, items, plain))
            out.extend([label, "find_all", matcher.find_all(a)] for a in articles[:200])
    return out


def _records(path: Path) -> list[Any]:
    try:
        return load_eval(path)
    except Exception as exc:  # a file of another shape is skipped, and said so
        print(f"skipped {path}: {exc}")
        return []


def _matches(label: str, matcher: Matcher, items: Sequence[Fields], plain: bool) -> list[Any]:
    out: list[Any] = []
    for n, fields in enumerate(items):
        found = matcher.match(fields, plain=plain)
        out.append([label, n, *(_row(m) for m in found)])
    return out


def _row(m: Match) -> list[Any]:
    return [
        m.watchlist,
        m.term,
        m.matched_text,
        m.score,
        m.field,
        m.snippet,
        m.mark_start,
        m.mark_end,
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, metavar="FILE")
    group.add_argument("--compare", type=Path, metavar="FILE")
    args = parser.parse_args()
    now = json.loads(json.dumps(outputs(), ensure_ascii=False))
    matches = sum(len(row) - 2 for row in now if row[1] != "find_all")
    if args.save:
        args.save.write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
        print(f"{len(now)} answers, {matches} matches saved to {args.save}")
        return
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    for i, (a, b) in enumerate(zip(before, now, strict=False)):
        if a != b:
            raise SystemExit(f"different at answer {i}:\n  before {a}\n  now    {b}")
    if len(before) != len(now):
        raise SystemExit(f"{len(before)} answers before, {len(now)} now")
    print(f"identical: {len(now)} answers, {matches} matches")


if __name__ == "__main__":
    main()
