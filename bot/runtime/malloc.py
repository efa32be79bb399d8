"""glibc's allocator, told how a long-running bot with a few threads uses it.

By default glibc gives each thread that allocates an arena of its own (up to eight per
core), and memory freed in one arena serves only that arena: the worker threads that
compile, match and read the store each keep megabytes the main thread cannot reuse. And
it keeps freed memory at the top of each heap rather than give it back. So ``run`` limits
the arenas before any thread starts, and gives back what is free after each poll, the
one piece of heavy work the idle bot does. Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import ctypes
import functools
import os

# mallopt's parameter number for the arena limit (glibc's malloc.h).
_M_ARENA_MAX = -8
# The main arena and one for every worker thread together: the threads take turns.
ARENAS = 2


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library the interpreter runs on, if it is glibc."""
    libc = ctypes.CDLL(None)
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    return libc


def limit_arenas(arenas: int = ARENAS) -> bool:
    """At most ``arenas`` malloc arenas; call before any thread starts. MALLOC_ARENA_MAX
    in the environment (a unit file's, say) has the last word. Whether it was set."""
    libc = None if "MALLOC_ARENA_MAX" in os.environ else _libc()
    return libc is not None and libc.mallopt(_M_ARENA_MAX, arenas) == 1


def give_back() -> None:
    """Return the free memory at the top of each heap, and free pages within, to the
    system (malloc_trim): a millisecond or so."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
