"""The sd_notify protocol, spoken directly: one datagram per state change to the socket
systemd names in $NOTIFY_SOCKET (https://www.freedesktop.org/software/systemd/man/sd_notify.html).

Without systemd (no $NOTIFY_SOCKET) every call is a no-op, so the bot runs the same from
a terminal. Twenty lines of socket code did not justify a dependency.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, address: str | None) -> None:
        # An address starting with "@" is in the abstract namespace (a leading NUL byte).
        self._address = "\0" + address[1:] if address and address.startswith("@") else address
        self._failed = False

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> Notifier:
        return cls(env.get("NOTIFY_SOCKET") or None)

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *assignments: str) -> bool:
        """Send e.g. ``notify("READY=1", "STATUS=polling")``; False when not delivered."""
        if self._address is None:
            return False
        message = "\n".join(assignments).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self._address)
                sock.sendall(message)
        except OSError as exc:
            # Logged once: a missing socket would otherwise fill the journal every ping.
            if not self._failed:
                log.warning("systemd status=notify_failed error=%r", exc.strerror or str(exc))
            self._failed = True
            return False
        self._failed = False
        return True


def watchdog_interval(env: Mapping[str, str] = os.environ, pid: int | None = None) -> float | None:
    """Seconds between watchdog pings (half of WatchdogSec=, as systemd advises), or None
    when the watchdog is off or meant for another process."""
    usec = env.get("WATCHDOG_USEC", "")
    owner = env.get("WATCHDOG_PID", "")
    if owner and owner != str(pid if pid is not None else os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 2_000_000 if value > 0 else None
