"""scripts/setup-browser.sh as CI runs it (``--required``, as root) on a fresh machine,
with a stand-in apt-get: what it installs, and when it gives up."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "setup-browser.sh"
LOCKED = "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 2770 (apt-get)"

# Fails `update` while the log holds fewer than $LOCKED_UPDATES updates, saying $FAILURE;
# `install` makes the browser and its driver.
FAKE_APT = """#!/bin/bash
log="$FAKE_DIR/apt.log"
for word in "$@"; do
    case "$word" in
    update)
        echo update >>"$log"
        if (($(grep -c update "$log") <= LOCKED_UPDATES)); then echo "$FAILURE" >&2; exit 100; fi
        exit 0 ;;
    install)
        echo install >>"$log"
        for f in "$CACI_CHROMIUM" "$CACI_CHROMEDRIVER"; do
            printf '#!/bin/sh\\n' >"$f"
            chmod +x "$f"
        done
        exit 0 ;;
    esac
done
exit 0
"""


def run_setup(tmp_path: Path, *, locked_updates: int, failure: str = LOCKED) -> tuple[int, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "apt-get").write_text(FAKE_APT.replace("LOCKED_UPDATES", str(locked_updates)))
    (bin_dir / "id").write_text("#!/bin/sh\necho 0\n")  # as root, as CI is
    for tool in ("apt-get", "id"):
        (bin_dir / tool).chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_DIR": str(tmp_path),
        "FAILURE": failure,
        "CACI_CHROMIUM": str(tmp_path / "chromium"),
        "CACI_CHROMEDRIVER": str(tmp_path / "chromedriver"),
        "CACI_APT_WAIT": "0",
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), "--required"], env=env, capture_output=True, text=True, timeout=60
    )
    return done.returncode, done.stderr


def test_an_update_that_finds_the_lists_locked_is_tried_again(tmp_path: Path) -> None:
    # On a fresh machine cloud-init or unattended-upgrades runs apt first; the install's
    # DPkg::Lock::Timeout does not make `apt-get update` wait for the lists' lock.
    code, err = run_setup(tmp_path, locked_updates=2)
    assert code == 0, err
    assert (tmp_path / "apt.log").read_text().split() == ["update"] * 3 + ["install"]
    assert os.access(tmp_path / "chromium", os.X_OK)


def test_an_update_that_fails_otherwise_fails_ci_at_once(tmp_path: Path) -> None:
    code, err = run_setup(tmp_path, locked_updates=5, failure="E: Failed to fetch (offline)")
    assert code == 1
    assert "Failed to fetch" in err and "apt-get update failed" in err
    assert (tmp_path / "apt.log").read_text().split() == ["update"]
