"""The sandbox: hostile templates fail cleanly and never execute, and the size, loop and time
budgets stop a template that would exhaust memory or CPU.

Every hostile template goes through the real command line (`docgen render … --template T` and
`docgen templates check T`): exit 1, one "docgen: error:" line, no traceback, no output file, no
leftover temporary file, and the marker file the payload tries to create never appears.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import jinja2
import pytest

from docgen.errors import TemplateError

from conftest import NB, all_text, check_refused, docgen_process, make_template, open_docx, render_refused, render_with

SANDBOX = "blocked by the sandbox"
TOO_LARGE = "too large for a document"
FAILED = "an expression failed while rendering"


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('touch /tmp/docgen-pwned').read() }}",
        "{{ case.__class__ }}",
        "{{ case.update({'x': 1}) }}",
        "{{ (('a' * 1000) * 100000) }}",
        "{{ 'x' | safe }}",
    ],
)
def test_sandbox_blocks_template_attacks(tmp_path: Path, nb_record: dict, payload: str) -> None:
    marker = Path("/tmp/docgen-pwned")
    marker.unlink(missing_ok=True)
    with pytest.raises(TemplateError):
        render_with(tmp_path, nb_record, f"Hei {payload}")
    assert not marker.exists()


# ---------------------------------------------------------------- template injection through the command line


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


# ---------------------------------------------------------------- size, loop and time budgets


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


def test_jinja_is_a_release_without_the_known_sandbox_escapes() -> None:
    from importlib.metadata import version

    parts = tuple(int(p) for p in version("jinja2").split(".")[:3])
    assert (3, 1, 6) <= parts < (3, 2, 0)


@pytest.mark.parametrize(
    "body",
    [
        "{{ '{:>50000000}'.format(1) }}",
        "{{ '{:>{w}}'.format(1, w=50000000) }}",
        "{{ '{a:>{w}}'.format_map({'a': 1, 'w': 50000000}) }}",
        "{% set f = '{:>50000000}'.format %}{{ f(1) }}",
    ],
)
def test_str_format_is_bounded_before_it_builds(tmp_path: Path, nb_record: dict, body: str) -> None:
    """Jinja >= 3.1.5 sandboxes str.format through wrap_str_format, not format_string."""
    import tracemalloc

    from docgen import load
    from docgen.engine import context, load_template

    prepared = load_template(make_template(tmp_path, body))
    ctx = context(load(nb_record))
    tracemalloc.start()
    try:
        with pytest.raises(TemplateError, match="too large for a document"):
            prepared.render(ctx)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_small_formats_still_work(tmp_path: Path, nb_record: dict) -> None:
    body = "[{{ '{:>6}'.format('ab') }}] [{{ '{x}-{y}'.format_map({'x': 1, 'y': 2}) }}]"
    text = all_text(open_docx(render_with(tmp_path, nb_record, body)))
    assert "[    ab] [1-2]" in text


def test_attribute_lookups_answer_as_jinjas_own_sandbox() -> None:
    """Sandbox.getattr answers dict fields and loop attributes itself (without Jinja's exception and
    checks); every answer must be the one Jinja's immutable sandbox gives."""
    from jinja2.runtime import LoopContext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from docgen.engine.sandbox import Sandbox

    ours, jinjas = Sandbox(undefined=jinja2.StrictUndefined), ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined)
    loop = LoopContext(iter("abc"), jinjas.undefined)
    next(iter(loop))
    record = {"name": "Ola", "items": 3, "update": 1, "__class__": "x", "_private": 2}
    names = ["name", "items", "update", "values", "missing", "__class__", "_private", "copy", "index", "first",
             "last", "length", "revindex", "previtem", "nextitem", "depth", "cycle", "changed", "__init__", "_after"]
    for obj in (record, loop, "text", [1, 2]):
        for name in names:
            got, expected = ours.getattr(obj, name), jinjas.getattr(obj, name)
            if isinstance(expected, jinja2.Undefined):
                assert type(got) is type(expected) and got._undefined_name == expected._undefined_name, (obj, name)
                assert got._undefined_hint == expected._undefined_hint, (obj, name)
            elif callable(expected):
                assert callable(got) and getattr(got, "__name__", None) == getattr(expected, "__name__", None)
            else:
                assert got == expected, (obj, name)


def test_a_loop_attribute_that_fails_to_peek_is_undefined_as_in_jinja() -> None:
    """loop.length, .last, .nextitem … take the next item; when that raises AttributeError, Jinja's
    sandbox answers Undefined (and the loop ends), and so does ours."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from docgen.engine.environment import environment

    source = ("{% for x in [{'a': 1}, 1] | map('dictsort') %}{% if loop.length is defined %}A{% else %}B{% endif %}"
              "{% if loop.nextitem is defined %}N{% endif %}{% endfor %}")
    expected = ImmutableSandboxedEnvironment().from_string(source).render()
    assert expected == "B"
    assert environment().from_string(source).render(lang="nb") == expected


def test_the_output_stops_at_the_first_piece_past_the_limit() -> None:
    """The size is checked piece by piece: an error after the output is already too large is not
    reached, and no more than one piece past the limit is ever held."""
    from docgen.engine.sandbox import MAX_OUTPUT_CHARS, TooLarge, render_chunks
    from docgen.engine.environment import environment

    template = environment().from_string("{{ big }}{{ big }}{{ nope }}")
    with pytest.raises(TooLarge):
        render_chunks(template, {"lang": "nb", "big": "x" * (MAX_OUTPUT_CHARS // 2 + 1)})
