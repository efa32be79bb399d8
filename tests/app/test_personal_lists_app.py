"""The personal-list use cases (`bot.app.personal_lists`) against a real SQLite store,
and the one set of watchlist rules (`bot.lists.rules`) both kinds of list follow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import personal_lists
from bot.app.chats import Chat, ensure_chat
from bot.app.config import builtin_config
from bot.app.personal_lists import PersonalEdit, PersonalError, Resumed, UnknownPersonalList
from bot.app.service import Service, build_service
from bot.domain.models import Term
from bot.lists.files import WatchlistError, parse_watchlist
from bot.lists.rules import PERSONAL, SHARED, RuleError, checked_terms, checked_text
from tests.factories import make_article, on_store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB = 4242, 4343
WHO = f"telegram:{ANN}"


@pytest.fixture
def service(tmp_path: Path, watchlists_dir: Path, store_url: str) -> Iterator[Service]:
    config = builtin_config(
        store_path=tmp_path / "store.sqlite3",
        watchlists_dir=watchlists_dir,
        feed_urls=["http://127.0.0.1:9/never-polled.feed"],
    )
    svc = build_service(on_store(config, store_url))
    for chat in (ANN, BOB):  # what the front end does first: the owner's row
        ensure_chat(svc, Chat(chat, "private"), NOW)
    svc.store.upsert_article(
        make_article(1, text="Engineers say the Rogun Dam will reach full height."),
        NOW - timedelta(days=1),
    )
    yield svc
    svc.close()


def create(svc: Service, name: str, *terms: str, owner: int = ANN) -> PersonalEdit | Resumed:
    return personal_lists.create(
        svc, NOW, owner=owner, name=name, terms=[Term(t) for t in terms] or None, actor=WHO
    )


def test_a_new_list_is_followed_by_its_owner_audited_and_matched_against_recent_articles(
    service: Service,
) -> None:
    done = create(service, " Rogun ", "Rogun Dam", "Nurek")
    assert isinstance(done, PersonalEdit)
    assert (done.action, done.plist.name, [t.text for t in done.terms]) == (
        "new",
        "Rogun",
        ["Rogun Dam", "Nurek"],
    )
    assert done.report.newly == 1  # the dry run, before the matches were stored
    internal = done.plist.internal_name
    owner = service.store.chats.get(ANN)
    assert owner is not None and internal in owner.watchlists
    assert service.store.article_ids_matching(internal) == {make_article(1).id}
    [entry] = service.store.audit_for(internal)
    assert (entry.actor, entry.action, entry.detail) == (WHO, "new", "Rogun Dam, Nurek")
    assert personal_lists.names(service, ANN) == ["Rogun"]
    assert personal_lists.names(service, BOB) == []
    assert personal_lists.owns(service, ANN, "rogun") and not personal_lists.owns(
        service, BOB, "rogun"
    )


def test_mynew_with_a_name_alone_resumes_the_list_or_asks_for_terms(service: Service) -> None:
    create(service, "Rogun", "Rogun Dam")
    assert create(service, "rogun") == Resumed("Rogun", resumed=False)
    plist = personal_lists.lists_of(service, ANN)[0]
    service.store.chats.unsubscribe(ANN, plist.internal_name)
    assert create(service, "ROGUN") == Resumed("Rogun", resumed=True)
    with pytest.raises(PersonalError, match="give at least one term"):
        create(service, "Aral")
    with pytest.raises(PersonalError, match='you already have a list called "Rogun"'):
        create(service, "rogun", "Nurek")


def test_terms_are_added_and_removed_and_refusals_change_nothing(service: Service) -> None:
    create(service, "Rogun", "Rogun Dam")
    done = personal_lists.add_terms(
        service, NOW, owner=ANN, name="Rogun", terms=[Term("VAKHSH", exact=True)], actor=WHO
    )
    assert [t.text for t in done.plist.terms] == ["Rogun Dam", "VAKHSH"]
    assert done.terms == (Term("VAKHSH", exact=True),)
    with pytest.raises(PersonalError, match='"Rogun" already has the term "VAKHSH"'):
        personal_lists.add_terms(
            service, NOW, owner=ANN, name="Rogun", terms=[Term("vakhsh")], actor=WHO
        )
    with pytest.raises(PersonalError, match="at most 20 terms"):
        personal_lists.add_terms(
            service,
            NOW,
            owner=ANN,
            name="Rogun",
            terms=[Term(f"t{i}") for i in range(19)],
            actor=WHO,
        )
    done = personal_lists.remove_term(
        service, NOW, owner=ANN, name="Rogun", term="vakhsh", actor=WHO
    )
    assert [t.text for t in done.plist.terms] == ["Rogun Dam"]
    actions = [(e.action, e.detail) for e in service.store.audit_for(done.plist.internal_name)]
    assert actions == [
        ("remove-term", "vakhsh"),
        ("add-term", "VAKHSH  (exact)"),
        ("new", "Rogun Dam"),
    ]
    with pytest.raises(UnknownPersonalList):
        personal_lists.add_terms(
            service, NOW, owner=BOB, name="Rogun", terms=[Term("x")], actor=WHO
        )


def test_a_list_is_deleted_only_on_its_whole_name(service: Service) -> None:
    done = create(service, "Rogun Dam", "Rogun")
    assert isinstance(done, PersonalEdit)
    internal = done.plist.internal_name
    asked = personal_lists.delete(
        service, NOW, owner=ANN, name="Rogun Dam", typed="rogun da", actor=WHO
    )
    assert asked == personal_lists.Deleted("Rogun Dam", 1, deleted=False)
    assert personal_lists.names(service, ANN) == ["Rogun Dam"]
    gone = personal_lists.delete(
        service, NOW, owner=ANN, name="Rogun Dam", typed="rogun-dam", actor=WHO
    )
    assert gone.deleted and personal_lists.names(service, ANN) == []
    assert service.store.article_ids_matching(internal) == set()
    assert service.store.audit_for(internal)[0].action == "delete"


# -- the one set of rules ------------------------------------------------------------------


def test_shared_and_personal_lists_follow_the_same_rules_with_their_own_limits() -> None:
    for limits in (SHARED, PERSONAL):
        for text, rule in [
            ("a\nb", "line-break"),
            ("a\tb", "control"),
            ("a\u202eb", "bidi"),
            ("   ", "empty"),
            ("—!—", "no-letters"),
            ("x" * (limits.term_length + 1), "too-long"),
        ]:
            with pytest.raises(RuleError) as caught:
                checked_terms([Term(text)], limits)
            assert caught.value.rule == rule, (limits, text)
        with pytest.raises(RuleError) as caught:
            checked_terms([Term(f"t{i}") for i in range(limits.terms + 1)], limits)
        assert (caught.value.rule, caught.value.limit) == ("too-many", limits.terms)
    with pytest.raises(RuleError) as caught:
        checked_terms([Term("Aktau"), Term("AKTAU")], SHARED)
    assert (caught.value.rule, caught.value.texts) == ("same", ("Aktau", "AKTAU"))
    assert checked_text("  two\n lines ", max_length=20, letters=False, one_line=False) == (
        "two\n lines"
    )


def test_a_hand_edited_file_is_held_to_the_rules_the_editors_follow() -> None:
    # A tab in a term was accepted from a file while the editors refused to write one.
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist('name = "T"\nterms = ["Zangezur\\tcorridor"]\n')
    assert caught.value.reason == "terms[0]: must not contain line breaks or control characters"
    # A description may run over several lines in TOML; it is shown as written.
    w = parse_watchlist('name = "T"\ndescription = """two\nlines"""\nterms = ["x12"]\n')
    assert w.description == "two\nlines"
