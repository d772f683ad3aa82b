"""Records and case files as text: JSON for integrations, YAML for people, both to one plain dict.

YAML is read with ruamel.yaml, which keeps each value's line, so an error can say
`plan.yaml line 42, measures[2].evaluation_date: …`. Only plain data is accepted:
no tags (`!!python/object`, or any other), no anchors or aliases (a "billion
laughs" file expands a few lines into gigabytes; a hand-written record never needs
them), no duplicate keys, and a nesting depth a record never reaches.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from .errors import InputError
from .messages import format_path, json_problem, shown_key

MAX_DEPTH = 64  # a record is a handful of levels deep
MAX_DIGITS = 50  # a number in a record is a count or an identifier, never this long
_NUMBER = re.compile(r"[-+]?[0-9][0-9_.,:eExXoObB+-]*")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Source:
    """A record as data, with the line each field path starts on (YAML only)."""

    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, path: str) -> int | None:
        """The line of `path`, else of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


def is_yaml(name: str | None, data: str | bytes) -> bool:
    """By the file's suffix; for standard input (or an unknown suffix), by the first character.
    A line of a JSON Lines stream ('cases.jsonl:12', '<stdin>:3') is always JSON."""
    if name and re.search(r":\d+$", name):
        return False
    if name and PurePath(name).suffix.lower() in YAML_SUFFIXES:
        return True
    if name and PurePath(name).suffix.lower() == ".json":
        return False
    head = data.lstrip()[:1] if isinstance(data, str) else data.lstrip().lstrip(b"\xef\xbb\xbf")[:1]
    return head not in ("{", "[", b"{", b"[", "", b"")


def read(data: str | bytes, source: str = "input") -> Source:
    """One record (or case file) from JSON or YAML text."""
    if not is_yaml(source, data):
        return Source(parse_json(data, source))
    return parse_yaml(data, source)


def _text(data: str | bytes, source: str) -> str:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not UTF-8 text; save the file as UTF-8") from None
    return data.removeprefix("\ufeff")


MAX_DIGITS = 50  # a number in a record is a count or an identifier, never this long


def parse_json(data: str | bytes, source: str = "input") -> dict[str, Any]:
    """Parse one JSON record; refuse duplicate keys, which would silently lose data, and what a
    record never holds: deep nesting, numbers of more than MAX_DIGITS digits, NaN and Infinity."""
    data = _text(data, source)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                name = shown_key(key)
                if name is None:
                    raise InputError(f"{source}: a key appears twice in one object")
                raise InputError(f"{source}: the key '{name}' appears twice in one object")
            seen[key] = value
        return seen

    def number(text: str) -> int | float:
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise InputError(f"{source}: a number has more than {MAX_DIGITS} digits; write an identifier "
                             "as text (in quotes)")
        value = float(text) if any(c in text for c in ".eE") else int(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"{source}: a number is too large")
        return value

    def constant(text: str) -> Any:
        raise InputError(f"{source}: NaN and Infinity are not numbers a record may hold")

    try:
        value = json.loads(data, object_pairs_hook=no_duplicates, parse_int=number, parse_float=number,
                           parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON: {json_problem(exc)}") from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply to be a record") from None
    if not isinstance(value, dict):
        raise InputError(f"{source}: a record must be a JSON object ({{...}}), not {_json_kind(value)}")
    check_limits(value, source)
    return value


def check_limits(value: Any, source: str | None = None) -> None:
    """Refuse what no record holds, whichever way it came (JSON, YAML, the API's dicts): nesting
    deeper than MAX_DEPTH, integers of more than MAX_DIGITS digits (Python will not even print one
    of 4,301), NaN and infinity. Says where, by field path; never the value."""
    if not isinstance(value, (Mapping, list, tuple)):
        return
    stack: list[tuple[int, Any]] = [(0, value)]
    while stack:
        depth, item = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(f"{source + ': ' if source else ''}nested more than {MAX_DEPTH} levels deep")
        children = item.values() if isinstance(item, Mapping) else item
        for child in children:
            kind = type(child)
            if kind is str or child is None or kind is bool:
                continue
            if kind is dict or kind is list or isinstance(child, (Mapping, list, tuple)):
                stack.append((depth + 1, child))
            elif _out_of_bounds(child):
                _refuse_number(value, source)


def _out_of_bounds(item: Any) -> bool:
    if isinstance(item, float):
        return not math.isfinite(item)
    return isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > _MAX_BITS


