"""An operation defined once, by formulas: its value and its local derivatives (`Op`, `defop`).

``defop("hypot(a, b)", value="sqrt(a*a + b*b)", grads=["a / out", "b / out"])`` is the whole
definition of hypot: the text is parsed once (`expr.parse`, a whitelist, never `eval`) and everything
else is derived from the two formulas:

- ``forward``: the value on floats, compiled from `value`;
- ``terms(g, out, const, *inputs)``: what the upstream gradient g sends to each input, g times
  each formula of `grads`, compiled once; it runs on floats in ``backward()`` and on Values for
  ``grad(..., create_graph=True)``, where each function it calls is the operation of that name,
  so a derivative can be differentiated again, to any order;
- calling the op makes one node of the graph, whose ``op`` is its name;
- explain's text, the pictures' and the stepper's names, the formula parser's functions and the
  generated programs (`autograd_mini.tape`), which print the same formulas as Python or C.

In a derivative, ``out`` is the op's own value. A formula may call the library's functions, the
ops defined before it, and ``where(cond, a, b)`` (comparisons ``< <= > >= == !=``, ``and``,
``or``), which computes only the branch it takes; a value may also call the math functions of
`calls.MATH_FUNCTIONS` (sinh, atan...). What a user's formulas call is checked at once (calls.py).

>>> hypot = defop("hypot(a, b)", value="sqrt(a*a + b*b)", grads=["a / out", "b / out"])
>>> from autograd_mini import Value
>>> a = Value(3.0)
>>> y = hypot(a, 4.0)
>>> y.backward()
>>> y.data, y.op, a.grad
(5.0, 'hypot', 0.6)
"""

from __future__ import annotations

import keyword
import math
import re
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from .. import checks
from .calls import MATH_FUNCTIONS, check_arities, derivatives_call_ops, parse_value
from .expr import PYTHON, SHOWN, BinOp, Call, Expr, Name, Num, calls_in, fold, parse, times
from .rules import Rule
from .value import Value, overflow, record


def sigmoid(x: float) -> float:
    """1 / (1 + exp(-x)), computed so that no exp overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # never overflows for x < 0
    return e / (1.0 + e)


# The functions of the math library by name, on floats (and sigmoid in its stable form above, abs as
# Python's). An op whose value calls its own name (``exp(x)``, ``erf(x)``) is one of these: a
# primitive (the C program calls C's function of the same name, which Python's math module calls).
PRIMITIVES: Dict[str, Callable[..., float]] = {
    **{n: f for n in dir(math) if not n.startswith("_") and callable(f := getattr(math, n))},
    "sigmoid": sigmoid, "abs": abs,
}


class BuiltinNameWarning(UserWarning):
    """A user's op took a built-in operation's name (`defop`): formulas now call the user's."""


def library(name: str) -> Optional[Callable[..., float]]:
    """The library function called `name`, on floats, or None."""
    return PRIMITIVES.get(name)


# What a check (an op's `raises`) may ask of a number besides comparing it.
PREDICATES: Dict[str, Callable[[float], bool]] = {"fractional": lambda x: not float(x).is_integer()}
OPS: Dict[str, Op] = {}  # every operation by name, as formulas call them now
BUILT_IN: Dict[str, Op] = {}  # the library's own, which a user's op of the same name does not replace
RESERVED = {"out", "g", "where", "pi", "c", *keyword.kwlist}
_SIGNATURE = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)?\s*\)\s*$")


