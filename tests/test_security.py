"""Templates are untrusted: hostile ones fail cleanly and never execute, broken files are refused,
and record values always print as plain text.

Every hostile template goes through the real command line (`docgen render … --template T` and
`docgen templates check T`): exit 1, one "docgen: error:" line, no traceback, no output file, no
leftover temporary file, and the marker file the payload tries to create never appears.
"""

from __future__ import annotations

import copy
import io
import json
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import NamedTuple

import jinja2
import pytest
from click.testing import CliRunner, Result

from docgen.cli import cli

from conftest import ROOT, all_text, load_example, make_template, open_docx

NB = ROOT / "examples" / "activity_plan.nb.json"
SANDBOX = "blocked by the sandbox"
TOO_LARGE = "too large for a document"
FAILED = "an expression failed while rendering"


# ---------------------------------------------------------------- helpers


def docgen(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def assert_clean_error(result: Result, expect: str = "", path: Path | None = None) -> None:
    """Exit 1, nothing on stdout, only "docgen: error:" lines on stderr, no traceback.

    `expect` must be in the message; with `path`, the message names that file, and `expect`
    is looked for in the rest (so a word in the test's folder name cannot match it).
    """
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output  # an unexpected exception inside docgen
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines, "no message at all"
    assert all(line.startswith("docgen: error: ") for line in lines), result.stderr
    message = result.stderr
    if path is not None:
        assert str(path) in message  # the message names the file the school must fix
        message = message.replace(str(path), "<template>")
    assert expect in message, result.stderr


def assert_usage_error(result: Result, expect: str) -> None:
    """click rejected an argument before docgen ran: exit 2 and its usage message."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Usage: ")
    assert "Error: Invalid value for" in result.stderr and expect in result.stderr


def render_refused(template: Path, out_dir: Path, expect: str = "", marker: Path | None = None) -> Result:
    """`docgen render` of the example record with `template` fails cleanly and writes nothing."""
    out_dir.mkdir(exist_ok=True)
    out = out_dir / "plan.docx"
    result = docgen("render", NB, "--template", template, "-o", out)
    assert marker is None or not marker.exists(), "the payload ran"
    assert_clean_error(result, expect, template)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert not out.exists()
    assert sorted(out_dir.iterdir()) == []  # not even a hidden .part file
    return result


def check_refused(template: Path, expect: str = "", marker: Path | None = None) -> Result:
    """`docgen templates check` reports the template as broken."""
    result = docgen("templates", "check", template, "--type", "activity_plan")
    assert marker is None or not marker.exists(), "the payload ran"
    assert_clean_error(result, expect, template)
    assert ": ok" not in result.output
    return result


def docgen_process(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real `python -m docgen`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "docgen", *(str(a) for a in args)],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


# ---------------------------------------------------------------- 1. template injection


class Payload(NamedTuple):
    id: str
    source: str  # template text; {marker} becomes the path the payload tries to create
    expect: str  # part of the error message
    live: bool = False  # creates {marker} when rendered by plain, unsandboxed Jinja


TOUCH = "popen('touch {marker}').read()"

PAYLOADS = [
    # Walking from a literal to every class in the interpreter.
    Payload("mro-subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}", SANDBOX),
    Payload("base-subclasses", "{{ ''.__class__.__base__.__subclasses__() }}", SANDBOX),
    Payload("int-subclasses", "{{ (1).__class__.__base__.__subclasses__() }}", SANDBOX),
    Payload("dict-class", "{{ dict.__class__ }}", SANDBOX),
    Payload(
        "subclasses-loop",
        "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
        "{{ c()._module.__builtins__['__import__']('os')." + TOUCH + " }}{% endif %}{% endfor %}",
        SANDBOX, live=True,
    ),
    # Jinja's own globals lead to modules that import os.
    Payload("cycler-popen", "{{ cycler.__init__.__globals__.os." + TOUCH + " }}", SANDBOX, live=True),
    Payload("joiner-popen", "{{ joiner.__init__.__globals__.os." + TOUCH + " }}", SANDBOX, live=True),
    Payload("namespace-system", "{{ namespace.__init__.__globals__.os.system('touch {marker}') }}", SANDBOX, live=True),
    Payload("lipsum-popen", "{{ lipsum.__globals__.os." + TOUCH + " }}", "unknown field 'lipsum'", live=True),
    Payload("range-self", "{{ range.__self__ }}", "unknown field '__self__'"),
    Payload("range-globals", "{{ range.__globals__.__builtins__.__import__('os')." + TOUCH + " }}", SANDBOX),
    # The template's own runtime objects.
    Payload(
        "self-context",
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os." + TOUCH + " }}",
        SANDBOX, live=True,
    ),
    Payload(
        "self-open",
        "{{ self.__init__.__globals__.__builtins__.open('{marker}', 'w').write('x') }}",
        SANDBOX, live=True,
    ),
    Payload("self-dict", "{{ self.__dict__ }}", SANDBOX),
    # Flask-style names, which do not exist here.
    Payload("config-items", "{{ config.items() }}", "unknown field 'config'"),
    Payload(
        "config-globals",
        "{{ config.__class__.__init__.__globals__['os']." + TOUCH + " }}",
        SANDBOX,  # `config` is undefined, and even the undefined value's __class__ is off limits
    ),
    Payload(
        "request-application",
        "{{ request.application.__globals__.__builtins__.__import__('os')." + TOUCH + " }}",
        "unknown field 'request'",
    ),
    Payload("url-for", "{{ url_for.__globals__.os." + TOUCH + " }}", "unknown field 'url_for'"),
    # Getting the dunder name past a filter on the attribute syntax.
    Payload("attr-filter", "{{ ''|attr('__class__') }}", SANDBOX),
    # A second hop on the blocked (undefined) value reports the name it could not find.
    Payload("attr-chain", "{{ ''|attr('__class__')|attr('__mro__') }}", "unknown field '__mro__'"),
    Payload("attr-hex-escape", "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", SANDBOX),
    Payload("attr-joined-name", "{{ ()|attr(['_' * 2, 'class', '_' * 2]|join) }}", SANDBOX),
    Payload(
        "attr-popen",
        "{{ (cycler|attr('__init__')|attr('__globals__'))['os']." + TOUCH + " }}",
        "unknown field '__globals__'", live=True,
    ),
    Payload("subscript-dunder", "{{ case['__class__'] }}", SANDBOX),
    # String formatting reaches attributes without the attribute syntax.
    Payload("str-format", "{{ '{0.__class__.__init__.__globals__}'.format(cycler) }}", SANDBOX),
    Payload("str-format-map", "{{ '{x.__class__}'.format_map({'x': case}) }}", SANDBOX),
    Payload("percent-format", "{{ '%s'|format(case.__class__) }}", SANDBOX),
    Payload("percent-format-named", "{{ '%(a)s'|format(a=cycler.__init__) }}", SANDBOX),
    # Record values are Python objects too.
    Payload("record-getitem", "{{ case.pupil.__getitem__('name') }}", SANDBOX),
    Payload("record-value-class", "{{ case.pupil.name.__class__.__mro__[1].__subclasses__() }}", SANDBOX),
    # The sandbox is immutable: the record cannot be changed under the other parts.
    Payload("immutable-update", "{% set x = case.update({'a': 1}) %}", SANDBOX),
    Payload("immutable-append", "{{ measures.append(1) }}", SANDBOX),
    Payload("immutable-pop", "{% set x = case.pupil.pop('name') %}", SANDBOX),
    # Loading other templates or files: there is no loader.
    Payload("include-file", "{% include '/etc/passwd' %}", FAILED),
    Payload("extends-file", "{% extends '/etc/passwd' %}", FAILED),
    Payload("import-os", "{% import 'os' as os %}{{ os." + TOUCH + " }}", FAILED),
    # Resource caps.
    Payload("str-repeat", "{{ 'a' * 100000000 }}", TOO_LARGE),
    Payload("list-repeat", "{{ [0] * 1000000 * 1000000 }}", TOO_LARGE),
    Payload("huge-power", "{{ 9 ** 999999 }}", TOO_LARGE),
    Payload("float-power", "{{ 2.0 ** 1e9 }}", TOO_LARGE),
    Payload("huge-range", "{% for i in range(10**9) %}x{% endfor %}", TOO_LARGE),
    Payload("recursion", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "the template nests too deeply"),
]
BY_ID = {p.id: p for p in PAYLOADS}
assert len(BY_ID) == len(PAYLOADS) >= 20

# Where the payload sits in the template, and how the error names that place.
PLACES = {
    "body": (lambda p: {"body": f"Hei {p}"}, "the document body"),
    "table": (lambda p: {"body": f"| Elev | {p} |"}, "the document body"),
    "footer": (lambda p: {"body": "Hei", "front": f"footer: Side {p}\n"}, "the page footer"),
    "header": (lambda p: {"body": "Hei", "front": f"header: {p}\n"}, "the page header"),
    "title": (lambda p: {"body": "Hei", "front": f"title: {p}\n"}, "the document property 'title'"),
}


def hostile_template(tmp_path: Path, payload: Payload, place: str = "body") -> tuple[Path, Path]:
    """The payload inside a school's template; returns the template and the marker it aims at."""
    marker = tmp_path / "pwned"
    layout, _ = PLACES[place]
    return make_template(tmp_path / "tpl", **layout(payload.source.replace("{marker}", str(marker)))), marker


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_render_refuses_template_injection(tmp_path: Path, payload: Payload, place: str) -> None:
    template, marker = hostile_template(tmp_path, payload, place)
    result = render_refused(template, tmp_path / "out", payload.expect, marker)
    assert PLACES[place][1] in result.stderr


# `templates check` first reads the template for names the record does not have, so some
# payloads are reported there, before the sandbox is ever reached.
CHECKED = {
    "mro-subclasses": SANDBOX,
    "subclasses-loop": SANDBOX,
    "cycler-popen": SANDBOX,
    "lipsum-popen": "unknown field 'lipsum'",
    "self-open": "unknown field 'self'",
    "config-items": "unknown field 'config'",
    "attr-popen": "unknown field '__globals__'",
    "str-format": SANDBOX,
    "immutable-update": "unknown field 'case.update'",
    "import-os": "unknown field 'os'",
    "str-repeat": TOO_LARGE,
    "recursion": "",
}


@pytest.mark.parametrize("payload_id", list(CHECKED))
def test_templates_check_refuses_template_injection(tmp_path: Path, payload_id: str) -> None:
    template, marker = hostile_template(tmp_path, BY_ID[payload_id])
    check_refused(template, CHECKED[payload_id], marker)


@pytest.mark.parametrize("payload_id", ["cycler-popen", "subclasses-loop", "self-open", "str-repeat"])
def test_real_process_refuses_template_injection(tmp_path: Path, payload_id: str) -> None:
    payload = BY_ID[payload_id]
    template, marker = hostile_template(tmp_path, payload, "footer")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    done = docgen_process("render", NB, "--template", template, "-o", out_dir / "plan.docx", cwd=out_dir)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("docgen: error: ") and done.stderr.count("\n") == 1, done.stderr
    assert payload.expect in done.stderr.replace(str(template), "<template>")
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""
    assert sorted(out_dir.iterdir()) == []
    assert not marker.exists()
    checked = docgen_process("templates", "check", template, "--type", "activity_plan", cwd=out_dir)
    assert checked.returncode == 1 and checked.stderr.startswith("docgen: error: ")
    assert "Traceback" not in checked.stderr
    assert not marker.exists()


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if p.live], ids=[p.id for p in PAYLOADS if p.live])
def test_live_payloads_do_run_without_the_sandbox(tmp_path: Path, payload: Payload) -> None:
    """The corpus is not toothless: in plain Jinja these payloads create the marker."""
    marker = tmp_path / "pwned"
    jinja2.Environment().from_string(payload.source.replace("{marker}", str(marker))).render()
    assert marker.exists()


