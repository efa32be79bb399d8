"""What the watchlist commands say: /showlist, /testlist, edit confirmations and the
personal lists (pure; Telegram HTML, everything from files, users or feeds escaped).

Long answers are returned as (header, items, footer) for `bot.messages.html.split_messages`,
which cuts them into messages Telegram accepts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import PurePath

from bot.domain.dry_run import DryRun
from bot.domain.models import Article, AuditEntry, Match, Term, Watchlist
from bot.lists.files import how_term_matches, term_flag_list
from bot.lists.personal import (
    MAX_LISTS,
    MAX_NAME_LENGTH,
    MAX_TERM_LENGTH,
    MAX_TERMS,
    PersonalList,
)
from bot.messages.articles import explanation, marked_snippet
from bot.messages.dates import date_label, utc_minute
from bot.messages.explanations import quotes_snippet
from bot.messages.html import bold, code, escape
from bot.messages.screens import (
    CANCEL_DATA,
    Keyboard,
    did_you_mean,
    echo,
    one_of,
    quote_input,
)
from bot.messages.watchlist_console import gone_sentence, trial_sentence
from bot.messages.words import plural

Blocks = tuple[str, list[str], str]

AUDIT_SHOWN = 10
TEXT_LINES_SHOWN = 100  # of a deleted list's file; `caci-watch watchlist show` prints all
EXAMPLES_SHOWN = 10
DROPPED_SHOWN = 10
_BLOCK_BUDGET = 3000  # characters of one block of lines: well inside one message
_TITLE_LIMIT = 200
_DETAIL_LIMIT = 120
_LINE_LIMIT = 500  # one line of a deleted list's file


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def term_flags_html(term: Term) -> str:
    flags = term_flag_list(term)
    return f" <i>({', '.join(flags)})</i>" if flags else ""


def term_line(term: Term) -> str:
    """A term as a list's details show it, with how it matches."""
    return f"• {escape(term.text)} <i>({escape(how_term_matches(term))})</i>"


def terms_html(terms: Sequence[Term]) -> str:
    """ "the terms “A”, “TITR” (exact)", for a reply saying what was done."""
    listed = ", ".join(f"“{escape(t.text)}”{term_flags_html(t)}" for t in terms)
    return f"the term{'s' if len(terms) != 1 else ''} {listed}"


def _blocks(title: str, lines: Sequence[str]) -> list[str]:
    """`lines` under `title`, in as few blocks as keep each well inside one message."""
    blocks: list[list[str]] = [[title]]
    size = len(title)
    for line in lines:
        if size + len(line) > _BLOCK_BUDGET:
            blocks.append([f"{title} (continued)"])
            size = len(blocks[-1][0])
        blocks[-1].append(line)
        size += len(line) + 1
    return ["\n".join(block) for block in blocks]


# -- how to type the commands, and refusals --------------------------------------------

ADMIN_USAGE = {
    "showlist": "/showlist LIST, for example /showlist middle corridor",
    "newlist": "/newlist NAME | TERM, TERM (and optionally | DESCRIPTION), for example "
    "/newlist Rogun Dam | Rogun, Vakhsh cascade",
    "addterm": "/addterm LIST | TERM, for example /addterm Middle Corridor | Trans-Caspian "
    "route; add --exact for an acronym: /addterm TRIPP | TITR --exact",
    "rmterm": "/rmterm LIST | TERM, for example /rmterm TRIPP | Zangezour",
    "exclude": "/exclude LIST | PHRASE, for example /exclude Middle Corridor | Middle East "
    "corridor",
    "rmexclude": "/rmexclude LIST | PHRASE, for example /rmexclude TRIPP | Trump routed",
    "testlist": "/testlist LIST [DAYS] [+TERM +TERM], for example /testlist TRIPP 30, or"
    " /testlist TRIPP +Syunik for what Syunik would add",
    "deletelist": "/deletelist LIST, for example /deletelist Rogun Dam",
}
PERSONAL_USAGE = {
    "mynew": "/mynew NAME | TERM, TERM, for example /mynew Rogun Dam | Rogun, Vakhsh cascade",
    "myadd": "/myadd NAME | TERM, for example /myadd Rogun Dam | Nurek",
    "myrm": "/myrm NAME | TERM removes a term; /myrm NAME deletes the whole list",
}
PERSONAL_LIMITS = (
    f"Limits: {MAX_LISTS} lists, {MAX_TERMS} terms a list, {MAX_TERM_LENGTH} characters a term,"
    f" {MAX_NAME_LENGTH} a name."
)


