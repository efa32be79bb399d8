"""Benchmark: ten users with full personal lists (5 lists x 20 terms each, 1,000 terms).

Run: .venv/bin/python bench/bench_personal_lists.py [--runs R] [--articles N]

Each list is twenty realistic terms drawn from one of ten themes a reader of the
Central Asia-Caucasus Analyst follows (water and dams, oil and gas, routes, security,
...); acronyms of up to six capitals are exact terms. Beside them, the three shipped
lists. Prints, each as the median of R runs (default 3) with its baseline measured in
the same run:

(a) compile: what one edit of a personal list (a term removed, through the same steps
    the bot runs: dry run, save, re-match, the polls' matcher) compiles and how long
    that takes, against compiling every list as one matcher, which is what each edit
    cost before (``compile_watchlists`` of the shared and all personal lists);
(b) memory: the resident memory (VmRSS, after a collection and malloc_trim; and VmHWM,
    the peak) and the bytes held as traced by tracemalloc, of a fresh process that has
    compiled the shared lists and the 50 personal lists one by one (``CompiledLists``),
    and of one that compiled them all as one matcher (before), each next to a process
    that compiled the shared lists alone (no personal lists, the baseline);
(c) the event loop during that edit, run as the bot runs it (``Service.off_loop``, a
    store of N articles, default 300): the longest the loop waited to run a 5 ms tick,
    against the same with nothing running, the list's compile time, and in which thread
    the compile ran;
(d) matching: time per article (of 200 synthetic CACI-length articles) with the lists
    matched apart (the shared matcher, then each personal one) against one matcher of
    every list, and the shared lists alone: the price of compiling per list;
(e) the event loop during a poll that brings 20 new articles (a loopback feed), with
    every list in force: the longest wait for a tick, against the time matching them
    takes (which the loop would wait, were they matched on it) and the idle wait.

The machine may be shared: see the spread of the runs. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matching import synthetic_articles  # noqa: E402

from bot.app import personal_lists  # noqa: E402
from bot.app.chats import Chat, ensure_chat  # noqa: E402
from bot.app.compiled_lists import CompiledLists  # noqa: E402
from bot.app.config import builtin_config  # noqa: E402
from bot.app.poll import poll_once  # noqa: E402
from bot.app.service import Service, build_service  # noqa: E402
from bot.app.steps import give_back_memory  # noqa: E402
from bot.domain.matchers import Matchers  # noqa: E402
from bot.domain.matching import Matcher, compile_watchlists  # noqa: E402
from bot.domain.models import Term, Watchlist  # noqa: E402
from bot.domain.poll import match_article  # noqa: E402
from bot.domain.text import html_to_text  # noqa: E402
from bot.lists.files import load_watchlists  # noqa: E402
from bot.lists.personal import PersonalList, new_list  # noqa: E402
from tests.factories import make_article, rss  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

USERS = 10
LISTS_PER_USER = 5
TERMS_PER_LIST = 20
SEED = 1212
TICK = 0.005
MATCH_ARTICLES = 200
POLL_ITEMS = 20

THEMES: dict[str, tuple[str, ...]] = {
    "Water and dams": (
        "Rogun Dam", "Nurek Dam", "Vakhsh cascade", "Kambarata-1", "Kambarata hydropower plant",
        "CASA-1000", "Toktogul reservoir", "Amu Darya", "Syr Darya", "Aral Sea",
        "Qosh Tepa canal", "Barki Tojik", "Sarez Lake", "Naryn River", "transboundary water",
        "irrigation quotas", "hydropower exports", "Chardara reservoir", "Zarafshan river",
        "Karakum Canal", "Dushanbe water conference", "glacier melt", "water-energy nexus",
        "Kairakkum reservoir", "TALCO", "ICWC", "IFAS", "Big Fergana Canal",
    ),
    "Oil and gas": (
        "Trans-Caspian Gas Pipeline", "TAPI pipeline", "Galkynysh gas field", "Kashagan",
        "Tengiz", "Karachaganak", "Caspian Pipeline Consortium", "CPC terminal",
        "Baku-Tbilisi-Ceyhan", "South Caucasus Pipeline", "Southern Gas Corridor", "TANAP",
        "Shah Deniz", "Azeri-Chirag-Gunashli", "SOCAR", "KazMunayGas", "Turkmengaz",
        "Uzbekneftegaz", "gas swap with Iran", "Black Sea submarine cable",
        "green hydrogen", "Kazatomprom", "nuclear power plant in Kazakhstan",
        "Balkhash nuclear plant", "Rosatom", "uranium exports", "oil price cap",
    ),
    "Routes": (
        "Middle Corridor", "Trans-Caspian International Transport Route", "TITR",
        "Zangezur corridor", "Lapis Lazuli corridor", "China-Kyrgyzstan-Uzbekistan railway",
        "Baku-Tbilisi-Kars railway", "BTK", "Port of Aktau", "Port of Kuryk", "Alat port",
        "Anaklia deep sea port", "Poti port", "Khorgos dry port", "Termez logistics hub",
        "Trans-Afghan railway", "INSTC", "North-South Transport Corridor", "Caspian ferry",
        "Turkmenbashi port", "Chabahar port", "Kars-Gyumri railway", "TRIPP",
        "Trump Route for International Peace and Prosperity", "Nakhchivan corridor",
        "Aras Valley railway", "container traffic on the Caspian",
    ),
    "Security": (
        "Collective Security Treaty Organization", "CSTO", "SCO",
        "Shanghai Cooperation Organisation", "Kant air base", "201st military base",
        "Gyumri base", "Islamic State Khorasan", "ISKP", "Taliban", "Tajik-Kyrgyz border",
        "Batken", "Vorukh", "Bayraktar drones", "joint military exercises",
        "Peace Mission exercise", "border demarcation", "Russian peacekeepers",
        "EU monitoring mission in Armenia", "EUMA", "Lachin corridor", "Nagorno-Karabakh",
        "Armenia-Azerbaijan peace treaty", "OSCE Minsk Group", "arms procurement",
        "military cooperation with Turkey",
    ),
    "Politics": (
        "Tokayev", "Mirziyoyev", "Emomali Rahmon", "Sadyr Japarov", "Serdar Berdimuhamedov",
        "Ilham Aliyev", "Nikol Pashinyan", "Irakli Kobakhidze", "Georgian Dream",
        "Bidzina Ivanishvili", "foreign agents law", "constitutional referendum",
        "snap election", "parliamentary elections", "Karakalpakstan protests",
        "Gorno-Badakhshan", "Bloody January", "presidential term limits", "press freedom",
        "civil society crackdown", "Amanat party", "New Kazakhstan", "political succession",
        "opposition leader arrested", "Kamchybek Tashiev",
    ),
    "Trade and money": (
        "Eurasian Economic Union", "EAEU", "WTO accession", "sanctions evasion",
        "parallel imports", "secondary sanctions", "remittances", "labour migrants",
        "tenge devaluation", "privatisation programme", "Astana International Financial Centre",
        "AIFC", "Asian Development Bank", "EBRD", "Chinese loans", "Belt and Road Initiative",
        "BRI", "debt to China", "Exim Bank of China", "cotton forced labour",
        "critical raw materials", "rare earth elements", "lithium deposits", "Global Gateway",
        "C5+1", "sovereign wealth fund",
    ),
    "Foreign policy": (
        "Central Asia-EU summit", "Organization of Turkic States", "OTS", "Turkic Council",
        "Xi'an summit", "China-Central Asia summit", "Abraham Accords",
        "Israel-Azerbaijan relations", "Iran-Azerbaijan relations", "Russia-Georgia relations",
        "Abkhazia", "South Ossetia", "Tskhinvali", "EU candidate status",
        "visa liberalisation", "NATO partnership", "Black Sea security",
        "Uzbekistan-Afghanistan relations", "Consultative Meeting of Central Asian leaders",
        "Japan-Central Asia dialogue", "Korea-Central Asia summit", "Gulf investment",
        "Lavrov visit", "Erdogan visit",
    ),
    "Land and climate": (
        "wheat exports", "grain harvest", "locust invasion", "desertification", "dust storms",
        "Aral Sea restoration", "cotton harvest", "drought in Kazakhstan",
        "flooding in Kazakhstan", "air pollution in Almaty", "Bishkek smog",
        "Caspian Sea level", "Caspian seals", "climate adaptation", "COP29",
        "renewable energy auction", "solar power plant", "wind farm", "Masdar", "ACWA Power",
        "green bonds", "methane emissions", "glacier retreat", "Tian Shan", "Pamir mountains",
        "snow leopard", "land reform",
    ),
    "Faith and society": (
        "Hizb ut-Tahrir", "hijab ban", "religious extremism", "madrasa", "Salafism",
        "radicalisation", "returnees from Syria", "repatriation of women and children",
        "Operation Zhusan", "Muftiate", "Uyghurs in Xinjiang", "Xinjiang camps",
        "ethnic Kazakhs in China", "Atajurt", "Dungan community", "Meskhetian Turks",
        "Russian language law", "Kazakh Latin alphabet", "language policy", "brain drain",
        "relocants from Russia", "Bolashak scholarship", "Nazarbayev University",
        "youth unemployment", "higher education reform",
    ),
    "Digital": (
        "Starlink in Central Asia", "Digital Silk Road", "data centres", "Huawei",
        "5G networks", "e-government", "digital tenge", "cryptocurrency mining",
        "Bitcoin mining", "internet shutdown", "VPN blocking", "Telegram channels",
        "TikTok ban", "cyberattack", "Astana Hub", "IT Park Uzbekistan", "Kaspi.kz",
        "startup ecosystem", "artificial intelligence strategy", "satellite launch",
        "Baikonur cosmodrome", "Trans-Caspian fibre optic cable", "electricity blackout",
        "digital ID", "semiconductor supply",
    ),
}  # fmt: skip


def as_term(text: str) -> Term:
    acronym = text.isalpha() and text.isupper() and len(text) <= 6
    return Term(text, exact=acronym)


def personal_lists_of_ten_users(seed: int = SEED) -> list[PersonalList]:
    """Five lists a user, each twenty terms of one theme; users share some themes."""
    rng = random.Random(seed)
    lists: list[PersonalList] = []
    for user in range(USERS):
        owner = 700_000 + user
        mine: list[PersonalList] = []
        for theme in rng.sample(sorted(THEMES), LISTS_PER_USER):
            terms = [as_term(t) for t in rng.sample(THEMES[theme], TERMS_PER_LIST)]
            mine.append(new_list(mine, owner, theme, terms))  # held to the bot's rules
        lists.extend(mine)
    return lists


def shipped_lists(tmp: Path) -> list[Watchlist]:
    lists, errors = load_watchlists(copy_shipped_watchlists(tmp / "shipped"))
    assert not errors, errors
    return lists


def proc_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


# -- (b) memory, in a fresh process each ---------------------------------------------------


def child(kind: str, traced: bool) -> None:
    """Compile the lists as ``kind`` says and print what the process holds, as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        shared = shipped_lists(Path(tmp))
    plists = personal_lists_of_ten_users()
    gc.collect()
    if traced:
        tracemalloc.start()
    held: object
    if kind == "none":
        held = compile_watchlists(shared)
    elif kind == "apart":
        held = CompiledLists().matchers(shared, plists)
    else:  # "together": every list as one matcher, as before
        held = compile_watchlists([*shared, *(p.watchlist for p in plists)])
    gc.collect()
    traced_mb = tracemalloc.get_traced_memory()[0] / 2**20 if traced else 0.0
    give_back_memory()
    print(
        json.dumps(
            {
                "rss": proc_mb("VmRSS"),
                "hwm": proc_mb("VmHWM"),
                "traced": traced_mb,
                "ok": bool(held),
            }
        )
    )


