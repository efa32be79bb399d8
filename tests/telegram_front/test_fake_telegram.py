"""The fake Telegram is faithful: raw HTTP, the real PTB Bot and a polling PTB Application.

Flood-limit tests drive the fake's clock instead of sleeping; blocking waits on the fake
run in a worker thread (``asyncio.to_thread``) so PTB's event loop keeps going.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fake_telegram import (
    BLOCKED_BY_USER,
    CANT_PARSE_ENTITIES,
    DROP,
    KICKED_FROM_GROUP,
    KICKED_FROM_SUPERGROUP,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TO_EDIT_NOT_FOUND,
    TEXT_EMPTY,
    TEXT_TOO_LONG,
    ApiError,
    EntityParseError,
    FakeTelegram,
    parse_telegram_html,
)


class FakeClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timed_fake(clock: FakeClock) -> Iterator[FakeTelegram]:
    with FakeTelegram(clock=clock) as server:
        yield server


def _client(fake: FakeTelegram, token: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=f"{fake.api_url}/bot{token or fake.token}/", timeout=5)


@pytest.fixture
def api(fake: FakeTelegram) -> Iterator[httpx.Client]:
    with _client(fake) as client:
        yield client


@pytest.fixture
def timed_api(timed_fake: FakeTelegram) -> Iterator[httpx.Client]:
    with _client(timed_fake) as client:
        yield client


def _post(client: httpx.Client, method: str, **params: Any) -> httpx.Response:
    """Encode like PTB: strings as they are, every other value as JSON, in a form."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return client.post(method, data=form)


def _send(client: httpx.Client, chat_id: int, text: str = "hello", **params: Any) -> httpx.Response:
    return _post(client, "sendMessage", chat_id=chat_id, text=text, **params)


def _ptb_bot(fake: FakeTelegram, token: str | None = None) -> Bot:
    return Bot(token or fake.token, base_url=f"{fake.api_url}/bot")


def _as_ptb_reports(description: str) -> str:
    """PTB drops "Bad Request: " and lower-cases the rest after the first letter, so
    bot code must match error texts case-insensitively."""
    return description.removeprefix("Bad Request: ").capitalize()


def _seconds(retry_after: int | float | dt.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dt.timedelta) else retry_after


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns while retry_after moves to timedelta
        return _seconds(exc.retry_after)


