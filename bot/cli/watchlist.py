"""``caci-watch watchlist …``: list, show, edit and dry-run watchlists from the shell.

Thin: each action parses its arguments, calls `bot.app.shared_lists` (the use cases the
admin commands in Telegram call too, so names are read as forgivingly and edits are
audited, as ``cli:<user>``, the same way) and prints the outcome with
`bot.messages.watchlist_console`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.app.config import Config
from bot.app.rematch import MAX_DRY_RUN_DAYS
from bot.app.service import Service, build_service
from bot.cli.common import progress_bar as _progress_bar
from bot.domain.models import Term
from bot.lists.edit import EditError

if TYPE_CHECKING:
    from bot.app.shared_lists import EditOutcome

# The use cases (bot.app.shared_lists) and their wordings (bot.messages.watchlist_console)
# are imported by the actions that need them: `caci-watch run` builds this parser too,
# and its Telegram commands import them only when an admin edits a list.

Handler = Callable[[argparse.Namespace, Config], int]


class WatchlistCommandError(Exception):
    """A watchlist command that cannot be done as asked; one line for the user."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("watchlist", help="list, show, edit or dry-run watchlists")
    wsub = p.add_subparsers(metavar="ACTION", required=True)

    wsub.add_parser("list", help="every watchlist and any file that fails to load").set_defaults(
        watchlist_handler=_list
    )
    show = wsub.add_parser("show", help="terms, excludes and recent changes of one list")
    show.add_argument("name")
    show.set_defaults(watchlist_handler=_show)

    new = wsub.add_parser("new", help="create a watchlist file")
    new.add_argument("name")
    new.add_argument("--term", action="append", required=True, help="a first term (repeatable)")
    new.add_argument("--description", default="")
    new.set_defaults(watchlist_handler=_new)

    add = wsub.add_parser("add-term", help="add a term to a list")
    add.add_argument("name")
    add.add_argument("term")
    add.add_argument("--exact", action="store_true", help="whole word, no fuzziness (acronyms)")
    # Left out, an acronym (capitals, up to six letters) is case-sensitive and the rest not.
    add.add_argument("--case-sensitive", action="store_true", default=None)
    add.set_defaults(watchlist_handler=_add_term)

    rm = wsub.add_parser("remove-term", help="remove a term from a list")
    rm.add_argument("name")
    rm.add_argument("term")
    rm.set_defaults(watchlist_handler=_remove_term)

    ex = wsub.add_parser("exclude", help="add an exclude phrase: it cancels a match it overlaps")
    ex.add_argument("name")
    ex.add_argument("phrase")
    ex.set_defaults(watchlist_handler=_exclude)

    unex = wsub.add_parser("remove-exclude", help="remove an exclude phrase from a list")
    unex.add_argument("name")
    unex.add_argument("phrase")
    unex.set_defaults(watchlist_handler=_remove_exclude)

    delete = wsub.add_parser("delete", help="delete a watchlist file (the audit keeps its text)")
    delete.add_argument("name")
    delete.set_defaults(watchlist_handler=_delete)

    test = wsub.add_parser("test", help="dry run: what the list would match among stored articles")
    test.add_argument("name")
    test.add_argument("--days", type=int, default=30, help="articles first seen this recently")
    test.add_argument(
        "--term",
        action="append",
        default=[],
        help="try this term on the list: what it would add (repeatable)",
    )
    test.set_defaults(watchlist_handler=_test)


def run(args: argparse.Namespace, config: Config) -> int:
    from bot.app.shared_lists import UnknownList, WriteFailed
    from bot.messages.watchlist_console import unknown_list_line

    handler: Handler = args.watchlist_handler
    try:
        return handler(args, config)
    except EditError as exc:
        raise WatchlistCommandError(str(exc)) from exc
    except UnknownList as exc:
        raise WatchlistCommandError(unknown_list_line(exc.query, exc.candidates)) from exc
    except WriteFailed as exc:
        raise WatchlistCommandError(f"could not write {exc.path}: {exc.reason}") from exc


# -- reading ------------------------------------------------------------------------


def _list(args: argparse.Namespace, config: Config) -> int:
    with closing(build_service(config)) as service:
        for w in service.watchlists:
            excludes = f", {len(w.exclude)} exclude{'s' if len(w.exclude) != 1 else ''}"
            print(
                f"{w.name:<24} {len(w.terms)} terms{excludes if w.exclude else ''}, "
                f"threshold {w.threshold}   {w.source}"
            )
        for error in service.watchlist_errors:
            print(f"not loaded: {error}")
        if not service.watchlists and not service.watchlist_errors:
            print(f"no watchlists in {config.watchlists.dir}")
    return 1 if service.watchlist_errors else 0