# Each of these would build a string of 100+ million characters (or a 100-million-bit number);
# the sandbox's size budget refuses them all.
CAP_BYPASSES = {
    "center": "{{ 'a'.center(100000000)|length }}",
    "format-width": "{{ '{:>100000000}'.format(1)|length }}",
    "percent-width": "{{ '%100000000s'|format(1)|length }}",
    "join": "{{ range(100)|join('a' * 999999)|length }}",
    "replace": "{{ ('a' * 1000000)|replace('a', 'a' * 100)|length }}",
    "concat-doubling": "{% set ns = namespace(s='a' * 1000000) %}{% for i in range(7) %}"
                       "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "chained-power": "{{ (2 ** 100 ** 100 ** 100 ** 100).bit_length() }}",
}


@pytest.mark.parametrize("source", list(CAP_BYPASSES.values()), ids=list(CAP_BYPASSES))
def test_resource_caps_cannot_be_bypassed(tmp_path: Path, source: str) -> None:
    template = make_template(tmp_path / "tpl", f"Hei {source}")
    render_refused(template, tmp_path / "out", TOO_LARGE)


# The process gets 2 GB of address space and 5 s of CPU; a normal render needs a fraction of
# either. A hostile template must be refused within them, with the budget's own message.
MEMORY_LIMIT = 2 * 1024**3
CPU_SECONDS = 5


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def render_limited(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    template = make_template(tmp_path / "tpl", body)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "docgen", "render", NB, "--template", template, "-o", out_dir / "plan.docx"],
        capture_output=True, text=True, cwd=out_dir, timeout=120, preexec_fn=_limits,
    )
    if done.returncode:
        assert sorted(out_dir.iterdir()) == []
    return done


