"""Jinja's immutable sandbox, plus budgets against a template that would exhaust the machine.

Templates are untrusted: schools edit them. No value a template builds (by
repetition, padding, formatting, joining, replacing, concatenating or powers)
may exceed MAX_VALUE; each render stops past MAX_OUTPUT_CHARS of output,
MAX_LOOP_STEPS steps over range() or MAX_RENDER_SECONDS (checked as output is
produced and as range() steps). Loops over record data are bounded by the
record's size.
"""

from __future__ import annotations

import contextvars
import functools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, markup_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

MAX_OUTPUT_CHARS = 20 * 1024 * 1024  # one part of one document, as XML
MAX_LOOP_STEPS = 2_000_000  # steps over range() in one render
MAX_RENDER_SECONDS = 20.0
MAX_VALUE = 2_000_000  # characters or items in any one value a template builds
MAX_INT_BITS = 10_000
_HUGE_NUMBER = re.compile(r"\d{7,}")  # a width or count in the millions, inside a format string


class TooLarge(SecurityError):
    """A template tried to build a value beyond the size budget, or ran out of its budget."""


def _too_big(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value.bit_length() > MAX_INT_BITS
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > MAX_VALUE
    return False


def check_size(value: Any) -> Any:
    if _too_big(value):
        raise TooLarge("the template builds a value too large for a document")
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


class Sandbox(ImmutableSandboxedEnvironment):
    """The environment every template runs in (see the module's docstring for the budgets)."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and not isinstance(right, bool):
            too_big = abs(right) > 100
            if isinstance(left, int) and abs(left) > 1:
                too_big = too_big or left.bit_length() * abs(right) > MAX_INT_BITS
            if too_big:
                raise TooLarge("the template computes a number too large for a document")
        if operator == "*":
            count, other = (right, left) if isinstance(right, int) else (left, right)
            if isinstance(other, (str, list, tuple)) and isinstance(count, int) and len(other) * count > MAX_VALUE:
                raise TooLarge("the template builds a value too large for a document")
        if operator == "%":
            check_width(left)
        return check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_arguments(args, kwargs)
        return check_size(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` and `format_map`, reached as attributes: Jinja ≥ 3.1.5 sandboxes them here
        (the older `format_string` hook is gone), so the widths are checked here too."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        check_width(value.__self__)

        @functools.wraps(wrapped)
        def bounded(*args: Any, **kwargs: Any) -> str:
            check_arguments(args, kwargs)
            for arg in args:  # format_map's mapping: its values are arguments too
                if isinstance(arg, dict):
                    check_arguments((), arg)
            result: str = check_size(wrapped(*args, **kwargs))
            return result

        return bounded


def capped_filter(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses huge counts and widths and never returns a huge value."""
    value_at = 1 if hasattr(fn, "jinja_pass_arg") else 0  # after the context or environment

    @functools.wraps(fn)  # keeps Jinja's pass_context marker
    def capped(*args: Any, **kwargs: Any) -> Any:
        if len(args) > value_at:
            check_width(args[value_at])  # the format filter's own string
        check_arguments(args[value_at + 1 :], kwargs)
        return check_size(fn(*args, **kwargs))

    return capped


class _Budget:
    """What one render may still spend: loop steps and time. One per render, per thread."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_LOOP_STEPS:
            raise TooLarge("the template loops too many times for a document")
        if self.steps % 4096 < count and time.monotonic() > self.deadline:
            raise TooLarge(f"the template takes longer than {MAX_RENDER_SECONDS:g} s to render")


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("docgen_budget", default=None)


def _charge(count: int = 1) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.step(count)


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


def bounded_render(template: jinja2.Template, ctx: dict[str, Any]) -> str:
    """Render, stopping as soon as the output grows too large or the budget runs out."""
    token = _budget.set(_Budget())
    try:
        chunks, size = [], 0
        for chunk in template.generate(ctx):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TooLarge("the template makes the document too large")
            chunks.append(chunk)
            _charge(0)
        return "".join(chunks)
    finally:
        _budget.reset(token)


def capped_join(parts: Any) -> Any:
    """`~` concatenation, with the size budget (Jinja offers no hook for it)."""
    items = list(parts)
    if sum(len(str(p)) for p in items) > MAX_VALUE:
        raise TooLarge("the template builds a value too large for a document")
    return markup_join(items)
