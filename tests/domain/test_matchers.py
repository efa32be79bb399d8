"""The matchers in force (`bot.domain.matchers`): the shared lists compiled as one, each
personal list on its own, matching as one matcher compiled from all of them would."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.matchers import Matchers, PersonalMatcher, list_version
from bot.domain.matching import compile_watchlists, read_fields
from bot.domain.models import Term, Watchlist
from bot.domain.poll import KnownArticle, match_article, match_fields, prematch, to_match
from bot.lists.files import load_watchlists
from tests.factories import T0, make_article
from tests.watchlist_copy import copy_watchlists

ANN, BOB = 4242, 4343


def personal(owner: int, name: str, *terms: str | Term) -> Watchlist:
    return Watchlist(
        name=f"~{owner}/{name}",
        terms=tuple(t if isinstance(t, Term) else Term(t) for t in terms),
        source=f"personal list of {owner}",
    )


PERSONAL = [
    (ANN, personal(ANN, "Rogun", "Rogun Dam", "Vakhsh cascade", Term("TALCO", exact=True))),
    (ANN, personal(ANN, "Ports", "Port of Aktau", "Alat port")),
    (BOB, personal(BOB, "Dams", "Rogun Dam", "Kambarata-1")),
    (BOB, personal(BOB, "Routes", "Zangezur corridor", "Middle Corridor")),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> list[Watchlist]:
    lists, errors = load_watchlists(copy_watchlists(tmp_path_factory.mktemp("m") / "watchlists"))
    assert not errors
    return lists


@pytest.fixture(scope="module")
def matchers(shared: list[Watchlist]) -> Matchers:
    return Matchers(
        compile_watchlists(shared),
        tuple(
            PersonalMatcher(owner, w, list_version(w), compile_watchlists([w]))
            for owner, w in PERSONAL
        ),
    )


@pytest.fixture(scope="module")
def together(shared: list[Watchlist]) -> Matchers:
    """What the bot compiled before: every list, shared and personal, as one matcher."""
    return Matchers(compile_watchlists([*shared, *(w for _, w in PERSONAL)]))


PIECES = (
    "Engineers say the Rogun Dam will reach full height",
    "the Rogun dam",
    "TALCO exports aluminium",
    "talco",
    "cargo left the Port of Aktau",
    "the Alat port",
    "the Kambarata-1 plant",
    "the Zangezur corridor",
    "the Zangezour corridor",
    "the Middle Corridor",
    "Middle-corridor",
    "the Trans-Caspian International Transport Route",
    "TRIPP",
    "the Abraham Accords",
    "the Vakhsh cascade",
    "Middle East corridor",
    "Port of Aktau Museum",
    "weather in Baku",
    "and",
    ".",
    "\n\n",
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.lists(st.sampled_from(PIECES), max_size=3),
    text=st.lists(st.sampled_from(PIECES), max_size=12),
)
def test_the_lists_matched_apart_find_what_one_matcher_of_them_all_finds(
    matchers: Matchers, together: Matchers, title: list[str], text: list[str]
) -> None:
    fields = [("title", " ".join(title)), ("body", " ".join(text))]
    assert matchers.match(fields, plain=True) == together.match(fields, plain=True)


def test_the_shared_lists_match_as_their_own_matcher_does(
    shared: list[Watchlist], matchers: Matchers
) -> None:
    alone = compile_watchlists(shared)
    fields = [("title", "TRIPP and the Middle Corridor"), ("body", "<p>Abraham Accords</p>")]
    assert Matchers(alone).match(fields) == alone.match(fields)
    found = matchers.match(fields)
    assert found[: len(alone.match(fields))] == alone.match(fields)
    assert {m.watchlist for m in found} == {
        "TRIPP",
        "Middle Corridor",
        "Abraham Accords",
        f"~{BOB}/Routes",
    }


@pytest.mark.parametrize("plain", [False, True])
def test_fields_read_once_match_as_the_fields_given(shared: list[Watchlist], plain: bool) -> None:
    matcher = compile_watchlists(shared)
    fields = [
        ("title", "TRIPP &amp; the <b>Middle</b> Corridor"),
        ("summary", ""),
        ("body", "<p>Zangezour</p><p>corridor &lt;em&gt;Abraham&lt;/em&gt; Accords</p>"),
    ]
    read = read_fields(fields, plain=plain)
    assert matcher.match_read(read) == matcher.match(fields, plain=plain)
    assert matcher.match_read(read)


def test_a_personal_match_names_its_own_list_and_so_its_owner(matchers: Matchers) -> None:
    found = matchers.match([("body", "The Rogun Dam and TALCO, near the Port of Aktau.")])
    assert [m.watchlist for m in found] == [f"~{ANN}/Rogun", f"~{ANN}/Ports", f"~{BOB}/Dams"]
    owners = {p.watchlist.name: p.owner for p in matchers.personal}
    assert [owners[m.watchlist] for m in found] == [ANN, ANN, BOB]


def test_the_watchlists_are_the_shared_then_the_personal_ones(
    shared: list[Watchlist], matchers: Matchers
) -> None:
    assert matchers.watchlists == (*shared, *(w for _, w in PERSONAL))


def test_a_version_changes_with_what_the_list_compiles_from_and_nothing_else() -> None:
    base = personal(ANN, "Rogun", "Rogun Dam", "Nurek")
    version = list_version(base)
    assert list_version(Watchlist(base.name, base.terms)) == version  # no source
    assert list_version(Watchlist("~1/other", base.terms, description="x")) == version
    changed = [
        Watchlist(base.name, (Term("Rogun Dam"),)),
        Watchlist(base.name, (Term("Nurek"), Term("Rogun Dam"))),
        Watchlist(base.name, (Term("Rogun Dam", exact=True), Term("Nurek"))),
        Watchlist(base.name, (Term("Rogun Dam", case_sensitive=True), Term("Nurek"))),
        Watchlist(base.name, base.terms, exclude=("Rogun Dam Museum",)),
        Watchlist(base.name, base.terms, threshold=90),
        Watchlist(base.name, (Term("Rogun Dam\tNurek"),)),
    ]
    assert len({version, *map(list_version, changed)}) == len(changed) + 1


def test_no_list_at_all_matches_nothing() -> None:
    only = Matchers(compile_watchlists([]))
    assert only.match([("body", "Rogun Dam")]) == [] and only.watchlists == ()


def test_answers_worked_out_beforehand_are_those_matching_gives_and_others_are_matched_then(
    matchers: Matchers,
) -> None:
    rogun = make_article(1, text="The Rogun Dam and TALCO.")
    tripp = make_article(2, text="TRIPP across Syunik.")
    known = {rogun.id: KnownArticle(rogun.content_hash, T0, frozenset())}
    assert to_match(known, [rogun, tripp, tripp]) == [tripp]
    assert to_match({}, [rogun, tripp]) == [rogun, tripp]

    ready = prematch(matchers, [rogun])
    assert match_article(ready, rogun) == match_article(matchers, rogun)
    assert match_article(ready, tripp) == match_article(matchers, tripp)  # matched then
    assert list(ready.answers) == [(tuple(match_fields(rogun)), True)]
