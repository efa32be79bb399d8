"""Relevance feedback: the buttons under alerts (a vote, a mute), ``/feedback`` (what the
votes say of a list, and the edits they suggest), ``/mute`` and ``/unmute``, and
``caci-watch feedback export``. Nothing here knows Telegram.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from bot.app import personal_lists, shared_lists
from bot.app.chats import Chat, ChatRef, ensure_chat, known_chat, list_meant
from bot.app.personal_lists import PersonalEdit
from bot.app.service import Service
from bot.app.shared_lists import EditOutcome
from bot.app.steps import Steps
from bot.domain import feedback
from bot.domain.feedback import DownVoted, VoteCounts, VotedArticle
from bot.domain.models import Term, watchlist_key
from bot.domain.mute import BUTTON_MUTE_DAYS, is_muted, mute_end
from bot.domain.resolve import resolve_watchlist
from bot.lists.personal import display_name, owner_of

log = logging.getLogger(__name__)

VoteResult = Literal["recorded", "changed", "same", "gone", "not_listed"]


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    result: VoteResult
    up: bool = False
    watchlist: str = ""  # internal name
    title: str = ""


def vote(
    service: Service, chat: Chat, article_key: str, list_key: str, up: bool, now: datetime
) -> VoteOutcome:
    """The chat's 👍 or 👎 on an alert's article for one of its lists."""
    found = service.store.feedback.article(article_key)
    if found is None:
        return VoteOutcome("gone")
    sub = ensure_chat(service, chat, now)
    # The lists the article matches, and the chat's own (an article it was told is
    # "possibly about" a list does not name it); someone else's personal list never (its
    # feedback is its owner's alone, and a modified client can send any button's data).
    named = {w for w in found.watchlists if owner_of(w) is None}
    names = named | set(sub.watchlists)
    watchlist = next((w for w in sorted(names) if watchlist_key(w) == list_key), None)
    if watchlist is None:
        return VoteOutcome("not_listed", title=found.title)
    feedback_store = service.store.feedback
    before = feedback_store.votes_of(chat.chat_id, [found.ref]).get((found.ref, watchlist))
    with service.store.transaction():
        feedback_store.vote(chat.chat_id, found.ref, watchlist, up, now)
    log.info(
        "chat=%d action=vote watchlist=%r article=%r up=%s", chat.chat_id, watchlist, found.id, up
    )
    result: VoteResult = "recorded" if before is None else "same" if before == up else "changed"
    return VoteOutcome(result, up, watchlist, found.title)


MuteResult = Literal["muted", "unmuted", "not_following", "unknown", "not_muted"]


@dataclass(frozen=True, slots=True)
class MuteOutcome:
    result: MuteResult
    watchlist: str = ""  # internal name
    until: datetime | None = None
    query: str = ""
    candidates: tuple[str, ...] = ()


def mute_button(
    service: Service, chat: Chat, list_key: str, now: datetime, *, mute: bool
) -> MuteOutcome:
    """The mute (for ``BUTTON_MUTE_DAYS``) or unmute button under an alert."""
    sub = ensure_chat(service, chat, now)
    watchlist = next((w for w in sub.watchlists if watchlist_key(w) == list_key), None)
    if watchlist is None:
        return MuteOutcome("not_following")
    return _set_mute(service, sub.chat_id, watchlist, now, BUTTON_MUTE_DAYS if mute else 0)


def mute(service: Service, chat: ChatRef, query: str, days: int, now: datetime) -> MuteOutcome:
    """``/mute LIST DAYS``; ValueError for a length the domain refuses (0 days among
    them: that is no mute, and never an unmute)."""
    mute_end(now, days)  # refuse a bad length before anything else
    return _mute_named(service, chat, query, now, days)


def unmute(service: Service, chat: ChatRef, query: str, now: datetime) -> MuteOutcome:
    """``/unmute LIST``."""
    return _mute_named(service, chat, query, now, 0)


def _mute_named(
    service: Service, chat: ChatRef, query: str, now: datetime, days: int
) -> MuteOutcome:
    sub = known_chat(service, chat, now)
    meant = list_meant(service, sub, query, now, leaving=True)
    if not meant.target:
        return MuteOutcome("unknown", query=query, candidates=meant.candidates)
    return _set_mute(service, sub.chat_id, meant.target, now, days)


def _set_mute(
    service: Service, chat_id: int, watchlist: str, now: datetime, days: int
) -> MuteOutcome:
    chats = service.store.chats
    sub = chats.get(chat_id)
    assert sub is not None
    if watchlist not in sub.watchlists:
        return MuteOutcome("not_following", watchlist)
    if not days:
        was = dict(sub.muted).get(watchlist)
        if not is_muted(was, now):
            return MuteOutcome("not_muted", watchlist)
        with service.store.transaction():
            chats.set_muted_until(chat_id, watchlist, None)
        log.info("chat=%d action=unmute watchlist=%r", chat_id, watchlist)
        return MuteOutcome("unmuted", watchlist)
    until = mute_end(now, days)
    with service.store.transaction():
        chats.set_muted_until(chat_id, watchlist, until)
    log.info("chat=%d action=mute watchlist=%r until=%s", chat_id, watchlist, until)
    return MuteOutcome("muted", watchlist, until)


# -- /feedback ---------------------------------------------------------------------------


class FeedbackRefused(PermissionError):
    """The asker may not see that list's feedback (or any: no list of theirs)."""

    def __init__(self, query: str = "", candidates: tuple[str, ...] = ()) -> None:
        super().__init__(query)
        self.query = query
        self.candidates = candidates


