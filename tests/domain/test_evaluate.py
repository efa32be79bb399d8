"""The evaluation core behind `caci-watch eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# -- reading the file: lines end at a line feed only, bytes decoded line by line ----------


def test_a_text_holding_unicode_line_separators_stays_one_record() -> None:
    # json.dumps(..., ensure_ascii=False) writes U+2028 and U+2029 unescaped, as JSON allows.
    text = "Rogun\u2028Dam\u2029rose\u0085again\x0cnow"
    data = json.dumps({"id": "r1", "title": "T", "text": text, "labels": []}, ensure_ascii=False)
    assert "\u2028" in data
    for as_read in (data, data.encode()):
        [parsed] = parse_eval(as_read, "f")
        assert parsed.text == text


def test_windows_and_old_mac_line_endings_and_a_byte_order_mark_are_read() -> None:
    one = line(id="r1", title="T", text="x", labels=[])
    two = line(id="r2", title="T", text="y", labels=[])
    for data in (f"\ufeff{one}\r\n{two}\r\n", f"{one}\r{two}\r", f"\ufeff{one}\n\n{two}"):
        for as_read in (data, data.encode()):
            assert [r.id for r in parse_eval(as_read, "f")] == ["r1", "r2"]


def test_a_line_that_is_not_utf8_is_reported_with_its_number() -> None:
    good = line(id="r1", title="T", text="x", labels=[]).encode()
    bad = '{"id": "r2", "title": "Café", "text": "x", "labels": []}'.encode("latin-1")
    with pytest.raises(EvalError, match=r"^f:2: not UTF-8 text"):
        parse_eval(good + b"\n" + bad + b"\n", "f")


def test_load_eval_reads_a_file_written_with_ensure_ascii_false(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    texts = ["Zəngəzur\u2028corridor", "Türkiye\u2029and the <i>Middle</i> Corridor"]
    path.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "title": "T", "text": t, "labels": []}, ensure_ascii=False)
            + "\n"
            for i, t in enumerate(texts)
        ),
        encoding="utf-8",
    )
    assert [r.text for r in load_eval(path)] == texts


_RECORD_TEXT = st.text(
    st.sampled_from([*'aZ é\n\r\t"\\{}', "\u2028", "\u2029", "\u0085", "\x0c", "\ufeff", "ə"]),
    max_size=30,
)


@settings(max_examples=200)
@given(st.lists(st.tuples(_RECORD_TEXT, _RECORD_TEXT), max_size=5), st.booleans())
def test_any_records_written_as_json_lines_read_back_the_same_from_text_or_bytes(
    fields: list[tuple[str, str]], ascii_only: bool
) -> None:
    data = "".join(
        json.dumps(
            {"id": f"r{i}", "title": title, "text": text, "labels": ["Dams"]},
            ensure_ascii=ascii_only,
        )
        + "\n"
        for i, (title, text) in enumerate(fields)
    )
    expected = [(f"r{i}", title, text) for i, (title, text) in enumerate(fields)]
    for as_read in (data, data.encode()):
        parsed = parse_eval(as_read, "f")
        assert [(r.id, r.title, r.text) for r in parsed] == expected


def test_the_about_tier_is_scored_per_list_only_on_records_that_do_not_name_it() -> None:
    from bot.domain.aboutness import CLOSE, PossiblyAbout
    from bot.domain.evaluate import EvalRecord, evaluate_about

    def rec(rid: str, about: set[str]) -> EvalRecord:
        return EvalRecord(rid, "t", "x", frozenset(), about=frozenset(about))

    records = [rec("hit", {"L"}), rec("named", {"L"}), rec("miss", {"L"}), rec("wrong", set())]
    named = {"named": frozenset({"L"})}
    found = [
        PossiblyAbout("hit", "L", 0.9, CLOSE, "p"),
        PossiblyAbout("wrong", "L", 0.8, CLOSE, "q"),
    ]
    every = {("hit", "L"): 0.9, ("named", "L"): 0.1, ("miss", "L"): 0.5, ("wrong", "L"): 0.8}
    report = evaluate_about(records, named, found, ["L"], every)
    (score,) = report.scores
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)
    assert report.scored == (("L", 3),)
    assert [m.id for m in report.misses] == ["miss"]
    assert [(f.id, f.passage) for f in report.false_alarms] == [("wrong", "q")]
    assert report.score_ranges == (("L", 0.5, 0.8),)
