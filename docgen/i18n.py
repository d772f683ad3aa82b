"""Messages in the school's language.

Messages are written in English where they are made (validation rules, parser
errors, field descriptions) and translated where they are shown, when the
reader's language is known: the record's `lang`, else the school profile's.
A catalog per language (docgen/locale/<lang>.json) maps each English message
to its translation; `{name}` marks a part that varies (a number, a field
name), which the translation places where its grammar wants it. A message
with no entry is shown in English, so a missing translation never hides a
problem.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files

_FIELD = re.compile(r"\{([a-z_]+)\}")
# Names that always stand for a number: matching only digits keeps "{file} line {n}" from
# swallowing the rest of a longer message.
_NUMBERS = frozenset({"n", "count", "max", "line", "column"})
_NUMBER = r"-?\d+(?:\.\d+)?"


def _pattern(key: str) -> re.Pattern[str]:
    """'more than {n} weeks after {n}' -> a regex with one named group per name (repeats must agree)."""
    out, seen, last = [], set(), 0
    for m in _FIELD.finditer(key):
        out.append(re.escape(key[last : m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>{_NUMBER if name in _NUMBERS else '.+?'})")
        seen.add(name)
        last = m.end()
    out.append(re.escape(key[last:]))
    return re.compile("".join(out), re.S)


@lru_cache(maxsize=4)
def _catalog(lang: str) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    try:
        raw: dict[str, str] = json.loads(files(__package__).joinpath("locale", f"{lang}.json").read_text("utf-8"))
    except FileNotFoundError:
        return {}, []
    exact = {key: value for key, value in raw.items() if not _FIELD.search(key)}
    patterns = [(_pattern(key), value) for key, value in raw.items() if _FIELD.search(key)]
    # Longest first, so a specific message wins over a general one that also matches.
    patterns.sort(key=lambda item: -len(item[0].pattern))
    return exact, patterns


def translate(text: str, lang: str | None) -> str:
    """`text` in `lang` (or the language $DOCGEN_MESSAGES chooses) when the catalog knows it,
    else unchanged."""
    from .settings import messages_language

    return in_language(text, messages_language() or lang)


def in_language(text: str, lang: str | None) -> str:
    """`text` in `lang` when the catalog knows it, else unchanged, whatever $DOCGEN_MESSAGES says:
    for words that are part of what a command makes (a case's timeline, a calendar), written in the
    school's language, not messages to the person at the keyboard."""
    if not lang or lang == "en":
        return text
    exact, patterns = _catalog(lang)
    found = exact.get(text)
    if found is not None:
        return found
    for pattern, translation in patterns:
        m = pattern.fullmatch(text)
        if m:
            return _fill(translation, m.groupdict())
    return text


def _fill(translation: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda f: values.get(f.group(1), f.group(0)), translation)


def translate_lines(text: str, lang: str | None) -> str:
    """A message of several lines ("head:\\n  path: message"), each part translated on its own."""
    lines = []
    for line in text.split("\n"):
        indent = line[: len(line) - len(line.lstrip())]
        lines.append(indent + translate_issue(line.strip(), lang))
    return "\n".join(lines)


def translate_issue(text: str, lang: str | None) -> str:
    """'where: message' with the message translated: `where` is a field path (kept as the record
    has it), a file name, or a place in a template whose fixed words are translated."""
    whole = translate(text, lang)
    if whole != text:
        return whole
    start = 0
    while (i := text.find(": ", start)) != -1:
        head, tail = text[:i], text[i + 2 :]
        said = translate_issue(tail, lang)
        if said != tail:
            return f"{_where(head, lang)}: {said}"
        start = i + 2
    return text


def _where(head: str, lang: str | None) -> str:
    """'plan.docx, the document body, near "…"': the parts the catalog knows, translated."""
    return ", ".join(translate(part, lang) for part in head.split(", "))
