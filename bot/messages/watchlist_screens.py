"""What the watchlist commands say: /showlist, /testlist, edit confirmations and the
personal lists (pure; Telegram HTML, everything from files, users or feeds escaped).

Long answers are returned as (header, items, footer) for `bot.messages.html.split_messages`,
which cuts them into messages Telegram accepts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC

from bot.domain.dry_run import DryRun
from bot.domain.models import Article, AuditEntry, Match, Term, Watchlist
from bot.lists.files import term_flags
from bot.lists.personal import MAX_LISTS, MAX_TERMS, PersonalList
from bot.messages.console import explain_match
from bot.messages.dates import date_label
from bot.messages.html import bold, code, escape
from bot.messages.words import plural

Blocks = tuple[str, list[str], str]

AUDIT_SHOWN = 10
EXAMPLES_SHOWN = 10
DROPPED_SHOWN = 10
_BLOCK_BUDGET = 3000  # characters of one block of lines: well inside one message
_TITLE_LIMIT = 200
_SNIPPET_SIDE = 200
_DETAIL_LIMIT = 120


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def term_flags_html(term: Term) -> str:
    flags = [f for f, on in (("exact", term.exact), ("case-sensitive", term.case_sensitive)) if on]
    return f" <i>({', '.join(flags)})</i>" if flags else ""


def term_line(term: Term) -> str:
    return f"• {escape(term.text)}{term_flags_html(term)}"


def terms_html(terms: Sequence[Term]) -> str:
    """ "the terms “A”, “TITR” (exact)", for a reply saying what was done."""
    listed = ", ".join(f"“{escape(t.text)}”{term_flags_html(t)}" for t in terms)
    return f"the term{'s' if len(terms) != 1 else ''} {listed}"


def terms_detail(terms: Sequence[Term]) -> str:
    """The terms for the audit, written as `caci-watch watchlist` writes them there."""
    return ", ".join(t.text + term_flags(t) for t in terms)


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


# -- /showlist ------------------------------------------------------------------------


def audit_line(entry: AuditEntry) -> str:
    detail = entry.detail.splitlines()[0] if entry.detail else ""
    line = (
        f"{entry.at.astimezone(UTC):%Y-%m-%d %H:%M} · {code(entry.actor)} · {escape(entry.action)}"
    )
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
    shown = audit[:AUDIT_SHOWN]
    if shown:
        items += _blocks("<b>Recent changes</b>", [audit_line(e) for e in shown])
    else:
        items.append("<b>Recent changes</b>: none recorded")
    return "\n".join(header), items, ""


# -- /testlist and edits --------------------------------------------------------------


def marked_snippet(m: Match) -> str:
    start = min(max(m.mark_start, 0), len(m.snippet))
    end = min(max(m.mark_end, start), len(m.snippet))
    before = m.snippet[:start][-_SNIPPET_SIDE:]
    after = m.snippet[end:][:_SNIPPET_SIDE]
    marked = m.snippet[start:end]
    return escape(before) + (bold(marked) if marked else "") + escape(after)


def explanation(m: Match) -> str:
    """Why it matched, in the terminal's words, without the watchlist's name."""
    short = replace(
        m,
        watchlist="",
        term=_cut(m.term, _DETAIL_LIMIT),
        matched_text=_cut(m.matched_text, _DETAIL_LIMIT),
    )
    return escape(explain_match(short).removeprefix(": "))


def _example(article: Article, m: Match, *, new: bool) -> str:
    mark = "➕" if new else "✔️"
    title = _cut(article.title or "(untitled)", _TITLE_LIMIT)
    return (
        f"{mark} <b>{escape(title)}</b> · {date_label(article.published)}\n"
        f"{escape(article.link)}\n{explanation(m)}\n<i>{marked_snippet(m)}</i>"
    )


def dry_run_summary(report: DryRun, days: int) -> str:
    n = len(report.would_match)
    return (
        f"Over {plural(report.checked, 'stored article')} first seen in the last "
        f"{plural(days, 'day')}: <b>{n}</b> would match, {len(report.newly)} of them new; "
        f"{len(report.dropped)} would no longer match."
    )


def dry_run_blocks(report: DryRun, days: int, *, name: str, note: str = "") -> Blocks:
    header = f"🧪 <b>Dry run of {escape(name)}</b>\n{dry_run_summary(report, days)}"
    if note:
        header += f"\n<i>{escape(note)}</i>"
    items = [
        _example(article, m, new=article.id in report.newly)
        for article, m in report.would_match[:EXAMPLES_SHOWN]
    ]
    more = len(report.would_match) - EXAMPLES_SHOWN
    if more > 0:
        items.append(f"… and {plural(more, 'more matching article')}.")
    if report.dropped:
        lines = [
            f"➖ {escape(_cut(a.title or '(untitled)', _TITLE_LIMIT))} · {date_label(a.published)}"
            for a in report.dropped[:DROPPED_SHOWN]
        ]
        if len(report.dropped) > DROPPED_SHOWN:
            lines.append(f"… and {len(report.dropped) - DROPPED_SHOWN} more.")
        items += _blocks("<b>Would no longer match</b>", lines)
    footer = "➕ new match · ✔️ matches now too · ➖ would no longer match" if items else ""
    return header, items, footer


def edit_summary(report: DryRun, days: int) -> str:
    """After an edit: what the list now matches among recent stored articles."""
    text = (
        f"It now matches <b>{len(report.would_match)}</b> of the "
        f"{plural(report.checked, 'stored article')} first seen in the last "
        f"{plural(days, 'day')}, <b>{len(report.newly)}</b> of them new"
    )
    if report.newly:
        text += " (they join the next digest, marked as newly matching)"
    text += "."
    if report.dropped:
        text += f" {len(report.dropped)} no longer match."
    return text


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
