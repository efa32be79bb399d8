"""Small wording helpers every message uses (pure)."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``1 article``, ``3 articles``."""
    return f"{n} {word}{'' if n == 1 else 's'}"
