"""glibc's allocator: arenas limited at start, free memory given back after a poll."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime import malloc

ROOT = Path(__file__).resolve().parents[2]
GLIBC = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else None


def run(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.skipif(not (GLIBC or "").startswith("glibc"), reason="glibc only")
def test_the_arenas_are_limited_on_glibc_unless_the_environment_says_otherwise() -> None:
    code = "from bot.runtime import malloc; print(malloc.limit_arenas())"
    assert run(code) == "True"
    assert run(code, MALLOC_ARENA_MAX="4") == "False"


def test_giving_memory_back_is_safe_at_any_time() -> None:
    malloc.give_back()
    assert run("from bot.runtime import malloc; malloc.give_back(); print('ok')") == "ok"
