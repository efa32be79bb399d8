"""A digest ends with a link to its day's archive page when ``[site] public_base_url``
is set, and with none when it is not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import chats, digests
from bot.app.config import SiteConfig
from bot.app.service import Service
from bot.domain.archive import day_path
from bot.messages.archive_links import archive_line, with_archive_line
from bot.messages.html import MAX_MESSAGE
from tests.app.test_schedules_and_quiet import ANN, follow, sent, service
from tests.factories import make_article, make_match

# Wednesday 10 June 2026, 20:00 in Berlin; the digest is due at 08:00 the next day.
EVENING = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
MORNING = datetime(2026, 6, 11, 6, 0, tzinfo=UTC)
BASE = "https://example.org/caci/"


def _digest(svc: Service, *lists: str) -> str:
    follow(svc, "TRIPP", joined=EVENING - timedelta(days=2))
    chats.set_mode(svc, ANN, "daily", EVENING - timedelta(days=2))
    article = make_article(1, title="Story & <co>")
    svc.store.upsert_article(article, EVENING)
    svc.store.replace_matches(article.id, [make_match(w) for w in lists], EVENING)
    digests.digest_tick(svc, MORNING)
    return "\n".join(sent(svc, "digest"))


def test_the_digest_links_its_day_in_the_published_archive(tmp_path: Path) -> None:
    svc = service(tmp_path)
    svc.config = replace(svc.config, site=SiteConfig(public_base_url=BASE))
    text = _digest(svc, "TRIPP")
    link = f'<a href="{BASE}{day_path(EVENING.date())}">10 Jun 2026</a>'
    assert text.rstrip().endswith(f"📚 In the archive: {link}")


def test_no_link_without_a_public_base_url(tmp_path: Path) -> None:
    svc = service(tmp_path)
    text = _digest(svc, "TRIPP")
    assert "Story &amp; &lt;co&gt;" in text
    assert "In the archive" not in text and "days/" not in text


def test_the_link_is_escaped_for_telegram_and_refused_for_no_http_url() -> None:
    day = EVENING.date()
    assert archive_line('https://x.example/a"b/', [day]) == (
        f'📚 In the archive: <a href="https://x.example/a&quot;b/{day_path(day)}">10 Jun 2026</a>'
    )
    assert archive_line("javascript:alert(1)//", [day]) == ""
    assert archive_line(BASE, []) == ""


def test_the_line_goes_under_the_last_part_or_in_a_part_of_its_own() -> None:
    assert with_archive_line(["one", "two"], "LINE") == ["one", "two\n\nLINE"]
    full = "x" * MAX_MESSAGE
    assert with_archive_line([full], "LINE") == [full, "LINE"]
    assert with_archive_line([], "LINE") == []