def not_created(reason: str, *, usage: str = "", hint: str = "") -> str:
    """A new list refused for `reason` (a plain clause); then how to type the command
    (`usage`) or what to do instead (`hint`)."""
    return _refused("Not created", reason, usage=usage, hint=hint)


def nothing_changed(reason: str, *, usage: str = "", hint: str = "") -> str:
    """An edit refused for `reason`; `usage` and `hint` as for `not_created`."""
    return _refused("Nothing changed", reason, usage=usage, hint=hint)


def refused_with_usage(reason: str, usage: str) -> str:
    """Arguments that cannot be read, and how to type them."""
    return f"{echo(reason)}. Usage: {escape(usage)}"


def _refused(outcome: str, reason: str, *, usage: str, hint: str) -> str:
    text = f"{outcome}: {echo(reason)}."
    if usage:
        text += f" Usage: {escape(usage)}"
    if hint:
        text += f" {escape(hint)}"
    return text


def write_failed(reason: str) -> str:
    """A new list's file could not be written (a full disk, a permission)."""
    return f"Could not write the file: {escape(reason)}."


def edit_failed(file_name: str, reason: str) -> str:
    """A list's file could not be read or written back."""
    return f"Could not edit {code(file_name)}: {escape(reason)}."


# -- /showlist ------------------------------------------------------------------------


def audit_line(entry: AuditEntry) -> str:
    detail = entry.detail.splitlines()[0] if entry.detail else ""
    line = f"{utc_minute(entry.at)} · {code(entry.actor)} · {escape(entry.action)}"
    return f"{line} · {escape(_cut(detail, _DETAIL_LIMIT))}" if detail else line


def showlist_blocks(
    w: Watchlist,
    *,
    file_name: str,
    subscribers: int,
    matching: int,
    audit: Sequence[AuditEntry],
) -> Blocks:
    header = [bold(w.name)]
    if w.description:
        header.append(escape(w.description))
    header.append(
        f"File {code(file_name)} · threshold {w.threshold} · "
        f"{plural(subscribers, 'subscriber')} · {plural(matching, 'stored article')} matching"
    )
    items = _blocks(f"<b>Terms</b> ({len(w.terms)})", [term_line(t) for t in w.terms])
    if w.exclude:
        items += _blocks(
            f"<b>Exclude</b> ({len(w.exclude)})", [f"• {escape(p)}" for p in w.exclude]
        )
    if w.about:
        items += _blocks(
            "<b>Possibly about</b> (articles that discuss it without naming it)",
            [f"• {escape(s)}" for s in w.about] + [f"✖️ not: {escape(s)}" for s in w.not_about],
        )
    shown = audit[:AUDIT_SHOWN]
    if shown:
        items += _blocks("<b>Recent changes</b>", [audit_line(e) for e in shown])
    else:
        items.append("<b>Recent changes</b>: none recorded")
    return "\n".join(header), items, ""


