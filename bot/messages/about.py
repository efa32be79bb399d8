"""The words of the "possibly about" tier (pure): its instant alerts, its digest sections
and their terminal form. Kept apart from the named matches' words in
``bot.messages.articles``, whose title and byline they share.

An article here does not name the list, so there is no matched term to explain: the item
says how close it is in plain words ("close", "very close") and quotes the passage that
came closest to what the list is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.domain.aboutness import PossiblyAbout
from bot.domain.lead import article_lead
from bot.domain.models import Article
from bot.domain.possibly_about import AboutAlert, AboutSection
from bot.messages.articles import _byline, _title_line, lead_line
from bot.messages.chat_console import no_chat_line
from bot.messages.html import (
    MAX_MESSAGE,
    fit,
    html_to_plain,
    one_line,
    split_messages,
    utf16_len,
)
from bot.messages.screens import did_you_mean
from bot.messages.words import plural

_NAME = 80
_PASSAGE = 600
_NAMES_LINE = 600


def _name(watchlist: str) -> str:
    return fit(one_line(watchlist) or "(unnamed)", _NAME)


def closeness(found: PossiblyAbout) -> str:
    """``very close to what TRIPP is about`` (escaped)."""
    return f"{fit(found.strength, 20)} to what {_name(found.watchlist)} is about"


def _passage(found: PossiblyAbout, article: Article) -> str:
    # A passage the lead already shows is not quoted a second time.
    if one_line(found.passage) in one_line(article_lead(article)):
        return ""
    passage = fit(one_line(found.passage), _PASSAGE)
    return f"<blockquote>{passage}</blockquote>" if passage else ""


def _head(article: Article, *, updated: bool, tz: tzinfo) -> str:
    """Title, byline and the article's lead, as a named alert's item has them."""
    lines = [_title_line(article, updated=updated, rematched=False), _byline(article, tz)]
    if lead := lead_line(article):
        lines.append(lead)
    return "\n".join(lines)


def _found_lines(found: Sequence[PossiblyAbout], article: Article) -> list[str]:
    lines = []
    for f in sorted(found, key=lambda f: -f.score):
        if passage := _passage(f, article):
            lines += [f"<i>{closeness(f)}</i>:", passage]
        else:
            lines.append(f"<i>{closeness(f)}</i>, as its lead shows")
    return lines


def _names(names: Sequence[str]) -> str:
    bolded = ", ".join(f"<b>{_name(n)}</b>" for n in sorted(set(names)))
    return bolded if utf16_len(bolded) <= _NAMES_LINE else fit(", ".join(names), _NAMES_LINE)


# -- instant alerts --------------------------------------------------------------------


def render_about_alert(alert: AboutAlert, *, tz: tzinfo) -> str:
    """``🔎 Possibly about TRIPP``, the article, and the closest passage per list."""
    head = f"🔎 Possibly about {_names(alert.watchlists)}"
    text = "\n".join([head, _head(alert.article, updated=alert.updated, tz=tz)])
    text += "\n" + "\n".join(_found_lines(alert.found, alert.article))
    # A plainer message beats one Telegram refuses (no realistic alert comes near).
    return text if utf16_len(text) <= MAX_MESSAGE else fit(html_to_plain(text), MAX_MESSAGE)


def render_about_alerts(alerts: Sequence[AboutAlert], *, tz: tzinfo) -> list[str]:
    """Several for one chat from one poll as one message (in parts when long), as
    several named alerts are combined."""
    names = [n for a in alerts for n in a.watchlists]
    heading = f"🔎 {plural(len(alerts), 'article')} possibly about {_names(names)}"
    items = []
    for i, alert in enumerate(alerts, start=1):
        head = f"{i}. {_head(alert.article, updated=alert.updated, tz=tz)}"
        item = "\n".join([head, *_found_lines(alert.found, alert.article)])
        items.append(item)  # split_messages cuts one too long for a part
    return split_messages(heading, items, "", continuation=heading)


# -- the digest ------------------------------------------------------------------------


def about_heading(watchlist: str) -> str:
    return f"🔎 <b>Possibly about {_name(watchlist)}</b>"


def about_digest_items(sections: Sequence[AboutSection], *, tz: tzinfo) -> list[str]:
    """The digest's "Possibly about LIST" sections as blocks for ``split_messages``: each
    list's heading goes with its first item, so no part ends on a bare heading."""
    blocks = []
    for section in sections:
        for i, item in enumerate(section.items):
            lines = ["• " + _head(item.article, updated=item.updated, tz=tz)]
            lines += _found_lines([item.found], item.article)
            block = "\n".join(lines)  # split_messages cuts one too long for a part
            if i == 0:
                block = f"{about_heading(section.watchlist)}\n{block}"
            blocks.append(block)
    return blocks


def about_console_lines(sections: Sequence[AboutSection]) -> list[str]:
    """The same sections for a terminal."""
    lines = []
    for section in sections:
        lines.append(f"Possibly about {one_line(section.watchlist)}:")
        for item in section.items:
            title = one_line(item.article.title) or "(untitled)"
            lines.append(f"  - {title}{' (updated)' if item.updated else ''}")
            lines.append(f"    {item.article.link}")
            if lead := article_lead(item.article):
                lines.append(f"    {lead}")
            lines.append(f"    {item.found.strength}: “{one_line(item.found.passage)}”")
        lines.append("")
    return lines


def about_alerts_console(
    result: str, name: str, *, chat_id: int, query: str, candidates: Sequence[str]
) -> str:
    """``caci-watch about-alerts``'s one line (``result`` as ``AboutAlertsOutcome`` has it)."""
    if result == "unknown_chat":
        return no_chat_line(chat_id)
    if result == "unknown":
        text = f"no watchlist called “{one_line(query)}”"
        return f"{text}. {did_you_mean(candidates, html=False)}" if candidates else text
    if result == "not_following":
        return f"chat {chat_id} does not follow {name} (these alerts are for lists followed)"
    if result == "no_about":
        return f"{name} has no `about` in its file: nothing is found as possibly about it"
    if result == "personal":
        return f"{name} is a personal list, matched by name only: nothing is possibly about it"
    if result == "tier_off":
        return f"[about] enabled = false: no article is found as possibly about {name}"
    return f"chat {chat_id}: possibly-about alerts for {name} are {result}"
