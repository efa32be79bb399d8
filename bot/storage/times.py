"""Times in the database: ISO 8601 UTC text, so that they sort and compare as text."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


def required_time(value: str) -> datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


def db_time(value: datetime) -> str:
    text = to_db_time(value)
    assert text is not None
    return text
