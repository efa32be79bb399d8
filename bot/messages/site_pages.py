"""The digest archive's pages as HTML (pure): plain data in, a page's text out.

Every page is a whole document that needs no script and no server: landmarks (header,
nav, main, footer), headings in order, only relative links (the folder can be served
from any path), and the one style sheet, ``style.css`` (``bot.messages.site_style``).
Nothing on a page depends on when it was written, so writing the site again gives the
same bytes for a page whose content did not change.

What an item says is what the digest says, in the same words: the lead with the
matched words in bold (``articles.lead_line``), per list why it matched
(``articles.explanation``) and the sentence with the match (``articles.marked_snippet``),
or how close it is to what a list is about (``about.closeness``). Those come escaped,
with no markup but ``<b>``, valid HTML as they are. Every other field is escaped here,
for text and for attributes alike (``escape_attr``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from urllib.parse import urlsplit

from bot.domain.aboutness import PossiblyAbout
from bot.domain.archive import (
    DAYS_INDEX,
    ICON,
    INDEX,
    INDEX_DAY_ITEMS,
    INDEX_DAYS,
    LISTS_INDEX,
    STYLE,
    Archive,
    ArchiveEntry,
    article_path,
    day_path,
    list_path,
    page_count,
    page_items,
    page_wanted,
    relative,
)
from bot.domain.digest import best_match_per_watchlist
from bot.domain.lead import article_lead, mark_in_lead
from bot.domain.models import Match
from bot.domain.trends import ListTrend
from bot.messages.about import _passage, closeness
from bot.messages.articles import _byline, explanation, lead_line, marked_snippet
from bot.messages.dates import day_label
from bot.messages.explanations import quotes_snippet
from bot.messages.html import escape_attr, html_to_plain, one_line, safe_href
from bot.messages.site_chart import swatch, trend_svg
from bot.messages.site_style import ICON_SVG, STYLE_CSS
from bot.messages.trend_lines import trend_caption
from bot.messages.words import plural

SITE_NAME = "caci-watch archive"


@dataclass(frozen=True, slots=True)
class SiteChart:
    """The index's chart: each list's weeks, the first ``len - weeks`` of them the
    previous period."""

    trends: tuple[ListTrend, ...]
    weeks: int
    # The zone whose Mondays start the weeks: the deployment's digest zone.
    zone: str = "UTC"


def esc(text: str) -> str:
    """Any text from a feed or a person, for an element or a double-quoted attribute."""
    return escape_attr(text)


def _title(entry: ArchiveEntry) -> str:
    return esc(one_line(entry.article.title) or "(untitled)")


# -- the page around the content -------------------------------------------------------


def _document(here: str, title: str, body: str) -> str:
    def to(path: str) -> str:
        return esc(relative(here, path))

    nav = [(INDEX, "Home"), (DAYS_INDEX, "Every day"), (LISTS_INDEX, "Every watchlist")]
    current = ' aria-current="page"'
    links = "".join(
        f'<li><a href="{to(p)}"{current if p == here else ""}>{label}</a></li>' for p, label in nav
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{title} · {SITE_NAME}</title>
<link rel="stylesheet" href="{to(STYLE)}">
<link rel="icon" href="{to(ICON)}" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="site">
<p class="site-name"><a href="{to(INDEX)}">{SITE_NAME}</a></p>
<nav aria-label="Site"><ul>{links}</ul></nav>
</header>
<main id="main">
{body}
</main>
<footer class="site">
<p>Articles of the <i>Central Asia-Caucasus Analyst</i> matched by caci-watch's shared
watchlists. Titles link to their page here; “Read it at …” leads to the article itself.</p>
</footer>
</body>
</html>
"""


# -- an item ------------------------------------------------------------------------


def _out_link(entry: ArchiveEntry) -> str:
    href = safe_href(entry.article.link)
    if href is None:
        return ""
    host = urlsplit(entry.article.link.strip()).hostname or "its site"
    # Several on a page: the title, for those who hear links out of their context.
    title = f'<span class="vh">: “{_title(entry)}”</span>'
    return f'<p class="out"><a href="{href}">Read it at {esc(host)}{title}</a></p>'


def _why_named(m: Match, lead: str, *, name: bool) -> str:
    snippet = marked_snippet(m) if quotes_snippet(m) and mark_in_lead(lead, m) is None else ""
    head = f"<b>{esc(m.watchlist)}</b>: " if name else ""
    quote = f'\n<blockquote class="snippet">{snippet}</blockquote>' if snippet else ""
    return f"<li>{head}{explanation(m)}{quote}</li>"


