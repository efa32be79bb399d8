"""The bot's own Bot API request (httpcore on asyncio's transports) behaves as PTB's.

Real PTB ``Bot`` objects with the request the bot builds, against the loopback fake
Telegram and, for a server that closes idle connections, a few lines of asyncio server.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.feeds.tls import shared_tls_context
from bot.telegram.api_request import CoreRequest, telegram_request
from tests.bot_harness import TOKEN
from tests.fake_telegram import DROP, ApiError, FakeTelegram


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as fake:
        yield fake


def _tls() -> ssl.SSLContext:
    return shared_tls_context()


def _bot(api_url: str) -> Bot:
    request = CoreRequest(8, _tls())
    return Bot(TOKEN, base_url=f"{api_url}/bot", request=request, get_updates_request=request)


def test_a_message_arrives_with_its_html_buttons_and_topic(fake: FakeTelegram) -> None:
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="vote:1")]])

    async def scenario() -> int:
        async with _bot(fake.api_url) as bot:
            sent = await bot.send_message(
                42, "<b>Zangezur</b> · “quoted” ünïcode", parse_mode="HTML", reply_markup=buttons
            )
            return sent.message_id

    message_id = asyncio.run(scenario())
    [message] = fake.messages_to(42)
    assert message.message_id == message_id
    assert message.text == "Zangezur · “quoted” ünïcode"
    assert [call.params["reply_markup"] for call in fake.calls_to("sendMessage")] == [
        {"inline_keyboard": [[{"text": "👍", "callback_data": "vote:1"}]]}
    ]


def test_telegrams_refusals_raise_ptbs_own_errors(fake: FakeTelegram) -> None:
    fake.block(7)
    fake.script("sendMessage", [ApiError.too_many_requests(3)], chat_id=8)
    fake.script("sendMessage", [ApiError.bad_gateway()], chat_id=10)

    async def scenario() -> list[type[Exception]]:
        raised: list[type[Exception]] = []
        async with _bot(fake.api_url) as bot:
            for chat, text in ((7, "hi"), (8, "hi"), (9, "<b>unclosed"), (10, "hi")):
                try:
                    await bot.send_message(chat, text, parse_mode="HTML")
                except Exception as exc:
                    raised.append(type(exc))
        return raised

    assert asyncio.run(scenario()) == [Forbidden, RetryAfter, BadRequest, NetworkError]


def test_a_dropped_connection_is_a_network_error_that_never_names_the_token(
    fake: FakeTelegram,
) -> None:
    fake.script("sendMessage", [DROP])

    async def scenario() -> tuple[NetworkError, int]:
        async with _bot(fake.api_url) as bot:
            with pytest.raises(NetworkError) as raised:
                await bot.send_message(5, "first")
            # The next send opens a new connection and goes through.
            sent = await bot.send_message(5, "second")
            return raised.value, sent.message_id

    error, _ = asyncio.run(scenario())
    assert "RemoteProtocolError" in error.message
    assert TOKEN not in error.message and TOKEN.split(":")[1] not in repr(error)
    assert [m.text for m in fake.messages_to(5)] == ["second"]


def test_an_answer_later_than_the_read_timeout_is_timed_out(fake: FakeTelegram) -> None:
    fake.delay("sendMessage", 2.0)

    async def scenario() -> None:
        async with _bot(fake.api_url) as bot:
            with pytest.raises(TimedOut):
                await bot.send_message(5, "slow", read_timeout=0.2)

    asyncio.run(scenario())


def _started(api_url: str) -> tuple[Bot, CoreRequest]:
    """A bot that has not asked getMe (start it with ``async with request``)."""
    request = CoreRequest(8, _tls())
    return Bot(TOKEN, base_url=f"{api_url}/bot", request=request), request


def test_nothing_listening_is_a_network_error() -> None:
    async def scenario() -> NetworkError:
        bot, request = _started("http://127.0.0.1:9")
        async with request:
            with pytest.raises(NetworkError) as raised:
                await bot.send_message(5, "hello")
            return raised.value

    error = asyncio.run(scenario())
    assert "ConnectError" in error.message and TOKEN not in error.message


def test_a_document_is_uploaded_as_a_file(fake: FakeTelegram) -> None:
    async def scenario() -> None:
        async with _bot(fake.api_url) as bot:
            await bot.send_document(5, b"a,b\n1,2\n", filename="matches.csv", caption="export")

    asyncio.run(scenario())
    [document] = fake.documents
    assert (document.file_name, document.data, document.caption) == (
        "matches.csv",
        b"a,b\n1,2\n",
        "export",
    )


def test_with_a_proxy_in_the_environment_ptbs_httpx_request_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("https_proxy", "http_proxy", "all_proxy", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    assert isinstance(telegram_request(4, _tls()), CoreRequest)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert isinstance(telegram_request(4, _tls()), HTTPXRequest)


def test_a_connection_the_server_closed_after_answering_is_not_reused() -> None:
    """A server may close a kept-alive connection at any moment after an answer; the
    next request must open a new one, not write into the closed one and fail."""
    answer = b'{"ok":true,"result":true}'
    connections = 0
    answered = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(answer)}\r\n\r\n".encode()
            + answer
        )
        await writer.drain()
        writer.close()  # no "Connection: close": closed as an idle connection would be
        await writer.wait_closed()
        answered.set()

    async def scenario() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        bot, request = _started(f"http://127.0.0.1:{port}")
        async with server, request:
            for _ in range(3):
                answered.clear()
                await bot.do_api_request("ping", {"chat_id": 5})
                await answered.wait()

    asyncio.run(scenario())
    assert connections == 3
