"""The systemd unit in systemd/: valid, hardened, and consistent with what the bot needs.

systemd cannot start the unit here (PID 1 is not systemd), so these tests check what can
be checked without it: `systemd-analyze verify` and `security --offline`, the sysusers
file, the install steps of systemd/README.md run against a temporary /etc, and the
directives the bot's own behaviour depends on (sd_notify, the credential, exit code 2).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.config import TOKEN_CREDENTIAL, load_config
from bot.cli.main import EXIT_USAGE
from tests.watchlist_copy import copy_watchlists

REPO = Path(__file__).resolve().parents[2]
SYSTEMD = REPO / "systemd"
UNIT = SYSTEMD / "caci-watch.service"
SYSUSERS = SYSTEMD / "caci-watch.sysusers"
README = SYSTEMD / "README.md"
ETC = "/etc/caci-watch"
TESTED_BLOCK_MARKER = "<!-- tests/runtime/test_systemd_unit.py runs the next block"

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")
# Where distributions keep their units; verify needs sysinit.target and friends.
HOST_UNIT_DIRS = ("/usr/lib/systemd/system", "/lib/systemd/system")


# -- reading the unit ----------------------------------------------------------------


Directives = dict[str, dict[str, list[str]]]


def parse_unit(text: str) -> Directives:
    """Section -> key -> every value, in order (a key may repeat, e.g. SystemCallFilter=)."""
    sections: Directives = {}
    current: dict[str, list[str]] | None = None
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith(("#", ";"))):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        line, logical = logical + line, ""
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"directive outside a section: {line!r}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(directives: Directives, section: str, key: str) -> str:
    values = directives.get(section, {}).get(key, [])
    assert len(values) == 1, f"[{section}] {key}= should be set once, found {values}"
    return values[0]


_SPAN_UNITS = {"ms": 0.001, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hr": 3600}


def seconds(span: str) -> float:
    """A systemd time span such as "5min", "1min 30s" or "15" (bare numbers are seconds)."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", span)
    assert parts and "".join(n + u for n, u in parts) == span.replace(" ", ""), span
    return sum(float(n) * _SPAN_UNITS[u or "s"] for n, u in parts)


@pytest.fixture(scope="module")
def unit() -> Directives:
    return parse_unit(UNIT.read_text("utf-8"))


# -- the directives the bot relies on -------------------------------------------------


def test_the_unit_waits_for_ready_and_watches_the_bots_pings(unit: Directives) -> None:
    assert one(unit, "Service", "Type") == "notify"
    # Only the bot's own process may send READY=1 / WATCHDOG=1.
    assert one(unit, "Service", "NotifyAccess") == "main"
    # The bot pings only if its every-minute jobs ran within 3 minutes: a shorter
    # watchdog would kill a healthy bot between two ticks.
    assert 180 <= seconds(one(unit, "Service", "WatchdogSec")) <= 15 * 60
    # The bot exits within 10 s of SIGTERM; systemd must not SIGKILL it sooner.
    assert seconds(one(unit, "Service", "TimeoutStopSec")) > 10
    # sd_notify goes over a unix socket.
    families = one(unit, "Service", "RestrictAddressFamilies").split()
    assert {"AF_UNIX", "AF_INET", "AF_INET6"} == set(families)


def test_the_token_comes_from_the_credential_the_bot_reads(unit: Directives) -> None:
    assert one(unit, "Service", "LoadCredential") == f"{TOKEN_CREDENTIAL}:{ETC}/telegram-token"
    # Never in the environment, where `systemctl show` and /proc would expose it.
    environment = unit["Service"].get("Environment", [])
    assert not [e for e in environment if "TOKEN" in e]
    assert "EnvironmentFile" not in unit["Service"]


def test_a_crash_restarts_but_a_configuration_error_does_not(unit: Directives) -> None:
    assert one(unit, "Service", "Restart") == "on-failure"
    prevented = one(unit, "Service", "RestartPreventExitStatus").split()
    assert str(EXIT_USAGE) in prevented, "a config typo must not restart-loop"
    assert "243" in prevented, "nor a missing token file (243/CREDENTIALS)"
    assert int(one(unit, "Unit", "StartLimitBurst")) > 1
    assert seconds(one(unit, "Unit", "StartLimitIntervalSec")) >= 5 * seconds(
        one(unit, "Service", "RestartSec")
    )


