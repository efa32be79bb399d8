"""The process around the runner: its event loop, and what may hold its exit."""

from __future__ import annotations

import asyncio
import threading
import time

from bot.runtime.runner import BotRunner


def serve(runner: BotRunner) -> None:
    """Run the bot until a signal stops it, like ``asyncio.run`` but without waiting on
    the loop's worker threads at the end.

    asyncio.run would wait, with no time limit, for the default executor's threads, and
    a feed's DNS lookup can hang in one of them for half a minute after the stop is
    complete and the database closed; systemd would kill the bot for it.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(runner.run_until_signalled())
    finally:
        try:
            loop.run_until_complete(_cancel_the_rest())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()  # shuts the executor down without waiting for it


async def _cancel_the_rest() -> None:
    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)


def lingering_threads(grace: float = 1.0) -> list[threading.Thread]:
    """Threads that would hold the interpreter's exit (stuck DNS lookups, say), after
    giving idle worker threads ``grace`` seconds to finish on their own."""
    deadline = time.monotonic() + grace
    left = []
    for t in threading.enumerate():
        if t.daemon or t is threading.main_thread():
            continue
        t.join(max(0.0, deadline - time.monotonic()))
        if t.is_alive():
            left.append(t)
    return left