# --- HTML as Telegram parses it ------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        (
            "<b>bold</b> <strong>strong</strong>",
            "bold strong",
            [
                {"offset": 0, "length": 4, "type": "bold"},
                {"offset": 5, "length": 6, "type": "bold"},
            ],
        ),
        (
            "<i>a</i><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>",
            "abcdefg",
            [
                {"offset": 0, "length": 1, "type": "italic"},
                {"offset": 1, "length": 1, "type": "italic"},
                {"offset": 2, "length": 1, "type": "underline"},
                {"offset": 3, "length": 1, "type": "underline"},
                {"offset": 4, "length": 1, "type": "strikethrough"},
                {"offset": 5, "length": 1, "type": "strikethrough"},
                {"offset": 6, "length": 1, "type": "strikethrough"},
            ],
        ),
        (
            '<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>',
            "xy",
            [
                {"offset": 0, "length": 1, "type": "spoiler"},
                {"offset": 1, "length": 1, "type": "spoiler"},
            ],
        ),
        (
            '<a href="https://example.org/?a=1&amp;b=2">the link</a>',
            "the link",
            [
                {
                    "offset": 0,
                    "length": 8,
                    "type": "text_link",
                    "url": "https://example.org/?a=1&b=2",
                }
            ],
        ),
        (
            '<code>x = 1</code> <pre>block</pre> <pre><code class="language-python">'
            "print()</code></pre>",
            "x = 1 block print()",
            [
                {"offset": 0, "length": 5, "type": "code"},
                {"offset": 6, "length": 5, "type": "pre"},
                {"offset": 12, "length": 7, "type": "pre", "language": "python"},
            ],
        ),
        (
            "<blockquote>q</blockquote><blockquote expandable>long</blockquote>",
            "qlong",
            [
                {"offset": 0, "length": 1, "type": "blockquote"},
                {"offset": 1, "length": 4, "type": "expandable_blockquote"},
            ],
        ),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [
                {
                    "offset": 0,
                    "length": 2,
                    "type": "custom_emoji",
                    "custom_emoji_id": "5368324170671202286",
                }
            ],
        ),
        ("&lt;&gt;&amp;&quot;&#39;&#x1F600;", "<>&\"'😀", []),
        # Offsets count UTF-16 units: the emoji before the bold text is two of them.
        ("😀 <b>x</b>", "😀 x", [{"offset": 3, "length": 1, "type": "bold"}]),
        (
            "<b>bold <i>both</i></b>",
            "bold both",
            [
                {"offset": 0, "length": 9, "type": "bold"},
                {"offset": 5, "length": 4, "type": "italic"},
            ],
        ),
        ("<B>upper</B> <b >spaced</b >", "upper spaced", None),
        ("<b></b>x", "x", []),  # Telegram drops empty entities
    ],
)
def test_supported_html_becomes_text_and_telegram_entities(
    html: str, text: str, entities: list[dict[str, Any]] | None
) -> None:
    parsed = parse_telegram_html(html)
    assert parsed.text == text
    if entities is not None:
        assert parsed.entities == entities


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),  # offsets are in bytes
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=https://x.org>x</a>", "Unexpected end of name token at byte offset 13"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ],
)
def test_html_telegram_refuses_fails_with_telegrams_description(html: str, reason: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_telegram_html(html)
    assert caught.value.description == CANT_PARSE_ENTITIES + reason


@pytest.mark.parametrize(
    ("html", "start"),
    [
        ("AT&T", 'Unescaped "&" at byte offset 2'),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),
        ("&amp no semicolon", 'HTML entity "&amp" at byte offset 0 lacks its ";"'),
        ("&#0;", 'Invalid character reference "&#0;" at byte offset 0'),
        ('<a href="?a=1&b=2">x</a>', 'Unescaped "&" at byte offset 13'),
    ],
)
def test_html_that_telegram_would_show_literally_is_refused_to_prove_escaping(
    html: str, start: str
) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_telegram_html(html)
    assert caught.value.description.startswith(CANT_PARSE_ENTITIES + start)
    assert "stricter than Telegram" in caught.value.description


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_escaped_with_html_escape_is_accepted_and_shown_as_written(text: str) -> None:
    parsed = parse_telegram_html(html.escape(text))
    assert parsed.text == text
    assert parsed.entities == []


# --- the HTTP surface ------------------------------------------------------------------