def _why_about(found: PossiblyAbout, entry: ArchiveEntry) -> str:
    passage = _passage(found, entry.article)
    tail = f":\n{passage}" if passage else ", as its lead shows"
    return f"<li>Possibly about it: {closeness(found)}{tail}</li>"


def _item(entry: ArchiveEntry, here: str, lists: Sequence[str], level: int, tz: tzinfo) -> str:
    """An article as a list or a day shows it: its title (to its page), byline, lead,
    and for each of ``lists`` why it is there (the best match, as the digest has it)."""
    best = [m for m in best_match_per_watchlist(entry.matches) if m.watchlist in lists]
    lead = article_lead(entry.article)
    why = [_why_named(m, lead, name=len(lists) > 1) for m in best]
    for w in lists:
        why += [_why_about(f, entry) for f in entry.about_of(w)]
    parts = [
        f'<h{level}><a href="{esc(relative(here, article_path(entry.article.id)))}">'
        f"{_title(entry)}</a></h{level}>",
        f'<p class="byline">{_byline(entry.article, tz)}</p>',
    ]
    if text := lead_line(entry.article, best):
        parts.append(f'<p class="lead">{text}</p>')
    if why:
        parts.append('<ul class="why">' + "\n".join(why) + "</ul>")
    parts.append(_out_link(entry))
    return '<li class="item"><article>' + "\n".join(p for p in parts if p) + "</article></li>"


def _items(
    entries: Sequence[ArchiveEntry], here: str, lists: Sequence[str], level: int, tz: tzinfo
) -> str:
    inner = "\n".join(
        _item(e, here, [w for w in lists if w in e.watchlists], level, tz) for e in entries
    )
    return f'<ol class="items">\n{inner}\n</ol>'


# -- the pages ------------------------------------------------------------------------


def _list_link(here: str, watchlist: str) -> str:
    return f'<a href="{esc(relative(here, list_path(watchlist)))}">{esc(watchlist)}</a>'


def _day_link(here: str, day: date, text: str) -> str:
    return f'<a href="{esc(relative(here, day_path(day)))}">{text}</a>'


def _chart_section(chart: SiteChart) -> str:
    if not chart.trends:
        return ""
    previous = len(chart.trends[0].weeks) - chart.weeks
    caption = trend_caption(chart.trends, chart.weeks, zone=chart.zone).split("\n")
    title = (
        f"Matches per week per watchlist, the last {chart.weeks} weeks and the {previous} before"
    )
    svg = trend_svg(
        chart.trends,
        previous,
        title=title,
        description=html_to_plain("\n".join(caption)),
        zone=chart.zone,
    )
    legend = []
    for i, t in enumerate(chart.trends):
        legend.append(f"<li>{swatch(i, possibly=False)} {esc(t.watchlist)}, named</li>")
        if any(w.possibly for w in t.weeks):  # the chart draws the line only then
            legend.append(f"<li>{swatch(i, possibly=True)} {esc(t.watchlist)}, possibly about</li>")
    head = "".join(f'<th scope="col">{esc(t.watchlist)}</th>' for t in chart.trends)
    rows = []
    for k, week in enumerate(chart.trends[0].weeks):
        cells = "".join(
            f"<td>{t.weeks[k].named} + {t.weeks[k].possibly}</td>" for t in chart.trends
        )
        shade = ' class="previous"' if k < previous else ""
        rows.append(f'<tr{shade}><th scope="row">{week.monday.isoformat()}</th>{cells}</tr>')
    lines = "".join(f"<li>{line}</li>" for line in caption[1:])
    return f"""<section aria-labelledby="trend-heading">
<h2 id="trend-heading">Matches per week</h2>
<figure class="trend">
{svg}
<figcaption>
<ul class="legend">{"".join(legend)}</ul>
<p>{caption[0]}</p>
<ul>{lines}</ul>
</figcaption>
</figure>
<details>
<summary>The numbers, week by week</summary>
<div class="table-wrap"><table>
<caption>Articles per week starting on Monday ({esc(chart.zone)}): named + possibly about</caption>
<thead><tr><th scope="col">week</th>{head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table></div>
</details>
</section>"""


def _counts(archive: Archive, entries: Sequence[ArchiveEntry]) -> str:
    per = {w: sum(1 for e in entries if w in e.watchlists) for w in archive.lists}
    return ", ".join(f"{esc(w)} {n}" for w, n in per.items() if n)


