"""Jinja's immutable sandbox, plus budgets against a template that would exhaust the machine.

Templates are untrusted: schools edit them. The bound holds whatever the template does:

- Work: every loop iteration (any `{% for %}`, recursive loops included), every call and
  every filter is charged to the document's budget; a document stops past MAX_LOOP_STEPS
  steps or MAX_RENDER_SECONDS of wall-clock time (the clock is read every few hundred steps,
  and filters and calls over big values are charged by their size).
- Memory: no value a template builds may exceed MAX_VALUE characters or items, nor, counting
  everything nested in it, MAX_VALUE in weight (so `[a, a]` doubled forty times is refused,
  not walked by `==`, `|max` or `|tojson`); all values built in one document together stay
  under MAX_BUILT characters, and each part's output under MAX_OUTPUT_CHARS. Sizes are
  estimated *before* building for repetition, padding, `%` and `str.format` widths × fields,
  `join`, `replace`, `expandtabs`, `translate`, `strftime` and `tojson`.
- Text: `~`, `|string`, `|e`, `%` and `str.format` print only text, numbers and dates, never a
  Python repr (no class names, no memory addresses); `{% autoescape false %}` is refused.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateRuntimeError, TemplateSyntaxError
from jinja2.runtime import Context, LoopContext, markup_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.visitor import NodeTransformer

MAX_OUTPUT_CHARS = 20 * 1024 * 1024  # one part of one document, as XML
MAX_LOOP_STEPS = 2_000_000  # loop iterations, calls and filters (weighted by size) in one document
MAX_RENDER_SECONDS = 20.0  # wall-clock, one document
MAX_VALUE = 2_000_000  # characters or items (nested ones included) in any one value a template builds
MAX_BUILT = 50_000_000  # characters built by the template in one document, all values together
MAX_INT_BITS = 10_000
MAX_TAGS = 20_000  # template tags in one part, counted before compiling
CODEGEN = b"\0docgen-bounds-4"  # the compiled form's version, part of the compile cache's key (4: structure proofs)
_CLOCK_EVERY = 256  # steps between two looks at the clock
_HUGE_NUMBER = re.compile(r"\d{7,}")  # a width or count in the millions, inside a format string
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")
_BRACE_FIELD = re.compile(r"\{([^{}]*)")
_NUMBER = re.compile(r"\d+")
_STRFTIME_SPEC = re.compile(r"%[-_0^#]*(\d*)")
_COUNTED = "__docgen_counted"  # the filters the compiler wraps loops and literals in
_BUILT = "__docgen_built"
_DICT_ATTRIBUTES = frozenset(dir(dict))  # a dict's own attributes win over its keys in Jinja
_LOOP_ATTRIBUTES = frozenset(["index", "index0", "revindex", "revindex0", "first", "last", "length", "depth",
                              "depth0", "previtem", "nextitem"])
_TEXT_TYPES = (str, int, float, Decimal, dt.date, dt.time, type(None), jinja2.Undefined)


class TooLarge(SecurityError):
    """A template tried to build a value beyond the size budget, or ran out of its budget."""


def _too_large() -> TooLarge:
    return TooLarge(f"the template builds a value too large for a document (over {MAX_VALUE:,} characters or items)")


def weight(value: Any, limit: int = MAX_VALUE) -> int:
    """Characters and items in `value`, nested ones included and shared ones counted each time
    they are reached (as `==`, `|tojson` or printing would reach them); stops counting past `limit`.

    Containers already weighed in this document are remembered (the sandbox is immutable: a list
    a template holds never changes), so `[a, a]` costs two look-ups, not a walk over `a`."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple, dict, set, frozenset)):
        return 1
    budget = _budget.get()
    known = budget.weights if budget is not None else {}
    seen = known.get(id(value))
    if seen is not None:
        return seen[1]
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 1
        elif isinstance(item, (list, tuple, dict, set, frozenset)):
            if item is not value and (seen := known.get(id(item))) is not None:
                total += seen[1]
            elif isinstance(item, dict):
                total += len(item) + 1
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                total += len(item) + 1
                stack.extend(item)
        else:
            total += 1
        if total > limit:
            return total
    if budget is not None and len(known) < 100_000:
        known[id(value)] = (value, total)  # the value is kept, so its id is not reused
    return total


