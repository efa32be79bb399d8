"""Benchmark: the "possibly about" tier's cost per article and its memory, as ratios to
the named matcher alone.

Run: .venv/bin/python bench/bench_about.py [--runs R] [--articles N]

Articles of CACI length (about 1,000 words: eight records of
/work/shared/eval/aboutness-dev.jsonl run together when that file is there, else the
bundled snapshot's text repeated), matched against the shipped watchlists. Each measure
runs in a fresh process of its own, R times, interleaved; medians are printed:

- named: CPU per article of the named matcher (``compile_watchlists`` on the shipped
  lists, then ``match_article`` on each article), and the process's peak RSS;
- tier here: CPU per article of the tier with the model already loaded
  (``bot.semantic.tier.possibly_about``), the cost the issue's budget (10 ms) is about;
- tier in a child: what the bot pays for a poll's batch of N articles through
  ``possibly_about_in_child``: the child's whole CPU (interpreter, numpy, the model,
  the matching) per article, and the child's peak RSS, which the bot never holds;
- the bot's own memory: resident memory of a process that imported the bot's app (as
  ``caci-watch run`` does), before a batch through the child, after it (the first use
  of asyncio's subprocess machinery), and after three more (steady state).

Asserts nothing. The machine may be shared: compare the ratios, not the milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_SET = Path("/work/shared/eval/aboutness-dev.jsonl")

# Run in a fresh interpreter; prints one JSON object. argv: what, number of articles.
PROBE = r"""
import json, os, resource, sys, time
sys.path.insert(0, ROOT)
from pathlib import Path
from bot.domain.models import Article

what, n = sys.argv[1], int(sys.argv[2])

def rss_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0

def texts():
    shared = Path(SHARED_SET)
    if shared.exists():
        records = [json.loads(l) for l in shared.read_text().splitlines() if l.strip()]
        paras = [r["text"] for r in records]
        return [
            (
                records[i % len(records)]["title"],
                "\n\n".join(paras[(i + k) % len(paras)] for k in range(8)),
            )
            for i in range(n)
        ]
    from bot.feeds.parse import parse_feed
    parsed = parse_feed((Path(ROOT) / "bot/data/cacianalyst-snapshot.rss").read_bytes(), "https://x/f")
    base = [a.text for a in parsed.articles]
    return [
        (
            parsed.articles[i % len(base)].title,
            "\n\n".join(base[(i + k) % len(base)] for k in range(9)),
        )
        for i in range(n)
    ]

articles = [
    Article(id=f"a{i}", feed_url="", link="", title=t, author="", section="", published=None,
            summary="", html="", text=x, content_hash=str(i))
    for i, (t, x) in enumerate(texts())
]
from bot.lists.files import load_watchlists
lists, _ = load_watchlists(Path(ROOT) / "watchlists")
out = {"words": sum(len(a.text.split()) for a in articles) / len(articles)}
if what == "named":
    from bot.domain.matching import compile_watchlists
    from bot.domain.poll import match_article
    t = time.process_time()
    matcher = compile_watchlists(lists)
    for a in articles:
        match_article(matcher, a)
    out["cpu_per_article"] = (time.process_time() - t) / n
elif what == "tier_here":
    from bot.semantic.tier import possibly_about
    from bot.semantic.wordllama_embedder import WordLlamaEmbedder
    embedder = WordLlamaEmbedder.load()
    possibly_about(articles[:2], lists, {}, embedder)  # warm
    t = time.process_time()
    found = possibly_about(articles, lists, {}, embedder)
    out["cpu_per_article"] = (time.process_time() - t) / n
    out["found"] = len(found)
elif what == "tier_child":
    import asyncio
    import bot.app.service, bot.app.poll  # what the running bot has imported
    from bot.semantic.about_child import possibly_about_in_child
    out["rss_before_kb"] = rss_kb()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = asyncio.run(possibly_about_in_child(articles, lists, {}))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out["child_cpu_per_article"] = cpu / n
    out["child_peak_kb"] = after.ru_maxrss
    out["rss_first_kb"] = rss_kb()
    for _ in range(3):
        asyncio.run(possibly_about_in_child(articles, lists, {}))
    out["rss_after_kb"] = rss_kb()
    out["numpy_in_bot"] = "numpy" in sys.modules
    out["found"] = len(found)
out["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out))
"""


def probe(what: str, n: int) -> dict[str, float]:
    code = f"ROOT = {str(ROOT)!r}\nSHARED_SET = {str(SHARED_SET)!r}\n" + PROBE
    done = subprocess.run(
        [sys.executable, "-c", code, what, str(n)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--articles", type=int, default=50)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"named": [], "tier_here": [], "tier_child": []}
    for _ in range(args.runs):
        for what in runs:
            runs[what].append(probe(what, args.articles))

    def med(what: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[what])

    named_ms = med("named", "cpu_per_article") * 1000
    here_ms = med("tier_here", "cpu_per_article") * 1000
    child_ms = med("tier_child", "child_cpu_per_article") * 1000
    named_mb = med("named", "peak_kb") / 1024
    child_mb = med("tier_child", "child_peak_kb") / 1024
    before_mb = med("tier_child", "rss_before_kb") / 1024
    first_mb = med("tier_child", "rss_first_kb") / 1024
    after_mb = med("tier_child", "rss_after_kb") / 1024
    print(
        f"{args.articles} articles of {runs['named'][0]['words']:.0f} words on average, "
        f"{args.runs} runs each (medians); shipped watchlists"
    )
    print(
        f"named matcher alone:            {named_ms:7.2f} ms CPU/article,"
        f" peak RSS {named_mb:6.1f} MB"
    )
    print(
        f"tier, model loaded:             {here_ms:7.2f} ms CPU/article"
        f"  = {here_ms / named_ms:5.1f} x named   (budget 10 ms)"
    )
    print(
        f"named + tier, model loaded:     {named_ms + here_ms:7.2f} ms CPU/article"
        f"  = {(named_ms + here_ms) / named_ms:5.1f} x named"
    )
    print(
        f"tier in a child ({args.articles} articles): {child_ms:7.2f} ms CPU/article incl. start"
        f" and model load = {child_ms / named_ms:5.1f} x named;"
        f" child peak RSS {child_mb:6.1f} MB = {child_mb / named_mb:4.2f} x named's process"
    )
    numpy_loaded = any(r["numpy_in_bot"] for r in runs["tier_child"])
    print(
        f"the bot's own RSS: {before_mb:6.1f} MB before the tier, {first_mb:6.1f} MB after one"
        f" batch through the child ({first_mb / before_mb:5.3f} x), {after_mb:6.1f} MB after"
        f" three more ({after_mb / first_mb:5.3f} x); numpy in the bot: {numpy_loaded}"
    )


if __name__ == "__main__":
    main()
