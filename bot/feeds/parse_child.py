"""Feeds parsed in a short-lived child process, so that feedparser never loads in the bot.

feedparser and the parse's garbage cost the running bot over a megabyte that it would
keep for its life (CPython and malloc give little back), for a parse done now and then;
and a feed that makes the parser crash, hang or balloon would take the bot with it. So
each changed feed body is parsed by a child process of its own (``python -I``, this
module), which reads the body on stdin and writes the ``ParsedFeed`` as JSON on stdout,
and exits. Starting it costs about a tenth of a second of CPU, once per changed feed.

A child that crashes, overruns ``timeout`` or writes more than its output cap is killed
and its feed fails with a ``ParsedFeed.error`` saying so; the poll records that as the
feed's failure and goes on with the other feeds. Its JSON is read into ``Article``s in a
worker thread, as the parse was before: the event loop only waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.children.pipes import child_command, exit_reason, read_capped, read_tail, send_all
from bot.domain.models import Article
from bot.feeds.parse import ParsedFeed, parse_feed

log = logging.getLogger(__name__)

# Long enough for feedparser on a body at the size cap on a busy machine (seconds), short
# enough that a parser stuck on a hostile feed does not hold that feed's polls for long.
PARSE_TIMEOUT_SECONDS = 120.0
# The JSON holds each article's HTML, text and summary, plus a few hundred bytes of
# fields per item: a generous multiple of the body, so that only a child gone wrong
# meets it.
_OUTPUT_PER_BODY_BYTE = 32
_OUTPUT_SLACK = 1 << 20
_STDERR_TAIL = 8 * 1024

CHILD_COMMAND: tuple[str, ...] = child_command("bot.feeds.parse_child")


async def parse_in_child(
    body: bytes,
    feed_url: str,
    *,
    content_type: str | None = None,
    timeout: float = PARSE_TIMEOUT_SECONDS,
    command: Sequence[str] = CHILD_COMMAND,
) -> ParsedFeed:
    """``parse_feed(body, feed_url, content_type=content_type)``, run in a child process
    (``command``); a child that fails gives a ``ParsedFeed`` with the ``error``."""
    request = json.dumps({"feed_url": feed_url, "content_type": content_type}).encode()
    cap = _OUTPUT_PER_BODY_BYTE * len(body) + _OUTPUT_SLACK
    try:
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        log.error("feed=%s status=parser_not_started error=%r", feed_url, exc)
        return _failed(f"the feed parser could not start ({exc.strerror or exc})")
    try:
        async with asyncio.timeout(timeout):
            async with asyncio.TaskGroup() as group:
                group.create_task(send_all(proc, request + b"\n" + body))
                out = group.create_task(read_capped(proc, cap))
                err = group.create_task(read_tail(proc.stderr, _STDERR_TAIL))
            code = await proc.wait()
    except TimeoutError:
        return _failed(f"the feed parser took longer than {timeout:g} s and was stopped")
    finally:
        if proc.returncode is None:
            proc.kill()
            with contextlib.suppress(ProcessLookupError):
                await proc.wait()
    output = out.result()
    if output is None:
        return _failed(f"the feed parser wrote more than {cap // 2**20} MB and was stopped")
    if code != 0:
        reason = exit_reason(code, err.result())
        log.error("feed=%s status=parser_failed reason=%r", feed_url, reason)
        return _failed(f"the feed parser failed on this feed ({reason})")
    try:
        return await asyncio.to_thread(parsed_from_json, output)
    except (ValueError, KeyError, TypeError) as exc:
        # A child that exits cleanly with something else than its answer on stdout is a
        # failed parse of this feed, not an internal error of the poll.
        log.error("feed=%s status=parser_garbled error=%r", feed_url, exc)
        return _failed("the feed parser gave an answer that could not be read")


def child_main() -> None:
    """The child: a request line and the body on stdin, the ParsedFeed on stdout."""
    request = json.loads(sys.stdin.buffer.readline())
    body = sys.stdin.buffer.read()
    parsed = parse_feed(body, request["feed_url"], content_type=request["content_type"])
    sys.stdout.buffer.write(parsed_to_json(parsed))


def parsed_to_json(parsed: ParsedFeed) -> bytes:
    return json.dumps(
        {
            "title": parsed.title,
            "error": parsed.error,
            "warning": parsed.warning,
            "articles": [_article_fields(a) for a in parsed.articles],
        },
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")


def parsed_from_json(data: bytes) -> ParsedFeed:
    fields = json.loads(data.decode("utf-8", "surrogatepass"))
    return ParsedFeed(
        articles=[_article(a) for a in fields["articles"]],
        title=fields["title"],
        error=fields["error"],
        warning=fields["warning"],
    )


def _article_fields(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "feed_url": article.feed_url,
        "link": article.link,
        "title": article.title,
        "author": article.author,
        "section": article.section,
        "published": article.published.isoformat() if article.published else None,
        "summary": article.summary,
        "html": article.html,
        "text": article.text,
        "content_hash": article.content_hash,
    }


def _article(fields: dict[str, Any]) -> Article:
    published = fields["published"]
    return Article(
        id=fields["id"],
        feed_url=fields["feed_url"],
        link=fields["link"],
        title=fields["title"],
        author=fields["author"],
        section=fields["section"],
        published=datetime.fromisoformat(published) if published else None,
        summary=fields["summary"],
        html=fields["html"],
        text=fields["text"],
        content_hash=fields["content_hash"],
    )


def _failed(error: str) -> ParsedFeed:
    return ParsedFeed(articles=[], title="", error=error)
