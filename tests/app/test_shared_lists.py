"""The shared-list use cases (`bot.app.shared_lists`) against a real SQLite store and a
copy of the shipped lists; and the CLI calling them as a user runs it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import shared_lists, watchlist_sync
from bot.app.config import builtin_config
from bot.app.service import Service, build_service
from bot.app.shared_lists import UnknownList
from bot.cli.main import main
from bot.domain.models import AuditEntry, Term
from bot.feeds.snapshot_server import SnapshotServer, bundled_snapshot
from bot.lists.edit import EditError
from bot.messages.html import split_messages
from bot.messages.screens import did_you_mean, one_of
from bot.messages.watchlist_console import unknown_list_line
from bot.messages.watchlist_screens import gone_blocks
from tests.bot_harness import ADMIN_ID, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import make_article, on_store, rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WHO = "cli:tester"


@pytest.fixture
def service(tmp_path: Path, watchlists_dir: Path, store_url: str) -> Iterator[Service]:
    config = builtin_config(
        store_path=tmp_path / "store.sqlite3",
        watchlists_dir=watchlists_dir,
        feed_urls=["http://127.0.0.1:9/never-polled.feed"],
    )
    svc = build_service(on_store(config, store_url))
    store = svc.store
    for n, text in enumerate(
        ["The Trump Route crosses Syunik.", "Cargo through the Port of Alat doubled."], start=1
    ):
        store.upsert_article(make_article(n, text=text), NOW - timedelta(days=1))
    watchlist_sync.reload_watchlists(svc, NOW - timedelta(hours=1))  # the bot at its start
    yield svc
    svc.close()


def actions(svc: Service, name: str) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.detail) for e in reversed(svc.store.audit_for(name))]


# -- finding -------------------------------------------------------------------------------


def test_names_are_read_forgivingly_and_an_unknown_one_comes_with_candidates(
    service: Service,
) -> None:
    assert shared_lists.find(service, "tripp").name == "TRIPP"
    assert shared_lists.find(service, "middle-corridor").name == "Middle Corridor"
    with pytest.raises(UnknownList) as caught:
        shared_lists.find(service, "Tripoli")
    assert caught.value.candidates == ("TRIPP",)


# -- editing -------------------------------------------------------------------------------


def test_an_edit_writes_the_file_audits_it_as_its_actor_and_says_what_now_matches(
    service: Service, watchlists_dir: Path
) -> None:
    done = shared_lists.add_terms(service, NOW, "tripp", [Term("Syunik")], actor=WHO)
    assert (done.action, done.name, done.reloaded) == ("add-term", "TRIPP", True)
    assert done.path == watchlists_dir / "tripp.toml"
    assert '"Syunik"' in done.path.read_text()
    assert done.report is not None and done.days == service.config.watchlists.rematch_days
    assert done.report.matched == 1 and not done.report.newly  # matched already
    assert actions(service, "TRIPP")[-1] == (WHO, "add-term", "Syunik")

    done = shared_lists.add_exclude(service, NOW, "TRIPP", " Syunik province ", actor=WHO)
    assert done.phrase == "Syunik province"
    assert actions(service, "TRIPP")[-1] == (WHO, "exclude", "Syunik province")
    done = shared_lists.remove_term(service, NOW, "TRIPP", "syunik", actor=WHO)
    assert actions(service, "TRIPP")[-1] == (WHO, "remove-term", "syunik")


def test_a_hand_edit_pending_when_an_edit_is_made_is_audited_as_the_files(
    service: Service, watchlists_dir: Path
) -> None:
    path = watchlists_dir / "tripp.toml"
    path.write_text(path.read_text().replace('"Zangezour",', '"Zangezour",\n  "Syunik",'))
    later = NOW + timedelta(seconds=30)  # before the running bot's minute job saw it
    shared_lists.add_terms(service, later, "TRIPP", [Term("Meghri")], actor=WHO)
    assert actions(service, "TRIPP")[-2:] == [("file", "changed", ""), (WHO, "add-term", "Meghri")]


def test_a_new_list_is_refused_a_personal_prefix_a_name_alike_and_a_file_that_exists(
    service: Service, watchlists_dir: Path
) -> None:
    before = sorted(p.name for p in watchlists_dir.iterdir())
    refusals = {
        "~4242/Mine": "cannot start with ~",
        "trip-p": 'a watchlist named "TRIPP" already exists',
        "MIDDLE corridor": 'a watchlist named "Middle Corridor" already exists',
        "Middlecorridor": 'a watchlist named "Middle Corridor" already exists',
        "Abraham Accórds": 'a watchlist named "Abraham Accords" already exists',
    }
    for name, message in refusals.items():
        with pytest.raises(EditError, match=message):
            shared_lists.create(service, NOW, name, [Term("Route")], actor=WHO)
    (watchlists_dir / "alat.toml").write_text("not a watchlist\n")
    with pytest.raises(EditError, match=r"a file alat\.toml already exists") as taken:
        shared_lists.create(service, NOW, "Alat", [Term("Port of Alat")], actor=WHO)
    assert isinstance(taken.value, shared_lists.ListExists)
    assert taken.value.file_name == "alat.toml"
    assert sorted(p.name for p in watchlists_dir.iterdir()) == sorted([*before, "alat.toml"])

    done = shared_lists.create(
        service, NOW, " Alat Port ", [Term("Port of Alat"), Term("ALAT", exact=True)], actor=WHO
    )
    assert (done.name, done.path.name) == ("Alat Port", "alat-port.toml")
    assert done.report is not None and done.report.newly == 1
    assert actions(service, "Alat Port") == [(WHO, "new", "Port of Alat, ALAT  (exact)")]


def test_a_deleted_list_is_shown_with_how_it_went_its_last_text_and_its_history(
    service: Service, watchlists_dir: Path
) -> None:
    path = watchlists_dir / "tripp.toml"
    shared_lists.add_terms(service, NOW, "TRIPP", [Term("Meghri")], actor=WHO)
    text = path.read_text()
    done = shared_lists.delete(service, NOW + timedelta(minutes=1), "tripp", actor=WHO)
    assert (done.action, done.name, done.path) == ("delete", "TRIPP", path)
    assert not path.exists()
    with pytest.raises(UnknownList):
        shared_lists.find(service, "TRIPP")  # no longer in force: not to be edited

    shown = shared_lists.details(service, "trip")
    assert shown.watchlist is None and shown.name == "TRIPP"
    assert shown.gone is not None
    assert (shown.gone.action, shown.gone.actor) == ("delete", WHO)
    assert (shown.path, shown.last_text) == (str(path), text)
    assert [e.action for e in shown.history][:3] == ["delete", "add-term", "added"]

    header, items, footer = gone_blocks(
        shown.name,
        gone=shown.gone,
        path=shown.path,
        last_text=shown.last_text,
        audit=shown.history,
    )
    assert "TRIPP was deleted on 2026-11-26 12:01 UTC by cli:tester." in header
    assert items[0].startswith("<b>Its last text</b> (<code>tripp.toml</code>)\n<pre>")
    assert '  "Meghri",' in items[0] and "restores the list" in footer
    assert split_messages(header, items, footer)


def test_a_list_removed_by_hand_is_shown_as_removed_and_a_name_never_known_is_unknown(
    service: Service, watchlists_dir: Path
) -> None:
    (watchlists_dir / "abraham-accords.toml").unlink()
    watchlist_sync.reload_watchlists(service, NOW)
    shown = shared_lists.details(service, "abraham")
    assert shown.gone is not None and shown.gone.action == "removed"
    assert shown.last_text == ""
    with pytest.raises(UnknownList):
        shared_lists.details(service, "Rogun")


def test_a_dry_run_reads_the_file_as_it_is_now_and_says_when_it_differs(
    service: Service, watchlists_dir: Path
) -> None:
    found = shared_lists.dry_run(service, NOW, "tripp", 30)
    assert (found.name, found.note, found.report.matched) == ("TRIPP", "", 1)

    path = watchlists_dir / "tripp.toml"
    path.write_text('name = "TRIPP"\nterms = ["Zangezur"]\n')
    found = shared_lists.dry_run(service, NOW, "tripp", 30)
    assert found.note == "ahead"
    assert (found.report.matched, found.report.dropped) == (0, 1)

    path.write_text('name = "TRIPP"\nterms = []\n')
    found = shared_lists.dry_run(service, NOW, "tripp", 30)
    assert (found.note, found.error_line) == ("broken", 2)
    assert found.error_reason == "terms must not be empty"
    assert found.report.matched == 1  # the version in force


def test_check_files_loads_the_directory_as_the_bot_does(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "a.toml").write_text('name = "TRIPP"\nterms = ["Zangezur"]\n')
    (lists / "b.toml").write_text('name = "tripp"\nterms = ["Syunik"]\n')
    (lists / "c.toml").write_text('name = "Broken"\nterms = [\n')
    found = shared_lists.check_files(lists)
    assert [w.name for w in found.watchlists] == ["TRIPP"]
    assert len(found.errors) == 2 and "already used by" in found.errors[0]
    assert shared_lists.check_files(tmp_path / "nope").errors == (
        f"{tmp_path / 'nope'}: not a directory",
    )


# -- "did you mean" ------------------------------------------------------------------------


def test_one_did_you_mean_for_telegram_and_the_terminal() -> None:
    assert one_of(["A"]) == "<b>A</b>"
    assert one_of(["A", "B", "C"], html=False) == "“A”, “B” or “C”"
    assert did_you_mean([]) == ""
    assert did_you_mean(["<TRIPP>"]) == "Did you mean <b>&lt;TRIPP&gt;</b>?"
    assert unknown_list_line("Tripoli", ["TRIPP"]) == (
        "no watchlist named 'Tripoli'. Did you mean “TRIPP”?"
    )
    assert "watchlist list" in unknown_list_line("xyz", [])


def test_gone_blocks_say_how_a_list_removed_by_hand_went() -> None:
    gone = AuditEntry(NOW, "file", "Rogun", "removed", "")
    header, items, footer = gone_blocks("Rogun", gone=gone, path="", last_text="", audit=[gone])
    assert "its file was deleted (by hand)" in header
    assert footer == "" and "removed" in items[0]


# -- the CLI -------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path, watchlists_dir: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
        f'[watchlists]\ndir = "{watchlists_dir}"\nrematch_days = 100000\n'
        "[feeds]\nbackfill_days = 100000\n",
        encoding="utf-8",
    )
    return path


def cli(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def test_the_cli_audits_a_pending_hand_edit_as_the_files_and_its_own_as_cli(
    config: Path, watchlists_dir: Path
) -> None:
    assert cli(config, "watchlist", "add-term", "middle corridor", "TMTM", "--exact") == 0
    path = watchlists_dir / "tripp.toml"
    path.write_text(path.read_text().replace('"Zangezour",', '"Zangezour",\n  "Syunik",'))
    assert cli(config, "watchlist", "add-term", "tripp", "Meghri") == 0

    from bot.app.config import load_config

    svc = build_service(load_config(config))
    try:
        entries = [
            (e.actor.split(":")[0], e.action, e.detail) for e in svc.store.audit_for("TRIPP")
        ]
    finally:
        svc.close()
    assert entries[:2] == [("cli", "add-term", "Meghri"), ("file", "changed", "")]


def test_the_cli_reads_list_names_as_telegram_does(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SnapshotServer(bundled_snapshot()) as server:
        text = config.read_text().replace("[feeds]\n", f'[feeds]\nurls = ["{server.url}"]\n')
        config.write_text(text)
        assert cli(config, "poll", "--once") == 0
    capsys.readouterr()

    def digest(*names: str) -> str:
        args = [a for name in names for a in ("--watchlist", name)]
        assert cli(config, "digest", "--since", "2000-01-01", *args) == 0
        heading, body = capsys.readouterr().out.split("\n", 1)
        # Without the window's end and the feeds' ages, which tick with the clock.
        return heading.rsplit("): ", 1)[1] + body.split("\nFeeds:")[0]

    assert digest("tripp") == digest("TRIPP")
    assert "3 articles matched" in digest("tripp")
    assert digest("middle corridor", "tripp") == digest("Middle Corridor", "TRIPP")

    assert cli(config, "digest", "--since", "2000-01-01", "--watchlist", "Tripoli") == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == "caci-watch: error: no watchlist named 'Tripoli'. Did you mean “TRIPP”?"

    assert cli(config, "watchlist", "show", "middle-corridor") == 0
    assert capsys.readouterr().out.startswith("Middle Corridor   (")
    assert cli(config, "watchlist", "test", "tripp", "--days", "100000") == 0
    assert "Dry run of 'TRIPP'" in capsys.readouterr().out


# -- Telegram ------------------------------------------------------------------------------


def test_showlist_of_a_list_deleted_from_the_cli_shows_its_text_and_history(
    tmp_path: Path,
) -> None:
    clock = Clock(NOW)

    async def scenario(fake: FakeTelegram, feeds: FeedServer) -> None:
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            shared_lists.delete(b.runner.service, NOW, "middle corridor", actor=WHO)
            [answer] = await b.send("/showlist middle corridor", user_id=ADMIN_ID)
            assert "Middle Corridor (no longer in force)" in answer.text
            assert "was deleted on 2026-11-26 12:00 UTC by cli:tester" in answer.text
            assert 'name = "Middle Corridor"' in answer.text
            assert "cli:tester · delete" in answer.text
            [answer] = await b.send("/addterm middle corridor | TMTM", user_id=ADMIN_ID)
            assert "I could not tell which watchlist you meant" in answer.text
            assert fake.internal_errors == []

    with FakeTelegram(token=TOKEN, private_per_second=None) as fake, FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([]))
        asyncio.run(scenario(fake, feeds))


# -- while another file is broken ----------------------------------------------------------


def test_a_delete_is_audited_with_its_text_while_another_file_does_not_load(
    service: Service, watchlists_dir: Path
) -> None:
    (watchlists_dir / "half.toml").write_text('name = "Half"\nterms = [\n')  # half-written
    text = (watchlists_dir / "tripp.toml").read_text()
    shared_lists.delete(service, NOW, "tripp", actor=WHO)
    shown = shared_lists.details(service, "tripp")
    assert shown.gone is not None and shown.gone.action == "delete"
    assert shown.last_text == text


def test_followers_of_a_list_deleted_while_another_file_is_broken_are_told_at_once(
    service: Service, watchlists_dir: Path
) -> None:
    chats = service.store.chats
    chats.ensure(7, kind="private", title="Ann", timezone="UTC", digest_time="08:00", now=NOW)
    chats.subscribe(7, "TRIPP", NOW)
    (watchlists_dir / "half.toml").write_text('name = "Half"\nterms = [\n')
    (watchlists_dir / "tripp.toml").unlink()
    watchlist_sync.reload_watchlists(service, NOW)
    assert chats.get(7).watchlists == ()
    [told] = [m for m in service.store.outbox.heads() if m.chat_id == 7]
    assert "TRIPP" in told.text


def test_a_list_whose_own_file_breaks_stays_in_force_and_keeps_its_followers(
    service: Service, watchlists_dir: Path
) -> None:
    chats = service.store.chats
    chats.ensure(7, kind="private", title="Ann", timezone="UTC", digest_time="08:00", now=NOW)
    chats.subscribe(7, "TRIPP", NOW)
    (watchlists_dir / "tripp.toml").write_text('name = "TRIPP"\nterms = [\n')
    watchlist_sync.reload_watchlists(service, NOW)
    assert chats.get(7).watchlists == ("TRIPP",)
    assert shared_lists.find(service, "tripp").name == "TRIPP"


def test_the_cli_digest_names_the_days_of_its_window_in_the_digest_time_zone(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for zone in ("UTC", "America/New_York", "Asia/Tbilisi"):
        config.write_text(
            config.read_text().split("[digest]")[0] + f'[digest]\ntimezone = "{zone}"\n'
        )
        assert cli(config, "digest", "--since", "2025-09-02", "--until", "2025-09-03") == 0
        heading = capsys.readouterr().out.splitlines()[0]
        assert heading.startswith("CACI Analyst digest, 2 Sep 2025 ("), (zone, heading)
        assert cli(config, "digest", "--since", "2025-09-02", "--until", "2025-09-09") == 0
        heading = capsys.readouterr().out.splitlines()[0]
        assert heading.startswith("CACI Analyst digest, 2 Sep 2025 – 8 Sep 2025 ("), heading


def test_dates_and_days_out_of_range_are_one_line_not_a_traceback(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(config, "watchlist", "test", "tripp", "--days", "1000000") == 2
    assert "--days must be from 0 to 100000" in capsys.readouterr().err
    config.write_text(config.read_text() + '[digest]\ntimezone = "Asia/Tokyo"\n')
    assert cli(config, "digest", "--since", "0001-01-01") == 2
    assert "out of range" in capsys.readouterr().err


# -- removing an exclusion, trying a term, deleting after a question ------------------------


def test_removing_an_exclusion_keeps_the_comments_is_audited_with_the_files_wording(
    service: Service, watchlists_dir: Path
) -> None:
    path = watchlists_dir / "tripp.toml"
    comments = [line for line in path.read_text().splitlines() if line.lstrip().startswith("#")]
    done = shared_lists.remove_exclude(service, NOW, "tripp", "trump ROUTED", actor=WHO)
    assert (done.action, done.name, done.phrase) == ("remove-exclude", "TRIPP", "Trump routed")
    assert service.registry.find("TRIPP").exclude == ()  # type: ignore[union-attr]
    after = path.read_text()
    assert [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
    assert actions(service, "TRIPP")[-1] == (WHO, "remove-exclude", "Trump routed")
    with pytest.raises(EditError, match='"TRIPP" has no exclude phrases'):
        shared_lists.remove_exclude(service, NOW, "TRIPP", "Trump routed", actor=WHO)
    assert path.read_text() == after


def test_an_exclusion_that_is_not_there_is_refused_with_the_closest_and_nothing_changes(
    service: Service, watchlists_dir: Path
) -> None:
    path = watchlists_dir / "tripp.toml"
    before = path.read_text()
    with pytest.raises(
        EditError,
        match='no exclude phrase "Trump rooted" in "TRIPP"'
        r' \(did you mean "Trump routed"\?\)',
    ):
        shared_lists.remove_exclude(service, NOW, "TRIPP", "Trump rooted", actor=WHO)
    assert path.read_text() == before
    assert all(a != "remove-exclude" for _, a, _ in actions(service, "TRIPP"))


def test_a_term_tried_on_a_list_says_what_it_would_add_and_changes_nothing(
    service: Service, watchlists_dir: Path
) -> None:
    before = (watchlists_dir / "tripp.toml").read_text()
    tried = shared_lists.dry_run(service, NOW, "tripp", 30, trial=[Term("Port of Alat")])
    assert tried.trial == (Term("Port of Alat"),)
    report = tried.report
    assert (report.checked, report.matched, report.newly, report.dropped) == (2, 2, 1, 0)
    [added] = report.examples  # only what the term adds: the Trump Route article is not
    assert added.new and added.article.title == "Article number 2"
    assert "Port of Alat" in added.match.snippet
    nothing = shared_lists.dry_run(service, NOW, "tripp", 30, trial=[Term("Syunik")])
    assert (nothing.report.matched, nothing.report.newly, nothing.report.examples) == (1, 0, ())
    assert (watchlists_dir / "tripp.toml").read_text() == before
    assert all(a == "file" for a, _, _ in actions(service, "TRIPP"))


def test_a_term_tried_is_refused_as_add_term_refuses_it() -> None:
    # The same wording from the same place: bot/lists/edit.py over bot/lists/rules.py.
    from bot.lists.edit import add_term, with_terms
    from bot.lists.files import parse_watchlist

    text = (Path(__file__).parents[1] / "data" / "watchlists" / "tripp.toml").read_text()
    tripp = parse_watchlist(text, "tripp.toml")
    for term in (Term("zangezur"), Term("Trump routed"), Term("x" * 300), Term("  ")):
        with pytest.raises(EditError) as tried:
            with_terms(tripp, [term])
        with pytest.raises(EditError) as added:
            add_term(text, term)
        assert str(tried.value) == str(added.value)
    with pytest.raises(EditError, match="already has the term"):
        with_terms(tripp, [Term("Syunik"), Term("syunik")])


def test_a_yes_deletes_the_list_asked_about_not_one_changed_since(
    service: Service, watchlists_dir: Path
) -> None:
    chats = service.store.chats
    chats.ensure(7, kind="private", title="Ann", timezone="UTC", digest_time="08:00", now=NOW)
    chats.subscribe(7, "TRIPP", NOW)
    asked = shared_lists.ask_delete(service, NOW, "tripp")
    assert (asked.name, asked.terms, asked.followers) == ("TRIPP", 8, 1)
    shared_lists.add_terms(service, NOW, "TRIPP", [Term("Syunik")], actor=WHO)
    assert shared_lists.delete_confirmed(service, NOW, asked.version, actor=WHO) is None
    assert (watchlists_dir / "tripp.toml").exists()

    again = shared_lists.ask_delete(service, NOW, "tripp")
    done = shared_lists.delete_confirmed(service, NOW, again.version, actor=WHO)
    assert done is not None and (done.action, done.name, done.followers) == ("delete", "TRIPP", 1)
    assert not (watchlists_dir / "tripp.toml").exists()
    assert chats.get(7).watchlists == ()
    [told] = [m for m in service.store.outbox.heads() if m.chat_id == 7]
    assert "TRIPP" in told.text and "removed" in told.text
    assert shared_lists.delete_confirmed(service, NOW, again.version, actor=WHO) is None
    assert [a for _, a, _ in actions(service, "TRIPP")].count("delete") == 1