def gone_blocks(
    name: str, *, gone: AuditEntry, path: str, last_text: str, audit: Sequence[AuditEntry]
) -> Blocks:
    """/showlist of a list no longer in force: how it went, its last text, its history."""
    header = f"{bold(name)} (no longer in force)\n{escape(gone_sentence(name, gone))}"
    items: list[str] = []
    footer = ""
    if last_text:
        lines = last_text.splitlines()
        title = f"<b>Its last text</b> ({code(PurePath(path).name)})"
        items += _pre_blocks(title, lines[:TEXT_LINES_SHOWN])
        if len(lines) > TEXT_LINES_SHOWN:
            items.append(f"… and {plural(len(lines) - TEXT_LINES_SHOWN, 'more line')}.")
        footer = "Written back to its file, this text restores the list."
    shown = audit[:AUDIT_SHOWN]
    items += _blocks("<b>Recent changes</b>", [audit_line(e) for e in shown])
    return header, items, footer


def _pre_blocks(title: str, lines: Sequence[str]) -> list[str]:
    """`lines` as preformatted text under `title`, cut into blocks that each fit."""
    blocks = _blocks(title, [escape(line[:_LINE_LIMIT]) for line in lines])
    return [
        f"{head}\n<pre>{body}</pre>" if body else head
        for head, _, body in (block.partition("\n") for block in blocks)
    ]


def unknown_list_to_edit(query: str, candidates: Sequence[str], usage: str) -> str:
    """An admin edit naming no list: the close ones, and how to name one unmistakably."""
    text = f"I could not tell which watchlist you meant by {quote_input(query, 40)}."
    if candidates:
        text += " " + did_you_mean(candidates)
    return f"{text} Put a | after the list's name: {escape(usage)}"


# -- /testlist and edits --------------------------------------------------------------


def _example(article: Article, m: Match, *, new: bool) -> str:
    mark = "➕" if new else "✔️"
    title = _cut(article.title or "(untitled)", _TITLE_LIMIT)
    text = (
        f"{mark} <b>{escape(title)}</b> · {date_label(article.published)}\n"
        f"{escape(article.link)}\n{explanation(m)}"
    )
    return f"{text}\n<i>{marked_snippet(m)}</i>" if quotes_snippet(m) else text


def dry_run_summary(report: DryRun, days: int) -> str:
    return (
        f"Over {plural(report.checked, 'stored article')} first seen in the last "
        f"{plural(days, 'day')}: <b>{report.matched}</b> would match, {report.newly} of them "
        f"new; {report.dropped} would no longer match."
    )


def dry_run_blocks(report: DryRun, days: int, *, name: str, note: str = "") -> Blocks:
    """/testlist's answer: the counts, then the first EXAMPLES_SHOWN articles that would
    match and the first DROPPED_SHOWN that would no longer (the dry run keeps no more)."""
    header = f"🧪 <b>Dry run of {escape(name)}</b>\n{dry_run_summary(report, days)}"
    if note:
        header += f"\n<i>{escape(note)}</i>"
    shown = report.examples[:EXAMPLES_SHOWN]
    items = [_example(e.article, e.match, new=e.new) for e in shown]
    more = report.matched - len(shown)
    if more > 0:
        items.append(f"… and {plural(more, 'more matching article')}.")
    if report.dropped:
        dropped = report.dropped_examples[:DROPPED_SHOWN]
        lines = [
            f"➖ {escape(_cut(a.title or '(untitled)', _TITLE_LIMIT))} · {date_label(a.published)}"
            for a in dropped
        ]
        if report.dropped > len(dropped):
            lines.append(f"… and {report.dropped - len(dropped)} more.")
        items += _blocks("<b>Would no longer match</b>", lines)
    footer = "➕ new match · ✔️ matches now too · ➖ would no longer match" if items else ""
    items += _about_blocks(report)
    return header, items, footer


