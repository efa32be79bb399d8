"""``caci-watch watchlist …``: list, show, edit and dry-run watchlists from the shell."""

from __future__ import annotations

import argparse
import difflib
import getpass
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.app import watchlist_sync
from bot.app.config import Config
from bot.app.rematch import DryRun, dry_run_stored
from bot.app.service import Service, build_service
from bot.domain.models import Term, Watchlist
from bot.lists.edit import (
    EditError,
    add_exclude,
    add_term,
    new_watchlist_text,
    remove_term,
    watchlist_file_name,
)
from bot.lists.files import term_flags, write_atomically
from bot.messages.console import mark_snippet
from bot.messages.dates import date_label, utc_stamp

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
    add.add_argument("--case-sensitive", action="store_true")
    add.set_defaults(watchlist_handler=_add_term)

    rm = wsub.add_parser("remove-term", help="remove a term from a list")
    rm.add_argument("name")
    rm.add_argument("term")
    rm.set_defaults(watchlist_handler=_remove_term)

    ex = wsub.add_parser("exclude", help="add an exclude phrase: it cancels a match it overlaps")
    ex.add_argument("name")
    ex.add_argument("phrase")
    ex.set_defaults(watchlist_handler=_exclude)

    delete = wsub.add_parser("delete", help="delete a watchlist file (the audit keeps its text)")
    delete.add_argument("name")
    delete.set_defaults(watchlist_handler=_delete)

    test = wsub.add_parser("test", help="dry run: what the list would match among stored articles")
    test.add_argument("name")
    test.add_argument("--days", type=int, default=30, help="articles first seen this recently")
    test.set_defaults(watchlist_handler=_test)


def run(args: argparse.Namespace, config: Config) -> int:
    handler: Handler = args.watchlist_handler
    try:
        return handler(args, config)
    except EditError as exc:
        raise WatchlistCommandError(str(exc)) from exc


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
    with closing(build_service(config)) as service:
        w = _resolve(service, args.name)
        print(f"{w.name}   ({w.source})")
        if w.description:
            print(w.description)
        print(f"threshold {w.threshold} (minimum fuzzy score for phrase terms)")
        print("terms:")
        for t in w.terms:
            print(f"  {t.text}{term_flags(t)}")
        if w.exclude:
            print("exclude:")
            for phrase in w.exclude:
                print(f"  {phrase}")
        matched = service.store.article_ids_matching(w.name)
        print(f"stored articles matching: {len(matched)}")
        audit = service.store.audit_for(w.name)
        print("recent changes:" if audit else "recent changes: none recorded")
        for entry in audit:
            stamp = utc_stamp(entry.at)
            detail = entry.detail.splitlines()[0] if entry.detail else ""
            print(f"  {stamp}  {entry.actor:<16} {entry.action:<12} {detail}")
    return 0


def _test(args: argparse.Namespace, config: Config) -> int:
    if args.days < 0:
        raise WatchlistCommandError("--days must be 0 or more")
    with closing(build_service(config)) as service:
        w = _resolve(service, args.name)
        report = dry_run_stored(service.store, w, days=args.days, now=datetime.now(UTC))
        print(render_dry_run(report, days=args.days))
    return 0


def render_dry_run(report: DryRun, *, days: int) -> str:
    n = len(report.would_match)
    lines = [
        f"Dry run of {report.watchlist!r} over {report.checked} stored article(s) first seen "
        f"in the last {days} day(s): {n} would match, {len(report.newly)} of them new, "
        f"{len(report.dropped)} would no longer match."
    ]
    for article, match in report.would_match:
        sign = "+" if article.id in report.newly else "="
        lines.append(f"  {sign} {article.title or '(untitled)'} · {date_label(article.published)}")
        lines.append(f"      {article.link}")
        lines.append(
            f"      “{match.matched_text}” (score {match.score:.0f}): {mark_snippet(match)}"
        )
    for article in report.dropped:
        lines.append(f"  - {article.title or '(untitled)'} · {date_label(article.published)}")
    if n or report.dropped:
        lines.append("(+ new match, = matches now too, - would no longer match)")
    return "\n".join(lines)


# -- editing ------------------------------------------------------------------------


def _new(args: argparse.Namespace, config: Config) -> int:
    with closing(build_service(config)) as service:
        if service.registry.find(args.name) is not None:
            raise WatchlistCommandError(f"a watchlist named {args.name!r} already exists")
        path = config.watchlists.dir / watchlist_file_name(args.name)
        if path.exists():
            raise WatchlistCommandError(f"{path} already exists")
        text = new_watchlist_text(
            args.name, description=args.description, terms=[Term(t) for t in args.term]
        )
        write_atomically(path, text)
        _after_edit(service, args.name, "new", ", ".join(args.term))
        print(f"created {path}")
    return 0


def _edit(
    args: argparse.Namespace,
    config: Config,
    action: str,
    detail: str,
    change: Callable[[str, str], str],
) -> int:
    with closing(build_service(config)) as service:
        w = _resolve(service, args.name)
        path = Path(w.source)
        before = path.read_text(encoding="utf-8")
        write_atomically(path, change(before, str(path)))
        report = _after_edit(service, w.name, action, detail)
        print(f"saved {path}; {report}")
    return 0


def _add_term(args: argparse.Namespace, config: Config) -> int:
    term = Term(args.term, exact=args.exact, case_sensitive=args.case_sensitive)
    return _edit(
        args,
        config,
        "add-term",
        args.term + term_flags(term),
        lambda text, path: add_term(text, term, path=path),
    )


def _remove_term(args: argparse.Namespace, config: Config) -> int:
    return _edit(
        args,
        config,
        "remove-term",
        args.term,
        lambda text, path: remove_term(text, args.term, path=path),
    )


def _exclude(args: argparse.Namespace, config: Config) -> int:
    return _edit(
        args,
        config,
        "exclude",
        args.phrase,
        lambda text, path: add_exclude(text, args.phrase, path=path),
    )


def _delete(args: argparse.Namespace, config: Config) -> int:
    with closing(build_service(config)) as service:
        w = _resolve(service, args.name)
        path = Path(w.source)
        # The whole file goes into the audit so that a deletion can be undone.
        text = path.read_text(encoding="utf-8")
        path.unlink()
        service.registry.refresh()
        watchlist_sync.apply_watchlist_edits(
            service, datetime.now(UTC), actor=_actor(), edit=(w.name, "delete", f"{path}\n{text}")
        )
        print(f"deleted {path} (its text is kept in the audit: watchlist show {w.name!r})")
    return 0


def _after_edit(service: Service, name: str, action: str, detail: str) -> str:
    service.registry.refresh()
    if service.registry.find(name) is None:
        return "the list did not reload; run `caci-watch watchlist list` to see why"
    before = service.store.article_ids_matching(name)
    watchlist_sync.apply_watchlist_edits(
        service, datetime.now(UTC), actor=_actor(), edit=(name, action, detail)
    )
    newly = service.store.article_ids_matching(name) - before
    return f"{len(newly)} recent article(s) newly match and join the next digest"


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _resolve(service: Service, name: str) -> Watchlist:
    found = service.registry.find(name)
    if found is not None:
        return found
    names = [w.name for w in service.watchlists]
    folded = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.5)
    prefix = [n for n in names if n.casefold().startswith(name.casefold())]
    hint = prefix or [folded[c] for c in close]
    suggestion = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
    raise WatchlistCommandError(
        f"no watchlist named {name!r}{suggestion}; known: {', '.join(names) or 'none'}"
    )
