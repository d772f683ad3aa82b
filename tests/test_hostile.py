"""The hostile-template corpus (issue 14, "Tests that count"): every payload in
tests/hostile/templates.py, rendered as a school's template with the example record, ends
within a time bound with either one clean TemplateError or a document whose XML parts all
parse and which holds no Python repr and no environment variable; `templates check` never
says ok for a payload that render refuses.

The render clock is lowered to 2 s (20 s in use), as tests/engine/test_bounds.py does, so the
payloads the step and size budgets do not stop first still end quickly.
"""

from __future__ import annotations

import importlib.util
import io
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, make_template, run_cli
from lxml import etree

import docgen
from docgen.engine import sandbox
from docgen.errors import TemplateError

_spec = importlib.util.spec_from_file_location("hostile_templates", ROOT / "tests" / "hostile" / "templates.py")
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)
PAYLOADS = corpus.PAYLOADS

SECRET = "hostile-sentinel-7f3a9c"  # the value of $DOCGEN_HOSTILE_SECRET while these tests run
SECONDS = 10.0  # each payload, measured; the clock is 2 s, so this leaves room on a slow machine
REPRS = ("object at 0x", "<function", "<class", "<built-in", "<bound method", "<generator", "<module",
         "<TemplateReference", "<LoopContext", "<Macro", "<Namespace", "<jinja2.", "Undefined")
# A parser that never reads a DTD or an entity, as Word would not be asked to either.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)

assert len(PAYLOADS) >= 60


@pytest.fixture
def hostile_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(corpus.SECRET_VAR, SECRET)
    monkeypatch.setattr(sandbox, "MAX_RENDER_SECONDS", 2.0)


def _no_leak(text: str, where: str) -> None:
    assert SECRET not in text, f"the environment variable's value reached {where}"
    for marker in REPRS:
        assert marker not in text, f"a Python repr ({marker!r}) reached {where}: {text[:500]!r}"


def _check_document(data: bytes) -> None:
    """Every XML part parses, and no part (as text or as markup) holds a repr or the secret."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        assert "word/document.xml" in names
        for name in names:
            raw = package.read(name)
            if not (name.endswith(".xml") or name.endswith(".rels")):
                continue
            root = etree.fromstring(raw, PARSER)  # raises on anything that is not well-formed XML
            assert root.getroottree().docinfo.doctype == "", f"{name} has a DOCTYPE"
            _no_leak("".join(root.itertext()), name)
            _no_leak(raw.decode("utf-8"), name)


def _render(tmp_path: Path, payload, record: dict) -> tuple[bytes | None, TemplateError | None, float]:
    template = make_template(tmp_path / "tpl", payload.body, front=payload.front)
    start = time.monotonic()
    try:
        data: bytes | None = docgen.render(record, template=template)
        error = None
    except TemplateError as exc:  # anything else (RecursionError, MemoryError, ...) fails the test
        data, error = None, exc
    return data, error, time.monotonic() - start


def _params():
    for p in PAYLOADS:
        marks = []
        if p.known_defect:
            marks.append(pytest.mark.xfail(
                raises=getattr(__import__("builtins"), p.known_defect), strict=True,
                reason=f"issue 14: a {p.known_defect} escapes docgen.render instead of a TemplateError"))
        yield pytest.param(p, id=p.id, marks=marks)


@pytest.mark.parametrize("payload", list(_params()))
def test_a_hostile_template_ends_quickly_and_cleanly(tmp_path: Path, nb_record: dict, payload,
                                                     hostile_env: None) -> None:
    data, error, seconds = _render(tmp_path, payload, nb_record)
    assert seconds < SECONDS, f"{payload.id} took {seconds:.1f} s"
    if error is not None:
        message = str(error)
        _no_leak(message, "the error message")
        assert "Traceback" not in message and "MemoryError" not in message and "RecursionError" not in message
        assert "internal error" not in message
        return
    assert not payload.refuse, f"{payload.id} ({payload.attacks}) rendered a document"
    assert data is not None
    _check_document(data)


def test_the_corpus_is_not_toothless(tmp_path: Path, hostile_env: None) -> None:
    """Outside the sandbox the environment payloads do print the sentinel."""
    import jinja2

    for pid in ("cycler-globals-env", "attr-format-env", "str-format-env"):
        text = jinja2.Environment().from_string(corpus.BY_ID[pid].body).render()
        assert SECRET in text, pid


def test_a_sound_template_passes_the_same_checks(tmp_path: Path, nb_record: dict, hostile_env: None) -> None:
    """The document checks themselves accept an ordinary template (so they fail for the payload)."""
    template = make_template(tmp_path, "Hei {{ case.pupil.name }} {{ measures|length }}",
                             front="header: {{ school.name }}\nfooter: {{ case.reference }}\n")
    _check_document(docgen.render(nb_record, template=template))


def test_xml_in_record_values_stays_text(tmp_path: Path, nb_record: dict, hostile_env: None) -> None:
    """XML injection through the record's fields: printed as text, never as markup."""
    injected = "</w:t></w:r></w:p><w:p><w:r><w:t>INJ]]>&amp;<!DOCTYPE x>"
    nb_record["case"]["pupil"]["name"] = injected
    template = make_template(tmp_path, "Hei {{ case.pupil.name }} {{ case.pupil.name|upper }}",
                             front="header: {{ case.pupil.name }}\ntitle: {{ case.pupil.name }}\n")
    try:
        data = docgen.render(nb_record, template=template)
    except docgen.DocgenError as exc:
        assert injected not in str(exc)
        return
    _check_document(data)
    document = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"), PARSER)
    assert injected in "".join(document.itertext())


# ---------------------------------------------------------------- templates check, for a sample

# Payloads render refuses; `templates check` must never call one of them ok.
CHECK_SAMPLE = ["nested-string-loops", "self-recursive-macro", "str-repeat", "percent-widths", "attr-format-env",
                "str-format-env", "cycler-globals-env", "autoescape-false", "include-self", "too-many-tags",
                "doubled-lists-string", "header-escape"]


@pytest.mark.parametrize("pid", CHECK_SAMPLE)
def test_templates_check_never_says_ok_for_a_refused_payload(tmp_path: Path, nb_record: dict, pid: str,
                                                             hostile_env: None) -> None:
    payload = corpus.BY_ID[pid]
    data, error, _ = _render(tmp_path, payload, nb_record)
    assert error is not None, f"{pid} was expected to be refused by render"
    template = make_template(tmp_path / "check", payload.body, front=payload.front)
    start = time.monotonic()
    result = run_cli("templates", "check", template, "--type", "activity_plan",
                     env={corpus.SECRET_VAR: SECRET})
    assert time.monotonic() - start < SECONDS
    output = result.output + result.stderr
    assert result.exit_code == 1, output
    assert ": ok" not in output
    assert "Traceback" not in output and "internal error" not in output
    _no_leak(output, "the output of templates check")
