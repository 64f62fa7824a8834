"""The environment templates render in: Jinja's immutable sandbox, with a time limit and a
cap on the text a brief's templates may build.

Every template runs here, the shipped ones and a desk's overrides alike: a template is
code a desk may take from anywhere, and a brief must not run a command, read a file,
change the facts it is given, or run until killed. The sandbox refuses attributes that
reach Python's internals (``lipsum.__globals__``) and methods that change a list or a
mapping. On top of it:

- **Time.** One brief's rendering (both passes) may take at most ``RENDER_SECONDS``; a
  watchdog thread then raises :class:`RenderLimit` inside the rendering thread, wherever
  the template is (a loop of loops, a recursive macro).
- **Text.** Every piece of text the templates build is charged to one budget of
  ``MAX_TEXT`` characters per brief *before* it is allocated: the brief itself and what
  macros, ``{% set %}`` blocks and ``{% call %}`` blocks collect (``concat``), ``~``,
  ``+``, ``*``, ``%`` and the filters and string methods that can grow a text (padding,
  indent, replace, join, format). A text is counted each time it is built, so the budget
  is generous: many times what the largest fact base a brief may hold produces.
- **Numbers.** Integer ``*`` and ``**`` whose result would exceed ``MAX_INT_BITS`` are
  refused: one such operation runs in C, where no time limit can stop it.

A breach is a :class:`RenderLimit`; the renderer reports it at the template's line.
"""

from __future__ import annotations

import ctypes
import functools
import re
import string
import threading
from typing import Any, Iterable

import jinja2
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import jinja2.sandbox
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum
from markupsafe import Markup, soft_str

from .isolate import FactText, marked

# At most this many seconds to render one brief (both passes). The largest fact base a
# brief may hold renders in a few seconds; a runaway template is stopped here.
RENDER_SECONDS = 30.0
# At most this many characters of text built while rendering one brief, counted each time
# a text is made (a brief of the largest fact base builds a few million).
MAX_TEXT = 64_000_000
# Integers in a template stay below 2**MAX_INT_BITS (about 20,000 digits).
MAX_INT_BITS = 65_536
# A padding width, indent or format width in a template (a line is never wider).
MAX_WIDTH = 10_000
# lipsum() in a draft template: at most this many paragraphs of this many words.
MAX_LIPSUM = (20, 1000)


class RenderLimit(Exception):
    """A template went past a limit: too long, too much text, too large a number."""

    # (template file, line) the brief's own output had reached when the limit was met
    # between two of its pieces, where the traceback holds no template line.
    where: tuple[str, int] | None = None


def _where_paused(generator: Any) -> tuple[str, int] | None:
    """The template line a rendering generator (and the blocks it delegates to) stopped at."""
    innermost = None
    while generator is not None and getattr(generator, "gi_frame", None) is not None:
        innermost = generator.gi_frame
        generator = generator.gi_yieldfrom
    if innermost is None:
        return None
    template = innermost.f_globals.get("__jinja_template__")
    if template is None or not template.filename:
        return None
    return template.filename, template.get_corresponding_lineno(innermost.f_lineno)


class _Watchdog:
    """Raises RenderLimit in one thread once its time is up, until that thread says done."""

    def __init__(self, seconds: float):
        self._thread_id = threading.get_ident()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._fired = False
        self._seconds = seconds
        self._thread = threading.Thread(target=self._watch, name="briefs-render-watchdog", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        if self._done.wait(self._seconds):
            return
        # Raised again every second in case a handler in the way swallowed it.
        while True:
            with self._lock:
                if self._done.is_set():
                    return
                self._fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread_id), ctypes.py_object(_TimeUp))
            if self._done.wait(1.0):
                return

    def stop(self) -> None:
        while True:
            try:
                with self._lock:
                    self._done.set()
                    if self._fired:  # delivered, or still pending: never let it escape the render
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread_id), None)
                break
            except _TimeUp:  # raised on the way in: once done is set under the lock, none follows
                continue
        self._thread.join()


class _TimeUp(RenderLimit):
    def __init__(self, *args: Any):
        super().__init__(f"the templates took longer than {RENDER_SECONDS:g} seconds to render this"
                         " brief; look for a loop that does not end or does far too much")


