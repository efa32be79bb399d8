"""Why what someone typed after a command cannot be read (pure): plain clauses, which
`bot.telegram.arguments` raises and the replies quote (escaped there)."""

from __future__ import annotations

NO_TERM = "give at least one term"
ONLY_OPTIONS = "give the term itself, not only its options"


def too_long(size: int, limit: int) -> str:
    return f"that is {size:,} characters; a command takes at most {limit:,}"


def days_refused(most: int) -> str:
    return f"days must be a whole number from 0 to {most}"


def unknown_option(typed: str) -> str:
    return f"unknown option {typed[:30]}: the options are --exact and --case-sensitive"
