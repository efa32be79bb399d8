"""This process as the sender lease knows it: its holder id, and whether another
process of the same machine is gone.

A pid names one process only within one boot and one process namespace (two containers
sharing a store may both run as pid 7), so a dead holder is recognised only when its
``origin`` is this process's own; otherwise its lease has to run out.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime
from pathlib import Path

from bot.app.lease import Me
from bot.domain.lease import Holder, Instance


def this_process(now: datetime) -> Me:
    host = socket.gethostname() or "localhost"
    return Me(Holder(host, os.getpid(), secrets.token_hex(4)), origin(), now)


def origin() -> str:
    """Boot id and process namespace, or "" where they cannot be read (not Linux)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{socket.gethostname()}/{boot}/{namespace}"


def is_gone(instance: Instance) -> bool:
    """Whether ``instance``'s process has ended (a zombie has: it cannot send)."""
    pid = instance.pid
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's, say)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # "pid (comm) S ...": the state follows the last ")".
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
