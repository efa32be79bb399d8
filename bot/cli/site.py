"""``caci-watch site --out DIR`` and ``caci-watch serve``: the digest archive written as
a folder of static pages, or served from the store. They only parse and print; the
use case is ``bot.app.site``, the server ``bot.runtime.site_server``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app.config import Config
from bot.cli.common import UserError


def add_parsers(sub: Any, load_config: Callable[[argparse.Namespace], Config]) -> None:
    site = sub.add_parser(
        "site", help="write the digest archive as static pages (index, days, lists, articles)"
    )
    site.add_argument("--out", type=Path, required=True, help="the folder to write it to")
    site.set_defaults(handler=lambda a: _site(a, load_config(a)))

    serve = sub.add_parser(
        "serve", help="serve the digest archive over HTTP, read-only, made from the store"
    )
    serve.add_argument("--host", help="the address to listen on ([site] host: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="the port ([site] port: 8080; 0: any free one)")
    serve.set_defaults(handler=lambda a: _serve(a, load_config(a)))


def _site(args: argparse.Namespace, config: Config) -> int:
    from bot.app.service import build_service
    from bot.app.site import NotASiteFolder, write_site

    # Opening it would make an empty store, and the site of nothing would replace the
    # one written before (a wrong path in a cron line).
    _require_store(config)
    with closing(build_service(config)) as service:
        try:
            done = write_site(service, args.out, datetime.now(UTC))
        except NotASiteFolder as exc:
            raise UserError(str(exc)) from exc
        except OSError as exc:
            raise UserError(f"{args.out}: {exc.strerror or exc}") from exc
    print(
        f"{done.out / 'index.html'}: {done.pages} pages, {done.written} written, "
        f"{done.unchanged} unchanged, {done.removed} removed"
    )
    return 0


def _serve(args: argparse.Namespace, config: Config) -> int:
    import threading

    from bot.app.service import build_service
    from bot.app.site import page_source
    from bot.runtime.site_server import SiteServer

    host = args.host if args.host is not None else config.site.host
    port = args.port if args.port is not None else config.site.port
    if not 0 <= port <= 65535:
        raise UserError("--port must be 0 to 65535")
    # Else it would make an empty store there and serve the archive of nothing.
    _require_store(config)
    with closing(build_service(config)) as service:
        try:
            server = SiteServer(page_source(service, lambda: datetime.now(UTC)), host, port)
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        with server:
            print(f"serving the archive at {server.url} (Ctrl-C stops)", flush=True)
            threading.Event().wait()  # until Ctrl-C or a signal
    return 0


def _require_store(config: Config) -> None:
    if not config.store.path.exists():
        raise UserError(
            f"No store at {config.store.path}: nothing to publish. Check [store] path "
            f"({config.source or 'built-in defaults'}), or run the bot first."
        )
