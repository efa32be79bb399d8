"""The pipes to and from a short-lived child: its input written whole, its output read
up to a cap, the tail of its errors, and why it ended, in a few words."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

CHUNK = 64 * 1024

_ROOT = str(Path(__file__).resolve().parent.parent.parent)


def child_command(module: str) -> tuple[str, ...]:
    """The command that runs ``module``'s ``child_main()`` in a fresh interpreter.

    The child imports from where the bot does: the directory holding the `bot` package,
    then the bot's own import path (a virtualenv, PYTHONPATH, `pip --target`), which -I
    alone would drop; -I keeps the environment and user site-packages out otherwise."""
    path = [_ROOT, *(entry for entry in sys.path if entry and entry != _ROOT)]
    return (
        sys.executable,
        "-I",
        "-c",
        f"import sys; sys.path[:0] = {path!r}; from {module} import child_main; child_main()",
    )


async def send_all(proc: asyncio.subprocess.Process, data: bytes) -> None:
    assert proc.stdin is not None
    # A child that dies before reading everything is reported by its exit status.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        proc.stdin.write(data)
        await proc.stdin.drain()
        proc.stdin.close()
        await proc.stdin.wait_closed()


async def read_capped(proc: asyncio.subprocess.Process, cap: int) -> bytes | None:
    """All of the child's stdout, or None past ``cap`` bytes: the child is killed then,
    and the rest is read and dropped, because a pipe left unread keeps ``wait()`` from
    returning (asyncio pauses reading a full pipe, and never sees its end)."""
    stream = proc.stdout
    assert stream is not None
    chunks: list[bytes] | None = []
    size = 0
    while chunk := await stream.read(CHUNK):
        size += len(chunk)
        if chunks is not None and size > cap:
            chunks = None
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        if chunks is not None:
            chunks.append(chunk)
    return None if chunks is None else b"".join(chunks)


async def read_tail(stream: asyncio.StreamReader | None, keep: int) -> bytes:
    """The last ``keep`` bytes of ``stream`` (a traceback's last line says most)."""
    assert stream is not None
    tail = b""
    while chunk := await stream.read(CHUNK):
        tail = (tail + chunk)[-keep:]
    return tail


def exit_reason(code: int, err: bytes) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    last = err.decode("utf-8", "replace").strip().splitlines()[-1:]
    return f"exit code {code}" + (f": {last[0][:200]}" if last else "")
