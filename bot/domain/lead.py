"""An article's lead (pure): what an alert or digest item says the article is about,
so that a reader can judge it without opening it.

The feed's abstract when it has a real one, else the text's first two sentences
(`bot.domain.sentences`), on one line, at most `LEAD_CHARS` characters, cut at a word
with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.domain.models import Article, Match
from bot.domain.sentences import boundaries
from bot.domain.snippets import LEFT_CUT

LEAD_CHARS = 300
LEAD_SENTENCES = 2
ELLIPSIS = "…"
# Sentences are looked for only this far into the text: two sentences longer than this
# are cut to `LEAD_CHARS` anyway, and a long article costs no more than a short one.
_SCAN_CHARS = 8 * LEAD_CHARS
# What a feed puts at the end of a summary that is only the text's start.
_TEASER_ENDS = ("[…]", "[...]", "…", "...")
# Left dangling before an ellipsis, these read as a mistake: "and the route, …".
_DANGLING = ",;:–—-‐ "


def _one_line(text: str) -> str:
    return " ".join(text.split())


def has_abstract(article: Article) -> bool:
    """Whether the feed's summary is an abstract of its own, not the text again nor the
    text's start (Joomla feeds repeat the text; many feeds cut it short, "…")."""
    if article.summary is article.text or article.summary == article.text:
        return False
    summary = _one_line(article.summary[: 2 * _SCAN_CHARS])
    for end in _TEASER_ENDS:
        summary = summary.removesuffix(end).rstrip()
    # Enough of the text to hold the summary, whatever white space it carries.
    start = _one_line(article.text[: 4 * len(article.summary) + 256])
    return bool(summary) and not start.startswith(summary)


def cut_at_word(text: str, limit: int) -> str:
    """`text` when it has at most `limit` characters; else its longest start that ends
    at a word and, with an ellipsis, has at most `limit` (a single word longer than that
    is cut where it must be)."""
    if len(text) <= limit:
        return text
    room = max(limit - len(ELLIPSIS), 0)
    space = text.rfind(" ", 0, room + 1)
    kept = text[:space] if space > 0 else text[:room]
    return kept.rstrip(_DANGLING) + ELLIPSIS


def first_sentences(text: str, count: int = LEAD_SENTENCES) -> str:
    """The first `count` sentences of plain `text`, on one line."""
    head = text[:_SCAN_CHARS]
    begin = len(head) - len(head.lstrip())
    stop = len(head.rstrip())
    for n, (end, _) in enumerate(boundaries(head, begin), start=1):
        if n == count:
            stop = end
            break
    return _one_line(head[begin:stop])


def lead_only(article: Article) -> Article:
    """The article with no more of its summary and text than ``article_lead`` and
    ``has_abstract`` read (and no HTML): the same lead, for keeping many articles."""
    summary = article.summary[: 2 * _SCAN_CHARS]
    text = article.text[: max(_SCAN_CHARS, 4 * len(summary) + 256)]
    if article.summary is article.text or article.summary == article.text:
        summary = text  # the feed's summary was the text: it still is
    return replace(article, summary=summary, text=text, html="")


def article_lead(article: Article, limit: int = LEAD_CHARS) -> str:
    """The article's lead: its abstract, else its first two sentences, on one line and
    cut at a word to `limit` characters; empty for an article with no text at all."""
    if has_abstract(article):
        lead = _one_line(article.summary[:_SCAN_CHARS])
    else:
        lead = first_sentences(article.text)
    return cut_at_word(lead, limit)


def mark_in_lead(lead: str, m: Match) -> tuple[int, int] | None:
    """Where `m`'s matched words are in `lead`, when the lead holds them with the
    snippet's words before them: the lead then shows the match, and the snippet would
    only say it again. None when it does not (a match further on, or in the title)."""
    start = min(max(m.mark_start, 0), len(m.snippet))
    end = min(max(m.mark_end, start), len(m.snippet))
    if m.field == "title" or start == end or not lead:
        return None
    head = m.snippet[:end]
    if head.startswith(LEFT_CUT):
        head = head[len(LEFT_CUT) :]
        start = max(start - len(LEFT_CUT), 0)
    at = lead.find(head)
    if at < 0:
        return None
    return at + start, at + len(head)


def lead_marks(lead: str, matches: Sequence[Match]) -> list[tuple[int, int]]:
    """The spans of `lead` that show one of `matches`, in order, overlapping ones merged."""
    spans = sorted(s for s in (mark_in_lead(lead, m) for m in matches) if s is not None)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
