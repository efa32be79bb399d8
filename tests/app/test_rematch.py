from __future__ import annotations

from datetime import timedelta

from bot.app.rematch import dry_run, rematch_recent
from bot.domain.matching import compile_watchlists
from bot.domain.models import AuditEntry, Term, Watchlist
from bot.storage import open_store
from tests.factories import T0, make_article, make_match

PORTS = Watchlist("Ports", (Term("Port of Aktau"),))
PORTS_WIDER = Watchlist("Ports", (Term("Port of Aktau"), Term("Alat port")))


def test_dry_run_lists_what_would_match_and_what_differs() -> None:
    aktau = make_article(1, text="Cargo left the Port of Aktau.")
    alat = make_article(2, text="Cargo left Alat port.")
    neither = make_article(3, text="Nothing to see.")
    report = dry_run(
        compile_watchlists([PORTS_WIDER]),
        "Ports",
        [aktau, alat, neither],
        currently_matching={aktau.id, neither.id},
    )
    assert (report.checked, report.matched, report.newly, report.dropped) == (3, 2, 1, 1)
    assert [(e.article.id, e.new) for e in report.examples] == [(aktau.id, False), (alat.id, True)]
    assert [a.id for a in report.dropped_examples] == [neither.id]
    match = report.examples[1].match
    assert match.snippet[match.mark_start : match.mark_end] == "Alat port"


def test_rematch_marks_newly_matching_articles_for_the_next_digest(store_url: str) -> None:
    store = open_store(store_url)
    aktau = make_article(1, text="Cargo left the Port of Aktau.")
    alat = make_article(2, text="Cargo left Alat port.")
    for a in (aktau, alat):
        store.upsert_article(a, T0)
    store.replace_matches(aktau.id, compile_watchlists([PORTS]).match([("body", aktau.text)]), T0)

    later = T0 + timedelta(days=2)
    report = rematch_recent(store, [PORTS_WIDER], now=later, days=14)
    assert report.checked == 2
    assert report.newly_matched == ((alat.id, "Ports"),)

    window = store.articles_seen_between(later, later + timedelta(hours=1))
    assert [(e.article.id, e.rematched) for e in window] == [(alat.id, True)]
    assert window[0].watchlists == ("Ports",)


def test_rematch_only_touches_the_changed_watchlists(store_url: str) -> None:
    store = open_store(store_url)
    a = make_article(1, text="Cargo left the Port of Aktau and TRIPP advanced.")
    store.upsert_article(a, T0)
    store.replace_matches(a.id, [make_match("TRIPP")], T0)
    rematch_recent(store, [PORTS], now=T0 + timedelta(hours=1), days=14)
    assert store.matched_watchlists(a.id) == {"TRIPP", "Ports"}


def test_rematch_leaves_articles_older_than_its_window_alone(store_url: str) -> None:
    store = open_store(store_url)
    old = make_article(1, text="Cargo left Alat port.")
    store.upsert_article(old, T0 - timedelta(days=30))
    report = rematch_recent(store, [PORTS_WIDER], now=T0, days=14)
    assert report.checked == 0 and store.matched_watchlists(old.id) == set()


def test_a_second_edit_keeps_the_first_edits_news_pending(store_url: str) -> None:
    store = open_store(store_url)
    alat = make_article(2, text="Cargo left Alat port.")
    store.upsert_article(alat, T0)
    rematch_recent(store, [PORTS_WIDER], now=T0 + timedelta(hours=1), days=14)
    wider_still = Watchlist("Ports", (*PORTS_WIDER.terms, Term("Kuryk port")))
    rematch_recent(store, [wider_still], now=T0 + timedelta(hours=2), days=14)
    window = store.articles_seen_between(T0 + timedelta(minutes=30), T0 + timedelta(hours=3))
    assert [(e.article.id, e.rematched) for e in window] == [(alat.id, True)]


def test_audit_trail_lists_changes_newest_first(store_url: str) -> None:
    store = open_store(store_url)
    store.record_audit(AuditEntry(T0, "cli:ana", "Ports", "add-term", "Alat port"))
    store.record_audit(AuditEntry(T0 + timedelta(minutes=1), "file", "Ports", "changed"))
    store.record_audit(AuditEntry(T0, "cli:ana", "Rail", "new"))
    assert [(e.actor, e.action) for e in store.audit_for("Ports")] == [
        ("file", "changed"),
        ("cli:ana", "add-term"),
    ]
