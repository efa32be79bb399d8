"""The two baselines of `bench_eval_process.py`, each a whole process doing what
`caci-watch eval` does (read the lists and the labelled file, match title + text, count
tp / fp / fn per list and print them) the way a person would write it without this bot.

    python bench/eval_baseline.py exact WATCHLISTS_DIR FILE
    python bench/eval_baseline.py naive WATCHLISTS_DIR FILE

- exact: one pyahocorasick automaton of every term, folded, over the record's text folded
  by a fast normaliser (tags stripped, entities decoded, casefolded, accents stripped,
  every run of non-alphanumerics one space), whole words only: the practical limit.
- naive: `rapidfuzz.fuzz.partial_ratio(term, text) >= 90` for each term over the same
  folded text: what a typical user writes.

It imports nothing from `bot`, so its start-up is only Python's, tomllib's and the
matching library's; exclude phrases and case rules are ignored.
"""

from __future__ import annotations

import codecs
import html
import json
import re
import sys
import tomllib
import unicodedata
from collections.abc import Callable
from pathlib import Path

_TAG = re.compile(r"<[^>]*>")
# Letters and digits kept (lower case), every other byte a space.
_ASCII_FOLD = bytes(ord(chr(b).lower()) if chr(b).isalnum() else 32 for b in range(128)) + bytes(
    128 * [32]
)
_SPACES = re.compile(rb"  +")


def _accents_dropped(error: UnicodeError) -> tuple[str, int]:
    """Encoding NFKD text to ASCII: accents (combining marks) vanish, any other character
    without an ASCII form (a dash, ə, Cyrillic) becomes a space. Called once per run of
    such characters, not per character."""
    assert isinstance(error, UnicodeEncodeError)
    run = error.object[error.start : error.end]
    return "".join("" if unicodedata.combining(c) else " " for c in run), error.end


codecs.register_error("fold-accents", _accents_dropped)


def fast_fold(s: str) -> str:
    """Casefolded, accents stripped, tags gone, entities decoded, words one space apart.

    C-level passes only: regexes, NFKD and `bytes.translate`. A letter with no ASCII base
    (ə, Cyrillic) counts as a separator: good enough for a baseline over English text.
    """
    if "<" in s:
        s = _TAG.sub(" ", s)
    if "&" in s:
        s = html.unescape(s)
    if s.isascii():
        ascii_bytes = s.encode("ascii")
    else:
        ascii_bytes = unicodedata.normalize("NFKD", s).encode("ascii", "fold-accents")
    folded = _SPACES.sub(b" ", ascii_bytes.translate(_ASCII_FOLD))
    return " " + folded.decode("ascii").strip() + " "


def load_terms(directory: Path) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        terms = [t if isinstance(t, str) else t["text"] for t in data.get("terms", [])]
        lists[data["name"]] = [f for f in (fast_fold(t).strip() for t in terms) if f]
    return lists


def exact_matcher(lists: dict[str, list[str]]) -> Callable[[str], set[str]]:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for name, terms in lists.items():
        for term in terms:
            key = f" {term} "  # spaces either side: whole words only
            names = automaton.get(key, set())
            names.add(name)
            automaton.add_word(key, names)
    automaton.make_automaton()

    def match(text: str) -> set[str]:
        found: set[str] = set()
        for _end, names in automaton.iter(text):
            found |= names
        return found

    return match


def naive_matcher(lists: dict[str, list[str]]) -> Callable[[str], set[str]]:
    from rapidfuzz import fuzz

    def match(text: str) -> set[str]:
        return {
            name
            for name, terms in lists.items()
            if any(fuzz.partial_ratio(term, text, score_cutoff=90) for term in terms)
        }

    return match


def main(argv: list[str]) -> int:
    mode, directory, file = argv
    lists = load_terms(Path(directory))
    match = (exact_matcher if mode == "exact" else naive_matcher)(lists)
    counts = {name: [0, 0, 0] for name in lists}
    records = 0
    with open(file, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            records += 1
            found = match(fast_fold(record["title"] + "\n" + record["text"]))
            labels = set(record["labels"])
            for name, tally in counts.items():
                if name in found:
                    tally[0 if name in labels else 1] += 1
                elif name in labels:
                    tally[2] += 1
    print(f"{records} records ({mode})")
    for name, (tp, fp, fn) in counts.items():
        print(f"{name}  tp {tp}  fp {fp}  fn {fn}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