class Op(Rule):
    """One operation: its name, its `args`, its formulas, and what is compiled from them.

    `const` names a number the node keeps (the c of ``x * c``, a slope), `default` its
    value when the op is called by name; `raises` are the checks made before the value is
    computed, each (condition, error class, message); `activation` marks the ops a layer may use.
    """

    __slots__ = ("args", "const", "default", "value", "grads", "value_text", "grad_texts", "raises",
                 "for_layers", "named", "forward", "checks", "builtin", "__weakref__")

    def __init__(self, signature: str, value: str, grads: Sequence[str], *, symbol: str = "",
                 const: str = "", default: Optional[float] = None,
                 raises: Sequence[Tuple[str, Any, str]] = (),
                 activation: bool = False, named: bool = True, where: str = "defop") -> None:
        name, args = _signature(signature, where)
        super().__init__(name, symbol or name, self._terms_not_ready)
        self.args, self.const, self.default = args, const, default
        self.for_layers, self.named = activation, named
        self.value_text = value
        self.builtin = where == "ops"
        table = BUILT_IN if self.builtin else OPS
        ops = {n for n, o in table.items() if o.named}
        primitives = set(PRIMITIVES) if self.builtin else user_primitives()
        known = ops | {name} | primitives
        scope = {*args, *([const] if const else [])}
        self.value = parse_value(value, scope, ops | primitives, name, where)
        if isinstance(grads, str) or not isinstance(grads, (list, tuple)):
            raise TypeError(f"{where} {name}: grads must be a list of formulas, one per argument")
        if len(grads) != len(args):
            raise ValueError(f"{where} {name}: grads has {len(grads)} formulas for {len(args)} "
                             f"arguments ({', '.join(args)}): give one derivative per argument")
        self.grad_texts = tuple(grads)
        self.grads = tuple(parse(t, scope | {"out"}, known, f"{where} {name}: grads[{k}] (d{name}/d{a})")
                           for k, (t, a) in enumerate(zip(grads, args)))
        tests = known | set(PREDICATES)
        self.raises = tuple((parse(c, scope, tests, f"{where} {name}: raises"), error, message)
                            for c, error, message in raises)
        if not self.builtin:
            self._check_calls(table, ops)
        if name in calls_in(self.value) and name not in primitives:
            raise ValueError(f"{where} {name}: the value calls {name} itself: write it with other functions")
        self.forward = self._compile_forward()
        self.terms = self._compile_terms()
        self.checks = [(self._compile_check(c), error, message) for c, error, message in self.raises]

    def __repr__(self) -> str:
        return f"Op({self.name}({', '.join(self.args)}) = {self.value_text})"

    def _check_calls(self, table: Dict[str, Op], ops: Set[str]) -> None:
        """A user's formulas: the derivatives call ops only, each call has the arguments it takes."""
        derivatives_call_ops(self.name, self.args, self.grads, ops)
        arities = {n: (len(o.args), f" ({o.const} is {o.default:g} in a formula)" if o.const else "")
                   for n, o in table.items() if n in ops}
        arities[self.name] = (len(self.args), "")
        parts = [("value", self.value), *((f"grads[{k}]", d) for k, d in enumerate(self.grads)),
                 *(("raises", c) for c, _, _ in self.raises)]
        check_arities(self.name, parts, arities)

    def primitive(self) -> bool:
        """Whether the value is a function of the library itself (exp(x)), not made of others."""
        v = self.value
        return isinstance(v, Call) and v.fn == self.name and library(self.name) is not None

    @staticmethod
    def _terms_not_ready(*args: Any) -> Any:  # pragma: no cover - replaced before any use
        raise RuntimeError("op not compiled yet")

    # ---- what is compiled from the formulas ----

    def params(self) -> List[str]:
        return [*self.args, *([self.const] if self.const else [])]

    def _compile_forward(self) -> Callable[..., float]:
        if self.primitive():
            return library(self.name)  # type: ignore[return-value]
        names = {n: n for n in self.params()}
        body = f"    return {PYTHON.print(self.value, names)}"
        scope = float_functions(self.value, table=self._table())
        return compile_function("forward", self.params(), body, scope, self.name)

    def _table(self) -> Dict[str, Op]:
        return BUILT_IN if self.builtin else OPS

    def _compile_check(self, cond: Expr) -> Callable[..., bool]:
        body = f"    return {PYTHON.print(cond, {n: n for n in self.params()}, plain=True)}"
        scope = float_functions(cond, table=self._table())
        return compile_function("check", self.params(), body, scope, self.name)

    def _compile_terms(self) -> Callable[..., Tuple[Any, ...]]:
        names = {n: n for n in (*self.args, "out", "g")}
        if self.const:
            names[self.const] = "c"
        terms = [PYTHON.print(times(Name("g"), d), names) for d in self.grads]
        body = f"    return ({', '.join(terms)},)"
        scope = any_functions([*self.grads], self)
        return compile_function("terms", ["g", "out", "c", *self.args], body, scope, self.name)

    def local_text(self, names: Sequence[str], out: str, inputs: Sequence[float], value: float,
                   const: Any) -> Tuple[str, ...]:
        """Each local derivative as the definition writes it, with the parents' `names` (and `out`
        for the node) put in, then with their numbers: ``'x / v3 = 3 / 5'``."""
        named = dict(zip(self.args, names), out=out)
        numbers = {a: _short(x) for a, x in zip(self.args, inputs)}
        numbers["out"] = _short(value)
        if self.const:
            named[self.const] = numbers[self.const] = _short(const)
        texts = []
        for d in self.grads:
            if self.const:  # its number known: where() on it decided, the arithmetic on numbers done
                d = _power_one(fold(d, {self.const: Num(float(const))}, PREDICATES))
            formula, filled = SHOWN.print(d, named, plain=True), SHOWN.print(d, numbers, plain=True)
            texts.append(formula if formula == filled else f"{formula} = {filled}")
        return tuple(texts)

    # ---- making a node ----

    def __call__(self, *args: Any) -> Value:
        """One node of the graph: numbers or Values in (numbers become constant leaves)."""
        if len(args) != len(self.args):
            raise TypeError(f"{self.name}: takes {len(self.args)} arguments ({', '.join(self.args)}), "
                            f"got {len(args)}")
        parents = tuple(a if type(a) is Value else Value(checks.real(a, self.name, "a Value or a number"))
                        for a in args)
        xs = [p.data for p in parents]
        const = self.default if self.const else None
        return record(compute(self, xs, const), parents, self, const)