class SandboxedTemplates(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with briefs' limits. ``limited()`` brackets one brief;
    it also remembers which template files a render used (extends, include and import all
    go through get_template), for build records and dependency tracking."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})
    loaded: dict[str, str]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.code_generator_class = _LimitedCodeGenerator
        self.loaded = {}
        self._spent = 0
        self._depth = 0
        self.globals["lipsum"] = _lipsum
        self.finalize = self.finalize_output
        # Any filter may turn its value into text: a container too long to print is refused.
        for name, function in self.filters.items():
            self.filters[name] = _checked_filter(self, function, _FILTER_CHECKS.get(name, _no_check))
        self.filters["join"] = _counted_join(self, self.filters["join"])

    def get_template(self, name, parent=None, globals=None):  # type: ignore[override]
        template = super().get_template(name, parent, globals)
        if isinstance(name, str) and template.filename:
            self.loaded[template.name or name] = template.filename
        return template

    # -- one brief ------------------------------------------------------------------
    def limited(self) -> "_Limited":
        """Context manager: the limits of one brief (nested uses share the outer one)."""
        return _Limited(self)

    def charge_text_of(self, value: Any, times: int = 1) -> None:
        """Charge a value about to become text (a list printed, joined, formatted) by the
        length it will have: a list repeating one long text is as long as its text."""
        if not isinstance(value, str):
            self.charge(_text_size(value, MAX_TEXT - self._spent) * times)

    def check_text_of(self, value: Any) -> None:
        """Refuse a container whose text would not fit in what is left of the budget."""
        if isinstance(value, _CONTAINERS) and _text_size(value, MAX_TEXT - self._spent) > MAX_TEXT - self._spent:
            self.charge(MAX_TEXT + 1)

    def finalize_output(self, value: Any) -> Any:
        """Each ``{{ ... }}`` before it becomes text: a value from the fact base is marked to
        be set in its own bidi isolate (see :mod:`briefs.isolate`)."""
        self.check_text_of(value)
        return marked(value) if isinstance(value, FactText) else value

    def charge(self, characters: int) -> None:
        """Count ``characters`` of text about to be built; RenderLimit past the budget."""
        self._spent += characters
        if self._spent > MAX_TEXT:
            raise RenderLimit(f"the templates built more than {MAX_TEXT:,} characters of text for this"
                              " brief; look for a loop or macro that repeats text without end")

    # -- hooks the sandbox calls ------------------------------------------------------
    def concat(self, parts: Iterable[Any]) -> str:  # type: ignore[override]
        """What a brief, a macro or a block produces, counted piece by piece as it comes."""
        collected: list[str] = []
        try:
            for part in parts:
                self.charge(len(part))
                collected.append(part)
                if len(collected) >= 4096:  # a reference per one-letter piece would weigh 8 times the text
                    collected[:] = ["".join(collected)]
        except RenderLimit as exc:  # met here, between two pieces: say where the template was
            exc.where = exc.where or _where_paused(parts)
            raise
        return "".join(collected)

    def joined(self, values: Iterable[Any], autoescape: bool) -> str:
        """The ``~`` operator: charged before the strings are joined."""
        values = tuple(values)
        for value in values:
            self.check_text_of(value)
        texts = [soft_str(value) for value in values]
        if autoescape and any(hasattr(text, "__html__") for text in texts):
            texts = [Markup.escape(text) for text in texts]
            self.charge(sum(map(len, texts)))
            return Markup("").join(texts)
        self.charge(sum(map(len, texts)))
        return "".join(texts)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise RenderLimit(f"a number in the template would exceed 2**{MAX_INT_BITS}")
            else:
                sequence, times = (left, right) if isinstance(right, int) else (right, left)
                if isinstance(sequence, str) and isinstance(times, int):
                    self.charge(len(sequence) * max(times, 0))
                elif isinstance(sequence, (list, tuple)) and isinstance(times, int):
                    self.charge(len(sequence) * max(times, 0))
                    self.charge_text_of(sequence, max(times, 0))
        elif operator == "+":
            if isinstance(left, str) and isinstance(right, str):
                self.charge(len(left) + len(right))
            elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
                self.charge(len(left) + len(right))
                self.charge_text_of(left)
                self.charge_text_of(right)
        elif operator == "%" and isinstance(left, str):
            _check_printf(left)
            self.check_text_of(right)
            result = super().call_binop(context, operator, left, right)
            self.charge(len(result))
            return result
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        method = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        owner = getattr(method, "__self__", None)
        for value in (*args, *kwargs.values()):
            __self.check_text_of(value)
        if isinstance(owner, str):
            args = _check_string_method(__self, owner, getattr(method, "__name__", ""), args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


class _Limited:
    def __init__(self, env: SandboxedTemplates):
        self._env = env
        self._watchdog: _Watchdog | None = None

    def __enter__(self) -> None:
        if self._env._depth == 0:
            self._env._spent = 0
            self._watchdog = _Watchdog(RENDER_SECONDS)
        self._env._depth += 1

    def __exit__(self, *exc: Any) -> None:
        try:
            self._env._depth -= 1
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()


class _LimitedCodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiles ``~`` to the environment's counted join instead of Jinja's own."""

    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile:
            autoescape = "context.eval_ctx.volatile"
        else:
            autoescape = "True" if frame.eval_ctx.autoescape else "False"
        self.write("environment.joined((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {autoescape})")


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if abs(base).bit_length() * exponent > MAX_INT_BITS:
            raise RenderLimit(f"a number in the template would exceed 2**{MAX_INT_BITS}")


def _check_width(width: Any, what: str) -> None:
    if isinstance(width, int) and width > MAX_WIDTH:
        raise RenderLimit(f"{what} {width:,} is wider than {MAX_WIDTH:,}")


_PRINTF_NUMBERS = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_printf(template: str) -> None:
    """``"%10s" % x``: widths and precisions bounded, none taken from the arguments."""
    for match in _PRINTF_NUMBERS.finditer(template):
        for number in match.groups():
            if number == "*":
                raise RenderLimit("a '*' width in a %-format is not allowed in templates")
            if number:
                _check_width(int(number), "a %-format width")


def _check_format_string(template: str) -> None:
    """``"{:>10}".format(x)``: widths bounded, none nested from the arguments."""
    for _, _, spec, _ in string.Formatter().parse(template):
        if spec and "{" in spec:
            raise RenderLimit("a nested field in a format specification is not allowed in templates")
        for number in re.findall(r"\d+", spec or ""):
            _check_width(int(number), "a format width")


def _check_string_method(env: SandboxedTemplates, text: str, name: str, args: tuple, kwargs: dict) -> tuple:
    """Charge what a string method that can grow its text is about to build; the arguments
    to call it with (an iterable to join is read once, here)."""
    if name in ("ljust", "rjust", "center", "zfill"):
        width = args[0] if args else kwargs.get("width")
        _check_width(width, f"{name}() width")
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        _check_width(size, "expandtabs() size")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = text.count(args[0]) if args[0] else len(text) + 1
        env.charge(len(text) + count * len(args[1]))
    elif name == "join" and args:
        items = list(args[0])
        env.charge(sum(len(item) for item in items if isinstance(item, str)) + len(text) * len(items))
        args = (items, *args[1:])
    elif name in ("format", "format_map"):
        _check_format_string(text)
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        env.charge(len(text) * longest)
    return args


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    paragraphs, words = MAX_LIPSUM
    if n > paragraphs or max > words or min > words:
        raise RenderLimit(f"lipsum() gives at most {paragraphs} paragraphs of {words} words")
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


def _checked_filter(env: SandboxedTemplates, function, check):
    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not isinstance(a, (jinja2.runtime.Context, jinja2.nodes.EvalContext,
                                                         jinja2.Environment))]
        for value in (*values, *kwargs.values()):
            env.check_text_of(value)
        check(env, *values, **kwargs)
        return function(*args, **kwargs)
    return checked


def _no_check(env, *args, **kwargs) -> None:
    pass


_CONTAINERS = (list, tuple, dict, set, frozenset)


def _text_size(value: Any, limit: int) -> int:
    """About how long ``value`` is as text, counting no further than past ``limit``; a
    container met again inside itself is measured once."""
    sizes: dict[int, int] = {}

    def size(item: Any) -> int:
        if isinstance(item, str):
            return len(item)
        if isinstance(item, int):
            return item.bit_length() // 3 + 2
        if not isinstance(item, _CONTAINERS):
            return 8
        known = sizes.get(id(item))
        if known is not None:
            return known
        total = 2
        for member in (item.items() if isinstance(item, dict) else item):
            total += size(member) + 2
            if total > limit:
                break
        sizes[id(item)] = total
        return total

    return size(value)


def _counted_join(env: SandboxedTemplates, join):
    """The join filter, charged for its items and separators before it joins them."""
    @functools.wraps(join)
    def counted(eval_ctx, value, d="", attribute=None):
        items = list(value)
        pieces = items if attribute is not None else [soft_str(item) for item in items]
        env.charge(sum(len(soft_str(item)) for item in pieces) + len(str(d)) * len(items))
        return join(eval_ctx, items, d, attribute)
    return counted


def _pad_check(env, value=None, width=80, *args, **kwargs) -> None:
    _check_width(width, "center width")


def _indent_check(env, value=None, width=4, *args, **kwargs) -> None:
    if isinstance(width, str):
        env.charge(len(width) * (str(value).count("\n") + 1))
    else:
        _check_width(width, "indent width")


def _replace_check(env, value=None, old="", new="", count=None, **kwargs) -> None:
    text = str(value)
    occurrences = text.count(str(old)) if str(old) else len(text) + 1
    env.charge(len(text) + occurrences * len(str(new)))


def _format_check(env, value=None, *args, **kwargs) -> None:
    _check_printf(str(value))


def _count_check(env, value=None, count=None, *args, **kwargs) -> None:
    if isinstance(count, int) and count > jinja2.sandbox.MAX_RANGE:
        raise RenderLimit(f"batch or slice of {count:,} is more than {jinja2.sandbox.MAX_RANGE:,}")


def _tojson_check(env, value=None, indent=None, **kwargs) -> None:
    _check_width(indent, "tojson indent")


_FILTER_CHECKS = {
    "center": _pad_check,
    "indent": _indent_check,
    "replace": _replace_check,
    "format": _format_check,
    "batch": _count_check,
    "slice": _count_check,
    "tojson": _tojson_check,
}