def index_page(archive: Archive, chart: SiteChart) -> str:
    here = INDEX
    days = []
    for day in archive.days[:INDEX_DAYS]:
        entries = archive.by_day[day]
        items = "\n".join(
            f'<li><a href="{esc(relative(here, article_path(e.article.id)))}">{_title(e)}</a>'
            f' <span class="lists">({", ".join(esc(w) for w in e.watchlists)})</span></li>'
            for e in list(reversed(entries))[:INDEX_DAY_ITEMS]
        )
        rest = len(entries) - INDEX_DAY_ITEMS
        whole = (
            f"<p>{_day_link(here, day, f'All {len(entries)} articles of {esc(day_label(day))}')}"
            f" ({rest} more)</p>\n"
            if rest > 0
            else ""
        )
        days.append(
            f"<section><h3>{_day_link(here, day, esc(day_label(day)))}</h3>\n"
            f"<p>{plural(len(entries), 'article')}: {_counts(archive, entries)}</p>\n"
            f"<ul>\n{items}\n</ul>\n{whole}</section>"
        )
    latest = "\n".join(days) or "<p>No article has matched a watchlist yet.</p>"
    more = (
        f'<p><a href="{esc(relative(here, DAYS_INDEX))}">Every day’s digest</a></p>'
        if len(archive.days) > INDEX_DAYS
        else ""
    )
    lists = "\n".join(
        f"<li>{_list_link(here, w)}: {plural(len(archive.by_list[w]), 'article')}</li>"
        for w in archive.lists
    )
    body = f"""<h1>{SITE_NAME}</h1>
<p>What the <i>Central Asia-Caucasus Analyst</i> published on the subjects of the shared
watchlists, day by day and list by list.</p>
{_chart_section(chart)}
<section aria-labelledby="latest-heading">
<h2 id="latest-heading">The latest digests</h2>
{latest}
{more}
</section>
<section aria-labelledby="lists-heading">
<h2 id="lists-heading">Watchlists</h2>
<ul>
{lists}
</ul>
</section>"""
    return _document(here, "Home", body)


def days_page(archive: Archive) -> str:
    here = DAYS_INDEX
    rows = "\n".join(
        f"<li>{_day_link(here, d, esc(day_label(d)))}: "
        f"{plural(len(archive.by_day[d]), 'article')} ({_counts(archive, archive.by_day[d])})</li>"
        for d in archive.days
    )
    body = (
        f"<h1>Every day’s digest</h1>\n<ul>\n{rows}\n</ul>"
        if rows
        else ("<h1>Every day’s digest</h1>\n<p>No article has matched a watchlist yet.</p>")
    )
    return _document(here, "Every day’s digest", body)


def lists_page(archive: Archive) -> str:
    here = LISTS_INDEX
    rows = "\n".join(
        f"<li>{_list_link(here, w)}: {plural(len(archive.by_list[w]), 'article')}</li>"
        for w in archive.lists
    )
    body = f"<h1>Every watchlist</h1>\n<ul>\n{rows}\n</ul>"
    return _document(here, "Every watchlist", body)


def day_page(archive: Archive, day: date, page: int = 1) -> str:
    """A day's page ``page``: its articles by list, newest first; a day of more than
    ``PAGE_SIZE`` has further pages, counted from its oldest."""
    here = day_path(day, page)
    everything = archive.by_day.get(day, ())
    entries = page_items(everything, page)
    last = page_count(len(everything))
    label = esc(day_label(day))
    sections = []
    for w in archive.lists:
        mine = [e for e in entries if w in e.watchlists]
        if mine:
            items = _items(mine, here, [w], 3, archive.tz)
            sections.append(f"<section><h2>{_list_link(here, w)}</h2>\n{items}</section>")
    nav = []
    if page < last:
        later = esc(relative(here, day_path(day, page + 1)))
        nav.append(f'<li><a href="{later}">Later that day (page {page + 1} of {last})</a></li>')
    if page > 1:
        earlier = esc(relative(here, day_path(day, page - 1)))
        nav.append(f'<li><a href="{earlier}">Earlier that day (page {page - 1} of {last})</a></li>')
    days = archive.days
    at = days.index(day) if day in days else -1
    if 0 <= at < len(days) - 1:
        before = days[at + 1]
        nav.append(f"<li>{_day_link(here, before, f'Day before: {esc(day_label(before))}')}</li>")
    if at > 0:
        after = days[at - 1]
        nav.append(f"<li>{_day_link(here, after, f'Day after: {esc(day_label(after))}')}</li>")
    pager = (
        f'<nav class="pager" aria-label="Other pages"><ul>{"".join(nav)}</ul></nav>' if nav else ""
    )
    paged = f"; page {page} of {last}" if last > 1 else ""
    body = (
        f"<h1>Digest of {label}</h1>\n"
        f"<p>{plural(len(everything), 'article')} first seen on {label}, by watchlist{paged}.</p>\n"
        + "\n".join(sections)
        + f"\n{pager}"
    )
    suffix = f", page {page}" if page > 1 else ""
    return _document(here, f"Digest of {label}{suffix}", body)