def measure_child(kind: str, traced: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind] + (["--traced"] if traced else []),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


# -- (a) and (c): one edit, as the bot runs it -----------------------------------------------


@dataclass
class TimedCompiles:
    """The compile function handed to the service: it times each compile, and notes its
    thread and how many terms it compiled."""

    seen: list[tuple[float, int, int]] = field(default_factory=list)  # (seconds, terms, thread)

    def __call__(self, lists: Sequence[Watchlist]) -> Matcher:
        start = time.perf_counter()
        matcher = compile_watchlists(lists)
        elapsed = time.perf_counter() - start
        self.seen.append((elapsed, sum(len(w.terms) for w in lists), threading.get_ident()))
        return matcher


def make_service(tmp: Path, shared_dir: Path, articles: int) -> Service:
    config = builtin_config(
        store_path=tmp / "store.sqlite3",
        watchlists_dir=shared_dir,
        feed_urls=["http://127.0.0.1:9/never-polled.feed"],
    )
    service = build_service(config)
    bodies = synthetic_articles(min(articles, 100), sample_mentions(), seed=5)
    seen = datetime.now(UTC) - timedelta(hours=1)
    with service.store.transaction():
        for i in range(articles):
            service.store.upsert_article(make_article(i, text=bodies[i % len(bodies)]), seen)
    return service