@dataclass(frozen=True, slots=True)
class ListFeedback:
    watchlist: str  # internal name
    counts: tuple[VoteCounts, ...]
    down: tuple[DownVoted, ...]
    excludes: tuple[str, ...]  # empty for a personal list (it has no excludes)
    terms: tuple[str, ...]


def _visible(service: Service, user_id: int, is_admin: bool) -> dict[str, str]:
    """Shown name -> internal name of the lists whose feedback the asker may see: every
    shared list for an admin, and their own personal lists."""
    out = {w.name: w.name for w in service.watchlists} if is_admin else {}
    for own in service.store.personal.of(user_id):
        out[display_name(own.internal_name)] = own.internal_name
    return out


def report(
    service: Service, user_id: int, query: str, now: datetime, *, is_admin: bool
) -> list[ListFeedback]:
    """``/feedback [LIST]``: per list the asker may see (or the one named), the votes of
    the last 30 and 90 days, the articles voted down with the term that fired, and the
    suggested excludes and terms. FeedbackRefused when there is nothing they may see."""
    visible = _visible(service, user_id, is_admin)
    if query:
        found = resolve_watchlist(query, list(visible))
        if found.name is None:
            shared = [w.name for w in service.watchlists]
            if not is_admin and resolve_watchlist(query, shared).name is not None:
                # A list that exists, but whose feedback is for admins: saying "no list
                # called TRIPP" would be untrue.
                raise FeedbackRefused()
            raise FeedbackRefused(query, found.candidates)
        names = [visible[found.name]]
    else:
        if not visible:
            raise FeedbackRefused()
        names = sorted(visible.values(), key=lambda n: display_name(n).casefold())
    return [_list_feedback(service, name, now) for name in names]


def _votes(service: Service, watchlist: str, now: datetime) -> list[VotedArticle]:
    return service.store.feedback.voted(watchlist, now - max(feedback.WINDOWS))


def _terms_of(service: Service, watchlist: str) -> list[str]:
    owner = owner_of(watchlist)
    if owner is not None:
        return [
            t.text
            for p in service.store.personal.of(owner)
            if p.internal_name == watchlist
            for t in p.terms
        ]
    w = service.registry.find(watchlist)
    return [] if w is None else [t.text for t in w.terms]


