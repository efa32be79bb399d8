"""``caci-watch feedback export FILE.jsonl``: the votes under alerts as evaluation records
(``shared/eval/README.md``), so that the evaluation set grows from real use."""

from __future__ import annotations

import argparse
from contextlib import closing
from pathlib import Path
from typing import Any

from bot.app.config import Config
from bot.cli.common import UserError, progress_bar


def add_parser(sub: Any) -> None:
    fb = sub.add_parser("feedback", help="the 👍 and 👎 people gave alerts")
    actions = fb.add_subparsers(metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the votes as evaluation records (JSON Lines: id, title, text, labels, about)",
    )
    export.add_argument("file", type=Path, help="where to write, e.g. votes.jsonl")


def run(args: argparse.Namespace, config: Config) -> int:
    from bot.app.feedback import export
    from bot.app.service import build_service
    from bot.messages.feedback_screens import EXPORT_PROGRESS, export_line

    if not config.store.url and not config.store.path.exists():
        raise UserError(f"No store at {config.store.path}: there are no votes to export yet.")
    with closing(build_service(config)) as service:
        try:
            with progress_bar(EXPORT_PROGRESS) as progress:
                done = export(service, args.file, progress=progress)
        except OSError as exc:
            raise UserError(f"{args.file}: {exc.strerror or exc}") from exc
    print(export_line(done.records, done.votes, str(args.file)))
    return 0
