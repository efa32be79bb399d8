"""A store with known articles, filled as the bot fills one (polls of a loopback feed,
the frozen test lists matching), and the archive site `caci-watch site` writes from it.

Three polls on three days: the bundled snapshot twenty days ago, sixty "Middle Corridor"
articles nine days ago (more than a page holds, so that list and day are paged), and an
hour ago an article whose title is hostile markup, matched by TRIPP.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.config import load_config
from bot.app.poll import poll_once
from bot.app.service import build_service
from bot.cli.main import main
from bot.feeds.snapshot_server import bundled_snapshot
from tests.factories import rss
from tests.feed_server import FeedServer
from tests.watchlist_copy import copy_watchlists

HOSTILE_TITLE = '<script>alert(1)</script> & <b>bold</b> "quoted"'
HOSTILE_BODY = "Officials said the TRIPP route <i>opens</i> & 1 < 2 in Syunik; <img src=x>"
MANY = 60


@dataclass(frozen=True)
class WrittenSite:
    root: Path  # the folder `caci-watch site --out` wrote
    config: Path  # the config of its store, for `caci-watch serve`

    @property
    def index(self) -> Path:
        return self.root / "index.html"

    def pages(self, pattern: str) -> list[Path]:
        return sorted(self.root.glob(pattern))

    def article_page(self, title: str) -> Path:
        """The page of the article titled ``title``."""
        heading = f"<h1>{title}</h1>"
        for page in self.pages("articles/*.html"):
            if heading in html.unescape(page.read_text(encoding="utf-8")):
                return page
        raise AssertionError(f"no article page holds {title!r}")


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _snapshot_items() -> bytes:
    return bundled_snapshot()


def _corridor_items(at: datetime) -> bytes:
    return rss(
        [
            (
                f"corridor-{n}",
                f"Freight on the Middle Corridor, report {n}",
                f"<p>Container trains on the Middle Corridor ran {n} times this month.</p>",
                at - timedelta(hours=n),
            )
            for n in range(1, MANY + 1)
        ]
    )


def _hostile_items(at: datetime) -> bytes:
    return rss([("hostile-1", HOSTILE_TITLE, f"<p>{html_escape(HOSTILE_BODY)}</p>", at)])


def write_site(root: Path) -> WrittenSite:
    """Fills a store under ``root`` and writes its site to ``root / "site"``."""
    now = datetime.now(UTC).replace(microsecond=0)
    watchlists = copy_watchlists(root / "watchlists")
    config = root / "config.toml"
    with FeedServer() as server:
        config.write_text(
            f'[feeds]\nurls = ["{server.url("/a.feed")}"]\nbackfill_days = 100000\n'
            f'[store]\npath = "{root / "store.sqlite3"}"\n'
            f'[watchlists]\ndir = "{watchlists}"\n',
            encoding="utf-8",
        )
        service = build_service(load_config(config))
        try:
            for at, body in (
                (now - timedelta(days=20), _snapshot_items()),
                (now - timedelta(days=9), _corridor_items(now - timedelta(days=9))),
                (now - timedelta(hours=1), _hostile_items(now - timedelta(hours=1))),
            ):
                server.publish("/a.feed", body)
                asyncio.run(poll_once(service, at, force=True))
        finally:
            service.close()
    out = root / "site"
    assert main(["--config", str(config), "site", "--out", str(out)]) == 0
    return WrittenSite(out, config)
