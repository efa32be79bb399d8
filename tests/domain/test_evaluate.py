"""The evaluation core behind `caci-watch eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app.evaluation import load_eval
from bot.domain.evaluate import EvalError, EvalRecord, evaluate, parse_eval
from bot.domain.matching import compile_watchlists
from bot.domain.models import Term, Watchlist
from bot.messages.eval_report import render_report, report_to_json

DAMS = Watchlist("Dams", (Term("Rogun Dam"),))
PASSES = Watchlist("Passes", (Term("Kamchik Pass"),))


def record(id: str, text: str, labels: set[str], title: str = "A title") -> EvalRecord:
    return EvalRecord(id=id, title=title, text=text, labels=frozenset(labels))


def line(**fields: object) -> str:
    return json.dumps(fields)


def test_load_eval_reads_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        line(id="r1", title="T", text="Body", labels=["Dams"], notes="n")
        + "\n\n"
        + line(id="r2", title="T2", text="Body2", labels=[])
        + "\n",
        encoding="utf-8",
    )
    records = load_eval(path)
    assert [r.id for r in records] == ["r1", "r2"]
    assert records[0].labels == frozenset({"Dams"})
    assert records[0].notes == "n"


def test_bad_json_line_is_reported_with_its_number() -> None:
    text = line(id="r1", title="T", text="x", labels=[]) + "\n{not json\n"
    with pytest.raises(EvalError, match=r"^set\.jsonl:2: not valid JSON"):
        parse_eval(text, "set.jsonl")


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ({"title": "T", "text": "x", "labels": []}, "'id' must be a string"),
        ({"id": "r", "title": "T", "text": "x", "labels": "Dams"}, "'labels' must be a list"),
        ({"id": "r", "title": "T", "labels": []}, "'text' must be a string"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_records_missing_fields_are_reported(obj: object, reason: str) -> None:
    with pytest.raises(EvalError, match=f"f:1: {reason}"):
        parse_eval(json.dumps(obj), "f")


def test_duplicate_ids_are_reported() -> None:
    one = line(id="r1", title="T", text="x", labels=[])
    with pytest.raises(EvalError, match="f:2: duplicate id 'r1'"):
        parse_eval(one + "\n" + one, "f")


def test_evaluate_counts_hits_misses_and_false_alarms() -> None:
    matcher = compile_watchlists([DAMS, PASSES])
    records = [
        record("a", "The Rogun Dam rose.", {"Dams"}),
        record("b", "Nothing here.", {"Dams"}),
        record("c", "Over the Kamchik Pass.", set()),
        record("d", "Plain text.", set(), title="Rogun Dam in the title"),
    ]
    report = evaluate(matcher, records, ["Dams", "Passes"])
    dams, passes = report.scores
    assert (dams.tp, dams.fp, dams.fn) == (1, 1, 1)
    assert (passes.tp, passes.fp, passes.fn) == (0, 1, 0)
    assert dams.precision == dams.recall == dams.f1 == 0.5
    assert [(m.id, m.watchlist) for m in report.misses] == [("b", "Dams")]
    assert [(f.id, f.watchlist, f.matched_text, f.field) for f in report.false_alarms] == [
        ("c", "Passes", "Kamchik Pass", "body"),
        ("d", "Dams", "Rogun Dam", "title"),
    ]


def test_nothing_to_find_and_nothing_found_is_perfect() -> None:
    report = evaluate(compile_watchlists([DAMS]), [record("a", "Plain.", set())], ["Dams"])
    [score] = report.scores
    assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)


def test_labels_of_watchlists_not_evaluated_are_ignored() -> None:
    report = evaluate(compile_watchlists([DAMS]), [record("a", "x", {"Other"})], ["Dams"])
    assert report.misses == ()


def test_report_json_has_the_documented_shape() -> None:
    matcher = compile_watchlists([DAMS])
    records = [record("a", "Rogun Dam.", {"Dams"}), record("b", "Rogun Dam.", set())]
    data = report_to_json(evaluate(matcher, records, ["Dams"]))
    assert set(data) == {"watchlists", "misses", "false_alarms"}
    assert data["watchlists"] == {
        "Dams": {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "tp": 1, "fp": 1, "fn": 0}
    }
    assert data["misses"] == []
    [alarm] = data["false_alarms"]
    assert alarm["id"] == "b" and alarm["watchlist"] == "Dams"
    assert alarm["matched_text"] == "Rogun Dam" and alarm["snippet"] == "Rogun Dam."
    json.dumps(data)  # plain JSON data throughout


def test_rendered_report_is_a_table_with_misses_and_false_alarms() -> None:
    matcher = compile_watchlists([DAMS, PASSES])
    records = [record("a", "x", {"Dams"}), record("b", "Kamchik Pass", set())]
    text = render_report(evaluate(matcher, records, ["Dams", "Passes"]))
    lines = text.splitlines()
    assert lines[0] == "2 records"
    assert lines[1].split() == ["watchlist", "precision", "recall", "f1", "tp", "fp", "fn"]
    assert lines[2].split() == ["Dams", "1.000", "0.000", "0.000", "0", "0", "1"]
    assert "missed:" in lines and "  a  Dams" in lines
    assert any(row.startswith("  b  Passes: 'Kamchik Pass'") for row in lines)
