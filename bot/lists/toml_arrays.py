"""Keeping a TOML array's layout when an item is added or removed (tomlkit).

tomlkit keeps an array item's indent, trailing comma and same-line comment together in
a private `_ArrayItemGroup`; the trailing-comma style is reachable only there. The few
helpers here are the only code that touches it, and the tests pin what they do.
"""

from __future__ import annotations

from dataclasses import dataclass

import tomlkit
from tomlkit.items import Array, Item, Null, Whitespace, _ArrayItemGroup

from bot.domain.models import Term


@dataclass(frozen=True, slots=True)
class _Layout:
    multiline: bool
    indent: str
    trailing_comma: bool


def _groups(array: Array) -> list[_ArrayItemGroup]:
    return array._value


def _value_groups(array: Array) -> list[_ArrayItemGroup]:
    return [g for g in _groups(array) if g.value is not None and not isinstance(g.value, Null)]


def _has_comma(group: _ArrayItemGroup) -> bool:
    return group.comma is not None and "," in group.comma.s


def array_layout(array: Array) -> _Layout | None:
    """How the array's items are laid out, or None when it has no items to tell by."""
    values = _value_groups(array)
    if not values:
        return None
    last = values[-1]
    indent = last.indent.s if last.indent is not None else ""
    return _Layout(
        multiline=any(g.indent is not None and "\n" in g.indent.s for g in _groups(array)),
        indent=indent.rsplit("\n", 1)[-1].replace(",", ""),
        trailing_comma=_has_comma(last),
    )


def _set_trailing_comma(array: Array, wanted: bool) -> None:
    values = _value_groups(array)
    if not values or _has_comma(values[-1]) == wanted:
        return
    values[-1].comma = Whitespace(",") if wanted else None


def fresh_array(item: Item, layout: _Layout, newline: str) -> Array:
    if layout.multiline:
        comma = "," if layout.trailing_comma else ""
        source = f"x = [{newline}{layout.indent}{item.as_string()}{comma}{newline}]{newline}"
    else:
        source = f"x = [{item.as_string()}]{newline}"
    array = tomlkit.parse(source)["x"]
    assert isinstance(array, Array)
    return array


def append_item(array: Array, item: Item, fallback: _Layout | None) -> None:
    """Append keeping the array's own trailing-comma style (tomlkit drops it in some
    layouts), or `fallback`'s when the array has no items to copy it from."""
    layout = array_layout(array) or fallback
    array.append(item)
    if layout is not None:
        _set_trailing_comma(array, layout.trailing_comma)


def _same_line(indent: Whitespace | None) -> bool:
    return indent is None or "\n" not in indent.s


def delete_item(array: Array, index: int) -> None:
    layout = array_layout(array)
    groups = _groups(array)
    was_first = bool(groups) and groups[0].value is array[index]
    first_indent = groups[0].indent if was_first else None
    del array[index]
    groups = _groups(array)
    if was_first and groups and _same_line(first_indent) and _same_line(groups[0].indent):
        # tomlkit drops the next item's indent, which turns `[ "A", "B" ]` into `["B" ]`;
        # the removed first item's indent is the one that belongs after `[`.
        groups[0].indent = first_indent
    if layout is not None:
        # tomlkit leaves the new last item's comma when the removed last item had none.
        _set_trailing_comma(array, layout.trailing_comma)


def term_item(term: Term) -> Item:
    text = tomlkit.string(term.text)
    if not term.exact and term.case_sensitive is None:
        return text
    fields = [f"text = {text.as_string()}"]
    if term.exact:
        fields.append("exact = true")
    if term.case_sensitive is not None:  # false too: it keeps an acronym case-insensitive
        fields.append(f"case_sensitive = {'true' if term.case_sensitive else 'false'}")
    # Parsed rather than built so it is spaced like the shipped files: `{ text = ... }`.
    table = tomlkit.parse(f"x = {{ {', '.join(fields)} }}\n")["x"]
    assert isinstance(table, Item)
    return table