def sample_mentions() -> tuple[str, ...]:
    return tuple(t for terms in THEMES.values() for t in terms[::4])


@dataclass(frozen=True)
class EditRun:
    full_compile: float  # every list as one matcher: what an edit cost before
    warm: float  # the bot's first compile of every list, one by one
    edit_compiles: int
    edit_terms: int
    edit_compile: float  # seconds compiling during the edit
    edit_wall: float  # the whole edit: dry run, save, re-match, matcher
    lag_idle: float  # longest wait for a tick, nothing running
    lag_edit: float  # the same during the edit
    off_loop: bool


async def longest_lag(work: Callable[[], object], *, idle: float | None = None) -> float:
    """Longest delay of a TICK-second sleep while ``work()`` (a coroutine) runs, or for
    ``idle`` seconds when there is none."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    running = True

    async def ticker() -> None:
        nonlocal worst
        while running:
            start = loop.time()
            await asyncio.sleep(TICK)
            worst = max(worst, loop.time() - start - TICK)

    task = asyncio.ensure_future(ticker())
    if idle is not None:
        await asyncio.sleep(idle)
    else:
        await work()  # type: ignore[misc]
    running = False
    await task
    return worst


def edit_run(articles: int) -> EditRun:
    plists = personal_lists_of_ten_users()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        shared = shipped_lists(tmp)
        every = [*shared, *(p.watchlist for p in plists)]
        gc.collect()
        start = time.perf_counter()
        together = compile_watchlists(every)
        full = time.perf_counter() - start
        del together
        gc.collect()

        service = make_service(tmp, copy_shipped_watchlists(tmp / "watchlists"), articles)
        timed = TimedCompiles()
        service.compiled = CompiledLists(timed)
        now = datetime.now(UTC)
        with service.store.transaction():
            for plist in plists:
                service.store.personal.save(plist, now)
        for owner in sorted({p.owner for p in plists}):
            ensure_chat(service, Chat(owner, "private"), now)
        try:
            edited = plists[0]

            async def scenario() -> tuple[float, float, float, float, int]:
                start = time.perf_counter()
                await service.warm_matcher()
                warm = time.perf_counter() - start
                service.matcher  # noqa: B018 - put together, as a poll would
                idle = await longest_lag(lambda: None, idle=1.0)
                timed.seen.clear()
                wall = 0.0

                async def edit() -> None:
                    nonlocal wall
                    start = time.perf_counter()
                    await service.off_loop(
                        personal_lists.remove_term_steps(
                            service,
                            now,
                            owner=edited.owner,
                            name=edited.name,
                            term=edited.terms[-1].text,
                            actor="bench",
                        )
                    )
                    wall = time.perf_counter() - start

                lag = await longest_lag(edit)
                return warm, idle, lag, wall, threading.get_ident()

            warm, idle, lag, wall, loop_thread = asyncio.run(scenario())
            matchers = service.matcher
            assert len(matchers.personal) == len(plists)
        finally:
            service.close()
    return EditRun(
        full_compile=full,
        warm=warm,
        edit_compiles=len(timed.seen),
        edit_terms=sum(terms for _, terms, _ in timed.seen),
        edit_compile=sum(seconds for seconds, _, _ in timed.seen),
        edit_wall=wall,
        lag_idle=idle,
        lag_edit=lag,
        off_loop=all(thread != loop_thread for _, _, thread in timed.seen),
    )


# -- (d) matching -----------------------------------------------------------------------------


def per_article_ms(matcher: Matcher | Matchers, articles: Sequence[object]) -> float:
    start = time.perf_counter()
    for article in articles:
        match_article(matcher, article)  # type: ignore[arg-type]
    return (time.perf_counter() - start) / len(articles) * 1000


def matching_run(shared: list[Watchlist], apart: Matchers, together: Matcher) -> list[float]:
    bodies = synthetic_articles(MATCH_ARTICLES, sample_mentions(), seed=9)
    articles = [make_article(i, text=html_to_text(b)) for i, b in enumerate(bodies)]
    alone = Matchers(apart.shared)
    return [per_article_ms(m, articles) for m in (apart, together, alone)]


# -- (e) a poll bringing new articles ----------------------------------------------------------


def poll_run(plists: list[PersonalList], feeds: FeedServer) -> tuple[float, float, float, int]:
    """(longest tick wait during the poll, the same idle, matching the articles, alerts)"""
    bodies = synthetic_articles(POLL_ITEMS, sample_mentions(), seed=11)
    now = datetime.now(UTC)
    items = [
        (f"p{i}", f"Item {i}", body, now - timedelta(minutes=i)) for i, body in enumerate(bodies)
    ]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        feeds.serve_feed("/a.feed", rss([]))
        config = builtin_config(
            store_path=tmp / "store.sqlite3",
            watchlists_dir=copy_shipped_watchlists(tmp / "watchlists"),
            feed_urls=[feeds.url("/a.feed")],
        )
        service = build_service(config)
        with service.store.transaction():
            for plist in plists:
                service.store.personal.save(plist, now)
        try:

            async def scenario() -> tuple[float, float, int]:
                await poll_once(service, now, force=True)  # first poll: compiles, no items
                idle = await longest_lag(lambda: None, idle=1.0)
                feeds.publish("/a.feed", rss(items))
                alerts = 0

                async def poll() -> None:
                    nonlocal alerts
                    [report] = await poll_once(service, now + timedelta(minutes=1), force=True)
                    alerts = len(report.alerts)

                lag = await longest_lag(poll)
                return lag, idle, alerts

            lag, idle, alerts = asyncio.run(scenario())
            matcher = service.matcher
            parsed = [make_article(i, text=html_to_text(b)) for i, b in enumerate(bodies)]
            start = time.perf_counter()
            for article in parsed:
                match_article(matcher, article)
            matching = time.perf_counter() - start
        finally:
            service.close()
    return lag, idle, matching, alerts


# -- the report -------------------------------------------------------------------------------


def med(values: Sequence[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--parts", default="abcde", help="which figures, e.g. ae")
    parser.add_argument("--child", choices=("none", "apart", "together"))
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.traced)
        return

    plists = personal_lists_of_ten_users()
    terms = sum(len(p.terms) for p in plists)
    print(
        f"{USERS} users x {LISTS_PER_USER} lists x {TERMS_PER_LIST} terms = {terms} personal"
        f" terms, beside the 3 shipped lists; medians of {args.runs} runs"
    )

    if "a" in args.parts or "c" in args.parts:
        report_edits([edit_run(args.articles) for _ in range(args.runs)], args.articles)
    if "b" in args.parts:
        report_memory(args.runs, terms)
    if "d" in args.parts:
        report_matching(args.runs, plists)
    if "e" in args.parts:
        with FeedServer() as feeds:
            report_polls([poll_run(plists, feeds) for _ in range(args.runs)])


def report_edits(edits: list[EditRun], articles: int) -> None:
    for i, e in enumerate(edits, 1):
        print(
            f"  run {i}: all as one {e.full_compile:6.2f} s | one by one {e.warm:6.2f} s |"
            f" edit compiles {e.edit_compiles} ({e.edit_terms} terms) {e.edit_compile * 1000:6.0f}"
            f" ms, edit {e.edit_wall * 1000:6.0f} ms | loop lag idle"
            f" {e.lag_idle * 1000:5.1f} ms, during the edit {e.lag_edit * 1000:5.1f} ms"
        )
    full = med([e.full_compile for e in edits])
    edit = med([e.edit_compile for e in edits])
    print(
        f"(a) compile after one edit: {edit * 1000:.0f} ms for {edits[0].edit_compiles}"
        f" compile(s) of {edits[0].edit_terms} terms, against {full:.2f} s to compile every"
        f" list as one (before): {edit / full:.3f} of it ({full / edit:.0f}x less)."
        f" The first compile of every list one by one: {med([e.warm for e in edits]):.2f} s"
        f" ({med([e.warm for e in edits]) / full:.2f}x all as one), in a worker thread."
    )
    lag_idle = med([e.lag_idle for e in edits])
    lag_edit = med([e.lag_edit for e in edits])
    print(
        f"(c) during the edit ({med([e.edit_wall for e in edits]) * 1000:.0f} ms, dry run and"
        f" re-match over {articles} articles) the loop waited at most"
        f" {lag_edit * 1000:.1f} ms for a {TICK * 1000:.0f} ms tick, against {lag_idle * 1000:.1f}"
        f" ms idle; the list's compile took {edit * 1000:.0f} ms"
        f" ({lag_edit / edit:.2f} of it as lag); compiled off the loop in every run:"
        f" {all(e.off_loop for e in edits)}."
    )


def report_memory(runs: int, terms: int) -> None:
    memory: dict[str, list[dict[str, float]]] = {"none": [], "apart": [], "together": []}
    traced: dict[str, list[float]] = {"none": [], "apart": [], "together": []}
    for _ in range(runs):
        for kind in memory:  # interleaved, so that a busy spell weighs on each alike
            memory[kind].append(measure_child(kind, traced=False))
            traced[kind].append(measure_child(kind, traced=True)["traced"])
    rss = {k: med([m["rss"] for m in v]) for k, v in memory.items()}
    hwm = {k: med([m["hwm"] for m in v]) for k, v in memory.items()}
    held = {k: med(v) for k, v in traced.items()}
    for kind in memory:
        print(
            f"  {kind:<9} VmRSS {rss[kind]:6.1f} MB  VmHWM {hwm[kind]:6.1f} MB"
            f"  traced {held[kind]:6.1f} MB   runs: "
            + ", ".join(f"{m['rss']:.0f}" for m in memory[kind])
        )
    print(
        f"(b) memory with the personal lists compiled one by one: +{rss['apart'] - rss['none']:.1f}"
        f" MB resident (peak +{hwm['apart'] - hwm['none']:.1f} MB, traced"
        f" +{held['apart'] - held['none']:.1f} MB) over no personal lists ({rss['none']:.1f} MB);"
        f" all as one (before): +{rss['together'] - rss['none']:.1f} MB (peak"
        f" +{hwm['together'] - hwm['none']:.1f} MB, traced +{held['together'] - held['none']:.1f}"
        f" MB). Per personal term: {(held['apart'] - held['none']) * 1024 / terms:.0f} KB"
        " traced."
    )


def report_matching(runs: int, plists: list[PersonalList]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shared = shipped_lists(Path(folder))
    apart = CompiledLists().matchers(shared, plists)
    together = compile_watchlists([*shared, *(p.watchlist for p in plists)])
    times = [matching_run(shared, apart, together) for _ in range(runs)]
    apart_ms, together_ms, alone_ms = (med([t[i] for t in times]) for i in range(3))
    print(
        f"(d) matching, per article: {apart_ms:.2f} ms with the lists apart, against"
        f" {together_ms:.2f} ms with one matcher of every list ({apart_ms / together_ms:.1f}x)"
        f" and {alone_ms:.2f} ms with the shared lists alone."
    )


def report_polls(polls: list[tuple[float, float, float, int]]) -> None:
    for i, (lag, idle, matching, alerts) in enumerate(polls, 1):
        print(
            f"  poll {i}: loop waited at most {lag * 1000:.1f} ms (idle {idle * 1000:.1f} ms);"
            f" matching the {POLL_ITEMS} articles takes {matching * 1000:.0f} ms; {alerts} alerts"
        )
    lag, idle, matching = (med([p[i] for p in polls]) for i in range(3))
    print(
        f"(e) a poll bringing {POLL_ITEMS} new articles: the loop waited at most"
        f" {lag * 1000:.1f} ms for a {TICK * 1000:.0f} ms tick (idle {idle * 1000:.1f} ms),"
        f" while matching them takes {matching * 1000:.0f} ms"
        f" ({lag / matching:.2f} of it as lag): matched in a worker thread."
    )


if __name__ == "__main__":
    main()
