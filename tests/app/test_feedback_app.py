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
from tests.factories import make_article, on_store, store_toml

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB, ADMIN = 4242, 4343, 900
ROGUN = f"~{ANN}/Rogun"


def match(watchlist: str, term: str) -> Match:
    snippet = f"they spoke of the {term} again"
    start = snippet.index(term)
    return Match(watchlist, term, term, 100.0, "body", snippet, start, start + len(term))


@pytest.fixture
def service(tmp_path: Path, watchlists_dir: Path, store_url: str) -> Iterator[Service]:
    config = builtin_config(
        store_path=tmp_path / "store.sqlite3",
        watchlists_dir=watchlists_dir,
        feed_urls=["http://127.0.0.1:9/never-polled.feed"],
    )
    svc = build_service(on_store(config, store_url))
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


def test_nobody_votes_on_someone_elses_personal_list_even_with_a_forged_button(
    service: Service,
) -> None:
    personal_lists.create(
        service, NOW, owner=ANN, name="Rogun", terms=[Term("Rogun Dam")], actor="t"
    )
    key = stored(service, 1, "The Rogun Dam filled.", match(ROGUN, "Rogun Dam"))
    # A modified client can send any callback data: Bob names Ann's list by its key.
    bob = Chat(BOB, "private")
    assert feedback.vote(service, bob, key, watchlist_key(ROGUN), False, NOW).result == (
        "not_listed"
    )
    assert list(service.store.feedback.all_votes()) == []
    [own] = feedback.report(service, ANN, "Rogun", NOW, is_admin=False)
    assert own.down == ()


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
        store_toml(service.config) + f'[watchlists]\ndir = "{watchlists_dir}"\n'
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
    assert set(records[0]) == {"id", "title", "text", "labels", "about", "notes"}


@pytest.mark.parametrize("where", ["", "/", "a-directory"])
def test_an_export_to_a_path_that_is_no_file_is_refused_clearly_and_leaves_nothing_behind(
    service: Service,
    tmp_path: Path,
    watchlists_dir: Path,
    where: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service.close()
    (tmp_path / "a-directory").mkdir()
    target = str(tmp_path / where) if where == "a-directory" else where
    config = tmp_path / "config.toml"
    config.write_text(
        store_toml(service.config) + f'[watchlists]\ndir = "{watchlists_dir}"\n'
        '[feeds]\nurls = ["http://127.0.0.1:9/never-polled.feed"]\n',
        encoding="utf-8",
    )
    before = set(tmp_path.iterdir())
    assert main(["--config", str(config), "feedback", "export", target]) == 2
    said = capsys.readouterr().err
    assert "caci-watch: error:" in said and "Traceback" not in said
    assert "a file" in said or "directory" in said
    assert set(tmp_path.iterdir()) == before
    assert (tmp_path / "a-directory").is_dir()


def test_an_up_vote_on_an_article_that_does_not_name_the_list_exports_as_about_not_as_a_label(
    service: Service, tmp_path: Path
) -> None:
    # "labels" are the lists a record names (the eval format's rule); a 👍 on a
    # possibly-about alert says the article is about the list, which is "about".
    named = stored(service, 1, "The TRIPP crossing.", match("TRIPP", "TRIPP"))
    unnamed = stored(service, 2, "The transit strip across Syunik to Nakhchivan.")
    ann = Chat(ANN, "private")
    tripp = watchlist_key("TRIPP")
    assert feedback.vote(service, ann, named, tripp, True, NOW).result == "recorded"
    assert feedback.vote(service, ann, unnamed, tripp, True, NOW).result == "recorded"
    out = tmp_path / "votes.jsonl"
    feedback.export(service, out)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["title"], r["labels"], r["about"]) for r in records] == [
        ("Article number 1", ["TRIPP"], ["TRIPP"]),
        ("Article number 2", [], ["TRIPP"]),
    ]


def test_an_export_counts_every_vote_it_read_though_a_record_keeps_the_last(
    service: Service, tmp_path: Path
) -> None:
    key = stored(service, 1, "The TRIPP crossing.", match("TRIPP", "TRIPP"))
    tripp = watchlist_key("TRIPP")
    service.store.chats.subscribe(BOB, "TRIPP", NOW)
    feedback.vote(service, Chat(ANN, "private"), key, tripp, True, NOW)
    feedback.vote(service, Chat(BOB, "private"), key, tripp, False, NOW + timedelta(minutes=1))
    done = feedback.export(service, tmp_path / "votes.jsonl")
    assert (done.records, done.votes) == (1, 2)


def test_feedback_on_a_shared_list_for_a_non_admin_says_it_is_for_admins_not_unknown(
    service: Service,
) -> None:
    with pytest.raises(FeedbackRefused) as refused:
        feedback.report(service, BOB, "TRIPP", NOW, is_admin=False)
    assert refused.value.query == ""  # "for the bot's admins", not "no watchlist called TRIPP"
    with pytest.raises(FeedbackRefused) as unknown:
        feedback.report(service, BOB, "Atlantis", NOW, is_admin=False)
    assert unknown.value.query == "Atlantis"


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