def _power_one(e: Expr) -> Expr:
    """`e` with each ``a ** 1`` written ``a``, as a person writes it (for explain's text only)."""
    if isinstance(e, BinOp) and e.op == "**" and e.right == Num(1.0):
        return _power_one(e.left)
    if isinstance(e, Call):
        return Call(e.fn, tuple(map(_power_one, e.args)))
    if isinstance(e, (Num, Name)):
        return e
    return type(e)(*[_power_one(x) if isinstance(x, tuple) else x for x in e])  # type: ignore[arg-type]


def _short(x: float) -> str:
    text = f"{x:.4g}"
    return f"({text})" if text.startswith("-") else text


def functions() -> List[str]:
    """The names a formula may call: every named op (built-in or defined with `defop`), now."""
    return [n for n, op in OPS.items() if op.named]


def compute(op: Op, xs: Sequence[float], const: Any) -> float:
    """`op`'s value at the floats `xs`, after its checks; an error naming the op where the value
    cannot be computed from finite inputs (IEEE's NaN where an input is already NaN or infinite)."""
    args = [*xs, *([const] if op.const else [])]
    for check, error, message in op.checks:
        if check(*args):
            raise error(f"{op.symbol}: " + message.format(**{k: repr(v) for k, v in zip(op.params(), args)}))
    try:
        return op.forward(*args)
    except (ValueError, ArithmeticError) as e:
        return failed(op, xs, const, e)


def failed(op: Rule, xs: Sequence[float], const: Any, e: Exception) -> float:
    """What a failed computation of `op` gives: NaN if an input was not finite, else an error."""
    if not all(math.isfinite(x) for x in xs):
        return math.nan
    from .text import describe_call

    call = describe_call(op, xs, const)
    if isinstance(e, OverflowError):
        raise overflow(op, xs, const) from None
    if isinstance(e, ZeroDivisionError):
        raise ZeroDivisionError(f"{op.symbol}: {call} divides by zero") from None
    raise ValueError(f"{op.symbol}: {call} is outside its domain ({e})") from None


# ---- the functions a compiled formula calls ----


def float_functions(*exprs: Expr, table: Optional[Dict[str, Op]] = None) -> Dict[str, Callable[..., float]]:
    """Each function the formulas call, on floats: an op's forward (from `table`, the ops as they
    are now by default), or the math library's."""
    ops = OPS if table is None else table
    out: Dict[str, Callable[..., float]] = {}
    for fn in set().union(*map(calls_in, exprs)):
        found = PREDICATES.get(fn) or (_on_floats(ops[fn]) if fn in ops else library(fn))
        out[fn] = found  # type: ignore[assignment]
    return out


def _on_floats(op: Op) -> Callable[..., float]:
    """`op` as a formula calls it on floats: its arguments alone, its number at its default."""
    if not op.const:
        return op.forward
    forward, fixed = op.forward, op.default
    return lambda *xs: forward(*xs, fixed)


