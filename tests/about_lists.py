"""What the "possibly about" tests give TRIPP to be about, and articles that discuss it
without naming it.

The tests' frozen lists (``tests/data/watchlists/``) may or may not carry `about` by the
time these run; ``give_tripp_about`` adds these sentences to a test's own copy when its
TRIPP has none, so the tests need no `about` in the frozen copy, and keep working when it
has one. The articles paraphrase TRIPP at length, as analysts write, so that any tier
worth the name finds them, not just the placeholder's shared words.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

TRIPP_ABOUT = (
    "A U.S.-run transit route across Armenia's southern Syunik province linking mainland"
    " Azerbaijan to its Nakhchivan exclave.",
    "The road and railway through southern Armenia agreed at the White House in August 2025"
    " by Armenia and Azerbaijan, with an American company operating the route.",
)
TRIPP_NOT_ABOUT = (
    "The Lachin corridor, the road that linked Armenia with Karabakh until 2023.",
    "The International North-South Transport Corridor from Russia through Azerbaijan and"
    " Iran to India.",
    "The Southern Gas Corridor carrying Azerbaijani gas to Europe through Georgia and Turkey.",
)


def give_tripp_about(watchlists: Path) -> None:
    path = watchlists / "tripp.toml"
    text = path.read_text(encoding="utf-8")
    if "\nabout" in text:
        return
    about = ", ".join(f'"{s}"' for s in TRIPP_ABOUT)
    not_about = ", ".join(f'"{s}"' for s in TRIPP_NOT_ABOUT)
    path.write_text(f"{text}\nabout = [{about}]\nnot_about = [{not_about}]\n", encoding="utf-8")


TRANSIT_STRIP_BODY = (
    "<p>The U.S.-run transit strip across Armenia's southern Syunik province linking mainland"
    " Azerbaijan to its Nakhchivan exclave, built under the August 2025 Washington agreement,"
    " is to carry its first freight next spring. An American operator will hold the"
    " concession for decades, while Armenian border guards and customs officers keep"
    " sovereignty over the road and the railway. Tehran, whose border runs beside the"
    " strip, has warned against any change to the region's borders, and Moscow has asked"
    " why its own border guards were left out of the arrangement.</p>"
)


def transit_strip_item(guid: str, when: datetime) -> tuple[str, str, str, datetime]:
    """(guid, title, description, published) of an article about TRIPP that never names it."""
    return (guid, "Syunik Prepares for American Operators", TRANSIT_STRIP_BODY, when)
