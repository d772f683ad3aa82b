"""Input limits (issue 14): what no record holds is a clean error, never a traceback or "internal
error"; no record value reaches a message; control characters never reach the terminal."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import docgen
from docgen.errors import DocgenError, InputError
from docgen.messages import format_path, printable
from docgen.profile import load_profile, read_logo
from docgen.records import MAX_ISSUES
from docgen.sources import parse_json

from conftest import ROOT, assert_clean_error, failed, load_example, ok, run_cli

DEEP = 5000
BIG = "9" * 5000  # Python will not even print an int of 4,301 digits


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def record_text(**extra: Any) -> str:
    return json.dumps({**load_example("activity_plan.nb.json"), **extra}, ensure_ascii=False)


def good_file(tmp_path: Path) -> Path:
    return write(tmp_path / "good.json", record_text())


def validate_then_good(tmp_path: Path, bad: Path) -> str:
    """`docgen validate BAD GOOD`: BAD is one clean error, GOOD is still checked."""
    result = run_cli("validate", bad, good_file(tmp_path))
    failed(result)
    assert "internal error" not in result.stderr
    assert f"{tmp_path / 'good.json'}: ok" in result.stdout, result.stderr
    return result.stderr


# ---------------------------------------------------------------- uncaught errors, now clean


@pytest.mark.parametrize("text", [
    "[" * DEEP + "]" * DEEP,
    '{"type": "activity_plan", "a": ' + "[" * DEEP + "]" * DEEP + "}",
    '{"type": "activity_plan", "a": ' + '{"b": ' * DEEP + "1" + "}" * DEEP + "}",
    '{"type": "activity_plan", "a": ' + "[" * 100 + "]" * 100 + "}",  # under the parser's limit, over ours
])
def test_deep_json_is_a_clean_error_and_the_next_file_is_checked(tmp_path: Path, text: str) -> None:
    stderr = validate_then_good(tmp_path, write(tmp_path / "deep.json", text))
    assert "nested" in stderr


def test_deep_yaml_is_a_clean_error(tmp_path: Path) -> None:
    stderr = validate_then_good(tmp_path, write(tmp_path / "deep.yaml", "a: " + "[" * DEEP + "]" * DEEP + "\n"))
    assert "nested more than" in stderr


@pytest.mark.parametrize("name, text", [
    ("big.json", '{"type": "activity_plan", "custom": {"n": ' + BIG + "}}"),
    ("big.yaml", "type: activity_plan\ncustom:\n  n: " + BIG + "\n"),
    ("negative.json", '{"type": "activity_plan", "n": -' + BIG + "}"),
    ("float.json", '{"type": "activity_plan", "n": 0.' + BIG + "}"),
    ("huge.json", '{"type": "activity_plan", "n": 1e999}'),
    ("nan.json", '{"type": "activity_plan", "n": NaN}'),
    ("inf.json", '{"type": "activity_plan", "n": -Infinity}'),
    ("inf.yaml", "type: activity_plan\ncustom:\n  n: .inf\n"),
    ("nan.yaml", "type: activity_plan\ncustom:\n  n: .nan\n"),
])
def test_numbers_no_record_holds_are_a_clean_error(tmp_path: Path, name: str, text: str) -> None:
    stderr = validate_then_good(tmp_path, write(tmp_path / name, text))
    assert "number" in stderr


def test_the_api_refuses_deep_and_huge_values_in_a_dict() -> None:
    record = load_example("activity_plan.nb.json")
    deep: Any = []
    for _ in range(DEEP):
        deep = [deep]
    for bad in ({**record, "custom": {"n": int(BIG[:4000]) ** 2}}, {**record, "custom": {"n": float("nan")}},
                {**record, "extra": deep}):
        with pytest.raises(InputError):
            docgen.validate(bad)
        with pytest.raises(InputError):
            docgen.render(bad)
    with pytest.raises(InputError, match="nested"):
        docgen.validate({**record, "case": {**record["case"], "pupil": {"name": deep}}})


def test_a_deep_toml_profile_is_a_clean_error(tmp_path: Path) -> None:
    profile = write(tmp_path / "school.toml", 'language = "nb"\nx = ' + "[" * DEEP + "]" * DEEP + "\n")
    result = run_cli("validate", good_file(tmp_path), "--profile", profile)
    assert_clean_error(result, "nested more than 64 levels deep", profile)
    shallow = write(tmp_path / "shallow.toml", 'language = "nb"\nx = ' + "[" * 80 + "]" * 80 + "\n")
    with pytest.raises(InputError, match="nested"):
        load_profile(shallow)


@pytest.mark.parametrize("pattern, name", [
    ("{document_date:%Y}", "2026.docx"),
    ("{document_date:%Y-%m}-{n:03d}", "2026-"),
    ("{type}-{name:.3}", "activity_plan-"),
])
def test_batch_name_patterns_may_format_dates_and_numbers(tmp_path: Path, pattern: str, name: str) -> None:
    source = write(tmp_path / "cases.jsonl", record_text().replace("\n", " ") + "\n")
    result = run_cli("batch", source, "-o", tmp_path / "out", "--name", pattern)
    ok(result)
    written = [p.name for p in (tmp_path / "out").glob("*.docx")]
    assert len(written) == 1 and written[0].startswith(name.removesuffix(".docx")), written


@pytest.mark.parametrize("pattern", ["{n:q}", "{document_date:%999999Y}", "{n:>99999}"])
def test_a_name_pattern_with_a_bad_format_is_refused_before_any_record(tmp_path: Path, pattern: str) -> None:
    source = write(tmp_path / "cases.jsonl", record_text().replace("\n", " ") + "\n")
    assert_clean_error(run_cli("batch", source, "-o", tmp_path / "out", "--name", pattern), "name pattern")


def test_a_format_that_does_not_fit_the_records_field_fails_that_record_cleanly(tmp_path: Path) -> None:
    source = write(tmp_path / "cases.jsonl", record_text().replace("\n", " ") + "\n")
    result = run_cli("batch", source, "-o", tmp_path / "out", "--name", "{name:%Y}-{n}")
    failed(result)
    report = (tmp_path / "out" / "docgen-errors.jsonl").read_text(encoding="utf-8")
    assert "is not a date in this record" in report and "internal error" not in report


# ---------------------------------------------------------------- the school profile


def test_custom_number_fields_refuse_nan_and_infinity() -> None:
    from docgen.profile import Profile

    profile = Profile.model_validate({"fields": {"antall": {"description": "Antall", "kind": "number"}}})
    for value in (float("nan"), float("inf"), -float("inf")):
        assert [i.message for i in profile.check_custom({"antall": value})] == ["must be a number"]
    assert not list(profile.check_custom({"antall": 3.5}))


@pytest.mark.parametrize("name", ["items", "keys", "values", "get", "update", "pop"])
def test_custom_field_names_that_shadow_dict_methods_are_refused(tmp_path: Path, name: str) -> None:
    profile = write(tmp_path / "school.toml", f'[fields.{name}]\ndescription = "x"\n')
    with pytest.raises(InputError, match=f"field name '{name}' is taken"):
        load_profile(profile)


def test_the_logo_must_be_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="regular file"):
        read_logo(Path("/dev/zero"))
    fifo = tmp_path / "logo.png"
    os.mkfifo(fifo)
    outcome: list[BaseException | bytes] = []

    def read() -> None:
        try:
            outcome.append(read_logo(fifo))
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading a FIFO as the logo blocks"
    assert isinstance(outcome[0], InputError) and "regular file" in str(outcome[0])
    big = write(tmp_path / "big.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024))
    with pytest.raises(InputError, match="larger than 2 MB"):
        read_logo(big)
    assert read_logo(ROOT / "examples" / "profile" / "logo.png")[:4] == b"\x89PNG"


def test_a_profile_whose_logo_is_a_device_is_a_clean_error(tmp_path: Path) -> None:
    profile = write(tmp_path / "school.toml", 'language = "nb"\nlogo = "/dev/zero"\n')
    result = run_cli("render", good_file(tmp_path), "--profile", profile, "-o", tmp_path / "out.docx")
    assert_clean_error(result, "regular file")


def test_a_profile_that_is_not_a_regular_file_is_a_clean_error(tmp_path: Path) -> None:
    assert_clean_error(run_cli("validate", good_file(tmp_path), "--profile", "/dev/zero"), "regular file")


# ---------------------------------------------------------------- how much is reported


def test_at_most_max_issues_are_reported_and_many_unknown_keys_are_quick(tmp_path: Path) -> None:
    record = load_example("activity_plan.nb.json")
    start = time.monotonic()
    report = docgen.validate({**record, **{f"unknown_{i}": 1 for i in range(60_000)}})
    assert time.monotonic() - start < 10
    assert len(report.errors) == MAX_ISSUES + 1
    assert report.errors[-1].message == f"and {60_000 - MAX_ISSUES} more errors not shown"
    few = docgen.validate({**record, "lnag": 1})
    assert "did you mean 'lang'" in few.errors[0].message


# ---------------------------------------------------------------- no record value in a message

MARK = "Tiril Secret"
CONTROL = "\x1b[31m\x07\x9b\u202e"


def marked(text: str) -> bool:
    lowered = text.lower()
    return "tiril" in lowered or "secret" in lowered


def no_control(text: str) -> bool:
    return not any((ord(c) < 32 and c not in "\n") or 0x7f <= ord(c) <= 0x9f or c == "\u202e" for c in text)


_PLACES: list[tuple[str, ...]] = [
    ("type",), ("lang",), ("document_date",), ("case",), ("case", "pupil"), ("case", "pupil", "name"),
    ("measures",), ("measures", 0), ("measures", 0, "evaluation_date"), ("school",), ("custom",), ("signatory",),
]
_VALUES = [MARK, {MARK: MARK}, [MARK], MARK + CONTROL, MARK * 50, {"name": MARK}]


def _set(record: dict[str, Any], place: tuple[Any, ...], value: Any) -> None:
    target: Any = record
    for part in place[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(target, dict) or (isinstance(target, list) and isinstance(place[-1], int)
                                    and place[-1] < len(target)):
        target[place[-1]] = copy.deepcopy(value)


def _add_key(record: dict[str, Any], place: tuple[Any, ...], key: str) -> None:
    target: Any = record
    for part in place:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(target, dict):
        target[key] = MARK


mutation = st.one_of(
    st.tuples(st.just("value"), st.sampled_from(_PLACES), st.sampled_from(_VALUES)),
    st.tuples(st.just("key"), st.sampled_from([(), ("case",), ("case", "pupil"), ("custom",), ("measures", 0)]),
              st.sampled_from([MARK, MARK + CONTROL, CONTROL + MARK, MARK * 100, "tiril-secret", "Tiril.Secret"])),
)


def hostile(mutations: list[tuple[str, tuple[Any, ...], Any]]) -> dict[str, Any]:
    record = copy.deepcopy(load_example("activity_plan.nb.json"))
    for kind, place, value in mutations:
        (_set if kind == "value" else _add_key)(record, place, value)
    return record


def with_duplicate(text: str) -> str:
    """The JSON text with a key (the marker) twice in the top object."""
    return text.replace("{", '{"' + MARK + '": 1, "' + MARK + '": 2, ', 1)


def messages_of(report: docgen.Report) -> str:
    return "\n".join(f"{i.path} {i.message} {i.file or ''}" for i in report.issues)


def api_output(record: dict[str, Any] | str) -> str:
    try:
        return messages_of(docgen.validate(record))
    except DocgenError as exc:
        return str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mutation, min_size=1, max_size=4), st.booleans())
def test_no_record_value_reaches_a_message_of_the_api(mutations: list[Any], duplicate: bool) -> None:
    record = hostile(mutations)
    text = json.dumps(record, ensure_ascii=False)
    for said in (api_output(record), api_output(with_duplicate(text) if duplicate else text)):
        assert not marked(said), said
        assert no_control(said), said


@pytest.mark.parametrize("mutations", [
    [("value", ("type",), MARK + CONTROL)],
    [("value", ("type",), {MARK: MARK, "name": MARK})],
    [("value", ("type",), MARK * 20_000)],
    [("key", (), MARK + CONTROL), ("key", ("case", "pupil"), CONTROL + MARK)],
    [("value", ("document_date",), MARK), ("value", ("lang",), MARK), ("value", ("measures", 0), [MARK])],
    [("key", ("custom",), MARK), ("value", ("case", "pupil", "name"), {MARK: MARK})],
    [("key", (), MARK * 100), ("value", ("school",), MARK + CONTROL)],
])
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_no_record_value_reaches_the_terminal(tmp_path: Path, mutations: list[Any], suffix: str) -> None:
    text = json.dumps(hostile(mutations), ensure_ascii=False)
    files = [write(tmp_path / f"record{suffix}", text)]
    if suffix == ".json":
        files.append(write(tmp_path / "twice.json", with_duplicate(text)))
    result = run_cli("validate", *files, good_file(tmp_path))
    failed(result)
    said = result.stdout + result.stderr
    assert not marked(said), said
    assert no_control(said), repr(said)
    assert "internal error" not in said
    assert "good.json: ok" in result.stdout
    rendered = run_cli("render", files[0], "-o", tmp_path / "out.docx")
    failed(rendered)
    assert not marked(rendered.stderr) and no_control(rendered.stderr), rendered.stderr


def test_control_characters_in_a_file_name_never_reach_the_terminal(tmp_path: Path) -> None:
    bad = write(tmp_path / "a\x1b[2Jb.json", "{")
    said = run_cli("validate", bad).stderr
    assert "\x1b" not in said and "\\x1b" in said


def test_keys_that_look_like_field_names_are_still_shown() -> None:
    record = {**load_example("activity_plan.nb.json"), "lnag": "nb", "Tiril Secret": 1}
    paths = [i.path for i in docgen.validate(record).errors]
    assert "lnag" in paths and "<key>" in paths
    assert format_path(("case", "pupil", "x" * 41)) == "case.pupil." + "x" * 41
    assert format_path(("case", "x" * 42, 2)) == "case.<key>[2]"
    with pytest.raises(InputError, match="the key 'lnag' appears twice"):
        parse_json('{"lnag": 1, "lnag": 2}')


def test_printable_writes_control_characters_out() -> None:
    assert printable("a\x1b[31mb\x07\nc\x9b\u202e") == "a\\x1b[31mb\\x07\nc\\x9b\\u202e"
    assert printable("a\nb", multiline=False) == "a\\x0ab"
    assert printable("Åse – «ok»\tx") == "Åse – «ok»\\x09x"


# ---------------------------------------------------------------- over HTTP


def _post(path: str, body: bytes) -> tuple[int, str]:
    pytest.importorskip("fastapi")
    import httpx

    from docgen.server import create_app

    async def go() -> tuple[int, str]:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post(path, content=body, headers={"content-type": "application/json"})
            return response.status_code, response.text

    return asyncio.run(go())


@pytest.mark.parametrize("body, status", [
    ("[" * DEEP + "]" * DEEP, 400),
    ('{"type": "activity_plan", "n": ' + BIG + "}", 400),
    ('{"type": "activity_plan", "n": NaN}', 400),
    (json.dumps({**load_example("activity_plan.nb.json"), "type": {"name": MARK, "x": [MARK]}}), 422),
    (json.dumps({**load_example("activity_plan.nb.json"), "type": MARK + CONTROL}), 422),
    (with_duplicate(record_text()), 400),
    (json.dumps({**load_example("activity_plan.nb.json"), MARK: MARK, "case": {MARK + CONTROL: 1}}), 200),
])
@pytest.mark.parametrize("route", ["/validate/activity_plan", "/documents/activity_plan"])
def test_http_answers_bad_input_cleanly_without_its_values(body: str, status: int, route: str) -> None:
    code, text = _post(route, body.encode("utf-8"))
    expected = 422 if status == 200 and route.startswith("/documents") else status
    assert code == expected, text
    assert not marked(text), text
    assert "\\u001b" not in text and "Internal" not in text
