"""The hostile-template corpus (issue 14): what a school's template might do to the renderer.

Each entry is one payload, placed as the template's body (or, with `front`, in the page header,
the footer or a document property), with a short note saying what it attacks. tests/test_hostile.py
renders every one and asserts the render ends quickly with either one clean TemplateError or a
document whose XML parses and holds no Python repr and no environment variable.

`refuse=True` marks payloads that must never produce a document (sandbox escapes, autoescape
off, sizes no document needs); the others may render, as long as the result is clean.

Several payloads come from tests/engine/test_bounds.py and tests/engine/test_sandbox.py; they
are repeated here so the corpus is complete in one place and runs with the same assertions.
"""

from __future__ import annotations

from typing import NamedTuple

SECRET_VAR = "DOCGEN_HOSTILE_SECRET"  # tests/test_hostile.py sets it; no payload may print its value


class Payload(NamedTuple):
    id: str
    body: str
    attacks: str
    refuse: bool = False
    front: str = ""  # front-matter lines: header:/footer:/title:
    known_defect: str = ""  # the non-TemplateError exception type this payload raises today (issue 14)


DEEP = 3000
DOUBLED = ("{% set ns = namespace(a=[1], b=[1]) %}{% for i in range(64) %}{% set ns.a = [ns.a, ns.a] %}"
           "{% set ns.b = [ns.b, ns.b] %}{% endfor %}")
ENV = "os.environ." + SECRET_VAR