def any_functions(exprs: Sequence[Expr], self_op: Op) -> Dict[str, Callable[..., Any]]:
    """Each function the formulas call, on floats and on Values: on floats its value, on Values
    the op of that name, so that the derivative is itself a graph. A user's op reads the ops as
    they are when it is defined; a built-in reads the built-ins, when first met (pow's derivative
    calls log, which the table defines after pow), whatever a user defines later."""
    out: Dict[str, Callable[..., Any]] = {}
    for fn in set().union(*map(calls_in, exprs)):
        if fn == self_op.name:
            op: Any = self_op
        elif self_op.builtin:
            op = BUILT_IN.get(fn)
        else:
            op = OPS[fn]
        if op is None or op.primitive():  # a built-in primitive met before its definition
            out[fn] = _either_unary(fn, library(fn))  # type: ignore[arg-type]
        else:
            out[fn] = _either(op)
    return out


def _either_unary(fn: str, forward: Callable[[float], float]) -> Callable[[Any], Any]:
    return lambda x: forward(x) if type(x) is float else BUILT_IN[fn](x)


def _either(op: Op) -> Callable[..., Any]:
    if len(op.args) == 1 and not op.const:
        forward = op.forward
        return lambda x: forward(x) if type(x) is float else op(x)
    forward, fixed = op.forward, [op.default] if op.const else []
    return lambda *xs: forward(*xs, *fixed) if all(type(x) is float for x in xs) else op(*xs)


def compile_function(name: str, params: List[str], body: str, scope: Dict[str, Any],
                     op: str) -> Callable[..., Any]:
    """A function from source this module wrote from a parsed formula (never the user's text)."""
    source = f"def {name}({', '.join(params)}):\n{body}\n"
    namespace: Dict[str, Any] = {"__builtins__": {}, "inf": math.inf, "nan": math.nan, **scope}
    exec(compile(source, f"<{op}.{name}>", "exec"), namespace)  # noqa: S102
    f = namespace[name]
    f.source = source
    return f  # type: ignore[no-any-return]


def user_primitives() -> Set[str]:
    """The library functions a user's op may call in its value (or be, if it takes their name):
    the built-in primitives (exp, log...) and `MATH_FUNCTIONS` (see calls.py)."""
    return {n for n, op in BUILT_IN.items() if op.primitive()} | MATH_FUNCTIONS


def _signature(signature: str, where: str) -> Tuple[str, Tuple[str, ...]]:
    if not isinstance(signature, str):
        got = checks.shown(signature)
        raise TypeError(f"{where}: the signature must be a str such as 'hypot(a, b)', got {got}")
    found = _SIGNATURE.match(signature)
    if not found:
        raise ValueError(f"{where}: the signature must read name(arg, ...), as in 'hypot(a, b)', "
                         f"got {signature!r}")
    name = found.group(1)
    args = tuple(a.strip() for a in (found.group(2) or "").split(",") if a.strip())
    if not args:
        raise ValueError(f"{where} {name}: needs at least one argument")
    for n in (name, *args):
        if n in RESERVED:
            raise ValueError(f"{where}: {n!r} is a reserved name (reserved: out, g, c, where, pi and "
                             "Python's keywords)")
    if len(set(args)) < len(args):
        raise ValueError(f"{where} {name}: an argument name is repeated in {signature!r}")
    if name in args:
        raise ValueError(f"{where} {name}: an argument has the op's own name")
    return name, args


def defop(signature: str, value: str, grads: Sequence[str]) -> Op:
    """Define an operation by its value and its local derivatives, as formulas (see module doc).

    `signature` is ``"name(arg, ...)"``; `value` the formula of its value; `grads` one formula per
    argument, d(out)/d(arg), which may also use ``out``. It returns the op: call it with numbers
    or Values to make a node. Defining a name again (a notebook cell run twice) replaces your
    earlier op for the formulas read from then on. A built-in's name may be taken too (to compare
    your own definition with ours): formulas then call yours, while the `Value` methods, the
    layers and the built-ins' own derivatives keep the library's; a `BuiltinNameWarning` says so.
    """
    op = Op(signature, value, grads)
    name = op.name
    if name in BUILT_IN and OPS.get(name) is BUILT_IN[name]:
        method = f"x.{name}()" if hasattr(Value, name) else f"{name}(x) of a Value"
        layers = ", the layers" if BUILT_IN[name].for_layers else ""
        warnings.warn(BuiltinNameWarning(
            f"defop {name}: {name} is a built-in operation's name: the formulas read in this process now "
            f"call yours, while {method}{layers} and the built-ins' own derivatives keep the library's "
            "(choose another name to keep both apart)"), stacklevel=2)
    OPS[name] = op
    return op


def builtin(op: Op) -> Op:
    """Add a built-in op to the table (ops.py)."""
    OPS[op.name] = BUILT_IN[op.name] = op
    return op