def trial_blocks(report: DryRun, days: int, *, name: str, terms: Sequence[Term]) -> Blocks:
    """/testlist LIST +TERM's answer: what the terms would add, the first
    EXAMPLES_SHOWN of those articles with the passage each would match."""
    tried = ", ".join(f"“{escape(t.text)}”" for t in terms)
    header = (
        f"🧪 <b>Trying {tried} on {escape(name)}</b>\n"
        f"Over {plural(report.checked, 'stored article')} first seen in the last "
        f"{plural(days, 'day')}: {escape(trial_sentence(report))}"
    )
    shown = report.examples[:EXAMPLES_SHOWN]
    items = [_example(e.article, e.match, new=True) for e in shown]
    if report.newly > len(shown):
        items.append(f"… and {plural(report.newly - len(shown), 'more article')} it would add.")
    it = "it" if len(terms) == 1 else "them"
    footer = f"/addterm {escape(name)} | {escape(', '.join(t.text for t in terms))} adds {it}."
    return header, items, footer if report.newly else ""


def nothing_to_try(reason: str) -> str:
    """A term refused for a dry run, for the reason /addterm would refuse it."""
    return _refused("Not tried", reason, usage="", hint="")


def _about_blocks(report: DryRun) -> list[str]:
    """The "possibly about" tier's finds, apart from the names (nothing when it did not
    run: no `about` sentences, or the tier turned off)."""
    if not report.about_checked:
        return []
    title = (
        f"<b>Possibly about it, without naming it</b>: {report.about_found} of "
        f"{plural(report.about_checked, 'article')} not naming it"
    )
    shown = report.about_examples[:EXAMPLES_SHOWN]
    lines = [
        f"🔎 <b>{escape(_cut(e.article.title or '(untitled)', _TITLE_LIMIT))}</b> · "
        f"{date_label(e.article.published)} · {escape(e.found.strength)}\n"
        f"{escape(e.article.link)}\n<i>{escape(e.found.passage)}</i>"
        for e in shown
    ]
    if report.about_found > len(shown):
        lines.append(f"… and {report.about_found - len(shown)} more.")
    return _blocks(title, lines)


def edit_summary(report: DryRun, days: int) -> str:
    """After an edit: what the list now matches among recent stored articles."""
    text = (
        f"It now matches <b>{report.matched}</b> of the "
        f"{plural(report.checked, 'stored article')} first seen in the last "
        f"{plural(days, 'day')}, <b>{report.newly}</b> of them new"
    )
    if report.newly:
        text += " (they join the next digest, marked as newly matching)"
    text += "."
    if report.dropped:
        text += f" {report.dropped} no longer match."
    return text


def edit_done(
    action: str, name: str, *, file_name: str = "", terms: Sequence[Term] = (), phrase: str = ""
) -> str:
    """What an admin's edit of a shared list did."""
    if action == "new":
        return f"Created {bold(name)} in {code(file_name)} with {terms_html(terms)}."
    if action == "add-term":
        return f"Added {terms_html(terms)} to {bold(name)}."
    if action == "remove-term":
        return f"Removed the term “{escape(terms[0].text)}” from {bold(name)}."
    if action == "remove-exclude":
        return f"{bold(name)} no longer excludes “{escape(phrase)}”."
    return f"{bold(name)} now excludes “{escape(phrase)}”: it cancels any match it overlaps."


def edit_reply(done: str, report: DryRun | None, days: int, *, reloaded: bool = True) -> str:
    """An edit's reply: what was done, then what the list now matches."""
    if not reloaded or report is None:
        # Only a hand edit racing this one gets here: the edit itself was checked.
        return (
            f"{done}\nBut the file did not load, so the version in force is unchanged;"
            " the admins have been sent the reason."
        )
    return f"{done}\n{edit_summary(report, days)}"


def nothing_to_change(name: str, usage: str) -> str:
    return f"What should change in {bold(name)}? Usage: {escape(usage)}"


# -- /deletelist -----------------------------------------------------------------------


def shared_delete_question(name: str, terms: int, followers: int) -> str:
    """/deletelist LIST asks first."""
    who = f"its {plural(followers, 'follower')} will be told" if followers else "nobody follows it"
    return (
        f"Delete the watchlist {bold(name)} and its {plural(terms, 'term')}? Its file goes and"
        f" {who}; the audit keeps its text."
    )