def list_page(archive: Archive, watchlist: str, page: int | None) -> str:
    """A list's page ``page`` (None: its newest), newest first."""
    last = archive.pages_of(watchlist)
    number = last if page is None else page
    here = list_path(watchlist, page)
    entries = page_items(archive.by_list.get(watchlist, ()), number)
    total = len(archive.by_list.get(watchlist, ()))
    name = esc(watchlist)
    links = []
    if number < last:
        links.append(
            f'<li><a rel="prev" href="{esc(relative(here, list_path(watchlist, number + 1)))}">'
            f"Newer matches (page {number + 1} of {last})</a></li>"
        )
    if number > 1:
        links.append(
            f'<li><a rel="next" href="{esc(relative(here, list_path(watchlist, number - 1)))}">'
            f"Older matches (page {number - 1} of {last})</a></li>"
        )
    numbers = "".join(
        f"<li>{_page_number(here, watchlist, p, current=p == number)}</li>"
        for p in range(last, 0, -1)
    )
    pager = (
        f'<nav class="pager" aria-label="Pages of {name}"><ul>{"".join(links)}</ul>'
        f'<ul class="numbers">{numbers}</ul></nav>'
        if last > 1
        else ""
    )
    items = (
        _items(entries, here, [watchlist], 2, archive.tz)
        if entries
        else "<p>Nothing matched it yet.</p>"
    )
    paged = f"; page {number} of {last}" if last > 1 else ""
    body = (
        f"<h1>{name}</h1>\n"
        f"<p>{plural(total, 'article')} matched, newest first{paged}.</p>\n"
        f"{items}\n{pager}"
    )
    suffix = "" if page is None else f", page {page}"
    return _document(here, f"{name}{suffix}", body)


def _page_number(here: str, watchlist: str, page: int, *, current: bool) -> str:
    if current:
        return f'<span aria-current="page">Page {page}</span>'
    return f'<a href="{esc(relative(here, list_path(watchlist, page)))}">Page {page}</a>'


def article_page(archive: Archive, entry: ArchiveEntry) -> str:
    here = article_path(entry.article.id)
    lead = article_lead(entry.article)
    sections = []
    for w in entry.watchlists:
        seen: set[str] = set()
        why = []
        for m in entry.matches_of(w):
            line = _why_named(m, lead, name=False)
            if line not in seen:
                seen.add(line)
                why.append(line)
        why += [_why_about(f, entry) for f in entry.about_of(w)]
        reasons = "".join(why)
        sections.append(
            f'<section><h3>{_list_link(here, w)}</h3>\n<ul class="why">{reasons}</ul></section>'
        )
    day = archive.day_of(entry)
    parts = [
        f"<h1>{_title(entry)}</h1>",
        f'<p class="byline">{_byline(entry.article, archive.tz)}</p>',
        f"<p>First seen on {_day_link(here, day, esc(day_label(day)))} (that day’s digest).</p>",
    ]
    if text := lead_line(entry.article, entry.matches):
        parts.append(f'<p class="lead">{text}</p>')
    parts.append(_out_link(entry))
    parts.append("<h2>Why it is here</h2>")
    parts += sections
    return _document(here, _title(entry), "\n".join(p for p in parts if p))


def render_page(archive: Archive, chart: SiteChart, path: str) -> str | None:
    """The page at ``path`` (relative to the site's root), or None when there is none."""
    wanted = page_wanted(archive, path)
    if wanted is None:
        return None
    if wanted.kind == "index":
        return index_page(archive, chart)
    if wanted.kind == "style":
        return STYLE_CSS
    if wanted.kind == "icon":
        return ICON_SVG
    if wanted.kind == "days":
        return days_page(archive)
    if wanted.kind == "lists":
        return lists_page(archive)
    if wanted.kind == "day" and wanted.day is not None:
        return day_page(archive, wanted.day, wanted.page or 1)
    if wanted.kind == "list":
        return list_page(archive, wanted.watchlist, wanted.page)
    if wanted.kind == "article" and wanted.entry is not None:
        return article_page(archive, wanted.entry)
    return None
