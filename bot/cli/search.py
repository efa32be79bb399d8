"""``caci-watch search``, ``caci-watch export`` and ``caci-watch feeds``: the stored
articles found by their words, a window's matches as a file, each list's Atom feed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.config import Config
from bot.cli.common import UserError, parse_when, progress_bar

SEARCH_MOST = 20
SEARCH_PROGRESS = "searching"
EXPORT_PROGRESS = "exporting"


def add_parsers(sub: Any, load_config: Callable[[argparse.Namespace], Config]) -> None:
    search = sub.add_parser("search", help="find stored articles by their words (full text)")
    search.add_argument("words", nargs="+", help="the words, all of which an article holds")
    search.add_argument("--watchlist", help="only articles this list matched")
    search.add_argument("--since", help="published on or after YYYY-MM-DD")
    search.add_argument(
        "--limit", type=int, default=SEARCH_MOST, help=f"at most this many (default {SEARCH_MOST})"
    )
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(handler=lambda a: _search(a, load_config(a)))

    export = sub.add_parser(
        "export", help="the matches of a window, one row per article and list, with why"
    )
    export.add_argument("--since", required=True, help="YYYY-MM-DD or an ISO time")
    export.add_argument("--until", help="end of the window (default: now)")
    export.add_argument("--watchlist", help="only this list")
    export.add_argument("--format", choices=("csv", "json", "jsonl"), default="csv")
    export.add_argument("--out", type=Path, help="write here (default: standard output)")
    export.set_defaults(handler=lambda a: _export(a, load_config(a)))

    feeds = sub.add_parser("feeds", help="write an Atom feed of each watchlist's matches")
    feeds.add_argument("--out", type=Path, required=True, help="the folder to write them to")
    feeds.add_argument("--days", type=int, default=30, help="matches of the last N days (30)")
    feeds.set_defaults(handler=lambda a: _feeds(a, load_config(a)))


def _now() -> datetime:
    return datetime.now(UTC)


def _list_named(service: Any, query: str | None) -> str | None:
    from bot.app.search import SearchRefused, shared_list_named
    from bot.messages.watchlist_console import unknown_list_line

    if query is None:
        return None
    try:
        return shared_list_named(service, query)
    except SearchRefused as exc:
        raise UserError(unknown_list_line(exc.query, exc.candidates)) from exc


def _search(args: argparse.Namespace, config: Config) -> int:
    from bot.app.search import SearchRequest, search_all
    from bot.app.service import build_service
    from bot.domain.search import search_words
    from bot.messages.search_screens import hit_json, search_console

    words = search_words(" ".join(args.words))
    if not words:
        raise UserError("give words to search for (letters or digits)")
    if args.limit < 1:
        raise UserError("--limit must be at least 1")
    tz = ZoneInfo(config.digest.timezone)
    since = parse_when(args.since, tz) if args.since else None
    with closing(build_service(config)) as service:
        watchlist = _list_named(service, args.watchlist)
        request = SearchRequest(words, watchlist, watchlist, since)
        with progress_bar(SEARCH_PROGRESS) as progress:
            page = search_all(service, request, most=args.limit, progress=progress)
    if args.json:
        body = {
            "words": list(page.words),
            "total": page.total,
            "results": [hit_json(h) for h in page.hits],
        }
        print(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        print(search_console(page, label=watchlist))
    return 0


def _export(args: argparse.Namespace, config: Config) -> int:
    from bot.app.search import export
    from bot.app.service import build_service
    from bot.messages.export import export_lines

    tz = ZoneInfo(config.digest.timezone)
    since = parse_when(args.since, tz)
    until = parse_when(args.until, tz) if args.until else _now() + timedelta(seconds=1)
    if until <= since:
        if not args.until:
            raise UserError(f"--since {args.since} is in the future")
        raise UserError("--until must be later than --since")
    with closing(build_service(config)) as service:
        watchlist = _list_named(service, args.watchlist)
        with progress_bar(EXPORT_PROGRESS) as progress:
            found = export(
                service, since=since, until=until, watchlist=watchlist, progress=progress
            )
            lines = export_lines(found.rows, args.format)
            if args.out is None:
                for piece in lines:
                    sys.stdout.write(piece)
            else:
                try:
                    with args.out.open("w", encoding="utf-8", newline="") as f:
                        f.writelines(lines)
                except OSError as exc:
                    raise UserError(f"{args.out}: {exc.strerror or exc}") from exc
    if args.out is not None:
        print(f"{found.count} rows written to {args.out}", file=sys.stderr)
    return 0


FEED_MAX_DAYS = 100_000


def _feeds(args: argparse.Namespace, config: Config) -> int:
    from bot.app.atom_feeds import write_feeds
    from bot.app.service import build_service

    # Further back than any article, and than datetime can count (OverflowError).
    if not 1 <= args.days <= FEED_MAX_DAYS:
        raise UserError(f"--days must be 1 to {FEED_MAX_DAYS}")
    with closing(build_service(config)) as service:
        try:
            written = write_feeds(service, args.out, _now(), days=args.days)
        except OSError as exc:
            raise UserError(f"{args.out}: {exc.strerror or exc}") from exc
    for feed in written:
        print(f"{feed.path}  {feed.watchlist}: {feed.entries} entries")
    return 0
