"""Use cases whose work is partly heavy, written once and run two ways.

A dry run or a re-match may read and match a hundred thousand stored articles; compiling
a matcher takes a while too. The running bot must not do that on its event loop, where
every other chat's command waits meanwhile. So such a use case is a generator of
``Steps``: it does its light work (reading the files, writing the outcome) itself and
``yield from heavy(fn)``-s each heavy piece. ``inline`` runs every piece on the spot, for
the CLI and tests; ``off_loop`` runs each in a worker thread and the rest on the event
loop, for the bot (through ``Service.off_loop``).

A heavy piece may touch the store only through a reader of its own
(``Store.reader()``): the store's connection belongs to the event loop's thread.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Heavy(Generic[T]):
    """A piece of heavy work: a function of nothing, safe to run in another thread."""

    run: Callable[[], T]


Steps: TypeAlias = Generator[Heavy[Any], Any, T]
# Runs a heavy piece off the event loop (asyncio.to_thread; tests hand in a gated one).
Worker: TypeAlias = Callable[[Callable[[], Any]], Awaitable[Any]]


def heavy(run: Callable[[], T]) -> Generator[Heavy[T], T, T]:
    """``result = yield from heavy(fn)``: have ``fn()`` run by whoever runs the steps."""
    result = yield Heavy(run)
    return result


def inline(steps: Steps[T]) -> T:
    """Run the steps here and now, heavy pieces included."""
    try:
        step = next(steps)
        while True:
            try:
                result = step.run()
            except Exception as exc:
                step = steps.throw(exc)
            else:
                step = steps.send(result)
    except StopIteration as finished:
        return cast(T, finished.value)


async def off_loop(steps: Steps[T], worker: Worker = asyncio.to_thread) -> T:
    """Run the steps' heavy pieces through ``worker`` (in a thread) and the rest here.

    Cancelled while a piece runs (the bot stopping), the thread cannot be stopped: the
    steps are closed once it is done with them, so that what they hold (a reader's
    connection) is never closed under its feet.
    """
    try:
        step = next(steps)
        while True:
            running = asyncio.ensure_future(worker(step.run))
            try:
                result = await asyncio.shield(running)
            except asyncio.CancelledError:
                running.add_done_callback(functools.partial(_close, steps=steps))
                raise
            except Exception as exc:
                step = steps.throw(exc)
            else:
                step = steps.send(result)
    except StopIteration as finished:
        return cast(T, finished.value)


def give_back_memory() -> None:
    """Return the C heap's free memory to the system, where the C library can (glibc).

    A dry run over a hundred thousand articles frees what it read, batch by batch, but
    glibc keeps the freed pages of the worker thread's heap for reuse: the bot's resident
    memory would stay some 20-40 MB above what it was. Heavy work, so call it off the loop.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def _close(running: asyncio.Future[Any], *, steps: Steps[Any]) -> None:
    if not running.cancelled():
        running.exception()  # retrieved, so that asyncio does not log it as forgotten
    steps.close()


__all__ = ["Heavy", "Steps", "Worker", "give_back_memory", "heavy", "inline", "off_loop"]