def depth(value: Any, limit: int = MAX_VALUE) -> int:
    """How deeply `value` nests lists and dicts (counting stops past `limit` items)."""
    deepest, seen, stack = 0, 0, [(value, 0)]
    while stack and seen <= limit:
        item, level = stack.pop()
        seen += 1
        if isinstance(item, dict):
            item = [*item.keys(), *item.values()]
        if isinstance(item, (list, tuple, set, frozenset)):
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in item)
    return deepest


def _too_big(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value.bit_length() > MAX_INT_BITS
    if isinstance(value, str):
        return len(value) > MAX_VALUE
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return len(value) > MAX_VALUE or weight(value) > MAX_VALUE
    return False


def check_size(value: Any) -> Any:
    if _too_big(value):
        raise _too_large()
    if isinstance(value, (str, list, tuple, dict)):
        budget = _budget.get()
        if budget is not None:
            budget.build(len(value))
    return value


def check_width(text: Any) -> None:
    """A format string asking for a width in the millions ('%100000000s', '{:>100000000}')."""
    if isinstance(text, str) and ("%" in text or "{" in text) and _HUGE_NUMBER.search(text):
        raise TooLarge("the template asks for a width too large for a document")


def check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse counts and widths that would build huge values, before they are built."""
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_VALUE:
            raise TooLarge("the template asks for a count or width too large for a document")
        check_width(arg)


def _refuse_estimate(estimate: int) -> None:
    if estimate > MAX_VALUE:
        raise _too_large()


def printable_text(value: Any, what: str = "printed") -> Any:
    """`value` itself when it prints as text (text, numbers, dates, nothing); a clean error for a
    list, a group of fields or an object, whose Python repr must never reach a document."""
    if isinstance(value, _TEXT_TYPES):
        return value
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        raise TemplateRuntimeError(f"a whole group of fields or a list cannot be {what}; use one field (such as .name)")
    raise TemplateRuntimeError(f"a value of kind '{type(value).__name__}' cannot be {what}")


def _text_length(value: Any, width: bool = False, check: bool = True) -> int:
    """An upper bound on how long `value` is when printed (or, with `width`, on the padding it may
    ask for as a `*` or nested width); refuses what would print as a repr (unless not `check`)."""
    if check:
        printable_text(value)
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        digits = value.bit_length() // 3 + 2
        return max(digits, min(abs(value), MAX_VALUE + 1)) if width else digits
    return 64


def _format_arguments(values: Iterable[Any], check: bool = True) -> int:
    return max((_text_length(v, width=True, check=check) for v in values), default=0)


def percent_size(fmt: str, operand: Any) -> int:
    """`fmt % operand`: an upper bound on the result's length, before it is built."""
    if isinstance(operand, tuple):
        values: Iterable[Any] = operand
    elif isinstance(operand, dict):
        values = operand.values()
    else:
        values = (operand,)
    longest = _format_arguments(values)
    estimate = len(fmt)
    for m in _PERCENT_SPEC.finditer(fmt):
        for number in (m.group(1), m.group(2)):
            if number == "*":
                estimate += longest
            elif number:
                estimate += int(number)
        estimate += longest
        if m.group(3) in "ra":
            raise TemplateRuntimeError("'%r' would print a Python repr; use %s")
    return estimate


def format_size(fmt: str, args: Iterable[Any], kwargs: dict[str, Any]) -> int:
    """`fmt.format(*args, **kwargs)`: an upper bound on the result's length, before it is built."""
    fields = [m.group(1) for m in _BRACE_FIELD.finditer(fmt)]
    # A field that looks into its argument ({0.name}, {0[1]}) gets the sandbox's own attribute check.
    looks_inside = any("." in f.partition(":")[0] or "[" in f.partition(":")[0] for f in fields)
    longest = _format_arguments((*args, *kwargs.values()), check=not looks_inside)
    estimate = len(fmt)
    for field in fields:
        if "!r" in field or "!a" in field:
            raise TemplateRuntimeError("'!r' would print a Python repr; leave it out")
        estimate += longest + sum(int(n) for n in _NUMBER.findall(field.partition(":")[2]))
    return estimate


def strftime_size(fmt: str) -> int:
    """`date.strftime(fmt)`: every directive at most 64 characters, plus any width it asks for."""
    estimate = len(fmt)
    for m in _STRFTIME_SPEC.finditer(fmt):
        estimate += 64 + (int(m.group(1)) if m.group(1) else 0)
        if estimate > MAX_VALUE:
            break
    return estimate


def _items(value: Any) -> Any:
    """A sequence with a length: generators (from map, select…) are taken as a list, within the budget."""
    if isinstance(value, (list, tuple, str, dict)):
        return value
    items = []
    for item in value:
        items.append(item)
        if len(items) > MAX_VALUE:
            raise _too_large()
    return items


def join_size(separator: str, items: Sequence[Any]) -> int:
    return len(separator) * max(len(items) - 1, 0) + sum(_text_length(item) for item in items)


def replace_size(text: str, old: str, new: str, count: int = -1) -> int:
    found = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def _str_method(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse a str method call whose result would be too large; returns the (possibly listed) args."""
    if name == "join" and args:
        items = _items(args[0])
        _refuse_estimate(join_size(text, items))
        return (items, *args[1:])
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        _refuse_estimate(replace_size(text, args[0], args[1], count if isinstance(count, int) else -1))
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        _refuse_estimate(len(text) + text.count("\t") * max(size if isinstance(size, int) else 8, 0))
    elif name == "translate" and args:
        table = args[0]
        longest = 1
        if isinstance(table, dict):
            longest = max((len(v) if isinstance(v, str) else 1 for v in table.values()), default=1)
        _refuse_estimate(len(text) * max(longest, 1))
    elif name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int):
        _refuse_estimate(max(len(text), args[0]))
    return args


class _Bounds(NodeTransformer):
    """Wraps every loop's iterable in a counter and every list, tuple and dict literal in a size
    check, and refuses `{% autoescape false %}`: all before the code is generated."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _COUNTED, [], [], None, None, lineno=node.lineno)
        return node

    def _built(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, _BUILT, [], [], None, None, lineno=node.lineno)

    visit_List = visit_Dict = _built

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        if node.ctx != "load":
            self.generic_visit(node)
            return node
        return self._built(node)

    def _escaping(self, node: nodes.EvalContextModifier) -> nodes.Node:
        for option in node.options:
            escaping = isinstance(option.value, nodes.Const) and option.value.value is True
            if option.key == "autoescape" and not escaping:
                raise TemplateSyntaxError(
                    "{% autoescape false %} is not allowed: record values must stay escaped", node.lineno
                )
        self.generic_visit(node)
        return node

    visit_EvalContextModifier = visit_ScopedEvalContextModifier = _escaping


class Sandbox(ImmutableSandboxedEnvironment):
    """The environment every template runs in (see the module's docstring for the budgets)."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def getattr(self, obj: Any, attribute: str) -> Any:
        # The two lookups a template makes most, `record.field` on the context's plain dicts and
        # `loop.index`, answered as Jinja's sandbox would answer them but without its exception
        # (getattr on a dict fails first) or its safety checks (these names are always safe).
        kind = type(obj)
        if kind is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        if kind is LoopContext and attribute in _LOOP_ATTRIBUTES:
            try:
                return getattr(obj, attribute)
            except AttributeError:  # raised while peeking at the next item: Jinja's answer is undefined
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  defer_init: bool = False) -> str:
        _Bounds().visit(source)
        return super()._generate(source, name, filename, defer_init)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and not isinstance(right, bool):
            too_big = abs(right) > 100
            if isinstance(left, int) and abs(left) > 1:
                too_big = too_big or left.bit_length() * abs(right) > MAX_INT_BITS
            if too_big:
                raise TooLarge("the template computes a number too large for a document")
        elif operator == "*":
            count, other = (right, left) if isinstance(right, int) else (left, right)
            if isinstance(other, (str, list, tuple)) and isinstance(count, int) and weight(other) * count > MAX_VALUE:
                raise _too_large()
        elif operator == "%":
            check_width(left)
            if isinstance(left, str):
                _refuse_estimate(percent_size(left, right))
        elif operator == "+" and isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            _refuse_estimate(weight(left) + weight(right))
        return check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = _budget.get()
        if budget is not None:
            budget.step(1 + sum(len(a) for a in args if isinstance(a, (str, list, tuple, dict))) // 1024)
        check_arguments(args, kwargs)
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", None)
        if isinstance(owner, str) and isinstance(name, str):
            args = _str_method(owner, name, args, kwargs)
        elif isinstance(owner, (dt.date, dt.time)) and name == "strftime" and args and isinstance(args[0], str):
            _refuse_estimate(strftime_size(args[0]))
        elif isinstance(__obj, LoopContext) and args:  # a recursive loop's next level counts too
            args = (counted(args[0]), *args[1:])
        return check_size(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` and `format_map`, reached as attributes: Jinja ≥ 3.1.5 sandboxes them here
        (the older `format_string` hook is gone), so the widths are checked here too."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__
        check_width(fmt)

        @functools.wraps(wrapped)
        def bounded(*args: Any, **kwargs: Any) -> str:
            check_arguments(args, kwargs)
            mapping: dict[str, Any] = dict(kwargs)
            for arg in args:  # format_map's mapping: its values are arguments too
                if isinstance(arg, dict):
                    check_arguments((), arg)
                    mapping.update(arg)
            positional = () if value.__name__ == "format_map" else args
            _refuse_estimate(format_size(fmt, positional, mapping))
            result: str = check_size(wrapped(*args, **kwargs))
            return result

        return bounded


def capped_filter(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses huge counts and widths, is charged by the size of its value, and never
    returns a huge value."""
    value_at = 1 if hasattr(fn, "jinja_pass_arg") else 0  # after the context or environment
    name = fn.__name__

    @functools.wraps(fn)  # keeps Jinja's pass_context marker
    def capped(*args: Any, **kwargs: Any) -> Any:
        if len(args) > value_at:
            value = args[value_at]
            check_width(value)  # the format filter's own string
            if isinstance(value, (str, list, tuple, dict)):
                _charge(1 + len(value) // 1024)
                if not isinstance(value, str) and weight(value) > MAX_VALUE:
                    raise _too_large()
            else:
                _charge(1)
            rest = args[value_at + 1 :]
            if name == "do_format" and isinstance(value, str):
                _refuse_estimate(percent_size(value, rest if rest else dict(kwargs)))
            elif name == "do_join" and not isinstance(value, str):
                items = _items(value)
                separator = rest[0] if rest else kwargs.get("d", "")
                if isinstance(separator, str) and not kwargs.get("attribute") and len(rest) < 2:
                    _refuse_estimate(join_size(separator, items))
                args = (*args[:value_at], items, *rest)
            elif name == "do_tojson":
                indent = rest[0] if rest else kwargs.get("indent")
                if isinstance(indent, int) and indent > 0:
                    _refuse_estimate(weight(value) * (1 + indent * depth(value)))
            elif name == "do_replace" and isinstance(value, str) and len(rest) >= 2:
                old, new = str(rest[0]), str(rest[1])
                count = rest[2] if len(rest) > 2 else None
                _refuse_estimate(replace_size(value, old, new, count if isinstance(count, int) else -1))
        check_arguments(args[value_at + 1 :], kwargs)
        return check_size(fn(*args, **kwargs))

    return capped


class _Budget:
    """What one document may still spend: steps, time and characters built."""

    __slots__ = ("steps", "deadline", "next_look", "built", "weights")

    def __init__(self) -> None:
        self.steps = 0
        self.weights: dict[int, tuple[Any, int]] = {}  # id -> (container, weight), see weight()
        self.built = 0
        self.next_look = _CLOCK_EVERY
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps >= self.next_look:
            self.next_look = self.steps + _CLOCK_EVERY
            if self.steps > MAX_LOOP_STEPS:
                raise TooLarge(
                    f"the template does too much work for a document (over {MAX_LOOP_STEPS:,} loop steps and calls)"
                )
            if time.monotonic() > self.deadline:
                raise TooLarge(f"the template takes longer than {MAX_RENDER_SECONDS:g} s to render")

    def build(self, size: int) -> None:
        self.built += size
        if self.built > MAX_BUILT:
            raise TooLarge(f"the template builds more than {MAX_BUILT:,} characters for one document")


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("docgen_budget", default=None)


def _charge(count: int = 1) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.step(count)


def _counting(iterable: Iterable[Any], budget: _Budget) -> Iterator[Any]:
    step = budget.step
    for item in iterable:
        step()
        yield item


def counted(iterable: Any) -> Any:
    """The iterable a `{% for %}` walks: every item taken is charged to the document's budget."""
    budget = _budget.get()
    if budget is None or isinstance(iterable, jinja2.Undefined):
        return iterable
    if isinstance(iterable, (str, list, tuple, dict)):
        budget.step(1 + len(iterable) // 1024)
    return _counting(iterable, budget)


@jinja2.pass_context  # never folded into a constant when the template is compiled
def _counted_filter(_ctx: Context, iterable: Any) -> Any:
    return counted(iterable)


def _built_filter(value: Any) -> Any:
    """A list, tuple or dict literal of the template: within the size budget, nested values included."""
    if weight(value) > MAX_VALUE:
        raise _too_large()
    return value


BOUND_FILTERS = {_COUNTED: _counted_filter, _BUILT: _built_filter}


class _CountedRange(Sequence[int]):
    """range() for templates: every step taken is charged to the render's budget."""

    def __init__(self, *args: int) -> None:
        self._range = safe_range(*args)  # Jinja's sandbox range: at most 100 000 items

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __iter__(self) -> Iterator[int]:
        for value in self._range:
            _charge()
            yield value


def counted_range(*args: int) -> Sequence[int]:
    """The `range` templates see: a plain function, so no class is exposed to them."""
    return _CountedRange(*args)


@contextlib.contextmanager
def document_budget() -> Iterator[None]:
    """One budget for every part of one document (bounded_render opens one if none is open)."""
    if _budget.get() is not None:
        yield
        return
    token = _budget.set(_Budget())
    try:
        yield
    finally:
        _budget.reset(token)


def bounded_render(template: jinja2.Template, ctx: dict[str, Any]) -> str:
    """Render, stopping as soon as the output grows too large or the budget runs out."""
    return "".join(render_chunks(template, ctx))


def render_chunks(template: jinja2.Template, ctx: dict[str, Any]) -> list[str]:
    """bounded_render's output in the pieces Jinja yields them: the template's own text as plain
    str, each printed value as the Markup autoescaping made of it (structure.py tells them apart).

    The output is counted piece by piece, as it grows, so a part stops at the first piece past
    MAX_OUTPUT_CHARS (a printed value can be several times MAX_VALUE once escaped). Its pieces are
    charged to the step budget once, at the end: the loops, calls and filters that make them are
    charged as they run, and a step call per piece cost more than the rest of this loop."""
    with document_budget():
        budget = _budget.get()
        assert budget is not None
        chunks: list[str] = []
        append = chunks.append
        size, over = 0, False
        try:  # Template.generate's work, without its extra generator around the template's own
            for chunk in template.root_render_func(template.new_context(ctx)):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    over = True
                    break
                append(chunk)
            budget.step(len(chunks))
        except Exception:
            template.environment.handle_exception()  # raises it, with the template's line numbers
        if over:
            raise TooLarge("the template makes the document too large")
        return chunks


def capped_join(parts: Any) -> Any:
    """`~` concatenation, with the size budget (Jinja offers no hook for it); text, numbers and
    dates only, never a repr."""
    items = list(parts)
    if sum(len(p) if isinstance(p, str) else _text_length(p) for p in items) > MAX_VALUE:
        raise _too_large()
    return check_size(markup_join(items))
