"""What counts in a list's weeks, for the digests' trend lines, /trend and spike notices
alike: every article it named, and what the "possibly about" tier found for it while the
tier runs on the list, as the digest shows them (off with ``[about] enabled = false``, or
for a list whose `about` was taken out: their verdicts stay stored, and stop counting)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.app.service import Service
from bot.domain.trends import Sighting
from bot.storage import Store


def counted_sightings(
    service: Service, lists: Sequence[str], since: datetime, *, store: Store | None = None
) -> list[Sighting]:
    """Every article each of ``lists`` matched, first seen at or after ``since``, that
    counts now (read from ``store`` when given: a read-only connection of another
    thread's)."""
    # Here, not at the top: the tier queues spike notices, which count with this.
    from bot.app.possibly_about import tier_lists

    running = {w.name for w in tier_lists(service)}
    seen = (store or service.store).trends.sightings(lists, since)
    return [s for s in seen if s.named or s.watchlist in running]