def _suggestions(
    service: Service, watchlist: str, votes: list[VotedArticle]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    personal = owner_of(watchlist) is not None
    excludes = () if personal else tuple(feedback.suggested_excludes(votes))
    terms = tuple(feedback.suggested_terms(votes, _terms_of(service, watchlist)))
    return excludes, terms


def _list_feedback(service: Service, watchlist: str, now: datetime) -> ListFeedback:
    votes = _votes(service, watchlist, now)
    excludes, terms = _suggestions(service, watchlist, votes)
    return ListFeedback(
        watchlist,
        tuple(feedback.vote_counts(votes, now)),
        tuple(feedback.down_voted(votes)),
        excludes,
        terms,
    )


SuggestionKind = Literal["x", "t"]  # an exclude, a term


def suggestion_key(phrase: str) -> str:
    """What a suggestion's button carries of its phrase (the phrase may be long)."""
    return hashlib.sha1(phrase.encode("utf-8")).hexdigest()[:8]


class SuggestionGone(LookupError):
    """The tapped suggestion is no longer one (new votes, or the list changed)."""


def apply_steps(
    service: Service,
    user_id: int,
    kind: SuggestionKind,
    list_key: str,
    phrase_key: str,
    now: datetime,
    *,
    is_admin: bool,
    actor: str,
) -> Steps[EditOutcome | PersonalEdit]:
    """Apply a suggestion tapped under /feedback, through the list's own audited edit
    (``shared_lists`` or ``personal_lists``); the suggestions are worked out again, so
    a stale button applies nothing. FeedbackRefused, SuggestionGone, or the edit's own
    errors."""
    visible = _visible(service, user_id, is_admin)
    watchlist = next((w for w in visible.values() if watchlist_key(w) == list_key), None)
    if watchlist is None:
        raise FeedbackRefused()
    excludes, terms = _suggestions(service, watchlist, _votes(service, watchlist, now))
    pool = excludes if kind == "x" else terms
    phrase = next((p for p in pool if suggestion_key(p) == phrase_key), None)
    if phrase is None:
        raise SuggestionGone(display_name(watchlist))
    owner = owner_of(watchlist)
    if kind == "x":
        return (
            yield from shared_lists.add_exclude_steps(service, now, watchlist, phrase, actor=actor)
        )
    if owner is not None:
        name = watchlist.split("/", 1)[1]
        return (
            yield from personal_lists.add_terms_steps(
                service, now, owner=owner, name=name, terms=[Term(phrase)], actor=actor
            )
        )
    return (
        yield from shared_lists.add_terms_steps(
            service, now, watchlist, [Term(phrase)], actor=actor
        )
    )


# -- caci-watch feedback export -------------------------------------------------------------


# (votes read, votes in all): called as an export goes.
Progress = Callable[[int, int], None]
# Votes read between two calls of a `Progress`.
_PROGRESS_EVERY = 100


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    records: int
    votes: int


def export_records(
    service: Service, *, progress: Progress | None = None
) -> tuple[list[dict[str, object]], int]:
    """The votes as evaluation records (``shared/eval/README.md``), one per article: its
    ``about`` the lists voted 👍 on it, its ``labels`` those of them it names (the format's
    rule: a 👍 on a "possibly about" alert says the article is about the list, not that it
    names it); a list voted 👎 is neither; when chats disagree, the vote cast last counts.
    Personal lists are left out (one person's, and not lists an evaluation knows). Also
    how many votes were read (every chat's, not only the last). ``progress`` hears how
    many votes have been read, of how many."""
    latest: dict[str, dict[str, bool]] = {}
    articles: dict[str, tuple[str, str]] = {}
    named: set[tuple[str, str]] = set()
    read = 0
    total = service.store.feedback.count_votes() if progress is not None else 0
    if progress is not None:
        progress(0, total)
    for seen, v in enumerate(service.store.feedback.all_votes(), start=1):
        if progress is not None and (seen % _PROGRESS_EVERY == 0 or seen == total):
            progress(seen, total)
        if owner_of(v.watchlist) is not None:
            continue
        read += 1
        latest.setdefault(v.article.id, {})[v.watchlist] = v.up
        articles[v.article.id] = (v.article.title, v.article.text)
        if v.matches:
            named.add((v.article.id, v.watchlist))
    records: list[dict[str, object]] = []
    for n, (article_id, said) in enumerate(latest.items(), start=1):
        title, text = articles[article_id]
        votes = ", ".join(f"{w} {'up' if up else 'down'}" for w, up in sorted(said.items()))
        about = sorted(w for w, up in said.items() if up)
        records.append(
            {
                "id": f"feedback-{n:04d}",
                "title": title,
                "text": text,
                "labels": [w for w in about if (article_id, w) in named],
                "about": about,
                "notes": f"votes on {article_id}: {votes}",
            }
        )
    return records, read


def export(service: Service, path: Path, *, progress: Progress | None = None) -> ExportOutcome:
    """Write ``export_records`` to ``path`` as JSON Lines (a temporary file renamed over
    it, so a failed export leaves no half file)."""
    if not path.name or path.is_dir():
        # ("" and "/" have no name to put the temporary file beside.)
        raise IsADirectoryError(
            errno.EISDIR, "a directory: give a file to write, e.g. votes.jsonl", str(path)
        )
    records, votes = export_records(service, progress=progress)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as out:
            for r in records:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportOutcome(len(records), votes)