def _show(args: argparse.Namespace, config: Config) -> int:
    from bot.app import shared_lists
    from bot.messages.watchlist_console import gone_text, show_text

    with closing(build_service(config)) as service:
        found = shared_lists.details(service, args.name, now=_now())
    if found.watchlist is not None:
        print(show_text(found.watchlist, matching=found.matching, history=found.history))
    else:
        assert found.gone is not None  # a list not in force is known by how it went
        print(
            gone_text(
                found.name,
                gone=found.gone,
                path=found.path,
                last_text=found.last_text,
                history=found.history,
            )
        )
    return 0


def _test(args: argparse.Namespace, config: Config) -> int:
    from bot.app import shared_lists
    from bot.messages.watchlist_console import (
        DRY_RUN_PROGRESS,
        DRY_RUN_SHOWN,
        dry_run_note,
        dry_run_text,
        trial_text,
    )

    if not 0 <= args.days <= MAX_DRY_RUN_DAYS:
        raise WatchlistCommandError(f"--days must be from 0 to {MAX_DRY_RUN_DAYS}")
    with closing(build_service(config)) as service, _progress_bar(DRY_RUN_PROGRESS) as progress:
        found = shared_lists.dry_run(
            service,
            _now(),
            args.name,
            args.days,
            shown=DRY_RUN_SHOWN,
            progress=progress,
            trial=[Term(t) for t in args.term],
        )
    if found.trial:
        print(trial_text(found.report, days=found.days, terms=found.trial))
        return 0
    note = dry_run_note(found.note, found.error_line, found.error_reason)
    print(dry_run_text(found.report, days=found.days, note=note))
    return 0


# -- editing ------------------------------------------------------------------------


def _new(args: argparse.Namespace, config: Config) -> int:
    from bot.app import shared_lists

    terms = [Term(t) for t in args.term]
    done = _edit(
        config,
        lambda service, now, who: shared_lists.create(
            service, now, args.name, terms, description=args.description, actor=who
        ),
    )
    print(f"created {done.path}")
    return 0


def _add_term(args: argparse.Namespace, config: Config) -> int:
    from bot.app import shared_lists

    term = Term(args.term, exact=args.exact, case_sensitive=args.case_sensitive)
    return _saved(
        _edit(
            config,
            lambda service, now, who: shared_lists.add_terms(
                service, now, args.name, [term], actor=who
            ),
        )
    )


def _remove_term(args: argparse.Namespace, config: Config) -> int:
    from bot.app import shared_lists

    return _saved(
        _edit(
            config,
            lambda service, now, who: shared_lists.remove_term(
                service, now, args.name, args.term, actor=who
            ),
        )
    )


def _exclude(args: argparse.Namespace, config: Config) -> int:
    from bot.app import shared_lists

    return _saved(
        _edit(
            config,
            lambda service, now, who: shared_lists.add_exclude(
                service, now, args.name, args.phrase, actor=who
            ),
        )
    )


def _remove_exclude(args: argparse.Namespace, config: Config) -> int:
    from bot.app import shared_lists

    return _saved(
        _edit(
            config,
            lambda service, now, who: shared_lists.remove_exclude(
                service, now, args.name, args.phrase, actor=who
            ),
        )
    )


def _delete(args: argparse.Namespace, config: Config) -> int:
    from bot.app import shared_lists

    done = _edit(
        config,
        lambda service, now, who: shared_lists.delete(service, now, args.name, actor=who),
    )
    print(f"deleted {done.path} (its text is kept in the audit: watchlist show {done.name!r})")
    return 0


def _edit(config: Config, edit: Callable[[Service, datetime, str], EditOutcome]) -> EditOutcome:
    with closing(build_service(config)) as service:
        return edit(service, _now(), _actor())


def _saved(done: EditOutcome) -> int:
    from bot.messages.watchlist_console import edit_saved

    newly = done.report.newly if done.report is not None else 0
    print(edit_saved(done.path, reloaded=done.reloaded, newly=newly))
    return 0


def _now() -> datetime:
    return datetime.now(UTC)


def _actor() -> str:
    # Imported here: only an edit needs it, and `run` does without getpass and termios.
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
