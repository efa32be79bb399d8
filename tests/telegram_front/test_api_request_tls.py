"""The bot's Bot API request over HTTPS, end to end: the real Bot API is only served so.

A throwaway CA made with the ``openssl`` CLI signs a certificate for 127.0.0.1 (an IP
SAN) and "localhost" (a DNS SAN). Real PTB ``Bot`` objects with the request the bot
builds (``telegram_request``) talk to the fake Telegram behind a TLS-wrapped socket, and,
for faults at the TLS level (a server closing, resetting, or answering a big body), to a
few lines of asyncio TLS server. Every scenario runs under a timeout, so a hang fails.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest

from bot.feeds.tls import shared_tls_context
from bot.telegram.api_request import CoreRequest, telegram_request
from tests.bot_harness import TOKEN
from tests.fake_telegram import FakeTelegram, _make_handler, _QuietServer

# A scenario that takes longer than this hangs (each one takes well under a second).
SCENARIO_TIMEOUT = 20.0
# What each call waits for an answer, so a stuck read fails as TimedOut, not by hanging.
READ_TIMEOUT = 10.0

T = TypeVar("T")


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the throwaway CA's certificate (PEM)
    server: tuple[Path, Path]  # certificate and key for 127.0.0.1 and localhost
    other_host: tuple[Path, Path]  # certificate and key for "otherhost" only


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(
        ["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True, timeout=60
    )


def _issue(directory: Path, name: str, subject_alt_name: str) -> tuple[Path, Path]:
    """A server certificate signed by the CA in ``directory``."""
    key, request, cert = (directory / f"{name}.{ext}" for ext in ("key", "csr", "pem"))
    extensions = directory / f"{name}.ext"
    extensions.write_text(
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid:always\n"
        f"subjectAltName = {subject_alt_name}\n"
    )
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", request, "-subj", f"/CN={name}",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", request, "-CA", "ca.pem", "-CAkey", "ca.key",
        "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
        "-sha256", "-extfile", extensions, "-out", cert,
        cwd=directory,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: no certificates to test TLS with")
    directory = tmp_path_factory.mktemp("tls")
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-sha256",
        "-subj", "/CN=caci-watch throwaway test CA",
        "-addext", "basicConstraints = critical, CA:TRUE",
        "-addext", "keyUsage = critical, keyCertSign, cRLSign",
        "-addext", "subjectKeyIdentifier = hash",
        cwd=directory,
    )  # fmt: skip
    return Certificates(
        ca=directory / "ca.pem",
        server=_issue(directory, "server", "IP:127.0.0.1, DNS:localhost"),
        other_host=_issue(directory, "otherhost", "DNS:otherhost"),
    )


def _trusting(certificates: Certificates) -> ssl.SSLContext:
    """The bot's kind of client context, trusting the throwaway CA."""
    return ssl.create_default_context(cafile=certificates.ca)


def _serving(cert_and_key: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert_and_key)
    return context


class _TlsServer(_QuietServer):
    """The fake's HTTP server on a TLS-wrapped socket, counting the connections it took.

    The handshake runs in each connection's handler thread (on its first read), so a
    client that fails it never blocks the accepting thread."""

    def __init__(self, address: Any, handler: Any, tls: ssl.SSLContext) -> None:
        super().__init__(address, handler)
        self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.connections = 0

    def get_request(self) -> tuple[socket.socket, Any]:
        accepted = super().get_request()
        self.connections += 1
        return accepted


