"""Every command a user can type is in the README, and the docs' map is the code's."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.cli.main import _parser
from bot.messages.screens import ADMIN_COMMANDS, PUBLIC_COMMANDS
from bot.telegram.app import COMMANDS

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def test_every_cli_command_is_in_the_readme() -> None:
    commands = subcommands(_parser())
    missing = [name for name in commands if f"`{name}" not in README]
    for action in subcommands(commands["watchlist"]):
        if not re.search(rf"`(watchlist )?{re.escape(action)}[ `]", README):
            missing.append(f"watchlist {action}")
    assert not missing, f"undocumented in README.md: {missing}"


def test_every_telegram_command_is_in_the_readme_and_the_menu() -> None:
    described = {name for name, _ in (*PUBLIC_COMMANDS, *ADMIN_COMMANDS)}
    assert described == set(COMMANDS), "the command menu and the handlers differ"
    missing = [name for name in COMMANDS if f"`/{name}" not in README]
    assert not missing, f"undocumented in README.md: {missing}"


def test_every_package_of_bot_is_on_the_architecture_map() -> None:
    packages = sorted(p.name for p in (REPO / "bot").iterdir() if (p / "__init__.py").exists())
    missing = [name for name in packages if f"`{name}/`" not in ARCHITECTURE]
    assert not missing, f"not on ARCHITECTURE.md's map: {missing}"


def test_every_module_named_on_the_architecture_map_exists() -> None:
    packages = {p.name for p in (REPO / "bot").iterdir() if (p / "__init__.py").exists()}
    named = set(re.findall(r"(?:bot/)?([a-z_]+)/([a-z_]+)\.py", ARCHITECTURE))
    gone = [
        f"bot/{pkg}/{mod}.py"
        for pkg, mod in named
        if pkg in packages and not (REPO / "bot" / pkg / f"{mod}.py").exists()
    ]
    assert not gone, f"ARCHITECTURE.md names modules that do not exist: {gone}"
