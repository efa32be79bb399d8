"""The trend query gives each article a list matched, named or possibly about, by when
the article was first seen."""

from __future__ import annotations

from datetime import UTC, timedelta

from bot.domain.trends import trends
from bot.storage.store import open_store
from tests.factories import T0, make_article, make_match


def test_sightings_feed_weekly_counts_named_and_possibly_about_apart(store_url: str) -> None:
    store = open_store(store_url)
    for n in range(1, 5):
        store.upsert_article(make_article(n), T0 - timedelta(days=7 * (n - 1)))
    for n in (1, 2, 4):
        store.replace_matches(make_article(n).id, [make_match("TRIPP")], T0)
    conn = store._conn
    for n in (1, 3):  # article 1 is named too: it counts as named
        conn.execute(
            "INSERT INTO possibly_about (article, watchlist, content_hash, score, strength,"
            " passage, found_at) SELECT ref, 'TRIPP', content_hash, 0.5, 'close', 'p', ?"
            " FROM articles WHERE id = ?",
            (T0.isoformat(), make_article(n).id),
        )
    seen = store.trends.sightings(["TRIPP", "NONE"], T0 - timedelta(days=15))
    assert {(s.article, s.named) for s in seen} >= {(1, True), (1, False), (3, False)}
    assert all(s.first_seen >= T0 - timedelta(days=15) for s in seen)
    [tripp, none] = trends(seen, ["TRIPP", "NONE"], now=T0, weeks=3, tz=UTC)
    assert [(w.named, w.possibly) for w in tripp.weeks] == [(0, 1), (1, 0), (1, 0)]
    assert [w.total for w in none.weeks] == [0, 0, 0]
    assert store.trends.sightings([], T0) == []
