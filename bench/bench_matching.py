"""Matching benchmark: every matching figure of issue 12, each next to its baseline.

Run: .venv/bin/python bench/bench_matching.py [--quick]

Prints, each as a ratio to a baseline measured in the same run (medians of interleaved
runs on one core):
- quality per watchlist on /work/shared/eval/watchlist-dev.jsonl (skipped when absent);
- throughput (HTML → text → normalise → match) on 1,000 synthetic CACI-length articles,
  with the shipped lists and with 100 generated terms, next to an exact Aho–Corasick pass
  over the same normalised text and a naive matcher (rapidfuzz `partial_ratio >= 90` per
  term over the normalised text): CPU time, the passes taking turns 100 articles at a
  time, median of 5 runs (the first warms the matcher's memos, as a running bot has);
- recall on one-letter typos (insert, delete, substitute, transpose) in term words of 5+
  letters, and on two typos in terms of 10+ letters, next to the naive matcher's;
- precision on a 100-term list written as a user writes it (plain strings; acronyms such
  as TAP, SCO, BRI without flags) over articles that use ordinary words such as "tap";
- compile cost per term (ms, and KB held, by tracemalloc), next to the exact pass's.
"Before" figures are the issue's, measured on the matcher this one replaced.
The whole-process path (`caci-watch eval`) is measured by its own bench.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.evaluation import load_eval  # noqa: E402
from bot.domain.evaluate import evaluate  # noqa: E402
from bot.domain.matching import Matcher, compile_watchlists  # noqa: E402
from bot.domain.models import Term, Watchlist  # noqa: E402
from bot.domain.term_kinds import term_kind  # noqa: E402
from bot.domain.text import fold, html_to_text, normalize  # noqa: E402
from bot.lists.files import load_watchlists  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

DEV_SET = Path("/work/shared/eval/watchlist-dev.jsonl")
ARTICLES = 1000
RUNS = 5
CHUNK = 100  # articles each pass reads in turn
NAIVE_SHARE = 10  # the naive matcher reads one article in this many: it is slow
TYPO_CASES_PER_TERM = 20
PRECISION_ARTICLES = 300
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


def naive_pass(watchlists: Sequence[Watchlist]) -> Callable[[str], int]:
    """What a user writes: each term scored against the whole text."""
    terms = [(w.name, fold(t.text)) for w in watchlists for t in w.terms]

    def run(article: str) -> int:
        text = normalize(html_to_text(article)).collapsed()
        return len({name for name, term in terms if fuzz.partial_ratio(term, text) >= 90})

    return run


def naive_names(watchlists: Sequence[Watchlist]) -> Callable[[str], set[str]]:
    terms = [(w.name, fold(t.text)) for w in watchlists for t in w.terms]

    def run(text: str) -> set[str]:
        folded = normalize(html_to_text(text)).collapsed()
        return {name for name, term in terms if fuzz.partial_ratio(term, folded) >= 90}

    return run


def fuzzy_pass(matcher: Matcher) -> Callable[[str], int]:
    def run(article: str) -> int:
        return len(matcher.match([("body", article)]))

    return run


def seconds(run: Callable[[str], int], articles: Sequence[str]) -> float:
    """CPU seconds an article: on a loaded machine wall time is mostly waiting for a core."""
    start = time.process_time()
    for article in articles:
        run(article)
    return (time.process_time() - start) / len(articles)


def throughput(label: str, watchlists: Sequence[Watchlist], articles: Sequence[str]) -> None:
    matcher = compile_watchlists(watchlists)
    passes = {
        "matcher": fuzzy_pass(matcher),
        "exact": exact_pass(watchlists),
        "naive": naive_pass(watchlists),
    }
    times: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(RUNS):
        # Interleaved a chunk at a time, so that load on the machine hits all alike.
        spent = dict.fromkeys(passes, 0.0)
        for at in range(0, len(articles), CHUNK):
            chunk = articles[at : at + CHUNK]
            for name, run in passes.items():
                part = chunk[: max(1, len(chunk) // NAIVE_SHARE)] if name == "naive" else chunk
                spent[name] += seconds(run, part) * len(part)
        for name in passes:
            share = max(1, len(articles) // NAIVE_SHARE) if name == "naive" else len(articles)
            times[name].append(spent[name] / share)
    t = {name: statistics.median(values) for name, values in times.items()}
    terms = sum(len(w.terms) for w in watchlists)
    print(
        f"{label:<20} {terms:3d} terms  matcher {1 / t['matcher']:6.0f}/s  "
        f"exact {1 / t['exact']:6.0f}/s  naive {1 / t['naive']:5.0f}/s   "
        f"vs exact {t['matcher'] / t['exact']:4.2f}x slower   "
        f"vs naive {t['naive'] / t['matcher']:5.1f}x faster"
    )


# -- typo recall ---------------------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyz"
EDITS = ("insert", "delete", "substitute", "transpose")


def typo(word: str, rng: random.Random, kind: str) -> str:
    """One edit of `word` (a transposition swaps two different neighbours)."""
    i = rng.randrange(len(word))
    if kind == "insert":
        return word[:i] + rng.choice(LETTERS) + word[i:]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "substitute":
        return word[:i] + rng.choice(LETTERS.replace(word[i].lower(), "")) + word[i + 1 :]
    pairs = [j for j in range(len(word) - 1) if word[j] != word[j + 1]]
    j = rng.choice(pairs)
    return word[:j] + word[j + 1] + word[j] + word[j + 2 :]


def fuzzy_terms(watchlists: Sequence[Watchlist]) -> list[tuple[str, str]]:
    """(list, term) for the terms typos may touch: not acronyms, exact or literal terms."""
    return [(w.name, t.text) for w in watchlists for t in w.terms if term_kind(t).typos]


def sentence(written: str) -> str:
    return f"Officials in Baku said on Monday that the {written} would open next year."


def typo_cases(
    watchlists: Sequence[Watchlist], rng: random.Random, typos: int, min_letters: int
) -> list[tuple[str, str]]:
    """(list, text) with `typos` one-letter typos in words of 5+ letters of each term of
    `min_letters`+ letters; two typos never both in one five-letter word (40% of it)."""
    cases = []
    for name, text in fuzzy_terms(watchlists):
        words = text.split()
        if sum(c.isalnum() for c in text) < min_letters:
            continue
        long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long_words:
            continue
        if typos > 1 and len(long_words) < 2 and all(len(words[i]) < 6 for i in long_words):
            continue  # its one long word has five letters
        for _ in range(TYPO_CASES_PER_TERM):
            kinds = [rng.choice(EDITS) for _ in range(typos)]
            while True:  # places weighted by letters, as typing makes them
                weights = [len(words[i]) for i in long_words]
                chosen = rng.choices(long_words, weights, k=typos)
                if not any(chosen.count(i) > 1 and len(words[i]) < 6 for i in chosen):
                    break
            edited = list(words)
            for i, kind in zip(chosen, kinds, strict=True):
                edited[i] = typo(edited[i], rng, kind)
            cases.append((name, sentence(" ".join(edited))))
    return cases


def recall(cases: Sequence[tuple[str, str]], found: Callable[[str], set[str]]) -> float:
    return sum(name in found(text) for name, text in cases) / len(cases)


def typo_recall(watchlists: Sequence[Watchlist]) -> None:
    rng = random.Random(SEED)
    matcher = compile_watchlists(watchlists)

    def ours(text: str) -> set[str]:
        return {m.watchlist for m in matcher.match([("body", text)])}

    naive = naive_names(watchlists)
    one = typo_cases(watchlists, rng, 1, 5)
    two = typo_cases(watchlists, rng, 2, 10)
    for label, cases, before, goal in (
        ("one typo, words of 5+ letters", one, 0.77, 0.99),
        ("two typos, terms of 10+ letters", two, 0.51, 0.95),
    ):
        r, n = recall(cases, ours), recall(cases, naive)
        print(
            f"recall, {label:<32} {r:.3f}  (naive {n:.3f}: {r / n:4.2f}x;"
            f" before {before}, goal >= {goal}; {len(cases)} cases)"
        )


# -- precision on a list as users write it --------------------------------------------------

USER_ACRONYMS = ("TAP", "SCO", "BRI", "CASA", "GUAM", "EAEU", "CAREC", "OTS", "CICA", "ADB")
# Ordinary words and names an article uses that a careless matcher takes for a term.
DECOYS = (
    "tap", "taps", "tapped", "Tap", "casa", "Guam", "guam", "bri", "Bri", "sco", "ots",
    "adb", "the tap water", "a Casa Blanca cafe", "trips", "tripped", "ports", "portal",
    "the middle of", "economic zone", "pipelines", "highways", "rail way", "Agreement",
)  # fmt: skip


def user_list(seed: int = SEED) -> list[Watchlist]:
    """100 terms as a user types them: plain strings, acronyms in capitals, no flags."""
    rng = random.Random(seed)
    terms = [Term(a) for a in USER_ACRONYMS]
    kinds = ("railway", "port", "ferry line", "pipeline", "highway", "free economic zone")
    while len(terms) < 100:
        a, b = rng.sample(PLACES, 2)
        shape = rng.random()
        if shape < 0.4:
            text = f"{a}-{b} {rng.choice(kinds)}"
        elif shape < 0.7:
            text = f"Port of {a}" if rng.random() < 0.5 else f"{a} {rng.choice(kinds)}"
        else:
            text = f"{a} {b} Agreement"
        if text not in {t.text for t in terms}:
            terms.append(Term(text))
    return [
        Watchlist(name=f"user {i}", terms=tuple(terms[i::10]), exclude=(), threshold=88)
        for i in range(10)
    ]


def written_by_user(term: str, rng: random.Random) -> str:
    choice = rng.random()
    if term.isupper():
        return term + rng.choice(["", "'s", "-led"])
    if choice < 0.3:
        return term.lower()
    if choice < 0.5:
        return term.replace("-", " ")
    if choice < 0.7:
        words = term.split()
        i = max(range(len(words)), key=lambda j: len(words[j]))
        words[i] = typo(words[i], rng, rng.choice(EDITS))
        return " ".join(words)
    return term + "'s"


def precision_articles(
    watchlists: Sequence[Watchlist], count: int, rng: random.Random
) -> list[tuple[str, set[str]]]:
    """Articles of general English and policy nouns (no place names, so no term appears
    by chance) with 0–2 mentions of terms and 2–6 decoys; each with the lists it names."""
    vocabulary = FILLER * 6 + NOUNS * 2
    terms = [(w.name, t.text) for w in watchlists for t in w.terms]
    articles = []
    for _ in range(count):
        sentences = [
            " ".join(rng.choice(vocabulary) for _ in range(rng.randint(8, 28))).capitalize() + "."
            for _ in range(rng.randint(50, 70))
        ]
        named: set[str] = set()
        for _ in range(rng.randint(0, 2)):
            name, text = rng.choice(terms)
            written = written_by_user(text, rng)
            # "Khujand-Tashkent highway" also names a list holding "Tashkent highway".
            shown = f" {fold(written)} "
            named |= {n for n, t in terms if f" {fold(t)} " in shown} | {name}
            i = rng.randrange(len(sentences))
            sentences[i] = f"{sentences[i][:-1]} near the {written}."
        for _ in range(rng.randint(2, 6)):
            i = rng.randrange(len(sentences))
            sentences[i] = f"{sentences[i][:-1]} and {rng.choice(DECOYS)} there."
        articles.append((" ".join(sentences), named))
    return articles


def precision(watchlists: Sequence[Watchlist]) -> None:
    rng = random.Random(SEED)
    articles = precision_articles(watchlists, PRECISION_ARTICLES, rng)
    matcher = compile_watchlists(watchlists)
    naive = naive_names(watchlists)
    for label, found in (
        ("matcher", lambda text: {m.watchlist for m in matcher.match([("body", text)])}),
        ("naive", naive),
    ):
        tp = fp = fn = 0
        for text, named in articles:
            got = found(text)
            tp += len(got & named)
            fp += len(got - named)
            fn += len(named - got)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        print(f"precision, 100 terms as users write them, {label:<7} {p:.3f} (recall {r:.3f})")
    print("  before 0.784 (every false alarm: tap matching TAP), goal >= 0.99")


# -- compile cost ----------------------------------------------------------------------------


def compile_cost(watchlists: Sequence[Watchlist]) -> None:
    terms = sum(len(w.terms) for w in watchlists)
    costs: dict[str, tuple[list[float], list[int]]] = {"matcher": ([], []), "exact": ([], [])}
    builders: dict[str, Callable[[], object]] = {
        "matcher": lambda: compile_watchlists(watchlists),
        "exact": lambda: exact_pass(watchlists),
    }
    for _ in range(RUNS):
        for name, build in builders.items():
            tracemalloc.start()
            start = time.process_time()
            built = build()
            elapsed = time.process_time() - start
            held, _ = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            del built
            costs[name][0].append(elapsed)
            costs[name][1].append(held)
    # tracemalloc slows Python down; the time (CPU) is measured again without it.
    for name, build in builders.items():
        costs[name][0].clear()
        for _ in range(RUNS):
            start = time.process_time()
            build()
            costs[name][0].append(time.process_time() - start)
    ms = {n: statistics.median(c[0]) * 1000 / terms for n, c in costs.items()}
    kb = {n: statistics.median(c[1]) / 1024 / terms for n, c in costs.items()}
    print(
        f"compile per term: {ms['matcher']:.3f} ms, {kb['matcher']:.1f} KB held"
        f"  (exact pass {ms['exact']:.3f} ms, {kb['exact']:.1f} KB: "
        f"{ms['matcher'] / ms['exact']:.1f}x, {kb['matcher'] / kb['exact']:.1f}x;"
        f" before ~5 ms, ~300 KB; goal <= 1 ms, <= 50 KB)"
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
    quick = "--quick" in sys.argv
    # The three shipped lists, not whatever else a user has added to watchlists/.
    with tempfile.TemporaryDirectory() as folder:
        shipped, errors = load_watchlists(copy_shipped_watchlists(Path(folder) / "watchlists"))
    for error in errors:
        print(f"watchlist error: {error}")
    quality(shipped)
    generated = hundred_terms()
    print()
    typo_recall([*shipped, *generated])
    precision(user_list())
    compile_cost(generated)
    rng = random.Random(SEED)
    extra = [varied(t.text, rng) for w in generated for t in w.terms[:2]]
    articles = synthetic_articles(100 if quick else ARTICLES, VARIANTS + tuple(extra))
    words = statistics.mean(len(html_to_text(a).split()) for a in articles)
    size = statistics.mean(len(a) for a in articles)
    print(
        f"\nthroughput, {len(articles)} articles ({words:.0f} words, {size / 1000:.1f} kB on"
        f" average; naive on 1 in {NAIVE_SHARE}), CPU time, median of {RUNS} runs interleaved"
        f" {CHUNK} articles at a time, one core"
    )
    throughput("shipped watchlists", shipped, articles)
    throughput("100 generated terms", generated, articles)
    print("  before: 1.39x / 2.14x slower than exact, 6.0x faster than naive (100 terms);")
    print("  goal: <= 1.3x and <= 2.0x slower than exact, >= 10x faster than naive")


if __name__ == "__main__":
    main()
