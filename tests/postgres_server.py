"""A throwaway PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` in a temporary
directory, on a free port of 127.0.0.1, stopped and removed at the end of the session.

A test gets an empty store in the session's one test database (``clean_database``: other
connections cut, every table emptied, some 50 ms, a tenth of copying a database), or, to
keep one for itself, a database copied from a template the migrations ran on once
(``new_database``).

``initdb`` refuses to run as root: then the server runs as an unprivileged user
(``postgres``, else ``nobody``) through ``runuser``, owning its directory.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

TEMPLATE = "caci_template"


class PostgresUnavailable(Exception):
    """No server could be found or started; the message says why."""


def _binaries() -> Path:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    raise PostgresUnavailable(
        "PostgreSQL is not installed (no initdb in PATH or /usr/lib/postgresql/*/bin): "
        "`make test` installs Debian's postgresql package (.ci/install-postgresql)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> tuple[list[str], int | None, int | None]:
    """The command prefix to run the server's programs as someone other than root."""
    if os.geteuid() != 0:
        return [], None, None
    runuser = shutil.which("runuser")
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        if runuser:
            return [runuser, "-u", name, "--"], user.pw_uid, user.pw_gid
    raise PostgresUnavailable("running as root, with no postgres or nobody user to run as")


class PostgresServer:
    def __init__(self) -> None:
        self._bin = _binaries()
        self._prefix, uid, gid = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="caci-pg-"))
        if uid is not None and gid is not None:
            os.chown(self.dir, uid, gid)
        self.port = _free_port()
        self._data = self.dir / "data"
        self._names = itertools.count(1)
        self._started = False
        self._shared = ""
        self._cleaner: Any = None
        self._tables: list[str] = []

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._prefix, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {done.stderr.strip()}")

    def start(self) -> None:
        self._run(
            str(self._bin / "initdb"),
            "-D",
            str(self._data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Another xdist worker's server may take the free port first: a few tries.
        for attempt in range(3):
            options = (
                f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories="
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                " -c max_connections=200"
            )
            try:
                self._run(
                    str(self._bin / "pg_ctl"),
                    "start",
                    "-w",
                    "-D",
                    str(self._data),
                    "-l",
                    str(self.dir / "log"),
                    "-o",
                    options,
                )
                break
            except PostgresUnavailable as exc:
                if attempt < 2:
                    self.port = _free_port()
                    continue
                log = self.dir / "log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise PostgresUnavailable(f"{exc} {tail}") from exc
        self._started = True
        from bot.storage.postgres import open_postgres

        self._admin(f"CREATE DATABASE {TEMPLATE}")
        open_postgres(self.url(TEMPLATE)).close()

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.encode())

    def new_database(self) -> str:
        """A fresh, migrated database's url."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return self.url(name)

    def clean_database(self) -> str:
        """The session's test database, emptied: its url."""
        import psycopg

        if not self._shared:
            self._shared = self.new_database()
            self._cleaner = psycopg.connect(self._shared, autocommit=True)
            self._tables = [
                r[0]
                for r in self._cleaner.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'schema_version'"
                )
            ]
            return self._shared
        # What an earlier test left connected (a store never closed, a killed bot's
        # session) must not hold a lock the emptying waits for.
        self._cleaner.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        self._cleaner.execute(f"TRUNCATE {', '.join(self._tables)} RESTART IDENTITY CASCADE")
        return self._shared

    def drop_database(self, url: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def stop(self) -> None:
        if self._cleaner is not None:
            self._cleaner.close()
        if self._started:
            subprocess.run(
                [
                    *self._prefix,
                    str(self._bin / "pg_ctl"),
                    "stop",
                    "-m",
                    "immediate",
                    "-D",
                    str(self._data),
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.dir, ignore_errors=True)
