"""The "possibly about" tier in a short-lived child process.

The embedder and numpy cost the running bot over a hundred megabytes that it would keep
for its life, for matching done once a poll; so, as ``bot/feeds/parse_child.py`` does for
feedparser, each batch of new articles is matched by a child process of its own (``python
-I``, this module), which reads the articles and lists as JSON on stdin, writes what it
found as JSON on stdout, and exits. The bot's process never imports numpy or the model.

A child that fails to start, crashes, overruns its timeout or writes more than its output
cap is killed and logged, and the batch gets no "possibly about" (``[]``): the named
matches never wait on the tier.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from bot.children.pipes import child_command, exit_reason, read_capped, read_tail, send_all
from bot.domain.aboutness import CLOSE, VERY_CLOSE, PossiblyAbout
from bot.domain.models import Article, Term, Watchlist

log = logging.getLogger(__name__)

# Loading the model takes about half a second of CPU and each article a few milliseconds;
# a busy machine may take many times that, a child stuck or swapping must not hold a poll.
BASE_TIMEOUT_SECONDS = 60.0
TIMEOUT_PER_ARTICLE_SECONDS = 0.5
# An answer is a few hundred bytes per (article, list) found.
_OUTPUT_PER_PAIR = 2048
_OUTPUT_SLACK = 64 * 1024
_STDERR_TAIL = 8 * 1024

CHILD_COMMAND: tuple[str, ...] = child_command("bot.semantic.about_child")


class AboutTierFailed(Exception):
    """The child gave no answer: it failed to start, crashed, overran its timeout or its
    output cap, or wrote what cannot be read. The message says which, as logged."""


async def possibly_about_in_child(
    articles: Sequence[Article],
    lists: Sequence[Watchlist],
    named: Mapping[str, frozenset[str]],  # Article.id -> names of the lists it already names
    *,
    timeout: float | None = None,
    command: Sequence[str] = CHILD_COMMAND,
) -> list[PossiblyAbout]:
    """Runs the embedder in a short-lived child process (the bot's own process never loads
    the model or numpy), like bot/feeds/parse_child.py does for feedparser. Lists without
    `about` are skipped; an article never comes back for a list it names. A child that fails
    or times out is logged and gives [] (the named matches are never held up by it)."""
    try:
        return await possibly_about_or_fail(
            articles, lists, named, timeout=timeout, command=command
        )
    except AboutTierFailed as exc:
        log.error("about_tier %s", exc)
        return []


async def possibly_about_or_fail(
    articles: Sequence[Article],
    lists: Sequence[Watchlist],
    named: Mapping[str, frozenset[str]],
    *,
    timeout: float | None = None,
    command: Sequence[str] = CHILD_COMMAND,
) -> list[PossiblyAbout]:
    """``possibly_about_in_child`` for a caller that must tell a failure from finding
    nothing (the running bot, which reads the articles again later): a child that fails
    raises ``AboutTierFailed``, unlogged."""
    lists = [w for w in lists if w.about]
    articles = [a for a in articles if any(w.name not in named.get(a.id, ()) for w in lists)]
    if not lists or not articles:
        return []
    if timeout is None:
        timeout = BASE_TIMEOUT_SECONDS + TIMEOUT_PER_ARTICLE_SECONDS * len(articles)
    request = request_to_json(articles, lists, named)
    cap = _OUTPUT_PER_PAIR * len(articles) * len(lists) + _OUTPUT_SLACK
    try:
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise AboutTierFailed(f"status=not_started articles={len(articles)} error={exc!r}") from exc
    try:
        async with asyncio.timeout(timeout):
            async with asyncio.TaskGroup() as group:
                group.create_task(send_all(proc, request))
                out = group.create_task(read_capped(proc, cap))
                err = group.create_task(read_tail(proc.stderr, _STDERR_TAIL))
            code = await proc.wait()
    except TimeoutError:
        raise AboutTierFailed(
            f"status=timeout articles={len(articles)} timeout={timeout:g}s"
        ) from None
    finally:
        if proc.returncode is None:
            proc.kill()
            with contextlib.suppress(ProcessLookupError):
                await proc.wait()
    output = out.result()
    if output is None:
        raise AboutTierFailed(f"status=output_over_cap articles={len(articles)} cap={cap}")
    if code != 0:
        reason = exit_reason(code, err.result())
        raise AboutTierFailed(f"status=failed articles={len(articles)} reason={reason!r}")
    try:
        found = found_from_json(output)
    except (ValueError, KeyError, TypeError) as exc:
        raise AboutTierFailed(f"status=garbled articles={len(articles)} error={exc!r}") from exc
    # Whatever the child says, the contract holds: never a list the article names, and
    # only the lists and articles asked about.
    asked = {a.id for a in articles}
    names = {w.name for w in lists}
    return [
        f
        for f in found
        if f.article_id in asked
        and f.watchlist in names
        and f.watchlist not in named.get(f.article_id, ())
    ]


def possibly_about_in_child_here(
    articles: Sequence[Article],
    lists: Sequence[Watchlist],
    named: Mapping[str, frozenset[str]],
) -> list[PossiblyAbout]:
    """``possibly_about_in_child`` for code that is not on an event loop: a heavy step in
    a worker thread, or the CLI. Called on a running loop's thread it runs the child from
    a thread of its own, so that it never blocks or nests in that loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(possibly_about_in_child(articles, lists, named))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, possibly_about_in_child(articles, lists, named)).result()


