"""The Bot API over httpcore: PTB's ``BaseRequest``, without httpx's client on top.

A send's CPU is mostly the HTTP stack's. httpx's client adds, to each of the thousands
of sends of a fan-out, a URL parsed and merged with the base URL, the parameters
form-encoded (every character of an alert quoted), cookies, auth and redirect hooks, and
a response decoder: about half of what a send costs (``bench/bench_fanout.py``). This
request sends a JSON body (which the Bot API takes as it takes a form) through httpcore's
connection pool, the transport under httpx, on asyncio's own transports
(``bot.telegram.asyncio_backend``), with the same timeouts, pool size, HTTP/1.1
and TLS context as the ``HTTPXRequest`` it replaces; answers and errors are read by
PTB's ``BaseRequest`` as before (a 429, a 403, a 400 raise the same exceptions).

Uploads (a document, a photo: multipart) go through PTB's own ``HTTPXRequest``, made on
the first upload. With a proxy set in the environment the bot keeps ``HTTPXRequest``
for everything (``telegram_request``), as httpx reads those variables and httpcore
does not.

The token is in every URL: no error raised from here names the URL, and httpcore logs
requests by method only (and its logger stays at WARNING, ``bot.runtime.logs``).
"""

from __future__ import annotations

import json
import os
import ssl
from typing import Any

import httpcore
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.telegram.asyncio_backend import AsyncioBackend

# HTTPXRequest's defaults (seconds): what PTB uses unless a call says otherwise.
READ_TIMEOUT = WRITE_TIMEOUT = CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
# httpx's: an idle connection is closed after this many seconds.
KEEPALIVE_EXPIRY = 5.0

_PROXY_VARIABLES = ("https_proxy", "http_proxy", "all_proxy")
_POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)
# httpcore's errors that mean the request failed on the way (httpx raises its own
# exceptions of the same names for them).
_TRANSPORT_ERRORS = (
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)
# "Not given": a call that leaves a timeout to the request's default passes this (its
# class, as PTB's own request tests it, without importing PTB's private modules).
_NOT_GIVEN = type(BaseRequest.DEFAULT_NONE)
# Parsed once per endpoint: a fan-out posts to the same URL thousands of times.
_URL_CACHE_SIZE = 64


def proxy_in_environment() -> bool:
    """A proxy for the Bot API is set in the environment (as httpx would read it)."""
    return any(os.environ.get(name) or os.environ.get(name.upper()) for name in _PROXY_VARIABLES)


def telegram_request(pool_size: int, tls: ssl.SSLContext) -> BaseRequest:
    """The request object for the bot's calls: over httpcore, or with a proxy in the
    environment ``HTTPXRequest``, which honours it."""
    if proxy_in_environment():
        return _httpx_request(pool_size, tls)
    return CoreRequest(pool_size, tls)


def _httpx_request(pool_size: int, tls: ssl.SSLContext) -> HTTPXRequest:
    return HTTPXRequest(
        connection_pool_size=pool_size, http_version="1.1", httpx_kwargs={"verify": tls}
    )


class CoreRequest(BaseRequest):
    """PTB's request interface over an ``httpcore.AsyncConnectionPool`` (HTTP/1.1)."""

    def __init__(self, pool_size: int, tls: ssl.SSLContext) -> None:
        self._pool_size = pool_size
        self._tls = tls
        self._pool: httpcore.AsyncConnectionPool | None = None
        self._uploads: HTTPXRequest | None = None
        self._urls: dict[str, httpcore.URL] = {}
        self._headers = [
            (b"User-Agent", self.USER_AGENT.encode()),
            (b"Content-Type", b"application/json"),
        ]
        self._get_headers = self._headers[:1]

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._pool is None:
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=self._tls,
                max_connections=self._pool_size,
                keepalive_expiry=KEEPALIVE_EXPIRY,
                http1=True,
                http2=False,
                network_backend=AsyncioBackend(),
            )
        if self._uploads is not None:
            await self._uploads.initialize()

    async def shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()
        if self._uploads is not None:
            await self._uploads.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            return await self._upload(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        pool = self._pool
        if pool is None:
            raise RuntimeError("This CoreRequest is not initialized!")
        timeout = {
            "connect": _or(connect_timeout, CONNECT_TIMEOUT),
            "read": _or(read_timeout, READ_TIMEOUT),
            "write": _or(write_timeout, WRITE_TIMEOUT),
            "pool": _or(pool_timeout, POOL_TIMEOUT),
        }
        if request_data is None:
            body, headers = None, self._get_headers
        else:
            body = json.dumps(request_data.parameters, separators=(",", ":")).encode()
            headers = self._headers
        try:
            response = await pool.request(
                method,
                self._url(url),
                headers=headers,
                content=body,
                extensions={"timeout": timeout},
            )
        except httpcore.PoolTimeout as err:
            raise TimedOut(_POOL_TIMEOUT_MESSAGE) from err
        except httpcore.TimeoutException as err:
            raise TimedOut from err
        except _TRANSPORT_ERRORS as err:
            # The same words as HTTPXRequest's; httpcore's messages never hold the URL.
            raise NetworkError(f"httpx.{type(err).__name__}: {err}") from err
        return response.status, response.content

    def _url(self, url: str) -> httpcore.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpcore.URL(url)
            if len(self._urls) < _URL_CACHE_SIZE:
                self._urls[url] = parsed
        return parsed

    async def _upload(
        self,
        url: str,
        method: str,
        request_data: RequestData,
        *timeouts: float | object | None,
    ) -> tuple[int, bytes]:
        """A multipart upload, through PTB's own request (rare: /export, /trend)."""
        if self._pool is None:
            raise RuntimeError("This CoreRequest is not initialized!")
        if self._uploads is None:
            uploads = _httpx_request(self._pool_size, self._tls)
            await uploads.initialize()
            self._uploads = uploads
        read, write, connect, pool = timeouts
        # (It applies its media write timeout to an upload whose call gave none.)
        return await self._uploads.do_request(
            url,
            method,
            request_data,
            read_timeout=read,  # type: ignore[arg-type]
            write_timeout=write,  # type: ignore[arg-type]
            connect_timeout=connect,  # type: ignore[arg-type]
            pool_timeout=pool,  # type: ignore[arg-type]
        )


def _or(value: float | object | None, default: float) -> Any:
    return default if isinstance(value, _NOT_GIVEN) else value
