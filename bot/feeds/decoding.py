"""Undoing a response's Content-Encoding without ever holding more than the size cap.

httpx inflates each chunk read off the wire whole: 64 KB of gzip can be 64 MB of body,
in one allocation, before any size check sees it. Here gzip and deflate are inflated
in slices of at most 64 KB, each counted against the cap before the next is made, so a
body is refused one byte past the cap, whatever it would have inflated to.
"""

from __future__ import annotations

import zlib
from collections.abc import Generator, Iterable, Iterator

SUPPORTED = ("gzip", "x-gzip", "deflate")
_SLICE = 64 * 1024


class BodyTooLarge(Exception):
    """The decoded body went past the cap."""


class CappedDecoder:
    """A Content-Encoding undone layer by layer (``gzip, deflate``: deflate first), the
    body capped at ``cap`` bytes and each layer inside it at what a body of ``cap``
    bytes can take compressed (a gzip of a gzip bomb is a bomb too). ``unsupported``
    names a coding it cannot undo (br, zstd, compress…); identity is no layer at all."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        self.unsupported = ""
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        self._layers: list[_Inflater] = []
        for coding in reversed([c for c in codings if c and c != "identity"]):
            if coding not in SUPPORTED:
                self.unsupported = coding
                break
            self._layers.append(_Inflater(deflate=coding == "deflate", cap=cap))
        # Deflate adds at most 5 bytes per 16 KB block, and a header and a trailer.
        for depth, layer in enumerate(reversed(self._layers)):
            layer.cap = cap + depth * (cap // 1000 + 64)

    def decode(self, chunk: bytes) -> Iterator[bytes]:
        """The body bytes ``chunk`` decodes to, in slices; raises ``BodyTooLarge`` (or
        ``zlib.error``) as soon as one would pass the cap (or is not valid)."""
        pieces: Iterable[bytes] = (chunk,)
        for layer in self._layers:
            pieces = layer.inflate(pieces)
        return iter(pieces)

    def finish(self) -> Iterator[bytes]:
        """What is left once the last chunk has been decoded."""
        pieces: Iterable[bytes] = ()
        for layer in self._layers:
            pieces = layer.finish(pieces)
        return iter(pieces)


class _Inflater:
    """One gzip or deflate layer that never produces more than one byte past ``cap``."""

    def __init__(self, *, deflate: bool, cap: int) -> None:
        self.cap = cap
        self._deflate = deflate
        self._started = False
        self._produced = 0
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | (0 if deflate else 16))

    def inflate(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        for data in pieces:
            if data and not self._started:
                self._started = True
                data = yield from self._first(data)
            while data and not self._inflate.eof:
                piece = self._slice(data)
                if not piece:
                    break
                yield piece
                data = self._inflate.unconsumed_tail

    def finish(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        yield from self.inflate(pieces)
        rest = self._count(self._inflate.flush())
        if rest:
            yield rest

    def _first(self, data: bytes) -> Generator[bytes, None, bytes]:
        """The first slice of the stream, falling back to raw deflate; returns the rest."""
        try:
            piece = self._slice(data)
        except zlib.error:
            if not self._deflate:
                raise
            # "deflate" is meant to be zlib-wrapped, but some servers send it raw (as
            # httpx's own decoder allows).
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            piece = self._slice(data)
        if piece:
            yield piece
        return self._inflate.unconsumed_tail

    def _slice(self, data: bytes) -> bytes:
        # One byte past the cap is enough to know the body does not fit.
        room = self.cap - self._produced + 1
        return self._count(self._inflate.decompress(data, min(room, _SLICE)))

    def _count(self, out: bytes) -> bytes:
        self._produced += len(out)
        if self._produced > self.cap:
            raise BodyTooLarge
        return out