def test_the_limits_leave_room_for_a_normal_render(tmp_path: Path) -> None:
    """So the test below fails for the template, not for the limits."""
    done = render_limited(tmp_path, "{% for m in measures %}{{ m.name }} {{ 'x' * 999999 }}{% endfor %}")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("body", [
    pytest.param("{% for i in range(2000) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}", id="output-flood"),
    pytest.param("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", id="busy-loops"),
    pytest.param("{{ ('a' * 999999)|wordwrap(1)|length }}", id="wordwrap"),
])
def test_a_template_cannot_exhaust_memory_or_cpu(tmp_path: Path, body: str) -> None:
    done = render_limited(tmp_path, body)
    assert done.returncode == 1, f"killed by signal {-done.returncode}" if done.returncode < 0 else done.stderr
    assert done.stderr.startswith("docgen: error: ") and "Traceback" not in done.stderr
    assert "MemoryError" not in done.stderr  # the budget must stop it, not the operating system


# ---------------------------------------------------------------- 2. malformed template files


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buffer.getvalue()


def _patch_member(data: bytes, name: str, local_field: int, central_field: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of `name`'s local header and its central-directory entry."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        struct.pack_into(fmt, out, zf.getinfo(name).header_offset + local_field, value)
    pos = out.find(b"PK\x01\x02")
    while pos >= 0:
        length = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46 : pos + 46 + length] == name.encode():
            struct.pack_into(fmt, out, pos + central_field, value)
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{name} not in the central directory")


