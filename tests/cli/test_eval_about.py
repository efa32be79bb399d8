"""`caci-watch eval FILE --about`: the "possibly about" tier's precision and recall per
list, on the records that do not name it, in `eval --json`'s shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.semantic.about_fixture import ABOUT_IT, NEIGHBOUR, UNRELATED
from tests.semantic.route_toml import write_route_list


def record(article_id: str, title: str, text: str, labels: list[str], about: list[str]) -> str:
    return json.dumps(
        {"id": article_id, "title": title, "text": text, "labels": labels, "about": about}
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    write_route_list(tmp_path / "lists")
    path = tmp_path / "config.toml"
    path.write_text(f'[watchlists]\ndir = "{tmp_path / "lists"}"\n', encoding="utf-8")
    return path


def test_eval_about_scores_the_tier_on_records_that_do_not_name_the_list(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "about.jsonl"
    lines = [
        record(ABOUT_IT.id, ABOUT_IT.title, ABOUT_IT.text, [], ["Route"]),
        # Named: the named matcher's business, not scored here.
        record("named", "The Syunik transit route", "Short.", ["Route"], ["Route"]),
        record(NEIGHBOUR.id, NEIGHBOUR.title, NEIGHBOUR.text, [], []),
        # Discusses the route, but the tier cannot tell from a sentence about cotton.
        record("missed", UNRELATED.title, UNRELATED.text, [], ["Route"]),
    ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["--config", str(config), "eval", str(data), "--about", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "watchlists": {
            "Route": {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "tp": 1, "fp": 0, "fn": 1}
        },
        "misses": [{"id": "missed", "watchlist": "Route"}],
        "false_alarms": [],
    }
    assert main(["--config", str(config), "eval", str(data), "--about"]) == 0
    table = capsys.readouterr().out
    assert "scored per list (those not naming it): Route 3" in table
    assert "missed:\n  missed  Route" in table
    # The scores that calibrate the list: its lowest record about it (the one missed,
    # below the threshold) and its highest record not about it.
    (line,) = [x for x in table.splitlines() if x.startswith("  Route: about it from ")]
    low, high = (float(v) for v in line.split("from ")[1].split(", not about it up to "))
    assert low < 0.6 and high < 0.6


def test_eval_about_on_a_file_without_about_fields_says_so(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "names.jsonl"
    data.write_text(
        json.dumps({"id": "n-1", "title": "T", "text": "Text.", "labels": []}) + "\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "eval", str(data), "--about"]) == 2
    assert "record 'n-1' has no 'about' field, which --about needs" in capsys.readouterr().err


def test_eval_about_reads_a_record_with_a_lone_surrogate_escape_without_a_traceback(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "\ud800" is valid JSON and a valid Python str, but no Unicode text: the tokenizer
    # refused it, and the whole evaluation ended in a traceback.
    data = tmp_path / "about.jsonl"
    broken = ABOUT_IT.text + " \ud800 " + ABOUT_IT.text
    data.write_text(
        "\n".join(
            [
                record(ABOUT_IT.id, ABOUT_IT.title, broken, [], ["Route"]),
                record(NEIGHBOUR.id, NEIGHBOUR.title, NEIGHBOUR.text, [], []),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "eval", str(data), "--about", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["watchlists"]["Route"]["tp"] == 1
