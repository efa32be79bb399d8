"""The feeds' HTTP transport: it checks where each connection actually lands.

A redirect's rules (``bot.feeds.addresses``) are only as good as the address they are
applied to. A name can resolve to a public address when looked at and to 127.0.0.1 a
moment later, when connected to (DNS rebinding), so the check is made on the socket:

- every new connection, as soon as it is open and before a byte (a TLS hello included)
  is sent, is checked against the fetch in progress;
- every request, just before it is written, is checked again, as a pooled connection
  opened for one fetch may be reused by another's redirect.

The fetch in progress is known from a context variable (``guarding``): connections are
opened and requests written in the task that awaits the fetch, so each concurrent fetch
sees its own ``RedirectGuard``. Outside a fetch nothing is checked.

Built on httpcore's public network-backend API; nothing inside httpx or httpcore is
patched. With a proxy (from the environment), httpx sends through its own transport and
only the literal check in ``bot.feeds.fetch`` applies: the proxy decides where to go.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from bot.feeds.addresses import IPAddress, Peer, peer_address, redirect_refusal
from bot.feeds.tls import shared_tls_context


class RefusedAddress(Exception):
    """A redirect reached (or would reach) an address it may not; the message says why."""


@dataclass(slots=True)
class RedirectGuard:
    """One fetch's rule. The first hop (the feed's own URL) may go anywhere, and where it
    went is ``home``; once ``following`` redirects, every connection must reach a public
    address or ``home``. ``target`` names the hop being made, for the message."""

    home: Peer | None = None
    following: bool = False
    target: str = ""

    def check(self, peer: Peer | None) -> None:
        if not self.following:
            return
        if peer is None:
            raise RefusedAddress(
                f"redirect refused: cannot tell which address {self.target} reached"
            )
        reason = redirect_refusal(peer, self.home)
        if reason is not None:
            raise RefusedAddress(f"redirect refused: {_describe(self.target, peer[0])}{reason}")


def _describe(target: str, address: IPAddress) -> str:
    """``"127.0.0.1:8080 is "`` or ``"localhost:8080 reaches 127.0.0.1, "``."""
    host = target.rsplit(":", 1)[0].strip("[]") if target else ""
    if host == str(address):
        return f"{target} is "
    return f"{target or 'it'} reaches {address}, "


_GUARD: ContextVar[RedirectGuard | None] = ContextVar("caci_watch_redirect_guard", default=None)


@contextlib.contextmanager
def guarding(guard: RedirectGuard) -> Iterator[RedirectGuard]:
    """Apply ``guard`` to every connection opened and request written in this context."""
    token = _GUARD.set(guard)
    try:
        yield guard
    finally:
        _GUARD.reset(token)


def _check(peer: Peer | None) -> None:
    guard = _GUARD.get()
    if guard is not None:
        guard.check(peer)


def stream_peer(stream: Any) -> Peer | None:
    """The address and port a network stream (``response.extensions["network_stream"]``
    or an httpcore stream) is connected to, if it says."""
    get_extra_info = getattr(stream, "get_extra_info", None)
    if get_extra_info is None:
        return None
    server = get_extra_info("server_addr")
    if not isinstance(server, tuple) or len(server) < 2 or not isinstance(server[0], str):
        return None
    address = peer_address(server[0])
    if address is None or not isinstance(server[1], int):
        return None
    return address, server[1]


class _CheckedStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream, peer: Peer | None) -> None:
        self._inner = inner
        self._peer = peer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _check(self._peer)
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        inner = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _CheckedStream(inner, self._peer)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        peer = stream_peer(stream)
        try:
            _check(peer)
        except RefusedAddress:
            await stream.aclose()
            raise
        return _CheckedStream(stream, peer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# httpcore's errors as httpx's, most specific first (what httpx's own transport does).
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core, mapped in _ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, inner: Iterable[bytes] | AsyncIterable[bytes]) -> None:
        if not isinstance(inner, AsyncIterable):
            raise TypeError("an async connection pool gave a synchronous body")
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._inner:
                yield part

    async def aclose(self) -> None:
        aclose = getattr(self._inner, "aclose", None)
        if aclose is not None:
            await aclose()


class CheckedTransport(httpx.AsyncBaseTransport):
    """httpx's default transport (HTTP/1.1, a connection pool, verified TLS), with every
    connection's address checked against the fetch in progress."""

    def __init__(
        self, *, limits: httpx.Limits | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls or shared_tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CheckedBackend(httpcore.AnyIOBackend()),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
