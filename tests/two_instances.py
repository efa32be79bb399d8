"""Several `caci-watch run` on one store, against the fake Bot API: the processes, their
log lines to wait on, and a fake that notes which process made each request.

Shared by tests/runtime/test_two_instances.py and bench/soak_two_instances.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.bot_harness import REPO, TOKEN
from tests.fake_telegram import FakeTelegram, _make_handler, _QuietServer


def bot_env(token: str | None = TOKEN) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CACI_WATCH_TOKEN", "CREDENTIALS_DIRECTORY", "CACI_WATCH_CONFIG")
    }
    if token is not None:
        env["CACI_WATCH_TOKEN"] = token
    return env


def other_hosts_work() -> bool:
    """Whether a process can be given a host name of its own (a UTS namespace), to
    stand for an instance on another machine."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    done = subprocess.run(["unshare", "-u", "true"], capture_output=True, check=False)
    return done.returncode == 0


class Instance:
    """One `caci-watch run` subprocess; its stderr is read as it comes, line by line.

    ``host`` runs it under that host name (in a UTS namespace of its own, which needs
    root): to the lease it is then an instance on another machine, whose death cannot
    be seen, only its lease running out.
    """

    def __init__(
        self,
        config: Path,
        *,
        token: str | None = TOKEN,
        host: str | None = None,
        log: Path | None = None,
    ) -> None:
        command = [sys.executable, "-m", "bot", "--config", str(config), "run"]
        if host is not None:
            command = ["unshare", "-u", "sh", "-c", 'hostname "$0" && exec "$@"', host, *command]
        self.host = host
        self.lines: list[str] = []
        self.line_at: list[float] = []  # time.monotonic() when each line was read
        self._changed = threading.Condition()
        self._log = log.open("a", encoding="utf-8") if log is not None else None
        self.proc = subprocess.Popen(
            command,
            env=bot_env(token),
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self.line_at.append(time.monotonic())
                if self._log is not None:
                    self._log.write(line)
                    self._log.flush()
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(self, *parts: str, timeout: float = 60) -> str | None:
        """The first line holding every one of ``parts``, once it is written (None when
        the process ends or ``timeout`` passes first)."""
        found: list[str] = []

        def seen() -> bool:
            found[:] = [line for line in self.lines if all(p in line for p in parts)][:1]
            return bool(found) or not self._reader.is_alive()

        with self._changed:
            self._changed.wait_for(seen, timeout)
        return found[0] if found else None

    def when(self, *parts: str) -> float | None:
        """time.monotonic() when the first line holding every one of ``parts`` was read."""
        with self._changed:
            for line, at in zip(self.lines, self.line_at, strict=True):
                if all(p in line for p in parts):
                    return at
        return None

    def lines_with(self, part: str) -> list[str]:
        with self._changed:
            return [line for line in self.lines if part in line]

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM; the exit code (the process is killed if it outlives ``timeout``)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            code = -9
        self._reader.join(timeout=30)
        if self._log is not None:
            self._log.close()
        return code

    def __enter__(self) -> Instance:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        if self._log is not None and not self._log.closed:
            self._log.close()


@dataclass(frozen=True)
class Request:
    method: str
    pid: int | None  # None: none of the watched processes
    at: float  # time.monotonic() when it arrived


class WatchedTelegram(FakeTelegram):
    """The fake Bot API, noting which watched process made each request: its TCP
    connection's client port is looked up in /proc (Linux) among their sockets."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._pids: set[int] = set()
        self._requests: list[Request] = []
        self._local = threading.local()

    def watch(self, *pids: int) -> None:
        with self._lock:
            self._pids.update(pids)

    def _make_server(self) -> ThreadingHTTPServer:
        fake = self
        base: Any = _make_handler(self)

        class Handler(base):  # type: ignore[misc]
            def setup(self) -> None:
                # Looked up once a connection is accepted, while the client surely holds
                # it: a client may close it right after sending a request (a cancelled
                # call at a stop), before the request is read.
                super().setup()
                fake._local.port = self.client_address[1]
                fake._local.pid = fake._pid_of(self.client_address[1])

        handler: type[BaseHTTPRequestHandler] = Handler
        return _QuietServer(("127.0.0.1", 0), handler)

    def _handle(self, http_method: str, target: str, content_type: str, body: bytes) -> Any:
        method = target.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        pid = getattr(self._local, "pid", None)
        if pid is None:
            pid = self._local.pid = self._pid_of(getattr(self._local, "port", 0))
        with self._changed:
            self._requests.append(Request(method, pid, self._clock()))
        return super()._handle(http_method, target, content_type, body)

    def _pid_of(self, client_port: int) -> int | None:
        with self._lock:
            pids = set(self._pids)
        return pid_of_client(client_port, self.port, pids)

    @property
    def port(self) -> int:
        return int(self.api_url.rsplit(":", 1)[1])

    def requests(self, method: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self._requests if method is None or r.method == method]

    def requests_from(self, pid: int | None, method: str | None = None) -> list[Request]:
        return [r for r in self.requests(method) if r.pid == pid]

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        return self.wait_for(predicate, timeout)


def pid_of_client(port: int, server_port: int, pids: Iterable[int]) -> int | None:
    """Which of ``pids`` holds the TCP connection from 127.0.0.1:``port`` to the server."""
    inode = _socket_inode(port, server_port)
    if inode is None:
        return None
    wanted = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == wanted:
                    return pid
            except OSError:
                continue
    return None


def _socket_inode(port: int, server_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    local, remote = fields[1], fields[2]
                    if (
                        int(local.rsplit(":", 1)[1], 16) == port
                        and int(remote.rsplit(":", 1)[1], 16) == server_port
                    ):
                        return fields[9]
        except OSError:
            continue
    return None


def blocks(pids: Sequence[int | None]) -> list[int | None]:
    """The runs of a sequence: [a, a, b, b, a] -> [a, b, a]. One long-poll consumer at a
    time means each process appears in one run only."""
    out: list[int | None] = []
    for pid in pids:
        if not out or out[-1] != pid:
            out.append(pid)
    return out
