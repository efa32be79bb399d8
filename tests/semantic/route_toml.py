"""The fixture's list as a watchlist file (tests write it into their own directory)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.semantic.about_fixture import ROUTE


def write_route_list(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "route.toml"
    path.write_text(
        f"name = {json.dumps(ROUTE.name)}\n"
        f"terms = {json.dumps([t.text for t in ROUTE.terms])}\n"
        f"about = {json.dumps(list(ROUTE.about), ensure_ascii=False)}\n"
        f"not_about = {json.dumps(list(ROUTE.not_about), ensure_ascii=False)}\n"
        f"about_close = {ROUTE.about_close}\nabout_very_close = {ROUTE.about_very_close}\n",
        encoding="utf-8",
    )
    return path