PAYLOADS: list[Payload] = [
    # ------------------------------------------------------------ work: loops that never end
    Payload("nested-string-loops", "{% for i in 'x' * 100000 %}{% for j in 'x' * 100000 %}{% endfor %}{% endfor %}",
            "10^10 iterations over strings, not range()", refuse=True),
    Payload("listed-range-loops", "{% for i in range(50000)|list %}{% for j in range(50000)|list %}{% endfor %}"
            "{% endfor %}", "loops over lists made from range()", refuse=True),
    Payload("filtered-loop", "{% for i in 'x' * 100000 if i %}{% for j in 'x' * 100000 if j %}{% endfor %}"
            "{% endfor %}", "loop filters, evaluated per item", refuse=True),
    Payload("recursive-loop", "{% for x in [1, 2] recursive %}{% if loop.depth < 60 %}{{ loop([1, 2]) }}{% endif %}"
            "{% endfor %}", "2^60 calls of a recursive loop", refuse=True),
    Payload("macro-calls", "{% macro m() %}{% endmacro %}{% for i in range(100000) %}{% for j in range(100000) %}"
            "{{ m() }}{% endfor %}{% endfor %}", "macro calls in nested loops", refuse=True),
    Payload("method-calls", "{% for i in range(100000) %}{% for j in range(100000) %}{{ 'a'.upper()[:0] }}"
            "{% endfor %}{% endfor %}", "method calls that print nothing", refuse=True),
    Payload("huge-range", "{% for i in range(10**9) %}x{% endfor %}", "a billion-step loop that prints", refuse=True),
    Payload("output-flood", "{% for i in range(2000) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}",
            "200 million characters of output", refuse=True),
    Payload("self-recursive-macro", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
            "unbounded recursion through a macro", refuse=True),
    Payload("mutually-recursive-macros", "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}"
            "{{ a() }}", "recursion through two macros", refuse=True),
    Payload("fork-bomb-macro", "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}"
            "{{ m(40) }}", "2^40 calls, each one shallow", refuse=True),
    Payload("caller-recursion", "{% macro m() %}{% call m() %}x{% endcall %}{% endmacro %}{{ m() }}",
            "recursion through {% call %}", refuse=True),
    Payload("loop-grows-own-list", "{% set ns = namespace(l=[1]) %}{% for x in ns.l %}{% set _ = ns.l.append(1) %}"
            "{% endfor %}", "a loop appending to the list it walks", refuse=True),
    Payload("sort-huge", "{{ range(1999999)|list|sort|reverse|list|length }}{{ range(1999999)|sum }}"
            "{% for i in range(100) %}{{ range(1999999)|sort|length }}{% endfor %}",
            "sorting big lists again and again",
            refuse=True),
    Payload("batch-slice", "{% for i in range(1000) %}{{ range(1999999)|batch(1)|list|length }}{% endfor %}",
            "filters that walk big inputs in a loop", refuse=True),
    # ------------------------------------------------------------ memory: values built before any check
    Payload("str-repeat", "{{ 'a' * 100000000 }}", "a 100 MB string", refuse=True),
    Payload("repeat-repeat", "{{ 'a' * 10**6 * 10**6 }}", "repeat of a repeat", refuse=True),
    Payload("list-repeat", "{{ [0] * 1000000 * 1000000 }}", "a 10^12-item list", refuse=True),
    Payload("list-repeat-nested", "{{ ([['a' * 1000] * 1000] * 1000)|length }}", "nested repeats", refuse=True),
    Payload("huge-power", "{{ 9 ** 999999 }}", "a 3-million-bit integer", refuse=True),
    Payload("float-power", "{{ 2.0 ** 1e9 }}", "float overflow", refuse=True),
    Payload("chained-power", "{{ (2 ** 100 ** 100 ** 100 ** 100).bit_length() }}", "a tower of powers", refuse=True),
    Payload("left-shift", "{{ (1 << 100000000).bit_length() }}", "a huge integer by shifting, not by power"),
    Payload("big-product", "{% set a = 2 ** 9000 %}{{ (a * a * a * a * a * a * a * a).bit_length() }}",
            "a huge integer by multiplying allowed ones"),
    Payload("int-to-string", "{{ 2 ** 9999 }}", "printing an int near Python's 4,300-digit str limit"),
    Payload("percent-widths", "{{ ('%999999s' * 1200) % ((1,) * 1200) }}", "%-format widths", refuse=True),
    Payload("percent-star-widths", "{{ ('%*s' * 1200) % ((999999, 1) * 1200) }}", "%* widths", refuse=True),
    Payload("percent-precision", "{{ '%.999999999f'|format(1.5) }}", "%-format precision", refuse=True),
    Payload("format-widths", "{{ ('{0:999999}' * 1200).format(1) }}", "str.format widths", refuse=True),
    Payload("format-precision", "{{ '{:.999999999f}'.format(1.5) }}", "str.format precision", refuse=True),
    Payload("format-nested-widths", "{% set f = '{0:{1}}' * 1200 %}{{ f.format(1, 999999) }}",
            "widths passed as arguments", refuse=True),
    Payload("format-map-widths", "{{ ('{a:999999}' * 1200).format_map({'a': 1}) }}", "format_map widths",
            refuse=True),
    Payload("format-filter-widths", "{{ ('%999999s' * 1200)|format(*((1,) * 1200)) }}", "|format widths",
            refuse=True),
    Payload("bound-format-method", "{% set f = '{:>50000000}'.format %}{{ f(1) }}", "str.format kept as a value",
            refuse=True),
    Payload("fromkeys-tojson", "{{ dict.fromkeys(range(1200), 'a' * 999999)|tojson }}", "one value shared 1,200 times",
            refuse=True),
    Payload("tojson-indent", "{{ ([[[[[[[[[[1]]]]]]]]]] * 10000)|tojson(indent=1999) }}", "tojson indentation",
            refuse=True),
    Payload("strftime-widths", "{{ document_date.strftime('%999999Y' * 100000) }}", "strftime widths", refuse=True),
    Payload("join-filter", "{{ range(1000)|join('a' * 999999) }}", "a huge separator", refuse=True),
    Payload("join-method", "{{ ('a' * 999999).join(range(1000)|map('string')) }}", "str.join with a generator",
            refuse=True),
    Payload("replace-method", "{{ ('a' * 1000000).replace('a', 'bbbbbbbbbb') }}", "replace growing 10x", refuse=True),
    Payload("expandtabs", "{{ ('\t' * 1000000).expandtabs(1000) }}", "tabs expanded 1000x", refuse=True),
    Payload("translate", "{{ ('a' * 1000000).translate({97: 'b' * 1000}) }}", "translate to long strings",
            refuse=True),
    Payload("center", "{{ 'a'.center(100000000)|length }}", "padding methods", refuse=True),
    Payload("center-filter", "{{ 'a'|center(100000000) }}", "the |center filter", refuse=True),
    Payload("indent-filter", "{{ ('a\n' * 999999)|indent(999999) }}", "|indent on many lines", refuse=True),
    Payload("truncate-end", "{{ ('ab' * 999999)|truncate(1999990, True, 'x' * 1999999) }}",
            "|truncate with a huge ending"),
    Payload("urlencode-growth", "{{ ('\xff' * 1999999)|urlencode|length }}", "|urlencode growing 6x"),
    Payload("escape-growth", "{% for i in range(20) %}{{ '<' * 1999999 }}{% endfor %}",
            "XML escaping growing 4x, 20 times over", refuse=True),
    Payload("wordwrap", "{{ ('a' * 999999)|wordwrap(1)|length }}", "|wordwrap inserting a break per character"),
    Payload("doubled-lists-string", DOUBLED + "{{ ns.a|string }}", "a 2^64-node list printed", refuse=True),
    Payload("doubled-lists-equal", DOUBLED + "{{ ns.a == ns.b }}", "comparing 2^64-node lists", refuse=True),
    Payload("doubled-dicts", "{% set ns = namespace(a={}) %}{% for i in range(64) %}"
            "{% set ns.a = {'x': ns.a, 'y': ns.a} %}{% endfor %}{{ ns.a|tojson }}", "2^64-node dict to JSON",
            refuse=True),
    Payload("accumulate", "{% set ns = namespace(l=[]) %}{% for i in range(1000) %}"
            "{% set ns.l = ns.l + ['x' * 1999999] %}{% endfor %}", "2 GB kept in a list", refuse=True),
    Payload("concat-doubling", "{% set ns = namespace(s='a' * 1000000) %}{% for i in range(7) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}", "doubling a string", refuse=True),
    Payload("encode-bytes", "{{ ('a' * 1999999).encode() }}", "bytes printed (a b'...' repr)"),
    # ------------------------------------------------------------ sandbox escapes
    Payload("mro-subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "every class in the interpreter",
            refuse=True),
    Payload("subclasses-loop", "{% for c in [].__class__.__base__.__subclasses__() %}"
            "{% if c.__name__ == 'catch_warnings' %}{{ c()._module.__builtins__['__import__']('os')."
            + "environ['" + SECRET_VAR + "'] }}{% endif %}{% endfor %}",
            "the classic catch_warnings walk", refuse=True),
    Payload("cycler-globals-env", "{{ cycler.__init__.__globals__." + ENV + " }}", "Jinja's globals lead to os",
            refuse=True),
    Payload("joiner-globals-env", "{{ joiner.__init__.__globals__." + ENV + " }}", "joiner's module globals",
            refuse=True),
    Payload("namespace-globals", "{{ namespace.__init__.__globals__." + ENV + " }}", "namespace's module globals",
            refuse=True),
    Payload("self-context", "{{ self._TemplateReference__context.cycler.__init__.__globals__." + ENV + " }}",
            "the template reference's private context", refuse=True),
    Payload("attr-format-env", "{{ ('{0.__init__.__globals__[os].environ[" + SECRET_VAR + "]}'|attr('format'))"
            "(cycler) }}", "|attr('format'), the CVE-2025-27516 payload", refuse=True),
    Payload("attr-format-map", "{{ ('{0.__init__.__globals__}'|attr('format_map'))({0: cycler}) }}",
            "|attr('format_map')", refuse=True),
    Payload("str-format-attr", "{{ '{0.__class__.__init__.__globals__}'.format(cycler) }}",
            "attribute access inside a format string", refuse=True),
    Payload("str-format-env", "{{ '{0.__init__.__globals__[os].environ[" + SECRET_VAR + "]}'.format(cycler) }}",
            "reading the environment through str.format", refuse=True),
    Payload("format-map-attr", "{{ '{x.__class__}'.format_map({'x': case}) }}", "format_map attribute access",
            refuse=True),
    Payload("bound-format-attr", "{% set f = '{0.__class__}'.format %}{{ f(case) }}",
            "a bound str.format called later", refuse=True),
    Payload("percent-format-dunder", "{{ '%s'|format(case.__class__) }}", "a dunder through |format", refuse=True),
    Payload("attr-filter", "{{ ''|attr('__class__') }}", "|attr with a dunder name", refuse=True),
    Payload("attr-hex-escape", "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", "a dunder name spelt with escapes",
            refuse=True),
    Payload("attr-joined-name", "{{ ()|attr(['_' * 2, 'class', '_' * 2]|join) }}", "a dunder name built at run time",
            refuse=True),
    Payload("subscript-dunder", "{{ case['__class__'] }}", "a dunder by subscript", refuse=True),
    Payload("record-getitem", "{{ case.pupil.__getitem__('name') }}", "dunder methods of record values",
            refuse=True),
    Payload("immutable-update", "{% set x = case.update({'a': 1}) %}{{ x }}", "changing the record", refuse=True),
    Payload("immutable-append", "{{ measures.append(1) }}", "changing a record list", refuse=True),
    Payload("range-globals", "{{ range.__globals__.__builtins__.__import__('os')." + "environ }}",
            "a builtin's globals", refuse=True),
    Payload("date-class-walk", "{{ document_date.__class__.__mro__[-1].__subclasses__() }}",
            "from a date to every class", refuse=True),
    Payload("undefined-class", "{{ nothing.__class__.__init__.__globals__ }}", "an Undefined's class", refuse=True),
    # ------------------------------------------------------------ loaders: include, extends, import, self
    Payload("include-self", "{% include 'custom.docx' %}", "the template including itself", refuse=True),
    Payload("include-file", "{% include '/etc/passwd' %}", "reading a file by include", refuse=True),
    Payload("include-list-ignore", "{% include ['custom.docx', '/etc/passwd'] ignore missing %}",
            "include with a fallback list"),
    Payload("extends-self", "{% extends 'custom.docx' %}", "the template extending itself", refuse=True),
    Payload("import-os", "{% import 'os' as os %}{{ os.environ }}", "importing a module as a template", refuse=True),
    Payload("from-import", "{% from '/etc/passwd' import root %}{{ root }}", "from-import of a file", refuse=True),
    # ------------------------------------------------------------ Python reprs
    Payload("self-repr", "{{ self }}", "<TemplateReference> repr"),
    Payload("loop-repr", "{% for x in [1] %}{{ loop }}{% endfor %}", "<LoopContext> repr"),
    Payload("macro-repr", "{% macro m() %}{% endmacro %}{{ m }}", "<Macro> repr"),
    Payload("caller-repr", "{% macro m() %}{{ caller }}{% endmacro %}{% call m() %}x{% endcall %}", "caller repr"),
    Payload("method-repr", "{{ 'a'.upper }}", "<built-in method ... at 0x> repr"),
    Payload("class-repr", "{{ joiner }} {{ cycler }} {{ namespace }}", "<class ...> repr"),
    Payload("generator-repr", "{{ range(3)|map('string') }} {{ [1, 2]|reverse }} {{ [1, 2]|batch(1) }}",
            "<generator object> reprs"),
    Payload("namespace-repr", "{{ namespace(a=1) }} {{ cycler(1, 2) }}", "<Namespace> and <Cycler> reprs"),
    Payload("record-repr", "{{ case }} {{ measures }} {{ case.pupil }}", "record objects printed whole"),
    Payload("string-filter-repr", "{{ case|string }} {{ cycler|string }} {{ namespace()|string }}",
            "|string on objects"),
    Payload("pprint-repr", "{{ case|pprint }} {{ cycler|pprint }}", "|pprint on objects"),
    Payload("concat-repr", "{{ cycler ~ '' }} {{ [cycler]|join }} {{ '%s' % (cycler,) }} {{ '{}'.format(cycler) }}",
            "reprs through concatenation and formatting"),
    Payload("r-conversion", "{{ '{0!r}'.format(joiner) }} {{ '%r' % (joiner,) }}", "!r and %r conversions"),
    Payload("range-repr", "{{ range(3) }} {{ range.__self__ }}", "range object and module reprs"),
    # ------------------------------------------------------------ escaping and XML injection
    Payload("autoescape-false", "{% autoescape false %}</w:t></w:r></w:p>{{ case.pupil.name }}{% endautoescape %}",
            "turning escaping off", refuse=True),
    Payload("autoescape-zero", "{% autoescape 0 %}x{% endautoescape %}", "autoescape off, spelt 0", refuse=True),
    Payload("autoescape-variable", "{% set off = false %}{% autoescape off %}x{% endautoescape %}",
            "autoescape off through a variable", refuse=True),
    Payload("safe-filter", "{{ '</w:t></w:r><w:r><w:t>x' | safe }}", "|safe to write raw XML", refuse=True),
    Payload("filter-block-safe", "{% filter safe %}</w:t></w:r><w:r><w:t>{% endfilter %}", "{% filter safe %}",
            refuse=True),
    Payload("xml-in-literal", "{{ '</w:t></w:r></w:p><w:p><w:r><w:t>injected' }}", "closing tags in a string"),
    Payload("xml-doctype", "{{ '<!DOCTYPE d [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>&e;' }}",
            "a DTD and an external entity in output"),
    Payload("cdata-end", "{{ ']]><![CDATA[' ~ '&amp;' ~ '&#0;' }}", "CDATA and character references"),
    Payload("control-chars", "{{ '\\x00\\x01\\x0b\\x1f' }}", "characters XML 1.0 cannot hold"),
    Payload("lone-surrogate", "{{ '\\ud800' }}", "a lone surrogate that UTF-8 cannot encode"),
    Payload("noncharacters", "{{ '\\ufffe\\uffff' }}", "noncharacters XML 1.0 forbids"),
    Payload("docxtpl-escapes", "{{ 'a\\fb\\ac\\td\\ne' }}", "docxtpl's listing escapes in a value"),
    Payload("delimiters-in-output", "{{ '{{ case.pupil.name }}{% for i in range(10**9) %}' }}",
            "template syntax printed, hoping for a second pass"),
    Payload("raw-block", "{% raw %}{{ ''.__class__ }}{% endraw %}", "raw blocks print tags literally"),
    Payload("header-escape", "Hei", "a sandbox escape in the page header", refuse=True,
            front="header: {{ cycler.__init__.__globals__." + ENV + " }}\n"),
    Payload("footer-repr", "Hei", "a repr in the page footer", front="footer: {{ self }} {{ 'a'.upper }}\n"),
    Payload("title-xml", "Hei", "XML injection into a document property",
            front="title: {{ '</dc:title><dc:creator>x' }}\n"),
    # ------------------------------------------------------------ size of the template itself
    Payload("too-many-tags", "{{ a }}" * 120_000, "120,000 tags, refused before compiling", refuse=True),
    Payload("too-many-block-tags", "{% if 1 %}{% endif %}" * 25_000, "50,000 block tags", refuse=True),
    Payload("many-comments", "{# c #}" * 30_000, "30,000 comments"),
    Payload("many-tags-under-cap", "{{ case.reference }}" * 5_000, "5,000 tags, under the cap"),
    Payload("many-lines", "\n\n".join(["{{ case.pupil.name }}"] * 3_000), "3,000 paragraphs with a tag each"),
    # ------------------------------------------------------------ deep nesting of expressions and blocks
    Payload("deep-parens", "{{ " + "(" * DEEP + "1" + ")" * DEEP + " }}", "3,000 nested parentheses",
            refuse=True),
    Payload("deep-lists", "{{ " + "[" * DEEP + "]" * DEEP + " }}", "3,000 nested list literals",
            refuse=True),
    Payload("deep-unary", "{{ " + "-" * DEEP + "1 }}", "3,000 unary minus signs", refuse=True),
    Payload("deep-not", "{{ " + "not " * DEEP + "1 }}", "3,000 nots", refuse=True),
    Payload("long-sum", "{{ " + "1+" * DEEP + "1 }}", "a 3,000-term sum (a 3,000-deep tree)", refuse=True),
    Payload("long-concat", "{{ " + "'a'~" * DEEP + "'a' }}", "a 3,000-term concatenation (flat in Jinja: renders)"),
    Payload("long-attribute-chain", "{{ x" + ".a" * DEEP + " }}", "3,000 attribute lookups", refuse=True),
    Payload("long-filter-chain", "{{ 'a'" + "|upper" * DEEP + " }}", "3,000 filters in a chain", refuse=True),
    Payload("deep-ifs", "{% if 1 %}" * DEEP + "x" + "{% endif %}" * DEEP, "3,000 nested if blocks", refuse=True),
    Payload("nested-fors", "{% for a in [1] %}" * 30 + "x" + "{% endfor %}" * 30,
            "30 nested loops: past Python's 20 statically nested blocks", refuse=True),
    Payload("hundred-ifs", "{% if 1 %}" * 100 + "x" + "{% endif %}" * 100,
            "100 nested ifs: past Python's 100 levels of indentation", refuse=True),
    Payload("sum-200", "{{ " + "1+" * 200 + "1 }}", "a 200-term sum: past Python's 200 nested parentheses",
            refuse=True),
    Payload("moderate-nesting", "{{ " + "(" * 40 + "1" + ")" * 40 + " }}{{ " + "[" * 40 + "]" * 40 + "|length }}"
            "{% for a in [1] %}" * 15 + "{% if 1 %}" * 15 + "x" + "{% endif %}" * 15 + "{% endfor %}" * 15,
            "nesting a sound template could use: must still work"),
]

BY_ID = {p.id: p for p in PAYLOADS}
assert len(BY_ID) == len(PAYLOADS), "duplicate payload ids"
