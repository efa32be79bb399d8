"""An article's HTML kept as a delta against its plain text, so the store holds the words once.

The text is rendered from the HTML (``bot.domain.text.html_to_text``), so the two share
nearly every word. Deflating the HTML with the text as zlib's preset dictionary leaves
little more than the tags and entities: about 2% of the text's size for a CACI article,
where the HTML in full was as large as the text again (and deflated on its own, a third
of it). The delta can be read back only with the very text stored beside it: zlib checks
the dictionary's checksum and the HTML's, so a mismatch is an error, never wrong HTML.
"""

from __future__ import annotations

import zlib

# Deflate's window is 32 KiB: for a text longer than that only its last 32 KiB serve as
# the dictionary, and the delta grows towards plain deflate, still correct.
_LEVEL = 9
_WBITS = 15  # the zlib format: a header naming the dictionary and a checksum
_MEM_LEVEL = 9


def pack_html(html: str, text: str) -> bytes | None:
    """The delta that ``unpack_html`` turns back into ``html`` given ``text``; None for
    no HTML at all."""
    if not html:
        return None
    packer = zlib.compressobj(
        _LEVEL, zlib.DEFLATED, _WBITS, _MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY, zdict=_key(text)
    )
    return packer.compress(html.encode("utf-8")) + packer.flush()


def unpack_html(delta: bytes | None, text: str) -> str:
    """The HTML ``pack_html(html, text)`` was made from ("" for None)."""
    if delta is None:
        return ""
    unpacker = zlib.decompressobj(_WBITS, zdict=_key(text))
    return (unpacker.decompress(delta) + unpacker.flush()).decode("utf-8")


def _key(text: str) -> bytes:
    # zlib refuses an empty dictionary; one space is as good as none.
    return text.encode("utf-8") or b" "