def shared_delete_keyboard(version: str, asked: str) -> Keyboard:
    """Yes (naming the list as it was asked about, and when) and Cancel."""
    return [[("Yes, delete it", f"c:rmlist:{version}:{asked}"), ("Cancel", CANCEL_DATA)]]


SHARED_DELETE_GONE = (
    "That list is already gone, or has changed since you were asked, so nothing was"
    " deleted. /watchlists shows those in force."
)


def shared_deleted(name: str, file_name: str, followers: int) -> str:
    told = f" {plural(followers, 'follower')} told." if followers else ""
    return (
        f"Deleted {bold(name)} ({code(file_name)}).{told} /showlist {escape(name)} shows its"
        " last text, to restore it."
    )


# -- personal lists -------------------------------------------------------------------


def personal_blocks(lists: Sequence[PersonalList], followed: Collection[str]) -> Blocks:
    if not lists:
        return (
            "You have no personal watchlists yet. Make one, visible only to you:\n"
            "/mynew Rogun Dam | Rogun, Vakhsh cascade",
            [],
            "",
        )
    header = (
        f"<b>Your personal watchlists</b> ({len(lists)} of at most {MAX_LISTS}; "
        "only you see them and get their alerts)"
    )
    items: list[str] = []
    for p in lists:
        paused = ""
        if p.internal_name not in followed:
            paused = f" ⏸ <i>paused; /mynew {escape(p.name)} resumes it</i>"
        title = f"<b>{escape(p.name)}</b> ({len(p.terms)} of at most {MAX_TERMS} terms){paused}"
        items += _blocks(title, [term_line(t) for t in p.terms])
    footer = (
        "/myadd NAME | TERM adds terms, /myrm NAME | TERM removes one, /myrm NAME deletes the list."
    )
    return header, items, footer


def personal_done(action: str, name: str, terms: Sequence[Term]) -> str:
    """What an edit of one's own list did."""
    if action == "new":
        return f"Created {bold(name)} with {terms_html(terms)}; only you get its alerts."
    if action == "add-term":
        return f"Added {terms_html(terms)} to {bold(name)}."
    return f"Removed the term “{escape(terms[0].text)}” from {bold(name)}."


def personal_resumed(name: str, *, resumed: bool, usage: str) -> str:
    if resumed:
        return f"Resumed {bold(name)}: its alerts reach you again."
    return f"You already have {bold(name)}. {escape(usage)}"


def personal_delete_asks_whole_name(name: str, terms: int, usage: str) -> str:
    return (
        f"To delete {bold(name)} and its {terms} terms, send"
        f" /myrm {escape(name)} (its whole name). {escape(usage)}"
    )


def personal_delete_question(name: str, terms: int) -> str:
    """/myrm NAME asks first."""
    return (
        f"Delete your list {bold(name)} and its {plural(terms, 'term')}? Its alerts stop,"
        " and it cannot be brought back (only made again)."
    )


def personal_delete_keyboard(version: str, asked: str) -> Keyboard:
    """Yes (naming the list as it was asked about, and when) and Cancel."""
    return [[("Yes, delete it", f"c:myrm:{version}:{asked}"), ("Cancel", CANCEL_DATA)]]


PERSONAL_DELETE_GONE = (
    "That list is already gone, or has changed since you were asked, so nothing was"
    " deleted. /mylists shows yours."
)


def personal_deleted(name: str) -> str:
    return f"Deleted your list {bold(name)}. /mylists shows the others."


def no_personal_lists(usage: str) -> str:
    return "You have no personal watchlists yet. " + escape(usage)


def unknown_personal_list(
    query: str, candidates: Sequence[str], names: Sequence[str], usage: str
) -> str:
    """A personal-list command naming none of the caller's lists."""
    if candidates:
        return f"Which of yours: {one_of(candidates)}? Give more of its name."
    return (
        f"You have no list called {quote_input(query, 40)}; yours are"
        f" {', '.join(bold(n) for n in names)}. Put a | after the list's name: {escape(usage)}"
    )
