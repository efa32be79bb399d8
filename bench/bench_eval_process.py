"""Matching as users run it: `caci-watch eval` as a whole process, next to two baselines
run the same way.

Run: .venv/bin/python bench/bench_eval_process.py [--runs 5] [--no-naive] [--compare CHECKOUT]

Writes a JSON Lines eval file (id, title, text, labels: the format of
../shared/eval/README.md) of 1,000 CACI-length articles (1,000–1,500 words, half of them
HTML) with term mentions, variants and decoys sprinkled in (the generators of
`bench_matching.py`), and one of 10 articles. Each program reads a watchlists directory,
the file, matches title + text and scores per list:

- `caci-watch eval FILE` (this checkout's code), with a config whose watchlists dir holds
  the three shipped lists, then one holding 100 generated terms in 10 lists;
- exact: pyahocorasick over the text folded by a fast normaliser (`eval_baseline.py`);
- naive: rapidfuzz `partial_ratio >= 90` per term over the same folded text.

A program's cost is its 1,000-article run minus its 10-article run (which drops start-up:
imports, reading the lists, compiling), wall and CPU (user + sys from `os.wait4`); every
command of a round runs before the next round starts (interleaved), and each figure is
the median over the rounds; the range after each ratio is that of the rounds. On a
loaded machine read the CPU figures: wall time there is mostly waiting for a core (the
wall ratios of one such run spread from 0.3x to 5.6x). Labels are the lists an exact
whole-word pass finds, so the report printed is as short as a real one, not one line per
article.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_matching import VARIANTS, hundred_terms, synthetic_articles  # noqa: E402
from eval_baseline import exact_matcher, fast_fold, load_terms  # noqa: E402

from bot.domain.models import Watchlist  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

BIN = Path(sys.executable).parent
BASELINE = HERE / "eval_baseline.py"
SEED = 20251
BIG, SMALL = 1000, 10
OURS = "caci-watch eval"
GOALS = {  # issue 12
    "shipped lists": "<= 1.3x the exact pass",
    "100 terms": "<= 2.0x the exact pass, >= 10x faster than naive",
}


def write_watchlists(directory: Path, watchlists: Sequence[Watchlist]) -> Path:
    directory.mkdir()
    for i, w in enumerate(watchlists):
        terms = ",\n".join(
            f"  {{ text = {json.dumps(t.text)}, exact = true }}"
            if t.exact
            else f"  {json.dumps(t.text)}"
            for t in w.terms
        )
        (directory / f"list-{i}.toml").write_text(
            f"name = {json.dumps(w.name)}\nthreshold = {w.threshold}\nterms = [\n{terms},\n]\n",
            encoding="utf-8",
        )
    return directory


def write_eval(path: Path, articles: Sequence[str], label_dirs: Sequence[Path]) -> None:
    labellers = [exact_matcher(load_terms(d)) for d in label_dirs]
    with path.open("w", encoding="utf-8") as out:
        for n, text in enumerate(articles, start=1):
            words = fast_fold(text).split()
            title = " ".join(words[:8]).capitalize()
            folded = fast_fold(title + "\n" + text)
            labels = sorted(set().union(*(match(folded) for match in labellers)))
            record = {"id": f"bench-{n:04d}", "title": title, "text": text, "labels": labels}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run(command: Sequence[str], code: Path, out: Path) -> tuple[float, float]:
    """Run a command on the `bot` in `code` to completion: (wall seconds, CPU seconds)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    # As users run it: with the bytecode cache (the warm-up run writes it).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with out.open("wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        # wait4: this child's own rusage, not the sum over every child so far.
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{out.read_text(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--articles", type=int, default=BIG)
    parser.add_argument("--no-naive", action="store_true", help="skip the (slow) naive pass")
    parser.add_argument(
        "--compare",
        type=Path,
        action="append",
        default=[],
        metavar="CHECKOUT",
        help="also run caci-watch eval on the code of another checkout (before and after)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        shipped = copy_shipped_watchlists(tmp / "shipped")
        generated_lists = hundred_terms()
        generated = write_watchlists(tmp / "generated", generated_lists)
        rng = random.Random(SEED)
        extra = [
            t.text if rng.random() < 0.5 else t.text.lower()
            for w in generated_lists
            for t in w.terms[:2]
        ]
        articles = synthetic_articles(args.articles, VARIANTS + tuple(extra), seed=SEED)
        big, small = tmp / "big.jsonl", tmp / "small.jsonl"
        write_eval(big, articles, [shipped, generated])
        write_eval(small, articles[:SMALL], [shipped, generated])
        print(
            f"{args.articles} articles ({statistics.mean(len(a.split()) for a in articles):.0f}"
            f" words, {big.stat().st_size / args.articles / 1000:.1f} kB a record),"
            f" {args.articles} minus {SMALL}, median of {args.runs} interleaved runs"
        )

        programs: dict[tuple[str, str], tuple[list[str], Path]] = {}
        for label, lists in (("shipped lists", shipped), ("100 terms", generated)):
            config = tmp / f"{lists.name}.toml"
            config.write_text(
                f"[watchlists]\ndir = {json.dumps(str(lists))}\n"
                f"[store]\npath = {json.dumps(str(tmp / 'store.sqlite3'))}\n",
                encoding="utf-8",
            )
            eval_command = [str(BIN / "caci-watch"), "--config", str(config), "eval"]
            programs[label, OURS] = eval_command, ROOT
            for checkout in args.compare:
                programs[label, f"{OURS} @ {checkout.name}"] = eval_command, checkout.resolve()
            programs[label, "exact"] = [sys.executable, str(BASELINE), "exact", str(lists)], ROOT
            if not args.no_naive:
                programs[label, "naive"] = (
                    [sys.executable, str(BASELINE), "naive", str(lists)],
                    ROOT,
                )

        walls: dict[tuple[str, str], list[float]] = {key: [] for key in programs}
        cpus: dict[tuple[str, str], list[float]] = {key: [] for key in programs}
        small_cpus: dict[tuple[str, str], list[float]] = {key: [] for key in programs}
        for command, code in programs.values():  # warm-up: bytecode and file caches
            run([*command, str(small)], code, tmp / "out-small.txt")
        for _ in range(args.runs):
            for key, (command, code) in programs.items():
                wall_big, cpu_big = run([*command, str(big)], code, tmp / "out-big.txt")
                wall_small, cpu_small = run([*command, str(small)], code, tmp / "out-small.txt")
                walls[key].append(wall_big - wall_small)
                cpus[key].append(cpu_big - cpu_small)
                small_cpus[key].append(cpu_small)

        for label in ("shipped lists", "100 terms"):
            print(f"\n{label} (goal: {GOALS[label]})")
            for (lbl, name), values in cpus.items():
                if lbl == label:
                    print(
                        f"  {name:<28} {statistics.median(walls[lbl, name]):6.2f} s wall"
                        f" {statistics.median(values):6.2f} s CPU"
                        f"   ({SMALL}-article run:"
                        f" {statistics.median(small_cpus[lbl, name]):.2f} s CPU)"
                    )
            for measure, table in (("wall", walls), ("CPU", cpus)):
                for lbl, name in programs:
                    if lbl != label or not name.startswith(OURS):
                        continue
                    mine = table[label, name]
                    exact = _ratio(mine, table[label, "exact"])
                    line = f"  {measure:<4} {name} {exact} the exact pass"
                    if (label, "naive") in table:
                        line += f", {_ratio(table[label, 'naive'], mine)} faster than naive"
                    print(line)


def _ratio(top: list[float], bottom: list[float]) -> str:
    """The ratio of the medians, and the range of the ratios round by round."""
    rounds = [a / b for a, b in zip(top, bottom, strict=True)]
    median = statistics.median(top) / statistics.median(bottom)
    return f"{median:.2f}x ({min(rounds):.2f} to {max(rounds):.2f})"


if __name__ == "__main__":
    main()
