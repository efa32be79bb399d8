"""Durations as config.toml writes them: ``"90s"``, ``"15m"``, ``"1h30m"``, ``"2d"``.

:func:`parse_duration` reads one into a timedelta and :func:`format_duration` writes the
shortest form it reads back.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.app.config.wording import quoted

_DURATION_RE = re.compile(
    r"(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m)?\s*(?:(?P<s>\d+)\s*s)?",
    re.ASCII,
)
DURATION_HINT = 'expected a duration like "15m", "1h30m" or "90s"'


def parse_duration(text: str) -> timedelta:
    """Parse ``"90s"``, ``"15m"``, ``"1h30m"``, ``"2d"`` or a bare number of seconds.

    Units go largest first (d, h, m, s), each at most once; zero is accepted here and
    refused by the keys that need a positive value. Raises ValueError.
    """
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit():
        return to_timedelta(seconds=int(stripped), text=text)
    match = _DURATION_RE.fullmatch(stripped.lower())
    if not stripped or match is None:
        raise ValueError(f"{DURATION_HINT}, got {quoted(text)}")
    parts = {unit: int(value) for unit, value in match.groupdict(default="0").items()}
    return to_timedelta(
        days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"], text=text
    )


def format_duration(value: timedelta) -> str:
    """The shortest form :func:`parse_duration` reads back: ``"1h30m"``, ``"45d"``, ``"0s"``."""
    total = value // timedelta(seconds=1)
    if total < 0 or value != timedelta(seconds=total):
        raise ValueError(f"cannot write {value!r} as a duration of whole seconds")
    if total == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def to_timedelta(
    *, text: str, days: int = 0, hours: int = 0, minutes: int = 0, seconds: int = 0
) -> timedelta:
    try:
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ValueError(f"duration {quoted(text)} is too long") from None
