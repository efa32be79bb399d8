"""The ``caci-watch`` command line.

Each command imports what only it needs when it runs: `run` alone needs Telegram, the
scheduler and the feeds' HTTP client, `poll` httpx and feedparser, and a short command
(`check`, `status`, `eval`) should not pay for them in start-up time and memory.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import __version__
from bot.app.config import Config, ConfigError, default_config_path, load_config
from bot.cli import chat as cli_chat
from bot.cli import feedback as cli_feedback
from bot.cli import migrate as cli_migrate
from bot.cli import search as cli_search
from bot.cli import site as cli_site
from bot.cli import watchlist as cli_watchlist
from bot.cli.common import UserError, parse_when
from bot.lists.files import WatchlistError
from bot.runtime.logs import setup_logging
from bot.storage import StoreError
from bot.storage.database import describe_store_fault, passes, store_fault

EXIT_USAGE = 2
# Something that may pass (a locked database): worth trying again later.
EXIT_FAILURE = 1


# A reader that went away (`caci-watch check | head -1`): the status of a program that
# SIGPIPE stopped, as a shell reports it.
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        # Inside the try: a reader gone is found here, not in the flush at exit, where
        # Python could only print a traceback about it.
        sys.stdout.flush()
    except BrokenPipeError:
        # The recipe in Python's docs (signal module, "Note on SIGPIPE"): what is still
        # buffered goes to /dev/null, so that the flush at exit does not fail again.
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    return code


def _stdout_to_devnull() -> None:
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing is flushed to a pipe at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    # `run` lasts for months; every command's parser (a few hundred KB) need not.
    del parser
    try:
        result: int = args.handler(args)
        return result
    except StoreError as exc:
        print(f"caci-watch: error: {exc}", file=sys.stderr)
        # Exit 2 (a configuration problem) keeps systemd from restarting; a lock held
        # by another process passes, so it exits 1 and is retried.
        return EXIT_FAILURE if exc.passing else EXIT_USAGE
    except (
        ConfigError,
        WatchlistError,
        UserError,
        cli_watchlist.WatchlistCommandError,
    ) as exc:
        print(f"caci-watch: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # sqlite3's errors, or psycopg's on PostgreSQL
        # The store failing under a command (locked by the running bot for too long, a
        # full disk) is the operator's to fix, like a bad config: one line, no traceback.
        if store_fault(exc) is None:
            raise
        print(
            f"caci-watch: error: {_store_path(args)}: {describe_store_fault(exc)}", file=sys.stderr
        )
        return EXIT_FAILURE if passes(exc) else EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _store_path(args: argparse.Namespace) -> str:
    """The database the failed command used, to name it in the error line."""
    try:
        return str(
            load_config(args.config or default_config_path(os.environ, Path.cwd())).store.shown
        )
    except ConfigError:
        return "the store"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="caci-watch",
        description="Watches the Central Asia-Caucasus Analyst for the subjects you follow.",
    )
    p.add_argument("--version", action="version", version=f"caci-watch {__version__}")
    p.add_argument(
        "--config",
        type=Path,
        help="config file (default: $CACI_WATCH_CONFIG, else ./config.toml)",
    )
    sub = p.add_subparsers(metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="offline demo: poll the bundled feed snapshot, print alerts and digest"
    )
    demo.add_argument("--store", type=Path, default=Path("store/demo.sqlite3"))
    demo.add_argument("--watchlists", type=Path, default=Path("watchlists"))
    demo.set_defaults(handler=_cmd_demo)

    run = sub.add_parser(
        "run",
        help="the long-running bot: polls, alerts, digests (Telegram token from "
        "$CACI_WATCH_TOKEN or the systemd credential; the console without one)",
    )
    run.set_defaults(handler=_cmd_run)

    poll = sub.add_parser("poll", help="poll the configured feeds")
    poll.add_argument("--once", action="store_true", help="poll every feed once and exit")
    poll.set_defaults(handler=_cmd_poll)

    digest = sub.add_parser("digest", help="print the digest of articles seen since a date")
    digest.add_argument(
        "--since", required=True, help="YYYY-MM-DD or an ISO time, in the digest timezone"
    )
    digest.add_argument("--until", help="end of the window (default: now)")
    digest.add_argument(
        "--watchlist", action="append", help="only this watchlist (may be repeated)"
    )
    digest.set_defaults(handler=_cmd_digest)

    status = sub.add_parser(
        "status",
        help="health of the bot from its database: feeds, outbox, subscribers, digests "
        "(exit 1 when something needs attention)",
    )
    status.set_defaults(handler=_cmd_status)

    check = sub.add_parser("check", help="validate the config and the watchlists")
    check.set_defaults(handler=_cmd_check)

    ev = sub.add_parser("eval", help="precision and recall of the watchlists on a labelled file")
    ev.add_argument("file", type=Path, help="JSON Lines: id, title, text, labels")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument(
        "--about",
        action="store_true",
        help='the "possibly about" tier instead of the names, on records with an about field',
    )
    ev.set_defaults(handler=_cmd_eval)

    about = sub.add_parser(
        "about-alerts",
        help="a chat's instant alerts for articles possibly about a list it follows: "
        "show, or turn on or off (as /aboutalerts does)",
    )
    about.add_argument("chat", type=int, help="the chat's id")
    about.add_argument("watchlist", help="the list's name (forgiving, as in Telegram)")
    about.add_argument("switch", nargs="?", choices=("on", "off"), help="on or off (omit: show)")
    about.set_defaults(handler=_cmd_about_alerts)

    routes = sub.add_parser(
        "routes",
        help="where chats' lists are delivered other than to the chat (a topic, a channel);"
        " with --off CHAT LIST, bring one back to its chat (as /route LIST off does)",
    )
    routes.add_argument("--off", nargs=2, metavar=("CHAT", "LIST"), help="the route to drop")
    routes.set_defaults(handler=_cmd_routes)

    cli_chat.add_parser(sub)
    sub.choices["chat"].set_defaults(handler=lambda a: cli_chat.run(a, _load_config(a)))

    cli_watchlist.add_parser(sub)
    sub.choices["watchlist"].set_defaults(handler=_cmd_watchlist)
    cli_feedback.add_parser(sub)
    sub.choices["feedback"].set_defaults(handler=_cmd_feedback)
    cli_search.add_parsers(sub, _load_config)
    cli_site.add_parsers(sub, _load_config)
    cli_migrate.add_parser(sub)
    return p


def _load_config(args: argparse.Namespace) -> Config:
    path = args.config or default_config_path(os.environ, Path.cwd())
    config = load_config(path)
    setup_logging(config.logging.level)
    return config


def _now() -> datetime:
    return datetime.now(UTC)


# -- demo -------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace) -> int:
    import asyncio

    from bot.cli.demo import run_demo

    setup_logging("WARNING")
    return asyncio.run(run_demo(store_path=args.store, watchlists_dir=args.watchlists))


# -- run --------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.runtime import malloc
    from bot.runtime.credentials import TokenError, load_token
    from bot.runtime.logs import redact
    from bot.runtime.process import lingering_threads, serve
    from bot.runtime.runner import BotRunner, TelegramStartError
    from bot.runtime.systemd_notify import Notifier, watchdog_interval

    # Before any thread starts (see bot.runtime.malloc).
    malloc.limit_arenas()
    config = _load_config(args)
    if not config.watchlists.dir.is_dir():
        # `check` says so too; a bot started without its lists would match nothing.
        raise UserError(
            f"{config.source or 'config'}: [watchlists] dir: {config.watchlists.dir} is not a"
            " directory"
            " (the watchlist files live there; create it or fix the path)"
        )
    try:
        token = load_token(os.environ)
    except TokenError as exc:
        raise UserError(str(exc)) from exc
    if token is None:
        print(
            "caci-watch: WARNING: no Telegram token ($CACI_WATCH_TOKEN or the systemd "
            "credential telegram-token): NOTHING WILL BE SENT TO TELEGRAM. Running with the "
            "console sender: every message is printed here instead, and marked delivered.",
            file=sys.stderr,
        )
        logging.getLogger(__name__).warning(
            "status=no_token sender=console detail=%r",
            "no $CACI_WATCH_TOKEN or telegram-token credential: messages are printed,"
            " not sent to Telegram",
        )
    else:
        redact(token)
    runner = BotRunner(
        config,
        token=token,
        notifier=Notifier.from_environment(),
        watchdog_seconds=watchdog_interval(),
    )
    code = 0
    try:
        serve(runner)
    except TelegramStartError as exc:
        print(f"caci-watch: error: {exc}", file=sys.stderr)
        code = EXIT_USAGE
    stuck = lingering_threads()
    if stuck:
        # Everything is stopped and the database closed; only a worker thread stuck in
        # a DNS lookup is left, and the interpreter would wait for it at exit.
        logging.getLogger(__name__).info("status=exit threads_abandoned=%d", len(stuck))
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


# -- status -----------------------------------------------------------------------


def _cmd_status(args: argparse.Namespace) -> int:
    from bot.app import health
    from bot.app.service import build_service
    from bot.domain.health import problems
    from bot.messages.status import status_text

    config = _load_config(args)
    if not config.store.url and not config.store.path.exists():
        # Opening it would create an empty database, and a report of nothing.
        print(
            f"No store yet at {config.store.path}: the bot is not running, and has never "
            f"run with this config ({config.source or 'built-in defaults'}). Start it with "
            "`caci-watch run`, or check [store] path."
        )
        return EXIT_FAILURE
    with closing(build_service(config)) as service:
        report = health.status_report(service, _now())
    print(status_text(report))
    return 1 if problems(report) else 0


# -- poll -------------------------------------------------------------------------


def _cmd_poll(args: argparse.Namespace) -> int:
    import asyncio

    from bot.app.poll import poll_once
    from bot.app.service import build_service
    from bot.cli.common import print_poll_reports

    if not args.once:
        raise UserError(
            "poll needs --once: it polls every feed once and exits "
            "(scheduled polling belongs to the long-running bot)"
        )
    config = _load_config(args)
    with closing(build_service(config)) as service:
        reports = asyncio.run(poll_once(service, _now(), force=True))
    print_poll_reports(reports, print)
    return 0 if all(r.status != "error" for r in reports) else 1


# -- digest -----------------------------------------------------------------------


def _cmd_digest(args: argparse.Namespace) -> int:
    from bot.app import digests, shared_lists
    from bot.app.service import build_service
    from bot.messages.about import about_console_lines
    from bot.messages.console import render_digest_console
    from bot.messages.watchlist_console import unknown_list_line

    config = _load_config(args)
    tz = ZoneInfo(config.digest.timezone)
    since = parse_when(args.since, tz)
    until = parse_when(args.until, tz) if args.until else _now() + timedelta(seconds=1)
    if until <= since:
        raise UserError("--until must be later than --since")
    with closing(build_service(config)) as service:
        try:
            # Read as forgivingly as in Telegram: --watchlist tripp, --watchlist "middle corridor".
            names = [shared_lists.find(service, q).name for q in args.watchlist or ()]
        except shared_lists.UnknownList as exc:
            raise UserError(unknown_list_line(exc.query, exc.candidates)) from exc
        digest = digests.digest_between(service, since, until, names or None)
        about = about_console_lines(digest.about)
        print(
            render_digest_console(
                digest, now=_now(), stale_after=service.stale_after, tz=tz, about=about
            )
        )
    return 0


# -- about-alerts -----------------------------------------------------------------


def _cmd_about_alerts(args: argparse.Namespace) -> int:
    from bot.app import chats
    from bot.app.service import build_service
    from bot.messages.about import about_alerts_console

    config = _load_config(args)
    on = None if args.switch is None else args.switch == "on"
    with closing(build_service(config)) as service:
        outcome = chats.about_alerts(service, args.chat, args.watchlist, on, _now())
    line = about_alerts_console(
        outcome.result,
        outcome.name,
        chat_id=args.chat,
        query=outcome.query,
        candidates=outcome.candidates,
    )
    if outcome.result not in ("on", "off"):
        raise UserError(line)
    print(line)
    return 0


def _cmd_routes(args: argparse.Namespace) -> int:
    from bot.app import routes
    from bot.app.service import build_service
    from bot.messages.route_screens import route_off_console, routes_console

    config = _load_config(args)
    with closing(build_service(config)) as service:
        if args.off is None:
            print(routes_console(routes.all_routes(service)))
            return 0
        chat_text, query = args.off
        sub = service.store.chats.get(int(chat_text)) if chat_text.lstrip("-").isdigit() else None
        if sub is None:
            raise UserError(route_off_console("no_chat", chat_text, query))
        outcome = routes.clear_route(service, sub.chat_id, query, _now())
    line = route_off_console(outcome.result, chat_text, outcome.name or query)
    if outcome.result not in ("cleared", "not_set"):
        raise UserError(line)
    print(line)
    return 0


# -- check ------------------------------------------------------------------------


def _cmd_check(args: argparse.Namespace) -> int:
    from bot.app import shared_lists

    config = _load_config(args)
    where = config.source or "built-in defaults"
    print(f"config: {where}: ok")
    print(f"  feeds: {', '.join(config.feeds.urls)}")
    print(f"  store: {config.store.shown}")
    files = shared_lists.check_files(config.watchlists.dir)
    watchlists, errors = files.watchlists, files.errors
    for w in watchlists:
        print(f"watchlist {w.name!r} ({w.source}): ok, {len(w.terms)} terms")
    for e in errors:
        print(f"watchlist error: {e}")
    if not watchlists and not errors:
        print(f"no watchlists in {config.watchlists.dir}")
    return 1 if errors or not watchlists else 0


# -- watchlist ------------------------------------------------------------------------


def _cmd_watchlist(args: argparse.Namespace) -> int:
    return cli_watchlist.run(args, _load_config(args))


def _cmd_feedback(args: argparse.Namespace) -> int:
    return cli_feedback.run(args, _load_config(args))


# -- eval -------------------------------------------------------------------------


def _cmd_eval(args: argparse.Namespace) -> int:
    import json

    from bot.app.evaluation import evaluate_file
    from bot.cli.common import progress_bar
    from bot.domain.evaluate import EvalError
    from bot.messages.eval_report import EVAL_PROGRESS, render_report, report_to_json

    config = _load_config(args)
    if args.about:
        return _eval_about(args, config)
    try:
        with progress_bar(EVAL_PROGRESS) as progress:
            done = evaluate_file(config.watchlists.dir, args.file, progress=progress)
    except OSError as exc:
        raise UserError(f"{args.file}: {exc.strerror}") from exc
    except EvalError as exc:
        raise UserError(str(exc)) from exc
    for e in done.watchlist_errors:
        print(f"watchlist error: {e}", file=sys.stderr)
    if args.json:
        print(json.dumps(report_to_json(done.report), indent=2, ensure_ascii=False))
    else:
        print(render_report(done.report))
    return 0


def _eval_about(args: argparse.Namespace, config: Config) -> int:
    import json

    from bot.app.evaluation import evaluate_about_file
    from bot.domain.evaluate import EvalError
    from bot.messages.eval_report import about_report_to_json, render_about_report
    from bot.semantic.wordllama_embedder import EmbedderUnavailable

    try:
        done = evaluate_about_file(config.watchlists.dir, args.file)
    except EmbedderUnavailable as exc:
        raise UserError(f"the embedder cannot load: {exc}") from exc
    except OSError as exc:
        raise UserError(f"{args.file}: {exc.strerror or exc}") from exc
    except EvalError as exc:
        raise UserError(str(exc)) from exc
    for e in done.watchlist_errors:
        print(f"watchlist error: {e}", file=sys.stderr)
    if args.json:
        print(json.dumps(about_report_to_json(done.report), indent=2, ensure_ascii=False))
    else:
        print(render_about_report(done.report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
