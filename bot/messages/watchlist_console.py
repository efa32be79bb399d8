"""What `caci-watch watchlist …` prints (plain text for a terminal), and the sentences
the admin commands in Telegram say the same way (escaped there by the caller)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.domain.aboutness import thresholds_of
from bot.domain.dry_run import DryRun
from bot.domain.models import AuditEntry, Term, Watchlist
from bot.lists.files import how_term_matches
from bot.messages.console import mark_snippet
from bot.messages.dates import date_label, utc_stamp
from bot.messages.explanations import quotes_snippet, why_matched
from bot.messages.screens import did_you_mean


def unknown_list_line(query: str, candidates: Sequence[str]) -> str:
    """One line for a watchlist name that names none, with the close ones."""
    hint = did_you_mean(candidates, html=False) or "`caci-watch watchlist list` names them all."
    return f"no watchlist named {query!r}. {hint}"


def name_taken(existing: str) -> str:
    """Why a new list is refused: one reads the same as its name."""
    return (
        f'a watchlist named "{existing}" already exists'
        " (names are compared ignoring case, accents, spaces and hyphens)"
    )


def file_taken(file_name: str) -> str:
    """Why a new list is refused: the file it would be written to exists."""
    return f"a file {file_name} already exists; pick another name"


def dry_run_note(kind: str, line: int | None = None, reason: str = "") -> str:
    """Why a dry run is not of the version in force ("ahead"), or is of it although the
    file reads otherwise ("broken"); "" when the two are the same."""
    if kind == "broken":
        where = f" (line {line})" if line is not None else ""
        return f"The file does not load{where}: {reason}. This is the version in force."
    if kind == "ahead":
        return "This is the file as it reads now; the bot takes it up within a minute."
    return ""


def gone_sentence(name: str, gone: AuditEntry) -> str:
    """How a list that is no longer in force went, from the audit entry that says so."""
    when, who = utc_stamp(gone.at), gone.actor
    if gone.action == "delete":
        return f"{name} was deleted on {when} by {who}."
    if gone.action == "removed":
        how = "by hand" if who == "file" else f"by {who}"
        return f"{name} was removed on {when}: its file was deleted ({how})."
    if gone.action == "renamed":
        return f"{name} was renamed on {when}: its file now holds a list by another name."
    return (
        f"{name} is not in force: its file is gone or does not load"
        f" (last change: {gone.action} on {when} by {who})."
    )


def history_lines(history: Sequence[AuditEntry]) -> list[str]:
    lines = ["recent changes:" if history else "recent changes: none recorded"]
    for entry in history:
        detail = entry.detail.splitlines()[0] if entry.detail else ""
        lines.append(f"  {utc_stamp(entry.at)}  {entry.actor:<16} {entry.action:<12} {detail}")
    return lines


def show_text(w: Watchlist, *, matching: int, history: Sequence[AuditEntry]) -> str:
    lines = [f"{w.name}   ({w.source})"]
    if w.description:
        lines.append(w.description)
    lines.append(f"threshold {w.threshold} (how strictly phrase terms take typos; 100: none)")
    lines.append("terms:")
    lines += [f"  {t.text}  ({how_term_matches(t)})" for t in w.terms]
    if w.exclude:
        lines.append("exclude:")
        lines += [f"  {phrase}" for phrase in w.exclude]
    if w.about:
        limits = thresholds_of(w)
        calibrated = "calibrated" if w.about_close is not None else "defaults: not calibrated"
        lines.append(
            f"possibly about: close from {limits.close:g}, very close from"
            f" {limits.very_close:g} ({calibrated})"
        )
        lines += [f"  about: {sentence}" for sentence in w.about]
        lines += [f"  not about: {sentence}" for sentence in w.not_about]
    lines.append(f"stored articles matching: {matching}")
    return "\n".join(lines + history_lines(history))


def gone_text(
    name: str, *, gone: AuditEntry, path: str, last_text: str, history: Sequence[AuditEntry]
) -> str:
    """A list no longer in force: how it went, its last text when the audit kept it (so
    that it can be restored), and its history."""
    lines = [f"{name}   (no longer in force)", gone_sentence(name, gone)]
    if last_text:
        lines.append(f"its last text, from {path} (write it back there to restore the list):")
        lines += [f"  {line}" for line in last_text.splitlines()]
    return "\n".join(lines + history_lines(history))


# The label of `watchlist test`'s progress bar on a terminal.
DRY_RUN_PROGRESS = "matching stored articles"
# Articles a terminal dry run lists of each kind: enough to judge a list by, few enough
# that a dry run over every stored article keeps only these in memory.
DRY_RUN_SHOWN = 100


def dry_run_text(report: DryRun, *, days: int, note: str = "") -> str:
    lines = [
        f"Dry run of {report.watchlist!r} over {report.checked} stored article(s) first seen "
        f"in the last {days} day(s): {report.matched} would match, {report.newly} of them new, "
        f"{report.dropped} would no longer match."
    ]
    if note:
        lines.append(note)
    for example in report.examples:
        article, match = example.article, example.match
        sign = "+" if example.new else "="
        lines.append(f"  {sign} {article.title or '(untitled)'} · {date_label(article.published)}")
        lines.append(f"      {article.link}")
        lines.append(f"      {why_matched(match)}")
        if quotes_snippet(match):
            lines.append(f"        {mark_snippet(match)}")
    if report.matched > len(report.examples):
        lines.append(
            f"  … and {report.matched - len(report.examples)} more that would match"
            f" (the first {len(report.examples)} are listed)"
        )
    for article in report.dropped_examples:
        lines.append(f"  - {article.title or '(untitled)'} · {date_label(article.published)}")
    if report.dropped > len(report.dropped_examples):
        lines.append(
            f"  … and {report.dropped - len(report.dropped_examples)} more that would no"
            " longer match"
        )
    if report.matched or report.dropped:
        lines.append("(+ new match, = matches now too, - would no longer match)")
    lines.extend(_about_lines(report))
    return "\n".join(lines)


def trial_text(report: DryRun, *, days: int, terms: Sequence[Term]) -> str:
    """`watchlist test NAME --term X`: what the terms would add to the list, each article
    with why it would match."""
    tried = ", ".join(repr(t.text) for t in terms)
    lines = [
        f"Trying {tried} on {report.watchlist!r} over {report.checked} stored article(s)"
        f" first seen in the last {days} day(s): {trial_sentence(report)}"
    ]
    for example in report.examples:
        article, match = example.article, example.match
        lines.append(f"  + {article.title or '(untitled)'} · {date_label(article.published)}")
        lines.append(f"      {article.link}")
        lines.append(f"      {why_matched(match)}")
        if quotes_snippet(match):
            lines.append(f"        {mark_snippet(match)}")
    if report.newly > len(report.examples):
        lines.append(
            f"  … and {report.newly - len(report.examples)} more it would add"
            f" (the first {len(report.examples)} are listed)"
        )
    return "\n".join(lines)


def trial_sentence(report: DryRun) -> str:
    """How many articles tried terms would add to a list (from a dry run of the list
    with them), next to what it matches now."""
    now = report.matched - report.newly + report.dropped
    if not report.newly:
        return f"it would add none (the list matches {now} now)."
    return f"it would add {report.newly} (the list matches {now} now, {report.matched} with it)."


def _about_lines(report: DryRun) -> list[str]:
    """The "possibly about" tier's finds, apart from the names (nothing when it did not
    run: no `about` sentences, or the tier turned off)."""
    if not report.about_checked:
        return []
    lines = [
        f"Possibly about {report.watchlist!r}, without naming it: {report.about_found} of the "
        f"{report.about_checked} article(s) that do not name it."
    ]
    for example in report.about_examples:
        article, found = example.article, example.found
        lines.append(f"  ~ {article.title or '(untitled)'} · {date_label(article.published)}")
        lines.append(f"      {article.link}")
        lines.append(f"      {found.strength}: “{found.passage}”")
    if report.about_found > len(report.about_examples):
        lines.append(
            f"  … and {report.about_found - len(report.about_examples)} more possibly about it"
        )
    return lines


def edit_saved(path: Path, *, reloaded: bool, newly: int) -> str:
    if not reloaded:
        return f"saved {path}; the list did not reload; run `caci-watch watchlist list` to see why"
    return f"saved {path}; {newly} recent article(s) newly match and join the next digest"
