"""The front ends only some commands need, registered by name and imported on first use.

The admin commands, personal lists, an alert's buttons and /feedback, /route, /search
and /trend, with the use cases and wordings they bring, are about 0.7 MB the idle bot
would otherwise carry from start-up (its resident memory is what an operator watches).
So the application registers a light handler for each of their commands and buttons,
and the handler imports its module when a chat first needs it. Each module's own
``COMMANDS`` stays the one home of what its commands do; the names here say which
module has them (a test checks they agree).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.telegram.context import Context

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]

# Each deferred module (of bot.telegram) and the commands it answers, in the order the
# application registers them.
COMMANDS_OF: dict[str, tuple[str, ...]] = {
    "search": ("search", "export"),
    "trends": ("trend",),
    "feedback": ("feedback", "mute", "unmute"),
    "personal": ("mylists", "mynew", "myadd", "myrm"),
    "admin": (
        "status",
        "showlist",
        "newlist",
        "addterm",
        "rmterm",
        "exclude",
        "rmexclude",
        "testlist",
        "deletelist",
    ),
    "routes": ("route",),
}

# The callback data the deferred modules' buttons carry (made in bot/messages); anything
# else goes to the catch-all bot.telegram.handlers.button.
CONFIRM_DELETE_PATTERN = r"^c:myrm:[0-9a-f]+:[0-9a-z]+$"
CONFIRM_DELETELIST_PATTERN = r"^c:rmlist:[0-9a-f]+:[0-9a-z]+$"
ALERT_BUTTON_PATTERN = r"^(v|mu|um):"
SUGGESTION_PATTERN = r"^fa:"
SEARCH_PAGE_PATTERN = r"^search:\d+:\d+$"

# (pattern, module, its handler's name), in the order they are tried.
BUTTONS: tuple[tuple[str, str, str], ...] = (
    (CONFIRM_DELETE_PATTERN, "personal", "confirm_delete"),
    (CONFIRM_DELETELIST_PATTERN, "admin", "confirm_deletelist"),
    (ALERT_BUTTON_PATTERN, "feedback", "alert_button"),
    (SUGGESTION_PATTERN, "feedback", "apply_suggestion"),
    (SEARCH_PAGE_PATTERN, "search", "search_page"),
)


def front_end(module: str) -> Any:
    """bot.telegram.``module``, imported now if no chat has needed it yet."""
    return importlib.import_module(f"bot.telegram.{module}")


def commands(module: str) -> dict[str, Handler]:
    """A handler for each of ``module``'s commands, importing it when first called."""
    return {name: _command(module, name) for name in COMMANDS_OF[module]}


def button(module: str, name: str) -> Handler:
    """A handler for one of ``module``'s buttons, importing it when first called."""

    async def handle(update: Update, context: Context) -> None:
        handler: Handler = getattr(front_end(module), name)
        await handler(update, context)

    handle.__qualname__ = f"{module}.{name}"
    return handle


def _command(module: str, command: str) -> Handler:
    async def handle(update: Update, context: Context) -> None:
        handler: Handler = front_end(module).COMMANDS[command]
        await handler(update, context)

    handle.__qualname__ = f"{module}.COMMANDS[{command!r}]"
    return handle