def test_the_service_runs_the_installed_bot_as_the_sysusers_user(unit: Directives) -> None:
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert argv == ["/opt/caci-watch/bin/caci-watch", "--config", f"{ETC}/config.toml", "run"]
    [entry] = [
        line.split()
        for line in SYSUSERS.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert entry[0] == "u"
    assert one(unit, "Service", "User") == entry[1] == one(unit, "Service", "Group")
    assert one(unit, "Service", "StateDirectory") == "caci-watch"
    assert one(unit, "Service", "ProtectSystem") == "strict"


@pytest.mark.skipif(shutil.which("systemd-sysusers") is None, reason="no systemd-sysusers")
def test_the_sysusers_file_creates_a_system_user_without_a_login(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    done = subprocess.run(
        ["systemd-sysusers", f"--root={tmp_path}", str(SYSUSERS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    passwd = (tmp_path / "etc" / "passwd").read_text("utf-8").splitlines()
    [user] = [line.split(":") for line in passwd if line.startswith("caci-watch:")]
    _, _, uid, gid, _, home, shell = user
    assert int(uid) < 1000, "a system user"
    assert home == "/var/lib/caci-watch"
    assert shell.endswith("nologin")
    assert f"caci-watch:x:{gid}:" in (tmp_path / "etc" / "group").read_text("utf-8")


# -- systemd-analyze verify -------------------------------------------------------------


@pytest.fixture(scope="module")
def verify_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root for `verify --root=`: the host's units plus a stub of the ExecStart binary.

    `verify` refuses an ExecStart whose binary does not exist; --root makes it look for
    /opt/caci-watch/bin/caci-watch (and sysinit.target, ...) under this directory instead.
    """
    root = tmp_path_factory.mktemp("verify-root")
    copied = set()
    for d in HOST_UNIT_DIRS:
        real = Path(d).resolve()
        if real.is_dir() and real not in copied:
            shutil.copytree(real, root / real.relative_to("/"), symlinks=True)
            copied.add(real)
    if not copied:
        pytest.skip("no systemd unit directory on this host")
    (root / "etc" / "systemd" / "system").mkdir(parents=True)
    exe = shlex.split(one(parse_unit(UNIT.read_text("utf-8")), "Service", "ExecStart"))[0]
    stub = root / exe.lstrip("/")
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    return root


def verify(root: Path, unit_text: str) -> list[str]:
    """What `systemd-analyze verify` says about this unit text; empty means clean.

    The unit is put in the root's /etc/systemd/system and named, not passed as a path:
    with --root, systemd 252 resolves a unit *path* against the real filesystem and may
    then load a different file of the same name from the search path.
    """
    assert ANALYZE is not None
    (root / "etc/systemd/system" / UNIT.name).write_text(unit_text, "utf-8")
    done = subprocess.run(
        [
            ANALYZE,
            "verify",
            "--man=no",
            "--generators=no",
            "--recursive-errors=no",
            f"--root={root}",
            UNIT.name,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    ours = [line for line in done.stderr.splitlines() if "caci-watch" in line]
    if done.returncode != 0:
        ours.append(f"exit {done.returncode}: {done.stderr.strip()}")
    return ours


@needs_analyze
def test_systemd_analyze_verify_finds_nothing_wrong_with_the_unit(verify_root: Path) -> None:
    assert verify(verify_root, UNIT.read_text("utf-8")) == []


@needs_analyze
@pytest.mark.parametrize(
    ("what", "old", "new"),
    [
        ("a misspelt directive", "\nRestart=on-failure", "\nRestrt=on-failure"),
        ("a value systemd cannot parse", "\nWatchdogSec=", "\nWatchdogSec=five minutes #"),
        (
            "an ExecStart binary that does not exist",
            "/opt/caci-watch/bin/caci-watch ",
            "/opt/caci-watch/bin/caci-wach ",
        ),
    ],
)
def test_verify_catches_a_broken_copy_of_the_unit(
    verify_root: Path, what: str, old: str, new: str
) -> None:
    text = UNIT.read_text("utf-8")
    assert old in text
    assert verify(verify_root, text.replace(old, new, 1)) != [], f"{what} went unnoticed"


# -- systemd-analyze security -----------------------------------------------------------


def exposure(unit_path: Path) -> float:
    assert ANALYZE is not None
    done = subprocess.run(
        [ANALYZE, "security", "--offline=true", "--no-pager", str(unit_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(
        rf"Overall exposure level for {re.escape(unit_path.name)}: (\d+(?:\.\d+)?)", done.stdout
    )
    assert found, f"no overall exposure in:\n{done.stdout}\n{done.stderr}"
    return float(found.group(1))


@needs_analyze
def test_the_units_security_exposure_is_at_most_2(tmp_path: Path) -> None:
    level = exposure(UNIT)
    # Proves the measurement discriminates: the same service without its hardening.
    bare = tmp_path / UNIT.name
    bare.write_text(
        "[Service]\nType=notify\nUser=caci-watch\n"
        "ExecStart=/opt/caci-watch/bin/caci-watch --config /etc/caci-watch/config.toml run\n"
    )
    assert exposure(bare) > 2.0
    assert level <= 2.0


# -- the README's install steps -------------------------------------------------------


def readme_tested_block() -> str:
    text = README.read_text("utf-8")
    start = text.index(TESTED_BLOCK_MARKER)
    block = re.search(r"```sh\n(.*?)```", text[start:], re.DOTALL)
    assert block, "the marker must be followed by a ```sh block"
    return block.group(1)


@pytest.fixture
def installed_etc(tmp_path: Path) -> Iterator[Path]:
    """/etc/caci-watch as the README's config step leaves it, in a temporary directory."""
    etc = tmp_path / "etc-caci-watch"
    etc.mkdir()
    block = readme_tested_block()
    assert ETC in block
    script = block.replace(ETC, shlex.quote(str(etc)))
    # Run from a checkout of the shipped files the step uses, with the tests' own copy of
    # the shipped watchlists: not the live watchlists/, where users add their own lists.
    checkout = tmp_path / "checkout"
    (checkout / "systemd").mkdir(parents=True)
    shutil.copyfile(REPO / "config.toml", checkout / "config.toml")
    shutil.copyfile(SYSTEMD / "config-etc.sed", checkout / "systemd" / "config-etc.sed")
    copy_watchlists(checkout / "watchlists")
    done = subprocess.run(
        ["sh", "-eu", "-c", script], cwd=checkout, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    yield etc


def test_the_documented_config_step_moves_only_the_store(installed_etc: Path) -> None:
    original = (REPO / "config.toml").read_text("utf-8").splitlines()
    installed = (installed_etc / "config.toml").read_text("utf-8").splitlines()
    changed = [(a, b) for a, b in zip(original, installed, strict=True) if a != b]
    assert [new for _, new in changed] == ['path = "/var/lib/caci-watch/caci-watch.sqlite3"']


def test_the_documented_config_passes_check_with_the_store_in_the_state_directory(
    installed_etc: Path, unit: Directives
) -> None:
    config_path = installed_etc / "config.toml"
    env = {k: v for k, v in os.environ.items() if k != "CACI_WATCH_CONFIG"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config_path), "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    state_dir = Path("/var/lib") / one(unit, "Service", "StateDirectory")
    assert f"store: {state_dir}/caci-watch.sqlite3" in done.stdout
    assert "watchlist 'TRIPP'" in done.stdout

    # Once installed at /etc/caci-watch, everything the bot writes is writable.
    config = load_config(config_path)
    assert config.store.path.parent == state_dir
    watchlists_at = Path(ETC) / config.watchlists.dir.relative_to(installed_etc)
    assert str(watchlists_at) in one(unit, "Service", "ReadWritePaths").split()
