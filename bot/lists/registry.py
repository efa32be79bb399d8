"""The watchlists in force, kept in step with the files in ``watchlists/``.

Files stay the source of truth: people edit them by hand, through the CLI or through
admin commands. ``refresh`` notices added, changed and removed files, validates each
before it takes effect, and keeps the last good version of a file whose edit is broken.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.domain.models import Watchlist
from bot.lists.files import WatchlistError, parse_watchlist, read_watchlist_bytes

ChangeKind = Literal["added", "changed", "removed", "invalid"]


@dataclass(frozen=True, slots=True)
class WatchlistChange:
    kind: ChangeKind
    name: str
    path: str
    # for "invalid": file, line and reason; the previous version (if any) stays in force
    error: str = ""


@dataclass(frozen=True, slots=True)
class _FileVersion:
    digest: str
    watchlist: Watchlist | None
    error: str = ""


class WatchlistRegistry:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._seen: dict[Path, _FileVersion] = {}  # the latest content read, good or bad
        self._good: dict[Path, Watchlist] = {}  # what is in force, by file

    @property
    def watchlists(self) -> list[Watchlist]:
        return sorted(self._good.values(), key=lambda w: w.name.casefold())

    @property
    def errors(self) -> list[str]:
        return [v.error for _, v in sorted(self._seen.items()) if v.error]

    @property
    def unknown_broken(self) -> set[str]:
        """Files that do not load and hold no list in force: each may be a list that is
        broken rather than gone (after a restart there is no last good version of it)."""
        return {str(path) for path, v in self._seen.items() if v.error and path not in self._good}

    def find(self, name: str) -> Watchlist | None:
        folded = name.casefold()
        return next((w for w in self._good.values() if w.name.casefold() == folded), None)

    def path_of(self, name: str) -> Path | None:
        folded = name.casefold()
        return next((p for p, w in self._good.items() if w.name.casefold() == folded), None)

    def refresh(self) -> list[WatchlistChange]:
        """Bring the registry in step with the directory; say what changed.

        A file whose content is unchanged is not parsed again, and a broken file is
        reported once per broken content, not at every refresh.
        """
        try:
            paths = sorted(p for p in self.directory.glob("*.toml") if p.is_file())
        except OSError as exc:
            return [WatchlistChange("invalid", "", str(self.directory), f"{exc.strerror}")]
        changes: list[WatchlistChange] = []
        for path in paths:
            change = self._refresh_file(path)
            if change is not None:
                changes.append(change)
        for path in sorted(set(self._seen) - set(paths)):
            del self._seen[path]
            gone = self._good.pop(path, None)
            if gone is not None:
                changes.append(WatchlistChange("removed", gone.name, str(path)))
        return changes

    def _refresh_file(self, path: Path) -> WatchlistChange | None:
        try:
            data = read_watchlist_bytes(path)
        except OSError as exc:
            # Mid-rename or unreadable: keep what is in force and look again next time.
            return WatchlistChange("invalid", "", str(path), f"{path}: {exc.strerror}")
        except WatchlistError as exc:
            # Too large to read: its size and time stand in for its content's hash, so
            # it is reported once, not every minute.
            stat = path.stat()
            digest = f"too-large:{stat.st_size}:{stat.st_mtime_ns}"
            version: _FileVersion | None = _FileVersion(digest, None, str(exc))
        else:
            digest = hashlib.sha256(data).hexdigest()
            version = None
        previous = self._seen.get(path)
        if previous is not None and previous.digest == digest:
            return None
        if version is None:
            version = self._parse(path, data, digest)
        self._seen[path] = version
        current = self._good.get(path)
        if version.watchlist is None:
            return WatchlistChange(
                "invalid", current.name if current else "", str(path), version.error
            )
        self._good[path] = version.watchlist
        if current is None:
            return WatchlistChange("added", version.watchlist.name, str(path))
        if current == version.watchlist:
            return None  # only comments or layout changed
        return WatchlistChange("changed", version.watchlist.name, str(path))

    def _parse(self, path: Path, data: bytes, digest: str) -> _FileVersion:
        try:
            watchlist = parse_watchlist(data.decode("utf-8"), path)
        except UnicodeDecodeError as exc:
            return _FileVersion(digest, None, f"{path}: not UTF-8 text ({exc.reason})")
        except WatchlistError as exc:
            return _FileVersion(digest, None, str(exc))
        clash = next(
            (
                other
                for other_path, other in self._good.items()
                if other_path != path and other.name.casefold() == watchlist.name.casefold()
            ),
            None,
        )
        if clash is not None:
            return _FileVersion(
                digest,
                None,
                f"{path}: name {watchlist.name!r} is already used by {clash.source}",
            )
        return _FileVersion(digest, watchlist)


def fingerprint(watchlist: Watchlist) -> str:
    """What decides matching, hashed: comments, layout, file and description do not count."""
    rules = repr((watchlist.name, watchlist.terms, watchlist.exclude, watchlist.threshold))
    return hashlib.sha256(rules.encode("utf-8")).hexdigest()


def about_fingerprint(watchlist: Watchlist) -> str:
    """What decides the "possibly about" tier's reading of a list, hashed: its `about`,
    `not_about` and thresholds (its name and terms are ``fingerprint``'s business)."""
    rules = repr(
        (watchlist.about, watchlist.not_about, watchlist.about_close, watchlist.about_very_close)
    )
    return hashlib.sha256(rules.encode("utf-8")).hexdigest()