def _refuse_number(value: Any, source: str | None) -> None:
    """The error for the first number out of bounds, with its field path (a second, slower walk)."""
    where = f"{source}: " if source else ""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(((*path, key), child) for key, child in item.items())
        elif isinstance(item, (list, tuple)):
            stack.extend(((*path, index), child) for index, child in enumerate(item))
        elif _out_of_bounds(item):
            place = format_path(path) or "the record"
            if isinstance(item, float):
                raise InputError(f"{where}{place}: must be a finite number (not NaN or infinity)")
            raise InputError(f"{where}{place}: a number has more than {MAX_DIGITS} digits; write an identifier "
                             "as text (in quotes)")


_MAX_BITS = (10**MAX_DIGITS).bit_length()


def _json_kind(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(type(value), "a number")


def parse_yaml(data: str | bytes, source: str = "input") -> Source:
    data = _text(data, source)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _constructor()
    try:
        _check_events(yaml, data, source)
        value = yaml.load(io.StringIO(data))
    except InputError:
        raise
    except MarkedYAMLError as exc:
        raise InputError(f"{source}: not valid YAML: {_yaml_problem(exc)}") from None
    except (YAMLError, RecursionError, ValueError) as exc:
        raise InputError(f"{source}: not valid YAML ({type(exc).__name__})") from None
    if value is None:
        raise InputError(f"{source}: the file holds no record (it is empty, or only comments)")
    if not isinstance(value, dict):
        raise InputError(f"{source}: a record must be a YAML mapping (key: value lines), not a list or a single value")
    lines: dict[str, int] = {}
    plain = _plain(value, (), lines, source)
    check_limits(plain, source)
    return Source(plain, lines)


def _constructor() -> Any:
    """ruamel's round-trip constructor with dates left as the text they are: the model reads
    them as JSON records have them, and a wrong date gets the model's message and its line."""
    from ruamel.yaml.constructor import RoundTripConstructor

    class TextDates(RoundTripConstructor):
        pass

    TextDates.add_constructor("tag:yaml.org,2002:timestamp", TextDates.construct_yaml_str)
    return TextDates


def _check_events(yaml: Any, data: str, source: str) -> None:
    """Refuse what a record never needs before anything is built: tags, anchors, aliases, depth."""
    depth = 0
    for event in yaml.parse(io.StringIO(data)):
        kind = type(event).__name__
        line = event.start_mark.line + 1
        if kind == "AliasEvent" or getattr(event, "anchor", None):
            raise InputError(f"{source} line {line}: YAML anchors and aliases (& and *) are not allowed in a "
                             "record; write the value out")
        if getattr(event, "tag", None) is not None:  # only an explicit tag sets it
            raise InputError(f"{source} line {line}: YAML tags (!…) are not allowed in a record")
        if kind in ("MappingStartEvent", "SequenceStartEvent"):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(f"{source} line {line}: nested more than {MAX_DEPTH} levels deep")
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            depth -= 1
        elif kind == "ScalarEvent" and event.style is None and len(event.value) > MAX_DIGITS \
                and _NUMBER.fullmatch(event.value):
            raise InputError(f"{source} line {line}: a number has more than {MAX_DIGITS} digits; write an "
                             "identifier as text (in quotes)")


def _yaml_problem(exc: Any) -> str:
    """The parser's reason and line, in words for a person editing the file."""
    mark = exc.problem_mark or exc.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = (exc.problem or exc.context or "").strip()
    if "\\t" in problem or "tab" in problem:
        problem = "a tab is used for indentation; indent with spaces"
    elif "duplicate key" in problem or "found duplicate key" in str(exc):
        problem = "a key appears twice in one mapping"
    return f"{where}{problem}" if problem else f"{where}cannot be read"


def _plain(value: Any, path: tuple[Any, ...], lines: dict[str, int], source: str) -> Any:
    """ruamel's round-trip objects as JSON's types, recording each mapping key's and list item's line."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                where = value.lc.key(key)[0] + 1 if hasattr(value, "lc") else None
                at = f" line {where}" if where else ""
                raise InputError(f"{source}{at}: a key is not text (a number, a date or true/false); "
                                 "write keys as words")
            here = (*path, key)
            position = value.lc.key(key) if hasattr(value, "lc") else None
            if position is not None:
                lines[format_path(here)] = position[0] + 1
            out[key] = _plain(item, here, lines, source)
        return out
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            here = (*path, index)
            position = value.lc.item(index) if hasattr(value, "lc") else None
            if position is not None:
                lines[format_path(here)] = position[0] + 1
            items.append(_plain(item, here, lines, source))
        return items
    if isinstance(value, str):
        return str(value)  # ruamel's scalar string subclasses, as plain text
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)
