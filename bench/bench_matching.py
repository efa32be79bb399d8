"""Matching benchmark: quality on the dev set, and throughput against Aho-Corasick.

Run: .venv/bin/python bench/bench_matching.py

Prints
- precision / recall / F1 per watchlist on /work/shared/eval/watchlist-dev.jsonl (skipped
  with a message when the file is absent);
- articles/s end to end (HTML → text → normalise → match) on 1,000 synthetic articles of
  1,000–1,500 words, with the shipped watchlists and with 100 generated terms, each the
  median of 5 runs, next to an exact-match pass (pyahocorasick over the same normalised
  text) measured in the same run.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.evaluation import load_eval  # noqa: E402
from bot.domain.evaluate import evaluate  # noqa: E402
from bot.domain.matching import Matcher, compile_watchlists  # noqa: E402
from bot.domain.models import Term, Watchlist  # noqa: E402
from bot.domain.text import fold, html_to_text, normalize  # noqa: E402
from bot.lists.files import load_watchlists  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

DEV_SET = Path("/work/shared/eval/watchlist-dev.jsonl")
ARTICLES = 1000
RUNS = 5
SEED = 20250

PLACES = (  # noqa: SIM905
    "Baku Tbilisi Yerevan Astana Almaty Tashkent Bishkek Dushanbe Ashgabat Aktau "
    "Kuryk Alat Poti Batumi Anaklia Kars Samarkand Termez Khorgos Turkmenbashi Syunik "
    "Meghri Ganja Gyumri Shymkent Navoi Fergana Osh Khujand Mary Atyrau Mangystau "
    "Lankaran Nakhchivan Sumgait Rustavi Kutaisi Zugdidi Vanadzor Jalal-Abad "
    "Karaganda Pavlodar"
).split()
NOUNS = (  # noqa: SIM905
    "railway port ferry terminal pipeline highway border crossing customs tariff "
    "cargo container corridor route transit shipment freight logistics hub bridge "
    "tunnel investment loan agreement ministry parliament election coalition "
    "opposition protest reform budget inflation currency energy electricity gas oil "
    "grain cotton water dam security army drone summit delegation envoy negotiation "
    "treaty memorandum sanctions"
).split()
FILLER = (  # noqa: SIM905
    "the of and to in a for on with by as that from at is was will has have said "
    "would which this its their were more than also after while but over new between "
    "since not be been are it they he she we these those such other any each both "
    "most many some one two three first last year years month week time way part side "
    "case point regional government officials analysts observers experts local "
    "national foreign economic political strategic significant growing recent major "
    "further limited increase decline project plan proposal capacity volume traffic "
    "trade market access president minister leader spokesman company operator "
    "authority commission region however although because therefore instead already "
    "still only even just very important difficult possible likely clear open public "
    "private western eastern power influence interest relations policy position "
    "support pressure role process development cooperation competition future history "
    "change question issue problem"
).split()
VARIANTS = (
    "Middle Corridor",
    "middle-corridor",
    "Trans-Caspian route",
    "Trans\u2011Caspian corridor",
    "TITR",
    "TRIPP's",
    "Trump Route for International Peace and Prosperity",
    "Zangezur corridor",
    "Z\u0259ng\u0259zur",
    "Zange-\nzur",
    "Abraham Accords",
    "Abraham-Accords",
    "<i>Middle</i> Corridor",
    "Abraham &amp; Sons",
    "tripped",
    "Middle East corridor",
    "Trans-Caspian Gas Pipeline",
)
SPRINKLE_RATE = 0.03  # chance that a sentence carries a term, variant or decoy


def synthetic_articles(
    count: int, mentions: Sequence[str], seed: int = SEED, rate: float = SPRINKLE_RATE
) -> list[str]:
    """CACI-length articles (1,000–1,500 words) in paragraphs, with `mentions` sprinkled in.

    Words are drawn from general English (about 80%), policy nouns (about 15%) and place
    names of the region (about 4%), roughly the mix of an analysis piece.
    """
    rng = random.Random(seed)
    vocabulary = FILLER * 6 + NOUNS * 2 + PLACES
    articles = []
    for _ in range(count):
        target = rng.randint(1000, 1500)
        words = 0
        paragraphs: list[str] = []
        while words < target:
            sentence = [rng.choice(vocabulary) for _ in range(rng.randint(8, 28))]
            if rng.random() < rate:
                sentence.insert(rng.randrange(len(sentence)), rng.choice(mentions))
            sentence[0] = sentence[0].capitalize()
            words += len(sentence)
            text = " ".join(sentence).replace(" and ", ", and ", 1) + "."
            if paragraphs and rng.random() > 0.2:
                paragraphs[-1] += " " + text
            else:
                paragraphs.append(text)
        html = rng.random() < 0.5
        articles.append(
            "".join(f"<p>{p}</p>" for p in paragraphs) if html else "\n\n".join(paragraphs)
        )
    return articles


def varied(term: str, rng: random.Random) -> str:
    """A term as an article might write it: other case, hyphens for spaces, a typo."""
    choice = rng.random()
    if choice < 0.25:
        return term.lower()
    if choice < 0.5:
        return term.replace(" ", "-", 1)
    if choice < 0.7 and len(term) > 12:
        i = rng.randrange(1, len(term) - 1)
        return term[:i] + term[i + 1 :]
    return term


def hundred_terms(seed: int = SEED) -> list[Watchlist]:
    """100 plausible terms in 10 watchlists: place + infrastructure phrases, names, acronyms."""
    rng = random.Random(seed)
    acronyms = "CAREC EAEU SCO OTS BTK TAPI CPC INSTC CASA BRI ADB EBRD CICA GUAM TCGP".split()  # noqa: SIM905
    phrases: list[Term] = [Term(a, exact=True) for a in acronyms]
    kinds = ("railway", "port", "ferry line", "pipeline", "highway", "free economic zone")
    while len(phrases) < 100:
        shape = rng.random()
        a, b = rng.sample(PLACES, 2)
        if shape < 0.5:
            text = f"{a}\u2013{b} {rng.choice(kinds)}"
        elif shape < 0.8:
            text = f"Port of {a}" if rng.random() < 0.5 else f"{a} {rng.choice(kinds)}"
        else:
            text = f"{a} {b} Agreement"
        if text not in {t.text for t in phrases}:
            phrases.append(Term(text))
    return [
        Watchlist(name=f"list {i}", terms=tuple(phrases[i::10]), exclude=(), threshold=88)
        for i in range(10)
    ]


def exact_pass(watchlists: Sequence[Watchlist]) -> Callable[[str], int]:
    automaton = ahocorasick.Automaton()
    for w in watchlists:
        for term in w.terms:
            phrase = fold(term.text)
            automaton.add_word(phrase, phrase)
    automaton.make_automaton()

    def run(article: str) -> int:
        text = normalize(html_to_text(article)).text
        return sum(1 for _ in automaton.iter(text))

    return run


def fuzzy_pass(matcher: Matcher) -> Callable[[str], int]:
    def run(article: str) -> int:
        return len(matcher.match([("body", article)]))

    return run


def articles_per_second(run: Callable[[str], int], articles: Sequence[str]) -> float:
    start = time.perf_counter()
    for article in articles:
        run(article)
    return len(articles) / (time.perf_counter() - start)


def throughput(label: str, watchlists: Sequence[Watchlist], articles: Sequence[str]) -> None:
    matcher = compile_watchlists(watchlists)
    fuzzy, exact = fuzzy_pass(matcher), exact_pass(watchlists)
    fuzzy_rates, exact_rates = [], []
    for _ in range(RUNS):
        fuzzy_rates.append(articles_per_second(fuzzy, articles))
        exact_rates.append(articles_per_second(exact, articles))
    f, e = statistics.median(fuzzy_rates), statistics.median(exact_rates)
    terms = sum(len(w.terms) for w in watchlists)
    matched = sum(1 for a in articles if fuzzy(a))
    print(
        f"{label:<22} {terms:4d} terms  matcher {f:8.0f} articles/s   "
        f"Aho-Corasick {e:8.0f} articles/s   ratio {e / f:4.2f}x   "
        f"({matched} of {len(articles)} articles matched)"
    )


def quality(watchlists: Sequence[Watchlist]) -> None:
    if not DEV_SET.exists():
        print(f"dev set {DEV_SET} not found: quality skipped")
        return
    records = load_eval(DEV_SET)
    report = evaluate(compile_watchlists(watchlists), records, [w.name for w in watchlists])
    print(f"quality on {DEV_SET.name} ({len(records)} records)")
    for s in report.scores:
        print(
            f"  {s.name:<18} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}"
            f"  (tp {s.tp}, fp {s.fp}, fn {s.fn})"
        )
    for m in report.misses:
        print(f"  missed {m.id} {m.watchlist}")
    for fa in report.false_alarms:
        print(f"  false alarm {fa.id} {fa.watchlist}: {fa.matched_text!r}")


def main() -> None:
    # The three shipped lists, not whatever else a user has added to watchlists/.
    with tempfile.TemporaryDirectory() as folder:
        shipped, errors = load_watchlists(copy_shipped_watchlists(Path(folder) / "watchlists"))
    for error in errors:
        print(f"watchlist error: {error}")
    quality(shipped)
    generated = hundred_terms()
    rng = random.Random(SEED)
    extra = [varied(t.text, rng) for w in generated for t in w.terms[:2]]
    articles = synthetic_articles(ARTICLES, VARIANTS + tuple(extra))
    words = statistics.mean(len(html_to_text(a).split()) for a in articles)
    size = statistics.mean(len(a) for a in articles)
    print(
        f"\nthroughput, {ARTICLES} articles ({words:.0f} words, {size / 1000:.1f} kB on average),"
        f" median of {RUNS} runs, one core"
    )
    throughput("shipped watchlists", shipped, articles)
    throughput("100 generated terms", generated, articles)


if __name__ == "__main__":
    main()
