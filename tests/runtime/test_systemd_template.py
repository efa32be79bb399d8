"""systemd/caci-watch@.service, the unit for several instances on PostgreSQL: the
single unit's settings but for what names the instance, valid and as hardened."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from tests.runtime.test_systemd_unit import (
    ANALYZE,
    ETC,
    UNIT,
    Directives,
    exposure,
    needs_analyze,
    one,
    parse_unit,
)
from tests.runtime.test_systemd_unit import verify_root as verify_root  # the shared fixture

TEMPLATE = UNIT.parent / "caci-watch@.service"


def directives(path: Path) -> Directives:
    return parse_unit(path.read_text("utf-8"))


def test_the_template_is_the_single_unit_but_for_what_names_the_instance() -> None:
    single, template = directives(UNIT), directives(TEMPLATE)
    for section in ("Unit", "Service"):
        for key in ("Description", "ExecStart", "SyslogIdentifier", "LoadCredential"):
            single[section].pop(key, None)
            template[section].pop(key, None)
    assert template["Service"]["Environment"] == [
        *single["Service"].pop("Environment"),
        "PGPASSFILE=/run/credentials/%n/pgpass",
    ]
    template["Service"].pop("Environment")
    assert template == single


def test_each_instance_reads_its_own_config_and_logs_under_its_name() -> None:
    unit = directives(TEMPLATE)
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert argv == ["/opt/caci-watch/bin/caci-watch", "--config", f"{ETC}/%i.toml", "run"]
    assert one(unit, "Service", "SyslogIdentifier") == "caci-watch-%i"
    assert unit["Service"]["LoadCredential"] == [
        f"telegram-token:{ETC}/telegram-token",
        f"pgpass:{ETC}/pgpass",
    ]


@needs_analyze
def test_systemd_analyze_verify_finds_nothing_wrong_with_an_instance(verify_root: Path) -> None:
    assert ANALYZE is not None
    (verify_root / "etc/systemd/system" / TEMPLATE.name).write_text(
        TEMPLATE.read_text("utf-8"), "utf-8"
    )
    done = subprocess.run(
        [
            ANALYZE,
            "verify",
            "--man=no",
            "--generators=no",
            "--recursive-errors=no",
            f"--root={verify_root}",
            "caci-watch@a.service",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert [line for line in done.stderr.splitlines() if "caci-watch" in line] == []
    assert done.returncode == 0, done.stderr


@needs_analyze
def test_an_instances_security_exposure_is_at_most_2(tmp_path: Path) -> None:
    instance = tmp_path / "caci-watch@a.service"
    instance.write_text(TEMPLATE.read_text("utf-8"), "utf-8")
    assert exposure(instance) <= 2.0


def test_the_template_is_in_the_systemd_readme() -> None:
    assert TEMPLATE.name in (UNIT.parent / "README.md").read_text("utf-8")
