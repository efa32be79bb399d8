"""Where the Telegram token comes from: the environment or a systemd credential.

Never from config.toml (a file that gets committed and shared), never into a log line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from bot.app.config import TOKEN_CREDENTIAL, TOKEN_ENV_VAR

_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class TokenError(Exception):
    """The token is present but unusable; the message never contains it."""


def load_token(environ: Mapping[str, str]) -> str | None:
    """The bot token, or None when none is configured (the bot then prints to the console)."""
    token = environ.get(TOKEN_ENV_VAR, "").strip()
    where = f"${TOKEN_ENV_VAR}"
    if not token and environ.get("CREDENTIALS_DIRECTORY"):
        path = Path(environ["CREDENTIALS_DIRECTORY"]) / TOKEN_CREDENTIAL
        where = str(path)
        try:
            token = path.read_text("utf-8").strip()
        except FileNotFoundError:
            token = ""
        except OSError as exc:
            raise TokenError(f"{where}: cannot read the token: {exc.strerror}") from exc
    if not token:
        return None
    if not _SHAPE.match(token):
        raise TokenError(
            f"{where} does not look like a Telegram bot token (digits, a colon, then "
            "letters, digits, - and _), as @BotFather gives it"
        )
    return token