def child_main() -> None:
    """The child: the request on stdin, what it found on stdout."""
    from bot.semantic.tier import possibly_about
    from bot.semantic.wordllama_embedder import WordLlamaEmbedder

    articles, lists, named = request_from_json(sys.stdin.buffer.read())
    found = possibly_about(articles, lists, named, WordLlamaEmbedder.load())
    sys.stdout.buffer.write(found_to_json(found))


def request_to_json(
    articles: Sequence[Article], lists: Sequence[Watchlist], named: Mapping[str, frozenset[str]]
) -> bytes:
    return json.dumps(
        {
            "articles": [{"id": a.id, "title": a.title, "text": a.text} for a in articles],
            "lists": [
                {
                    "name": w.name,
                    "about": list(w.about),
                    "not_about": list(w.not_about),
                    "about_close": w.about_close,
                    "about_very_close": w.about_very_close,
                }
                for w in lists
            ],
            "named": {a.id: sorted(named.get(a.id, ())) for a in articles},
        },
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")


def request_from_json(
    data: bytes,
) -> tuple[list[Article], list[Watchlist], dict[str, frozenset[str]]]:
    fields = json.loads(data.decode("utf-8", "surrogatepass"))
    articles = [
        Article(
            id=a["id"],
            feed_url="",
            link="",
            title=a["title"],
            author="",
            section="",
            published=None,
            summary="",
            html="",
            text=a["text"],
            content_hash="",
        )
        for a in fields["articles"]
    ]
    lists = [
        Watchlist(
            # The tier reads no terms; a placeholder keeps the dataclass whole.
            name=w["name"],
            terms=(Term(w["name"]),),
            about=tuple(w["about"]),
            not_about=tuple(w["not_about"]),
            about_close=w["about_close"],
            about_very_close=w["about_very_close"],
        )
        for w in fields["lists"]
    ]
    named = {key: frozenset(value) for key, value in fields["named"].items()}
    return articles, lists, named


def found_to_json(found: Sequence[PossiblyAbout]) -> bytes:
    return json.dumps(
        [
            {
                "article_id": f.article_id,
                "watchlist": f.watchlist,
                "score": f.score,
                "strength": f.strength,
                "passage": f.passage,
            }
            for f in found
        ],
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")


def found_from_json(data: bytes) -> list[PossiblyAbout]:
    items: Any = json.loads(data.decode("utf-8", "surrogatepass"))
    if not isinstance(items, list):
        raise TypeError("expected a list")
    found: list[PossiblyAbout] = []
    for item in items:
        strength = item["strength"]
        if strength not in (CLOSE, VERY_CLOSE):
            raise ValueError(f"unknown strength {strength!r}")
        found.append(
            PossiblyAbout(
                article_id=str(item["article_id"]),
                watchlist=str(item["watchlist"]),
                score=float(item["score"]),
                strength=strength,
                passage=str(item["passage"]),
            )
        )
    return found