def test_wrong_token_is_401_unauthorized(fake: FakeTelegram) -> None:
    with _client(fake, token="123456:wrong") as client:
        response = _post(client, "getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_unknown_method_is_404_not_found(api: httpx.Client) -> None:
    response = _post(api, "sendCarrierPigeon", chat_id=1)
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_get_me_describes_the_bot_with_the_tokens_id(api: httpx.Client) -> None:
    response = api.get("getMe")
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "result": {
            "id": 123456,
            "is_bot": True,
            "first_name": "CACI Watch",
            "username": "caci_watch_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        },
    }


def test_parameters_arrive_by_form_json_body_or_query_and_methods_ignore_case(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    by_form = _send(api, 7, "form", reply_markup=keyboard)
    by_json = api.post("sendMessage", json={"chat_id": 7, "text": "json", "reply_markup": keyboard})
    by_query = api.get("SENDMESSAGE", params={"chat_id": "7", "text": "query"})

    assert [r.status_code for r in (by_form, by_json, by_query)] == [200, 200, 200]
    assert by_form.json()["result"]["reply_markup"] == keyboard
    assert by_json.json()["result"]["reply_markup"] == keyboard
    assert [m.text for m in fake.messages_to(7)] == ["form", "json", "query"]
    assert [c.params["chat_id"] for c in fake.calls_to("sendMessage")] == [7, 7, 7]


def test_sent_message_is_telegrams_message_with_ids_increasing_per_chat(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    first = _send(api, 5, "<b>Alert</b>: TRIPP &amp; more", parse_mode="HTML").json()["result"]
    second = _send(api, 5, "again").json()["result"]
    other_chat = _send(api, 6, "elsewhere").json()["result"]

    assert first["text"] == "Alert: TRIPP & more"
    assert first["entities"] == [{"offset": 0, "length": 5, "type": "bold"}]
    assert first["from"]["id"] == 123456
    assert first["from"]["is_bot"] is True
    assert first["chat"] == {"id": 5, "type": "private", "first_name": "User 5"}
    assert abs(first["date"] - time.time()) < 5
    assert (first["message_id"], second["message_id"], other_chat["message_id"]) == (1, 2, 1)
    record = fake.sent[0]
    assert (record.chat_id, record.message_id, record.parse_mode) == (5, 1, "HTML")
    assert record.html == "<b>Alert</b>: TRIPP &amp; more"
    assert record.text == "Alert: TRIPP & more"


def test_unparseable_html_is_a_400_with_telegrams_body(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    response = _send(api, 5, "<script>x</script>", parse_mode="HTML")
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse entities: "
        'Unsupported start tag "script" at byte offset 0',
    }
    assert fake.sent == []


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("a" * 4096, True),
        ("a" * 4097, False),
        ("a" * 4094 + "😀", True),  # the emoji is two UTF-16 units: 4096
        ("a" * 4095 + "😀", False),  # 4097
        ("<b>" + "a" * 4096 + "</b>", True),  # tags do not count
        ("&amp;" * 4096, True),  # an entity counts as the one character it stands for
        ("&amp;" * 4097, False),
    ],
)
def test_length_limit_is_4096_utf16_units_after_parsing(
    api: httpx.Client, text: str, accepted: bool
) -> None:
    response = _send(api, 5, text, parse_mode="HTML")
    if accepted:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.json()["description"] == TEXT_TOO_LONG


@pytest.mark.parametrize("text", ["", "<b></b>", " \n\t "])
def test_text_empty_after_parsing_is_refused(api: httpx.Client, text: str) -> None:
    response = _send(api, 5, text, parse_mode="HTML")
    assert response.status_code == 400
    assert response.json()["description"] == TEXT_EMPTY


def test_long_callback_data_is_refused_like_telegram(api: httpx.Client) -> None:
    keyboard = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    response = _send(api, 5, reply_markup=keyboard)
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"


# --- flood limits ----------------------------------------------------------------------


def test_more_than_30_sends_a_second_get_429_with_telegrams_body(
    timed_fake: FakeTelegram, timed_api: httpx.Client, clock: FakeClock
) -> None:
    for chat_id in range(1, 31):  # 30 chats, so no per-chat limit is reached
        assert _send(timed_api, chat_id).status_code == 200
    clock.advance(0.25)
    refused = _send(timed_api, 31)

    assert refused.status_code == 429
    assert refused.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert len(timed_fake.sent) == 30  # a refused send was not sent
    assert timed_fake.too_many_requests == 1
    clock.advance(0.75)  # the first 30 leave the one-second window
    assert _send(timed_api, 31).status_code == 200


def test_private_chat_limit_is_five_a_second_per_chat(
    timed_fake: FakeTelegram, timed_api: httpx.Client, clock: FakeClock
) -> None:
    for _ in range(5):
        assert _send(timed_api, 1).status_code == 200
    assert _send(timed_api, 1).status_code == 429
    assert _send(timed_api, 2).status_code == 200  # another chat is not affected
    clock.advance(0.5)
    assert _send(timed_api, 1).json()["parameters"] == {"retry_after": 1}  # ceil(0.5)
    clock.advance(0.5)
    assert _send(timed_api, 1).status_code == 200
    assert timed_fake.too_many_requests == 2


def test_group_limit_is_twenty_in_any_sliding_minute(
    timed_api: httpx.Client, clock: FakeClock
) -> None:
    group = -100200300
    assert _send(timed_api, group).status_code == 200
    clock.advance(10)
    for _ in range(19):
        clock.advance(0.1)  # stay under the global and per-second limits' radar
        assert _send(timed_api, group).status_code == 200
    refused = _send(timed_api, group)
    assert refused.status_code == 429
    # The first send leaves the window 60 s after it was made: 60 - 11.9 s from now.
    assert refused.json()["parameters"] == {"retry_after": 49}
    clock.advance(48.1)
    assert _send(timed_api, group).status_code == 200
    assert _send(timed_api, group).json()["parameters"]["retry_after"] >= 1


def test_strict_private_chats_get_a_burst_of_three_then_one_a_second(clock: FakeClock) -> None:
    with FakeTelegram(strict=True, clock=clock) as fake, _client(fake) as client:
        assert [_send(client, 1).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert _send(client, 2).status_code == 200  # another chat is not affected
        clock.advance(0.5)
        refused = _send(client, 1)
        assert refused.json()["parameters"] == {"retry_after": 1}  # half a token short
        clock.advance(0.5)
        assert [_send(client, 1).status_code for _ in range(2)] == [200, 429]
        clock.advance(2.0)  # two tokens back: a short burst again, not three
        assert [_send(client, 1).status_code for _ in range(3)] == [200, 200, 429]
        assert fake.too_many_requests == 4


def test_strict_keeps_thirty_a_second_overall_and_twenty_a_minute_per_group(
    clock: FakeClock,
) -> None:
    with FakeTelegram(strict=True, clock=clock) as fake, _client(fake) as client:
        assert all(_send(client, chat).status_code == 200 for chat in range(1, 31))
        assert _send(client, 31).status_code == 429
        clock.advance(1.0)
        group = -100200300
        for _ in range(20):
            clock.advance(0.1)
            assert _send(client, group).status_code == 200
        assert _send(client, group).status_code == 429
        assert fake.too_many_requests == 2


def test_send_delay_slows_every_send_like_a_real_network() -> None:
    with FakeTelegram(send_delay=0.05) as fake, _client(fake) as client:
        started = time.monotonic()
        _send(client, 1)
        took = time.monotonic() - started
    assert took >= 0.05


def test_known_chats_only_answers_chat_not_found_for_a_stranger() -> None:
    with FakeTelegram(known_chats_only=True) as fake, _client(fake) as client:
        stranger = _send(client, 77)
        fake.user_sends("/start", user_id=77)
        known = _send(client, 77)
    assert stranger.status_code == 400
    assert stranger.json()["description"] == "Bad Request: chat not found"
    assert known.status_code == 200


def test_flood_limits_can_be_turned_off() -> None:
    with (
        FakeTelegram(global_per_second=None, private_per_second=None) as fake,
        _client(fake) as client,
    ):
        statuses = {_send(client, 1).status_code for _ in range(40)}
    assert statuses == {200}


# --- fault injection -------------------------------------------------------------------


def test_scripted_answers_serve_the_next_calls_in_order_then_normal_service(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    fake.script(
        "sendMessage",
        [ApiError.bad_gateway(), DROP, ApiError.too_many_requests(7), ApiError(500, "Oops")],
    )

    bad_gateway = _send(api, 1)
    assert bad_gateway.status_code == 502
    assert bad_gateway.json() == {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    with pytest.raises(httpx.RemoteProtocolError):
        _send(api, 1)
    too_many = _send(api, 1)
    assert too_many.status_code == 429
    assert too_many.json()["parameters"] == {"retry_after": 7}
    assert _send(api, 1).status_code == 500
    assert _send(api, 1).status_code == 200
    assert len(fake.sent) == 1
    assert fake.too_many_requests == 1


def test_script_for_one_chat_leaves_other_chats_alone(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    fake.script("sendMessage", [ApiError.bad_gateway()], chat_id=2)
    assert _send(api, 1).status_code == 200
    assert _send(api, 2).status_code == 502
    assert _send(api, 2).status_code == 200


def test_outage_answers_502_to_every_method_until_it_ends(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    fake.outage(True)
    during = [_post(api, "getMe"), _send(api, 1), _post(api, "getUpdates", timeout=0)]
    fake.outage(False)

    assert {r.status_code for r in during} == {502}
    assert during[2].json() == {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    assert _send(api, 1).status_code == 200


@pytest.mark.parametrize(
    ("chat_id", "description"),
    [
        (1, BLOCKED_BY_USER),
        (-4001, KICKED_FROM_GROUP),
        (-1001234567890, KICKED_FROM_SUPERGROUP),
    ],
)
def test_blocked_chat_gets_403_forbidden(
    fake: FakeTelegram, api: httpx.Client, chat_id: int, description: str
) -> None:
    fake.block(chat_id)
    response = _send(api, chat_id)
    assert response.status_code == 403
    assert response.json() == {"ok": False, "error_code": 403, "description": description}
    fake.unblock(chat_id)
    assert _send(api, chat_id).status_code == 200


# --- getUpdates --------------------------------------------------------------------------


def _poll_in_thread(client: httpx.Client, **params: Any) -> tuple[threading.Thread, list[Any]]:
    answers: list[Any] = []

    def poll() -> None:
        started = time.monotonic()
        response = _post(client, "getUpdates", **params)
        answers.append((response.status_code, response.json(), time.monotonic() - started))

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return thread, answers


def test_long_poll_answers_as_soon_as_an_update_is_queued(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    thread, answers = _poll_in_thread(api, timeout=10)
    assert fake.wait_for_call("getUpdates")
    fake.user_sends("/start@caci_watch_bot now", user_id=42, username="alice")
    thread.join(timeout=5)

    [(status, body, took)] = answers
    assert status == 200
    assert took < 3
    [update] = body["result"]
    message = update["message"]
    assert message["text"] == "/start@caci_watch_bot now"
    assert message["entities"] == [{"offset": 0, "length": 21, "type": "bot_command"}]
    assert message["chat"]["type"] == "private"
    assert message["from"]["username"] == "alice"


def test_offset_confirms_and_forgets_earlier_updates(fake: FakeTelegram, api: httpx.Client) -> None:
    ids = [fake.user_sends(f"m{i}", user_id=42)["update_id"] for i in range(3)]

    def update_ids(**params: Any) -> list[int]:
        result = _post(api, "getUpdates", timeout=0, **params).json()["result"]
        return [u["update_id"] for u in result]

    assert update_ids() == ids
    assert update_ids() == ids  # unconfirmed updates come again
    assert update_ids(offset=ids[1]) == ids[1:]
    assert update_ids(limit=1) == ids[1:2]
    assert update_ids(offset=-1) == ids[2:]
    assert update_ids(offset=ids[2] + 1) == []
    assert fake.pending_updates == 0


def test_allowed_updates_holds_back_other_kinds(fake: FakeTelegram, api: httpx.Client) -> None:
    _post(api, "getUpdates", timeout=0, allowed_updates=["callback_query"])
    fake.user_sends("ignored", user_id=42)
    assert _post(api, "getUpdates", timeout=0).json()["result"] == []


def test_stop_wakes_waiting_long_polls_at_once() -> None:
    fake = FakeTelegram().start()
    with _client(fake) as client:
        thread, answers = _poll_in_thread(client, timeout=30)
        assert fake.wait_for_call("getUpdates")
        fake.stop()
        thread.join(timeout=5)
    [(status, body, took)] = answers
    assert (status, body) == (200, {"ok": True, "result": []})
    assert took < 2


def test_a_newer_get_updates_ends_the_older_with_409_conflict(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    thread, answers = _poll_in_thread(api, timeout=10)
    assert fake.wait_for_call("getUpdates")
    with _client(fake) as second:
        assert _post(second, "getUpdates", timeout=0).status_code == 200
    thread.join(timeout=5)
    [(status, body, _)] = answers
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")


def test_user_can_press_only_buttons_on_the_message_as_last_edited(
    fake: FakeTelegram, api: httpx.Client
) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    message = _send(api, 42, "Subscribe?", reply_markup=keyboard).json()["result"]
    assert fake.buttons(message) == [("Yes", "y")]
    update = fake.user_presses(message, "y")
    assert update["callback_query"]["message"]["text"] == "Subscribe?"
    assert update["callback_query"]["from"]["id"] == 42

    _post(api, "editMessageText", chat_id=42, message_id=message["message_id"], text="Done")
    assert fake.buttons(message) == []  # an edit without reply_markup removes the keyboard
    with pytest.raises(ValueError, match="has no button"):
        fake.user_presses(message, "y")


# --- the real PTB Bot ------------------------------------------------------------------


def test_ptb_gets_me_and_sends_html(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            me = await bot.get_me()
            assert (me.id, me.username, me.first_name) == (123456, "caci_watch_bot", "CACI Watch")
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Open", callback_data="o")]])
            message = await bot.send_message(
                42, "<b>TRIPP</b> &lt;new&gt;", parse_mode="HTML", reply_markup=keyboard
            )
            assert message.message_id == 1
            assert message.text == "TRIPP <new>"
            assert message.text_html == "<b>TRIPP</b> &lt;new&gt;"
            assert message.reply_markup == keyboard
            assert message.chat.id == 42

    asyncio.run(scenario())
    assert fake.internal_errors == []


def test_ptb_raises_invalid_token_on_401(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        with pytest.raises(InvalidToken):
            async with _ptb_bot(fake, token="123456:wrong"):
                pass  # initialize() calls getMe

    asyncio.run(scenario())


# PTB itself warns while building RetryAfter (retry_after is moving to timedelta).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_ptb_raises_retry_after_with_the_servers_retry_after(fake: FakeTelegram) -> None:
    fake.private_per_second = 1

    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            await bot.send_message(1, "first")
            with pytest.raises(RetryAfter) as flooded:
                await bot.send_message(1, "second")
            assert _retry_after(flooded.value) == 1
            fake.script("sendMessage", [ApiError.too_many_requests(17)], chat_id=2)
            with pytest.raises(RetryAfter) as scripted:
                await bot.send_message(2, "third")
            assert _retry_after(scripted.value) == 17

    asyncio.run(scenario())
    assert fake.too_many_requests == 2


def test_ptb_raises_forbidden_for_a_blocked_user(fake: FakeTelegram) -> None:
    fake.block(1)

    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await bot.send_message(1, "hello")

    asyncio.run(scenario())


def test_ptb_raises_bad_request_for_unparseable_html(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            with pytest.raises(
                BadRequest, match=r"(?i)can't parse entities: unsupported start tag"
            ):
                await bot.send_message(1, "a <br> b", parse_mode="HTML")

    asyncio.run(scenario())


def test_ptb_raises_network_error_on_bad_gateway_and_dropped_connection(
    fake: FakeTelegram,
) -> None:
    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            fake.script("sendMessage", [ApiError.bad_gateway(), DROP])
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.send_message(1, "a")
            with pytest.raises(NetworkError):
                await bot.send_message(1, "b")
            await bot.send_message(1, "c")

    asyncio.run(scenario())
    assert [m.text for m in fake.sent] == ["c"]


@pytest.mark.parametrize(
    ("status", "member_class"),
    [
        ("creator", ChatMemberOwner),
        ("administrator", ChatMemberAdministrator),
        ("member", ChatMemberMember),
        ("restricted", ChatMemberRestricted),
        ("left", ChatMemberLeft),
        ("kicked", ChatMemberBanned),
    ],
)
def test_ptb_reads_every_chat_member_status(
    fake: FakeTelegram, status: Any, member_class: type
) -> None:
    fake.set_chat_member(-5000, 42, status)

    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            member = await bot.get_chat_member(-5000, 42)
            assert type(member) is member_class
            assert member.user.id == 42

    asyncio.run(scenario())


def test_ptb_chat_member_defaults_and_admin_rights(fake: FakeTelegram) -> None:
    fake.set_chat_member(-5000, 7, "administrator", can_promote_members=True)

    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            admin = await bot.get_chat_member(-5000, 7)
            assert isinstance(admin, ChatMemberAdministrator)
            assert admin.can_promote_members is True
            assert admin.can_delete_messages is True
            assert isinstance(await bot.get_chat_member(-5000, 8), ChatMemberMember)
            assert isinstance(await bot.get_chat_member(8, 8), ChatMemberOwner)

    asyncio.run(scenario())


def test_ptb_sets_and_gets_commands(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            assert await bot.set_my_commands([("start", "Subscribe"), ("stop", "Unsubscribe")])
            commands = await bot.get_my_commands()
            assert [(c.command, c.description) for c in commands] == [
                ("start", "Subscribe"),
                ("stop", "Unsubscribe"),
            ]
            with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
                await bot.set_my_commands([("Start", "Capitalised")])

    asyncio.run(scenario())
    assert fake.commands == [("start", "Subscribe"), ("stop", "Unsubscribe")]


def test_ptb_edits_message_text_like_telegram(fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Stop", callback_data="stop")]])

    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            sent = await bot.send_message(1, "<i>old</i>", parse_mode="HTML")
            edited = await bot.edit_message_text(
                "<b>new</b>",
                chat_id=1,
                message_id=sent.message_id,
                parse_mode="HTML",
                reply_markup=keyboard,
            )
            assert not isinstance(edited, bool)
            assert (edited.text, edited.text_html) == ("new", "<b>new</b>")
            assert edited.edit_date is not None
            assert edited.reply_markup == keyboard
            with pytest.raises(BadRequest) as unchanged:
                await bot.edit_message_text(
                    "<b>new</b>",
                    chat_id=1,
                    message_id=sent.message_id,
                    parse_mode="HTML",
                    reply_markup=keyboard,
                )
            assert unchanged.value.message == _as_ptb_reports(MESSAGE_NOT_MODIFIED)
            with pytest.raises(BadRequest) as missing:
                await bot.edit_message_text("x", chat_id=1, message_id=999)
            assert missing.value.message == _as_ptb_reports(MESSAGE_TO_EDIT_NOT_FOUND)
            await bot.edit_message_reply_markup(chat_id=1, message_id=sent.message_id)

    asyncio.run(scenario())
    assert [e.method for e in fake.edits] == ["editMessageText", "editMessageReplyMarkup"]
    assert fake.edits[-1].reply_markup is None
    assert fake.message(1, 1) is not None
    assert "reply_markup" not in (fake.message(1, 1) or {})


def test_ptb_answers_a_callback_query_once(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
            message = await bot.send_message(42, "Subscribe?", reply_markup=keyboard)
            query_id = fake.user_presses(message.to_dict(), "y")["callback_query"]["id"]
            assert await bot.answer_callback_query(query_id, text="Subscribed", show_alert=True)
            with pytest.raises(BadRequest, match=r"(?i)query is too old"):
                await bot.answer_callback_query(query_id)

    asyncio.run(scenario())
    [answer] = fake.callback_answers
    assert (answer.text, answer.show_alert) == ("Subscribed", True)


# --- a polling PTB Application -----------------------------------------------------------


def test_polling_application_replies_answers_a_button_and_shuts_down_promptly(
    fake: FakeTelegram,
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
        await update.effective_message.reply_text("hi", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer(f"pressed {update.callback_query.data}")

    async def scenario() -> float:
        app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(fake.token).base_url(f"{fake.api_url}/bot").build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            fake.user_sends("/start", user_id=42)
            [reply] = await asyncio.to_thread(fake.wait_for_messages, 42, 1, 5)
            assert reply.text == "hi"
            assert fake.buttons(reply) == [("Go", "go")]
            fake.user_presses(reply, "go")
            assert await asyncio.to_thread(
                fake.wait_for, lambda: len(fake.callback_answers) == 1, 5
            )
        finally:
            started = time.monotonic()
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        return time.monotonic() - started

    shutdown_took = asyncio.run(scenario())

    assert shutdown_took < 1
    assert fake.callback_answers[0].text == "pressed go"
    assert fake.pending_updates == 0  # PTB confirmed both updates on the way out
    assert fake.internal_errors == []


def test_channels_and_forum_topics_as_telegram_serves_them(fake: FakeTelegram) -> None:
    fake.add_chat(-1009001, chat_type="channel", title="News", username="news")
    fake.set_chat_member(-1009001, fake.bot_id, "administrator")
    fake.add_chat(-1005001, chat_type="supergroup", title="Forum", is_forum=True)
    fake.add_topic(-1005001, 7)

    async def scenario() -> None:
        async with _ptb_bot(fake) as bot:
            channel = await bot.get_chat("@news")
            assert (channel.id, channel.type, channel.title) == (-1009001, "channel", "News")
            me = await bot.get_chat_member("@news", fake.bot_id)
            assert isinstance(me, ChatMemberAdministrator) and me.can_post_messages
            with pytest.raises(BadRequest, match=r"(?i)chat not found"):
                await bot.get_chat("@nobody")
            sent = await bot.send_message(-1005001, "in topic", message_thread_id=7)
            assert sent.message_thread_id == 7 and sent.is_topic_message
            fake.delete_topic(-1005001, 7)
            with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
                await bot.send_message(-1005001, "gone", message_thread_id=7)
            fake.remove_from_channel(-1009001)
            with pytest.raises(Forbidden, match="not a member of the channel"):
                await bot.send_message("@news", "no longer")

    asyncio.run(scenario())
    [topic] = fake.messages_to(-1005001)
    assert topic.params["message_thread_id"] == 7


# --- sendDocument ----------------------------------------------------------------------


def test_send_document_records_the_uploaded_files_name_and_bytes(fake: FakeTelegram) -> None:
    fake.add_chat(77)
    data = "a,b\r\n=1,ü\r\n".encode()

    async def send() -> Any:
        async with _ptb_bot(fake) as bot:
            return await bot.send_document(
                77, document=data, filename="x.csv", caption="<b>two</b> rows", parse_mode="HTML"
            )

    message = asyncio.run(send())
    [doc] = fake.documents
    assert (doc.chat_id, doc.file_name, doc.data) == (77, "x.csv", data)
    assert doc.caption == "two rows" and doc.caption_html == "<b>two</b> rows"
    assert message.document.file_name == "x.csv" and message.document.file_size == len(data)
    assert message.caption_entities[0].type == "bold"


def test_send_document_refuses_what_telegram_refuses(fake: FakeTelegram, api: httpx.Client) -> None:
    fake.add_chat(77)
    missing = _post(api, "sendDocument", chat_id=77)
    assert missing.json()["description"] == "Bad Request: there is no document in the request"
    empty = api.post("sendDocument", data={"chat_id": "77"}, files={"document": ("e.csv", b"")})
    assert empty.json()["description"] == "Bad Request: file must be non-empty"
    by_id = _post(api, "sendDocument", chat_id=77, document="AgADBAAD")
    assert by_id.status_code == 400
    long = api.post(
        "sendDocument",
        data={"chat_id": "77", "caption": "x" * 1025},
        files={"document": ("a.csv", b"a")},
    )
    assert long.json()["description"] == "Bad Request: message caption is too long"
    bad_html = api.post(
        "sendDocument",
        data={"chat_id": "77", "caption": "<b>open", "parse_mode": "HTML"},
        files={"document": ("a.csv", b"a")},
    )
    assert bad_html.json()["description"].startswith(CANT_PARSE_ENTITIES)
    assert fake.documents == []
