"""Records as YAML as well as JSON: the same record either way, errors with file and line, and
nothing but plain data accepted (no tags, anchors, aliases, tabs, duplicate keys)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import docgen
from docgen.errors import InputError
from docgen.sources import read

from conftest import EXAMPLES, assert_clean_error, run_cli


def to_yaml(record: dict) -> str:
    out = io.StringIO()
    yaml = YAML()
    yaml.width = 4096
    yaml.dump(record, out)
    return out.getvalue()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_yaml_and_json_forms_of_every_example_render_the_same_bytes(path: Path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    text = to_yaml(record)
    assert read(text, "x.yaml").data == record
    assert docgen.render(text, type=None) == docgen.render(path.read_bytes())


def test_yaml_keeps_multi_line_text_and_comments_out() -> None:
    source = read("# a comment\ntype: concern_receipt\nmessage: |\n  Første linje.\n  Andre linje.\n", "r.yaml")
    assert source.data == {"type": "concern_receipt", "message": "Første linje.\nAndre linje.\n"}
    assert source.line("message") == 3


def test_dates_stay_text_so_a_wrong_date_gets_the_models_message_and_its_line(tmp_path: Path) -> None:
    record = to_yaml(json.loads((EXAMPLES[0]).read_text(encoding="utf-8")))
    record = record.replace("document_date: '", "document_date: '2026-02-30' #", 1)
    path = tmp_path / "plan.yaml"
    path.write_text(record, encoding="utf-8")
    line = next(n for n, text in enumerate(record.splitlines(), 1) if text.startswith("document_date"))
    result = run_cli("validate", path)
    assert result.exit_code == 1
    assert f"line {line}, document_date: " in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text, expect",
    [
        ("a:\n\tb: 1\n", "line 2, column 1: a tab is used for indentation; indent with spaces"),
        ("a: 1\na: 2\n", "a key appears twice in one mapping"),
        ('a: &a ["lol", "lol"]\nb: &b [*a, *a]\nc: &c [*b, *b]\n', "line 1: YAML anchors and aliases"),
        ('a: !!python/object/apply:os.system ["true"]\n', "line 1: YAML tags (!…) are not allowed"),
        ("a: [1, 2\n", "not valid YAML: line 2"),
        ("- just\n- a list\n", "a record must be a YAML mapping (key: value lines), not a list"),
        ("# only a comment\n", "the file holds no record (it is empty, or only comments)"),
        ("[" * 100 + "]" * 100 + "\n", "nested more than 64 levels deep"),
        ("1: one\n", "line 1: a key is not text"),
    ],
)
def test_bad_yaml_is_one_clear_message_with_the_line(text: str, expect: str) -> None:
    with pytest.raises(InputError) as info:
        read(text, "r.yaml")
    assert expect in str(info.value) and str(info.value).startswith("r.yaml")


def test_a_billion_laughs_file_is_refused_before_anything_is_built(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "x.docx"
    result = run_cli("render", path, "-o", out)
    assert_clean_error(result, "anchors and aliases")
    assert not out.exists()


def test_a_json_lines_line_is_json_even_without_braces() -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        read("not json at all", "cases.jsonl:3")


def test_standard_input_is_read_as_yaml_or_json_by_its_first_character() -> None:
    assert read('{"a": 1}', "<stdin>").data == {"a": 1}
    assert read("a: 1\n", "<stdin>").data == {"a": 1}
