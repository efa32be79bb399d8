"""``python -m bot``: the same as the ``caci-watch`` command.

Run from a clone with the system's python3 before anything is installed, it would fail
on a missing module: it then hands over to the project's .venv/ when `make` has made
one, and otherwise says how to get there.
"""

import os
import sys
from pathlib import Path

try:
    from bot.cli.main import main
except ModuleNotFoundError as exc:
    venv = Path(__file__).resolve().parent.parent / ".venv"
    python = venv / "bin" / "python"
    if python.exists() and Path(sys.prefix).resolve() != venv.resolve():
        os.execv(python, [str(python), "-m", "bot", *sys.argv[1:]])
    sys.exit(
        f"caci-watch: the module {exc.name!r} is not installed for {sys.executable}.\n"
        "Run `make demo` once (it installs everything into .venv/), then "
        "`.venv/bin/caci-watch --help`."
    )

raise SystemExit(main())
