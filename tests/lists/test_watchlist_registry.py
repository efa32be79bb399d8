from __future__ import annotations

from pathlib import Path

from bot.domain.matching import compile_watchlists
from bot.lists.registry import WatchlistRegistry

GOOD = 'name = "Ports"\n# Caspian ports\nterms = ["Port of Aktau"]\n'


def registry_with(tmp_path: Path, **files: str) -> WatchlistRegistry:
    for name, text in files.items():
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    return WatchlistRegistry(tmp_path)


def test_first_refresh_adds_every_valid_file(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ports=GOOD, rail='name = "Rail"\nterms = ["BTK railway"]\n')
    changes = registry.refresh()
    assert sorted((c.kind, c.name) for c in changes) == [("added", "Ports"), ("added", "Rail")]
    assert [w.name for w in registry.watchlists] == ["Ports", "Rail"]


def test_unchanged_files_report_nothing(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ports=GOOD)
    registry.refresh()
    assert registry.refresh() == []


def test_changed_terms_are_reported_and_take_effect(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ports=GOOD)
    registry.refresh()
    (tmp_path / "ports.toml").write_text(GOOD.replace('"]', '", "Alat port"]'))
    changes = registry.refresh()
    assert [(c.kind, c.name) for c in changes] == [("changed", "Ports")]
    assert compile_watchlists(registry.watchlists).match([("body", "ships left Alat port")])


def test_comment_only_edit_is_not_a_change(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ports=GOOD)
    registry.refresh()
    (tmp_path / "ports.toml").write_text(GOOD.replace("# Caspian ports", "# ports, edited"))
    assert registry.refresh() == []


def test_bad_edit_keeps_the_last_good_version_and_is_reported_once(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ports=GOOD)
    registry.refresh()
    (tmp_path / "ports.toml").write_text('name = "Ports"\nterms = ["Port of Aktau"\n')
    [change] = registry.refresh()
    assert change.kind == "invalid" and change.name == "Ports"
    assert "ports.toml" in change.error and ":" in change.error
    assert registry.refresh() == []  # the same broken content is not reported again
    assert [w.name for w in registry.watchlists] == ["Ports"]
    assert compile_watchlists(registry.watchlists).match([("body", "the Port of Aktau")])


def test_broken_file_does_not_take_the_others_down(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ports=GOOD, bad="name = 3\n")
    changes = registry.refresh()
    assert {c.kind for c in changes} == {"added", "invalid"}
    assert [w.name for w in registry.watchlists] == ["Ports"]
    assert registry.errors and "bad.toml" in registry.errors[0]


def test_removed_file_is_reported_and_leaves(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ports=GOOD)
    registry.refresh()
    (tmp_path / "ports.toml").unlink()
    assert [(c.kind, c.name) for c in registry.refresh()] == [("removed", "Ports")]
    assert registry.watchlists == []
    assert compile_watchlists(registry.watchlists).match([("body", "the Port of Aktau")]) == []


def test_second_file_with_the_same_name_is_refused(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, a_ports=GOOD, b_ports=GOOD)
    changes = registry.refresh()
    assert sorted(c.kind for c in changes) == ["added", "invalid"]
    assert "already used" in registry.errors[0]


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "latin.toml").write_bytes(b'name = "Caf\xe9"\nterms = ["x"]\n')
    registry = WatchlistRegistry(tmp_path)
    [change] = registry.refresh()
    assert change.kind == "invalid" and "UTF-8" in change.error


def test_names_are_found_forgivingly(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, ports=GOOD)
    registry.refresh()
    found = registry.find("ports")
    assert found is not None and found.name == "Ports"
    assert registry.path_of("PORTS") == tmp_path / "ports.toml"


def test_a_huge_file_is_refused_unread_reported_once_and_the_last_good_version_kept(
    tmp_path: Path,
) -> None:
    registry = registry_with(tmp_path, ports=GOOD)
    registry.refresh()
    with (tmp_path / "ports.toml").open("a", encoding="utf-8") as f:
        f.write("# " + "x" * 2_000_000 + "\n")  # a log pasted in by mistake
    [change] = registry.refresh()
    assert (change.kind, change.name) == ("invalid", "Ports")
    assert "larger than 1,000,000 bytes" in change.error
    assert registry.refresh() == []
    assert [w.name for w in registry.watchlists] == ["Ports"]