def _with_doctype(doctype: str, reference: str):
    def build(base: bytes) -> bytes:
        members = _members(base)
        xml = members["word/document.xml"]
        xml = xml.replace(b"?>", b"?>" + doctype.encode(), 1)
        xml = xml.replace(b"<w:body>", f"<w:body><w:p><w:r><w:t>{reference}</w:t></w:r></w:p>".encode(), 1)
        members["word/document.xml"] = xml
        return _zip(members)
    return build


BIG = 60 * 1024 * 1024  # more than the 50 MB a template may unpack to


def _zip_bomb(base: bytes) -> bytes:
    data = _zip({**_members(base), "word/media/padding.bin": bytes(BIG)})
    assert len(data) < 200_000  # a small file…
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 50 * 1024 * 1024  # …unpacking big
    return data


def _lying_zip_bomb(base: bytes) -> bytes:
    """The same bomb, but its directory claims the padding is 1 KB: the size check alone cannot see it."""
    data = _patch_member(_zip_bomb(base), "word/media/padding.bin", 22, 24, "<I", 1024)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) < 1024 * 1024
    return data


def _huge_part(base: bytes) -> bytes:
    members = _members(base)
    members["word/document.xml"] = members["word/document.xml"].replace(b"<w:body>", b"<w:body>" + b" " * (25 * 1024 * 1024))
    return _zip(members)


def _without_document(base: bytes) -> bytes:
    members = _members(base)
    del members["word/document.xml"]
    return _zip(members)


def _encrypted_member(base: bytes) -> bytes:
    """A zip whose document.xml has the 'encrypted' flag (zip's own password protection)."""
    return _patch_member(base, "word/document.xml", 6, 8, "<H", 0x1)