class TlsFakeTelegram(FakeTelegram):
    """The fake Bot API over HTTPS."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        super().__init__(token=TOKEN)
        self._tls = tls
        self.server: _TlsServer | None = None

    def _make_server(self) -> _TlsServer:
        self.server = _TlsServer(("127.0.0.1", 0), _make_handler(self), self._tls)
        return self.server

    def https_url(self, host: str = "127.0.0.1") -> str:
        assert self.server is not None
        return f"https://{host}:{self.server.server_address[1]}"

    @property
    def connections(self) -> int:
        assert self.server is not None
        return self.server.connections


@pytest.fixture
def fake(certificates: Certificates) -> Iterator[TlsFakeTelegram]:
    with TlsFakeTelegram(_serving(certificates.server)) as fake:
        yield fake


def _bot(url: str, tls: ssl.SSLContext) -> tuple[Bot, BaseRequest]:
    """A bot with the request the bot builds; start it with ``async with request``."""
    request = telegram_request(8, tls)
    assert isinstance(request, CoreRequest)  # (not PTB's HTTPXRequest: no proxy is set)
    return Bot(TOKEN, base_url=f"{url}/bot", request=request), request


def _run(scenario: Callable[[], Awaitable[T]]) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(SCENARIO_TIMEOUT):
            return await scenario()

    return asyncio.run(bounded())


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The request under test is the httpcore one, which a proxy variable would replace."""
    for name in ("https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def _logging_from_now(caplog: pytest.LogCaptureFixture) -> None:
    """Record every logger at DEBUG from here on. (PTB's ``Bot`` logs its URLs, token and
    all, at DEBUG when it is made, which is why the bot keeps its logger at WARNING,
    ``bot.runtime.logs``; what is checked here is what the requests log.)"""
    caplog.set_level(logging.DEBUG)
    caplog.clear()


def _assert_token_kept_secret(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    secret = TOKEN.split(":")[1]
    assert secret not in str(error) and secret not in repr(error)
    assert secret not in caplog.text


# --- a server the client trusts -------------------------------------------------------


def test_get_me_and_send_message_work_over_tls_on_one_kept_alive_connection(
    fake: TlsFakeTelegram, certificates: Certificates
) -> None:
    async def scenario() -> tuple[str | None, list[int]]:
        bot, request = _bot(fake.https_url(), _trusting(certificates))
        async with request:
            me = await bot.get_me(read_timeout=READ_TIMEOUT)
            sent = [
                (await bot.send_message(42, f"alert {n}", read_timeout=READ_TIMEOUT)).message_id
                for n in range(5)
            ]
            return me.username, sent

    username, sent = _run(scenario)
    assert username == "caci_watch_bot"
    assert [m.text for m in fake.messages_to(42)] == [f"alert {n}" for n in range(5)]
    assert len(set(sent)) == 5
    assert fake.connections == 1


def test_a_certificate_for_localhost_is_accepted_by_its_dns_name(
    fake: TlsFakeTelegram, certificates: Certificates
) -> None:
    async def scenario() -> str | None:
        bot, request = _bot(fake.https_url("localhost"), _trusting(certificates))
        async with request:
            return (await bot.get_me(read_timeout=READ_TIMEOUT)).username

    assert _run(scenario) == "caci_watch_bot"


def test_a_document_upload_goes_over_the_same_tls_server(
    fake: TlsFakeTelegram, certificates: Certificates
) -> None:
    async def scenario() -> None:
        bot, request = _bot(fake.https_url(), _trusting(certificates))
        async with request:
            await bot.send_message(5, "before", read_timeout=READ_TIMEOUT)
            await bot.send_document(
                5, b"a,b\n1,2\n", filename="matches.csv", caption="export",
                read_timeout=READ_TIMEOUT,
            )  # fmt: skip
            await bot.send_message(5, "after", read_timeout=READ_TIMEOUT)

    _run(scenario)
    [document] = fake.documents
    assert (document.file_name, document.data, document.caption) == (
        "matches.csv",
        b"a,b\n1,2\n",
        "export",
    )
    assert [m.text for m in fake.messages_to(5)] == ["before", "after"]


# --- servers the client must refuse ---------------------------------------------------


def test_a_server_the_context_does_not_trust_is_a_network_error_that_never_names_the_token(
    fake: TlsFakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:

    async def scenario() -> NetworkError:
        # The bot's own context: the system's CAs, which never signed the throwaway one.
        bot, request = _bot(fake.https_url(), shared_tls_context())
        _logging_from_now(caplog)
        async with request:
            with pytest.raises(NetworkError) as raised:
                await bot.send_message(5, "hello", read_timeout=READ_TIMEOUT)
            return raised.value

    error = _run(scenario)
    assert not isinstance(error, TimedOut)
    assert "CERTIFICATE_VERIFY_FAILED" in error.message
    _assert_token_kept_secret(error, caplog)
    assert fake.messages_to(5) == []


def test_a_certificate_for_another_host_name_is_refused(
    certificates: Certificates, caplog: pytest.LogCaptureFixture
) -> None:

    async def scenario(url: str) -> NetworkError:
        bot, request = _bot(url, _trusting(certificates))
        _logging_from_now(caplog)
        async with request:
            with pytest.raises(NetworkError) as raised:
                await bot.get_me(read_timeout=READ_TIMEOUT)
            return raised.value

    with TlsFakeTelegram(_serving(certificates.other_host)) as other:
        error = _run(lambda: scenario(other.https_url()))
        assert not other.calls_to("getMe")
    assert not isinstance(error, TimedOut)
    assert "CERTIFICATE_VERIFY_FAILED" in error.message and "mismatch" in error.message
    _assert_token_kept_secret(error, caplog)


# --- a server that misbehaves at the TLS level ----------------------------------------

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def _tls_server(certificates: Certificates, answer: Answer) -> AsyncIterator[TlsServer]:
    """An asyncio HTTPS server on 127.0.0.1 running ``answer`` for each connection. On
    leaving, it waits for its connections' handlers to end (so none is cancelled with
    the loop)."""
    served = TlsServer()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.connections += 1
        task = asyncio.current_task()
        assert task is not None
        served.handlers.add(task)
        try:
            await answer(reader, writer)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            writer.transport.abort()

    server = await asyncio.start_server(
        serve, "127.0.0.1", 0, ssl=_serving(certificates.server), ssl_shutdown_timeout=5
    )
    served.url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        yield served
        await asyncio.gather(*served.handlers)


@dataclass
class TlsServer:
    url: str = ""
    connections: int = 0
    handlers: set[asyncio.Task[Any]] = field(default_factory=set)


def _head(length: int) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {length}\r\n\r\n".encode()
    )


def test_a_server_closing_the_connection_between_calls_costs_a_new_tls_connection_not_an_error(
    certificates: Certificates,
) -> None:
    body = b'{"ok":true,"result":true}'
    closed = asyncio.Event()

    async def answer_and_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_head(len(body)) + body)
        await writer.drain()
        writer.close()  # close_notify, then FIN: as an idle connection is closed
        await writer.wait_closed()
        closed.set()

    async def scenario() -> int:
        async with _tls_server(certificates, answer_and_close) as server:
            bot, request = _bot(server.url, _trusting(certificates))
            async with request:
                for _ in range(3):
                    closed.clear()
                    assert await bot.do_api_request("ping", read_timeout=READ_TIMEOUT) is True
                    await closed.wait()
        return server.connections

    assert _run(scenario) == 3


def _close_notify_mid_answer(body: bytes) -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_head(len(body)) + body[: len(body) // 2])
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    return answer


def _reset_mid_answer(body: bytes) -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_head(len(body)) + body[: len(body) // 2])
        await writer.drain()
        # Linger 0: closing sends a TCP RST, with no close_notify before it.
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    return answer


def _fin_without_close_notify_mid_answer(body: bytes) -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_head(len(body)) + body[: len(body) // 2])
        await writer.drain()
        # A truncation attack's shape: the TCP stream ends, TLS never said so.
        writer.get_extra_info("socket").shutdown(socket.SHUT_WR)
        await reader.read()  # until the client hangs up
        writer.transport.abort()

    return answer


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (_close_notify_mid_answer, "RemoteProtocolError"),
        (_reset_mid_answer, "ReadError"),
        (_fin_without_close_notify_mid_answer, "RemoteProtocolError"),
    ],
    ids=["close_notify", "reset", "fin_without_close_notify"],
)
def test_a_server_ending_the_connection_mid_answer_is_a_network_error_not_a_hang(
    certificates: Certificates,
    caplog: pytest.LogCaptureFixture,
    fault: Callable[[bytes], Answer],
    expected: str,
) -> None:
    body = json.dumps({"ok": True, "result": {"message_id": 1, "text": "x" * 4000}}).encode()

    async def scenario() -> NetworkError:
        async with _tls_server(certificates, fault(body)) as server:
            bot, request = _bot(server.url, _trusting(certificates))
            _logging_from_now(caplog)
            async with request:
                with pytest.raises(NetworkError) as raised:
                    await bot.do_api_request("ping", read_timeout=READ_TIMEOUT)
        return raised.value

    error = _run(scenario)
    assert not isinstance(error, TimedOut)
    assert expected in error.message
    _assert_token_kept_secret(error, caplog)


def test_a_large_answer_over_tls_arrives_whole(certificates: Certificates) -> None:
    # About 200 KB of JSON, in many TLS records and reads.
    result = [{"update_id": n, "text": f"{n:06d} " + "ẑ" * 60} for n in range(1100)]
    body = json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()
    assert len(body) > 200_000

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(_head(len(body)) + body)
            await writer.drain()

    async def scenario() -> tuple[list[Any], int]:
        async with _tls_server(certificates, answer) as server:
            bot, request = _bot(server.url, _trusting(certificates))
            async with request:
                answers = [
                    await bot.do_api_request("big", read_timeout=READ_TIMEOUT) for _ in range(3)
                ]
        return answers, server.connections

    answers, connections = _run(scenario)
    assert answers == [result] * 3
    assert connections == 1


def test_a_large_request_body_is_written_whole_over_tls(certificates: Certificates) -> None:
    """A body far bigger than the socket's buffers (and TLS's 16 KB records) goes out
    whole: asyncio's TLS transport takes it in one write and sends it as the server reads."""
    text = "ẑ" * 400_000  # 1.2 MB of UTF-8 in the JSON body

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        [length] = [
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ]
        received = json.loads(await reader.readexactly(length))
        reply = json.dumps({"ok": True, "result": len(received["text"])}).encode()
        writer.write(_head(len(reply)) + reply)
        await writer.drain()
        await reader.read()
        writer.transport.abort()

    async def scenario() -> object:
        async with _tls_server(certificates, answer) as server:
            bot, request = _bot(server.url, _trusting(certificates))
            async with request:
                return await bot.do_api_request(
                    "echo", {"text": text}, read_timeout=READ_TIMEOUT, write_timeout=READ_TIMEOUT
                )

    assert _run(scenario) == len(text)


def test_a_server_that_never_completes_the_handshake_is_timed_out_not_waited_for(
    certificates: Certificates,
) -> None:
    hung_up = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # says nothing, until the client gives up
        hung_up.set()
        writer.close()

    async def scenario() -> NetworkError:
        server = await asyncio.start_server(silent, "127.0.0.1", 0)  # TCP only: no TLS
        port = server.sockets[0].getsockname()[1]
        bot, request = _bot(f"https://127.0.0.1:{port}", _trusting(certificates))
        async with server, request:
            with pytest.raises(NetworkError) as raised:
                await bot.get_me(connect_timeout=0.5, read_timeout=READ_TIMEOUT)
            # The client closed the connection it gave up on.
            await hung_up.wait()
        return raised.value

    assert isinstance(_run(scenario), TimedOut)


def test_closing_the_request_hangs_up_its_tls_connections_at_once(
    certificates: Certificates,
) -> None:
    """A server need not answer the client's close_notify (many never do): the socket must
    not stay open waiting for it, past the pool's close and the event loop's end."""
    body = b'{"ok":true,"result":true}'
    listener = socket.create_server(("127.0.0.1", 0))
    tls = _serving(certificates.server)
    hung_up = threading.Event()

    def serve_once() -> None:
        connection, _ = listener.accept()
        with tls.wrap_socket(connection, server_side=True) as stream:
            stream.recv(65536)  # the request (small: one read)
            stream.sendall(_head(len(body)) + body)
            stream.recv(65536)  # b"": the client's close_notify (or its bare FIN)
            # ...which this server never answers; it waits for the TCP stream to end.
            raw = socket.socket(fileno=stream.detach())
        with raw:
            try:
                while raw.recv(65536):
                    pass
            except ConnectionResetError:
                pass
        hung_up.set()

    server = threading.Thread(target=serve_once, daemon=True)
    server.start()

    async def scenario() -> None:
        port = listener.getsockname()[1]
        bot, request = _bot(f"https://127.0.0.1:{port}", _trusting(certificates))
        async with request:
            assert await bot.do_api_request("ping", read_timeout=READ_TIMEOUT) is True

    with listener:
        _run(scenario)
        assert hung_up.wait(SCENARIO_TIMEOUT)
    server.join(SCENARIO_TIMEOUT)
