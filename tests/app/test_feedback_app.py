"""The feedback use cases (`bot.app.feedback`) against a real SQLite store: votes kept
per chat, article and list; who may see /feedback; a personal list's suggested terms
applied through its owner's audited edit; and the votes exported in the eval format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import feedback, personal_lists
from bot.app.chats import Chat, ensure_chat
from bot.app.config import builtin_config
from bot.app.feedback import FeedbackRefused, SuggestionGone
from bot.app.personal_lists import PersonalEdit
from bot.app.service import Service, build_service
from bot.app.steps import inline
from bot.cli.main import main
from bot.domain.models import Match, Term, article_key, watchlist_key
from tests.factories import make_article

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB, ADMIN = 4242, 4343, 900
ROGUN = f"~{ANN}/Rogun"


def match(watchlist: str, term: str) -> Match:
    snippet = f"they spoke of the {term} again"
    start = snippet.index(term)
    return Match(watchlist, term, term, 100.0, "body", snippet, start, start + len(term))


@pytest.fixture
def service(tmp_path: Path, watchlists_dir: Path) -> Iterator[Service]:
    config = builtin_config(
        store_path=tmp_path / "store.sqlite3",
        watchlists_dir=watchlists_dir,
        feed_urls=["http://127.0.0.1:9/never-polled.feed"],
    )
    svc = build_service(config)
    for chat in (ANN, BOB):
        ensure_chat(svc, Chat(chat, "private"), NOW)
    svc.store.chats.subscribe(ANN, "TRIPP", NOW)
    yield svc
    svc.close()


def stored(svc: Service, n: int, text: str, *matches: Match) -> str:
    article = make_article(n, text=text)
    svc.store.upsert_article(article, NOW - timedelta(hours=n))
    svc.store.replace_matches(article.id, matches, NOW)
    svc.store.feedback.remember_articles([article.id])
    return article_key(article.id)


def test_a_vote_is_kept_per_chat_article_and_list_and_can_be_changed(service: Service) -> None:
    key = stored(service, 1, "The TRIPP crossing.", match("TRIPP", "TRIPP"))
    ann, bob = Chat(ANN, "private"), Chat(BOB, "private")
    tripp = watchlist_key("TRIPP")
    assert feedback.vote(service, ann, key, tripp, True, NOW).result == "recorded"
    assert feedback.vote(service, ann, key, tripp, True, NOW).result == "same"
    assert feedback.vote(service, ann, key, tripp, False, NOW).result == "changed"
    assert feedback.vote(service, bob, key, tripp, True, NOW).result == "recorded"
    votes = sorted((v.chat_id, v.watchlist, v.up) for v in service.store.feedback.all_votes())
    assert votes == [(ANN, "TRIPP", False), (BOB, "TRIPP", True)]
    assert feedback.vote(service, ann, "0" * 12, tripp, True, NOW).result == "gone"
    other = watchlist_key("Abraham Accords")
    assert feedback.vote(service, ann, key, other, True, NOW).result == "not_listed"


def test_feedback_is_for_admins_and_for_the_owner_of_a_personal_list(service: Service) -> None:
    with pytest.raises(FeedbackRefused):
        feedback.report(service, BOB, "", NOW, is_admin=False)
    with pytest.raises(FeedbackRefused):
        feedback.report(service, BOB, "TRIPP", NOW, is_admin=False)
    shared = feedback.report(service, ADMIN, "", NOW, is_admin=True)
    assert [r.watchlist for r in shared] == ["Abraham Accords", "Middle Corridor", "TRIPP"]
    personal_lists.create(
        service, NOW, owner=ANN, name="Rogun", terms=[Term("Rogun Dam")], actor="t"
    )
    [own] = feedback.report(service, ANN, "", NOW, is_admin=False)
    assert own.watchlist == ROGUN
    with pytest.raises(FeedbackRefused):  # nobody else's, admins included
        feedback.report(service, ADMIN, "Rogun", NOW, is_admin=True)


def test_a_suggested_term_for_a_personal_list_is_added_by_its_owners_edit(
    service: Service,
) -> None:
    personal_lists.create(
        service, NOW, owner=ANN, name="Rogun", terms=[Term("Rogun Dam")], actor="t"
    )
    ann = Chat(ANN, "private")
    # Up-voted articles the list does not name ("possibly about" it).
    for n in (1, 2):
        text = f"Engineers at the Vakhsh cascade said stage {n} of the reservoir filled."
        key = stored(service, n, text)
        assert feedback.vote(service, ann, key, watchlist_key(ROGUN), True, NOW).result == (
            "recorded"
        )
    [own] = feedback.report(service, ANN, "rogun", NOW, is_admin=False)
    assert own.terms == ("Vakhsh",)
    assert own.excludes == ()  # a personal list has no excludes
    done = inline(
        feedback.apply_steps(
            service,
            ANN,
            "t",
            watchlist_key(ROGUN),
            feedback.suggestion_key("Vakhsh"),
            NOW,
            is_admin=False,
            actor=f"telegram:{ANN}",
        )
    )
    assert isinstance(done, PersonalEdit)
    assert [t.text for t in done.plist.terms] == ["Rogun Dam", "Vakhsh"]
    with pytest.raises(SuggestionGone):  # now a term: no longer suggested
        inline(
            feedback.apply_steps(
                service,
                ANN,
                "t",
                watchlist_key(ROGUN),
                feedback.suggestion_key("Vakhsh"),
                NOW,
                is_admin=False,
                actor="x",
            )
        )
    with pytest.raises(FeedbackRefused):
        inline(
            feedback.apply_steps(
                service, BOB, "t", watchlist_key(ROGUN), "0" * 8, NOW, is_admin=True, actor="x"
            )
        )


def test_the_votes_export_as_eval_records_up_is_a_label_down_is_not(
    service: Service, tmp_path: Path, watchlists_dir: Path
) -> None:
    a = stored(service, 1, "The TRIPP crossing and the Middle Corridor.", match("TRIPP", "TRIPP"))
    b = stored(service, 2, "A trip to Tripoli.", match("TRIPP", "TRIPP"))
    ann = Chat(ANN, "private")
    feedback.vote(service, ann, a, watchlist_key("TRIPP"), True, NOW)
    feedback.vote(service, ann, b, watchlist_key("TRIPP"), False, NOW + timedelta(minutes=1))
    service.close()
    out = tmp_path / "votes.jsonl"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "store.sqlite3"}"\n'
        f'[watchlists]\ndir = "{watchlists_dir}"\n'
        '[feeds]\nurls = ["http://127.0.0.1:9/never-polled.feed"]\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "feedback", "export", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["title"], r["labels"]) for r in records] == [
        ("feedback-0001", "Article number 1", ["TRIPP"]),
        ("feedback-0002", "Article number 2", []),
    ]
    assert records[1]["text"] == "A trip to Tripoli."
    assert set(records[0]) == {"id", "title", "text", "labels", "notes"}


def test_the_votes_export_tells_its_progress_over_every_vote(
    service: Service, tmp_path: Path
) -> None:
    ann, bob = Chat(ANN, "private"), Chat(BOB, "private")
    tripp = watchlist_key("TRIPP")
    for n in range(1, 131):
        key = stored(service, n, "The TRIPP crossing.", match("TRIPP", "TRIPP"))
        feedback.vote(service, ann, key, tripp, True, NOW)
        if n % 2:
            feedback.vote(service, bob, key, tripp, False, NOW)
    heard: list[tuple[int, int]] = []
    done = feedback.export(
        service, tmp_path / "votes.jsonl", progress=lambda read, total: heard.append((read, total))
    )
    assert done.records == 130
    # Every chat's vote is read (195), the last one on an article and list counts (130).
    assert heard[0] == (0, 195) and heard[-1] == (195, 195)
    assert [read for read, _ in heard] == sorted(read for read, _ in heard)