def _password_protected(base: bytes) -> bytes:
    """What Word writes for a .docx with a password: an OLE compound file, not a zip."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    directory = "EncryptionInfo".encode("utf-16-le").ljust(128, b"\0") + "EncryptedPackage".encode("utf-16-le").ljust(128, b"\0")
    return header + directory + bytes(4096 - 512 - len(directory)) + b"\x5a" * 4096


def _malformed_xml(base: bytes) -> bytes:
    members = _members(base)
    members["word/document.xml"] = members["word/document.xml"][:-40]
    return _zip(members)


_LAUGHS = "".join(
    f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' if i else '<!ENTITY l0 "ha">' for i in range(10)
)

MALFORMED = {
    # name: (build from a real template's bytes, the message)
    "not-a-zip": (lambda base: b"Dette er ikke et Word-dokument.\n" * 20, "not a Word document (.docx)"),
    "truncated": (lambda base: base[: len(base) // 2], "not a Word document (.docx)"),
    "empty": (lambda base: b"", "not a Word document (.docx)"),
    "password-protected": (_password_protected, "password-protected"),
    "zip-bomb": (_zip_bomb, "unpacks to more than 50 MB"),
    "zip-bomb-lying-size": (_lying_zip_bomb, "the file is damaged"),
    "huge-document-part": (_huge_part, "the part word/document.xml is larger than 20 MB"),
    "no-document-xml": (_without_document, "it has no word/document.xml"),
    "encrypted-zip-member": (_encrypted_member, "the file is encrypted"),
    "malformed-xml": (_malformed_xml, "word/document.xml is not well-formed XML"),
    "billion-laughs": (_with_doctype(f"<!DOCTYPE w:document [{_LAUGHS}]>", "&l9;"), "declares a DOCTYPE"),
}


@pytest.fixture
def base_template(tmp_path: Path) -> bytes:
    """A real, working template's bytes."""
    data = make_template(tmp_path / "base", "Hei {{ case.pupil.name }}").read_bytes()
    assert docgen("render", NB, "--template", tmp_path / "base" / "nb" / "custom.docx", "-o", tmp_path / "ok.docx").exit_code == 0
    return data


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_template_files_are_refused(tmp_path: Path, base_template: bytes, case: str) -> None:
    build, message = MALFORMED[case]
    template = tmp_path / "maler" / "activity_plan.docx"
    template.parent.mkdir()
    template.write_bytes(build(base_template))
    render_refused(template, tmp_path / "out", message)
    check_refused(template, message)


def test_a_folder_as_template_is_a_usage_error(tmp_path: Path) -> None:
    folder = tmp_path / "maler"
    folder.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert_usage_error(docgen("render", NB, "--template", folder, "-o", out_dir / "plan.docx"), "is a directory")
    assert sorted(out_dir.iterdir()) == []
    assert_usage_error(docgen("templates", "check", folder, "--type", "activity_plan"), "is a directory")


def test_real_process_refuses_a_zip_bomb(tmp_path: Path, base_template: bytes) -> None:
    template = tmp_path / "bomb.docx"
    template.write_bytes(_zip_bomb(base_template))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    done = docgen_process("render", NB, "--template", template, "-o", out_dir / "plan.docx", cwd=out_dir)
    assert done.returncode == 1
    assert done.stderr == f"docgen: error: {template}: the file unpacks to more than 50 MB; is it really a letter template?\n"
    assert sorted(out_dir.iterdir()) == []


def test_password_protected_file_says_so(tmp_path: Path, base_template: bytes) -> None:
    template = tmp_path / "activity_plan.docx"
    template.write_bytes(_password_protected(base_template))
    result = render_refused(template, tmp_path / "out")
    assert "password" in result.stderr.replace(str(template), "<template>")


ENTITY_TEXT = "HEMMELIG-7f3a9c"


def test_external_entities_are_never_read(tmp_path: Path, base_template: bytes) -> None:
    """XXE: a template cannot pull a local file into the letter (or into an error message)."""
    secret = tmp_path / "secret.txt"
    secret.write_text(ENTITY_TEXT)
    build = _with_doctype(f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "{secret.as_uri()}">]>', "&x;")
    template = tmp_path / "xxe.docx"
    template.write_bytes(build(base_template))
    out = tmp_path / "out.docx"
    result = docgen("render", NB, "--template", template, "-o", out)
    checked = docgen("templates", "check", template, "--type", "activity_plan")
    assert "Traceback" not in result.output + checked.output
    assert ENTITY_TEXT not in result.output + checked.output
    if out.exists():
        assert all(ENTITY_TEXT.encode() not in blob for blob in _members(out.read_bytes()).values())
    else:
        assert_clean_error(result, path=template)


@pytest.mark.parametrize("entity", ['SYSTEM "file:///etc/hostname"', '"Lyngåsen"'], ids=["external", "internal"])
def test_template_with_a_dtd_gives_a_valid_document_or_a_clear_error(tmp_path: Path, base_template: bytes, entity: str) -> None:
    template = tmp_path / "dtd.docx"
    template.write_bytes(_with_doctype(f"<!DOCTYPE w:document [<!ENTITY x {entity}>]>", "&x;")(base_template))
    out = tmp_path / "out" / "plan.docx"
    out.parent.mkdir()
    result = docgen("render", NB, "--template", template, "-o", out)
    if result.exit_code == 0:
        open_docx(out.read_bytes())  # Word must be able to open what docgen wrote
    else:
        render_refused(template, out.parent)


@pytest.mark.parametrize("padding", ["<!--" + "x" * 5000 + "-->", " " * 5000], ids=["comment", "whitespace"])
def test_a_dtd_after_padding_is_refused_too(tmp_path: Path, base_template: bytes, padding: str) -> None:
    template = tmp_path / "dtd.docx"
    template.write_bytes(_with_doctype(padding + '<!DOCTYPE w:document [<!ENTITY x "Lyngåsen">]>', "&x;")(base_template))
    out = tmp_path / "out" / "plan.docx"
    out.parent.mkdir()
    result = docgen("render", NB, "--template", template, "-o", out)
    if result.exit_code == 0:
        open_docx(out.read_bytes())  # Word must be able to open what docgen wrote
    else:
        render_refused(template, out.parent)


# ---------------------------------------------------------------- 3. values are text, never code

LITERALS = ["A{{ 7*7 }}B", "{% raw %}", "<w:p>", "]]>", "&amp;", "{# note #}", "{%p if true %}", "<![CDATA[x", "\"'<>&"]
MARKER_VALUE = "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}"


def test_record_values_print_literally(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    record = copy.deepcopy(load_example("activity_plan.nb.json"))
    record["background"] = "\n".join(LITERALS)
    record["findings"] = MARKER_VALUE.replace("{marker}", str(marker))
    record["case"]["pupil"]["name"] = "Ida {{ 7*7 }} <w:t>"  # body, footer and the title property
    record["school"]["name"] = "{% raw %}]]> & skole"  # header and the author property
    source = tmp_path / "case.json"
    source.write_text(json.dumps(record), encoding="utf-8")
    out = tmp_path / "plan.docx"
    result = docgen("render", source, "-o", out)
    assert result.exit_code == 0, result.output
    document = open_docx(out.read_bytes())  # well-formed XML, or python-docx could not open it
    text = all_text(document)
    for value in LITERALS:
        assert value in text
    assert "A49B" not in text
    assert record["findings"] in text
    assert not marker.exists()
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "Ida {{ 7*7 }} <w:t>" in footer
    assert "{% raw %}]]> & skole" in header
    assert document.core_properties.title.endswith("Ida {{ 7*7 }} <w:t>")
    assert document.core_properties.author == "{% raw %}]]> & skole"


@pytest.mark.parametrize("value", ["{_{ 7*7 }_}", "{_% raw %_}"], ids=["braces", "percent"])
def test_docxtpl_escape_sequences_in_values_print_literally(tmp_path: Path, value: str) -> None:
    record = load_example("activity_plan.nb.json")
    record["background"] = value
    source = tmp_path / "case.json"
    source.write_text(json.dumps(record), encoding="utf-8")
    out = tmp_path / "plan.docx"
    assert docgen("render", source, "-o", out).exit_code == 0
    assert value in all_text(open_docx(out.read_bytes()))
