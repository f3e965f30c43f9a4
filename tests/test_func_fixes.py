"""Two fixes, each checked against finite differences, hand-derived values and PyTorch (float64):

- `autograd_mini.func`: an argument left out of `argnums` reaches f as a constant Value (a float,
  or a Value), as torch.func passes a tensor on, so f may call its methods (``q.exp()``); every
  transform, nested or not, gives the derivatives torch.func gives.
- `grad()` and `backward()` refuse an output computed under `no_grad()` (a ValueError saying so),
  where they returned 0 or did nothing; PyTorch raises there too.

The torch comparisons skip where torch is not installed (and fail under CI=true, see needs.py).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Callable, Dict, List, Sequence, Tuple

import needs
import pytest

from autograd_mini import Value, func, grad, no_grad

P, Q, R = 0.7, -0.4, 1.3


def f(p: Any, q: Any) -> Any:  # both arguments used through their methods: Values or tensors alike
    return (p * q).sin() + p**3 * q.exp() + p.tanh() * q


def f3(p: Any, q: Any, r: Any) -> List[Any]:  # two outputs, three arguments
    return [f(p, q) * r.cos(), q.sigmoid() * p * r]


def g3(p: Any, q: Any, r: Any) -> Any:
    return f3(p, q, r)[0]


# (torch.func warns from inside torch that torch.jit.script is deprecated: its words, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

# Each case calls transforms from `T` (autograd_mini.func, or torch.func) on numbers made by `n`
# (floats, or float64 tensors); the argument(s) its argnums leaves out are used by Value methods.
Case = Callable[[Any, Callable[[float], Any]], Any]
CASES: Dict[str, Case] = {
    "grad": lambda T, n: T.grad(f)(n(P), n(Q)),
    "grad argnums=1": lambda T, n: T.grad(f, argnums=1)(n(P), n(Q)),
    "jacrev argnums=0": lambda T, n: T.jacrev(f, argnums=0)(n(P), n(Q)),
    "jacfwd argnums=1": lambda T, n: T.jacfwd(f, argnums=1)(n(P), n(Q)),
    "jacrev of 2 outputs, argnums=(0, 2)": lambda T, n: T.jacrev(f3, argnums=(0, 2))(n(P), n(Q), n(R)),
    "jacfwd of 2 outputs, argnums=(2, 0)": lambda T, n: T.jacfwd(f3, argnums=(2, 0))(n(P), n(Q), n(R)),
    "jacfwd of 2 outputs, argnums=1": lambda T, n: T.jacfwd(f3, argnums=1)(n(P), n(Q), n(R)),
    "hessian argnums=0": lambda T, n: T.hessian(f, argnums=0)(n(P), n(Q)),
    "hessian argnums=1": lambda T, n: T.hessian(f, argnums=1)(n(P), n(Q)),
    "hessian argnums=(0, 2)": lambda T, n: T.hessian(g3, argnums=(0, 2))(n(P), n(Q), n(R)),
    "jacfwd(jacrev) argnums=0": lambda T, n: T.jacfwd(T.jacrev(f, argnums=0), argnums=0)(n(P), n(Q)),
    "jacrev(jacfwd) argnums=1": lambda T, n: T.jacrev(T.jacfwd(f, argnums=1), argnums=1)(n(P), n(Q)),
    # nested: the inner transform's left-out argument is the outer one's variable (a Value) ...
    "grad of grad, outer q": lambda T, n: T.grad(lambda q: T.grad(f)(n(P), q))(n(Q)),
    # ... or a number given inside
    "grad of grad, inner q": lambda T, n: T.grad(lambda p: T.grad(f, argnums=1)(p, n(Q)))(n(P)),
    "jvp of grad": lambda T, n: T.jvp(lambda p: T.grad(f)(p, n(Q)), (n(P),), (n(1.0),)),
    "vjp of grad": lambda T, n: T.vjp(lambda p: T.grad(f)(p, n(Q)), n(P))[1](n(1.0)),
    "hvp of grad": lambda T, n: T.hvp(lambda p: T.grad(f)(p, n(Q)), (n(P),), (n(2.0),)),
    "hessian of grad argnums=1": lambda T, n: T.hessian(lambda p, q: T.grad(f, argnums=1)(p, q), argnums=0)(
        n(P), n(Q)),
}


def on_floats(fn: Callable[..., Any], k: int = 0) -> Callable[..., float]:
    """fn's output k (or its one output) as a function of floats."""
    def at(*xs: float) -> float:
        out = fn(*map(Value, xs))
        return float((out[k] if isinstance(out, list) else out).data)

    return at


F, F30, F31 = on_floats(f), on_floats(f3, 0), on_floats(f3, 1)
PQ, PQR = (P, Q), (P, Q, R)
# What each case gives, element by element in order: (function of floats, point, the partial
# derivative as the argument indices it is taken along, times a factor).
Partial = Tuple[Callable[..., float], Tuple[float, ...], Tuple[int, ...], float]
WANTED: Dict[str, List[Partial]] = {
    "grad": [(F, PQ, (0,), 1.0)],
    "grad argnums=1": [(F, PQ, (1,), 1.0)],
    "jacrev argnums=0": [(F, PQ, (0,), 1.0)],
    "jacfwd argnums=1": [(F, PQ, (1,), 1.0)],
    "jacrev of 2 outputs, argnums=(0, 2)": [(F30, PQR, (0,), 1.0), (F30, PQR, (2,), 1.0),
                                            (F31, PQR, (0,), 1.0), (F31, PQR, (2,), 1.0)],
    "jacfwd of 2 outputs, argnums=(2, 0)": [(F30, PQR, (2,), 1.0), (F30, PQR, (0,), 1.0),
                                            (F31, PQR, (2,), 1.0), (F31, PQR, (0,), 1.0)],
    "jacfwd of 2 outputs, argnums=1": [(F30, PQR, (1,), 1.0), (F31, PQR, (1,), 1.0)],
    "hessian argnums=0": [(F, PQ, (0, 0), 1.0)],
    "hessian argnums=1": [(F, PQ, (1, 1), 1.0)],
    "hessian argnums=(0, 2)": [(F30, PQR, (0, 0), 1.0), (F30, PQR, (0, 2), 1.0),
                               (F30, PQR, (2, 0), 1.0), (F30, PQR, (2, 2), 1.0)],
    "jacfwd(jacrev) argnums=0": [(F, PQ, (0, 0), 1.0)],
    "jacrev(jacfwd) argnums=1": [(F, PQ, (1, 1), 1.0)],
    "grad of grad, outer q": [(F, PQ, (0, 1), 1.0)],
    "grad of grad, inner q": [(F, PQ, (1, 0), 1.0)],
    "jvp of grad": [(F, PQ, (0,), 1.0), (F, PQ, (0, 0), 1.0)],
    "vjp of grad": [(F, PQ, (0, 0), 1.0)],
    "hvp of grad": [(F, PQ, (0, 0, 0), 2.0)],
    "hessian of grad argnums=1": [(F, PQ, (1, 0, 0), 1.0)],
}


def partial(fn: Callable[..., float], point: Sequence[float], along: Sequence[int], h: float) -> float:
    """The mixed partial derivative of fn along the given arguments, by nested central differences."""
    if not along:
        return fn(*point)
    i, rest = along[0], along[1:]
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    return (partial(fn, up, rest, h) - partial(fn, down, rest, h)) / (2 * h)


STEP_AND_TOLERANCE = {1: (1e-5, 1e-8), 2: (1e-4, 1e-6), 3: (1e-3, 1e-4)}  # by the order of the derivative


def floats(x: Any) -> List[float]:
    """The numbers of a result, nested lists and tuples (or tensors) read in order."""
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in floats(item)]
    if hasattr(x, "reshape"):  # a torch tensor
        return [float(y) for y in x.reshape(-1).tolist()]
    assert type(x) is float, f"a transform returned {type(x).__name__} {x!r}, not a float"
    return [x]


def ours(name: str) -> Any:
    return CASES[name](func, lambda x: x)


def test_every_case_has_its_wanted_derivatives() -> None:
    assert CASES.keys() == WANTED.keys()


@pytest.mark.parametrize("name", CASES)
def test_a_left_out_argument_is_a_constant_value_as_finite_differences_say(name: str) -> None:
    got = floats(ours(name))
    assert len(got) == len(WANTED[name])
    for value, (fn, point, along, factor) in zip(got, WANTED[name]):
        h, tol = STEP_AND_TOLERANCE[len(along)]
        want = factor * partial(fn, point, along, h)
        assert abs(value - want) <= tol * max(1.0, abs(want)), f"{name}: {value} vs finite differences {want}"


def test_the_reports_function_by_hand() -> None:
    def qa(p: Value, q: Value) -> Value:  # sin(pq) + p³eq: the report's crash
        return (p * q).sin() + p**3 * q.exp()

    p, q = P, Q
    d_p = q * math.cos(p * q) + 3 * p**2 * math.exp(q)
    d_pp = -(q**2) * math.sin(p * q) + 6 * p * math.exp(q)
    d_ppp = -(q**3) * math.cos(p * q) + 6 * math.exp(q)
    assert func.grad(qa)(p, q) == pytest.approx(d_p, rel=1e-14)  # 0.60094829...
    assert func.hessian(qa, argnums=0)(p, q) == pytest.approx(d_pp, rel=1e-14)
    assert func.jacfwd(qa, argnums=0)(p, q) == pytest.approx(d_p, rel=1e-14)
    assert func.hvp(lambda x: func.grad(qa)(x, q), (p,), (1.0,)) == pytest.approx([d_ppp], rel=1e-13)


@pytest.mark.parametrize("name", CASES)
def test_every_transform_with_a_left_out_argument_matches_torch_func(name: str) -> None:
    torch = needs.module("torch", "pip install 'autograd_mini[torch]'")
    tf = torch.func

    def hvp(fn: Callable[..., Any], primals: Tuple[Any, ...], v: Tuple[Any, ...]) -> Any:
        return tf.jvp(tf.grad(fn, argnums=tuple(range(len(primals)))), primals, v)[1]

    # torch.func, with hvp as jvp of grad (torch.func has no hvp of its own)
    names = ("grad", "jacrev", "jacfwd", "hessian", "jvp", "vjp")
    T = SimpleNamespace(hvp=hvp, **{k: getattr(tf, k) for k in names})
    theirs = floats(CASES[name](T, lambda x: torch.tensor(x, dtype=torch.float64)))
    got = floats(ours(name))
    assert len(got) == len(theirs)
    for a, b in zip(got, theirs):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b)), f"{name}: {got} vs torch.func {theirs}"


def test_what_f_receives_for_a_left_out_argument() -> None:
    seen: List[Any] = []

    def spy(x: Value, *rest: Any) -> Value:
        seen.extend(rest)
        return x * 2

    w = Value(5.0, label="w")
    w_graph = w * 3  # the caller's own node, with a graph
    assert func.grad(spy)(1.0, -0.4, w_graph, 3, True, "tag", None) == 2.0
    q, v, *others = seen
    assert type(q) is Value and q.data == -0.4 and q.is_leaf()  # a float: a constant Value
    assert type(v) is Value and v.data == 15.0 and v.is_leaf() and v is not w_graph  # a new leaf
    assert others == [3, True, "tag", None] and type(others[0]) is int  # the rest as they came
    assert w.grad == 0.0 and w_graph.grad == 0.0 and w_graph.parents == (w,)  # left alone


def test_an_int_left_out_stays_an_int_for_exponents_and_counts() -> None:
    # a negative base needs a number exponent (a Value exponent needs a base >= 0)
    assert func.grad(lambda x, n: x**n)(-2.0, 3) == 12.0  # 3x²
    powers = lambda x, n: sum((x**k for k in range(n)), Value(0.0))  # noqa: E731  (1 + x + x² + x³)
    assert func.jacfwd(powers, argnums=0)(2.0, 4) == 1 + 4 + 12


def test_a_left_out_argument_gets_no_derivative_but_moves_the_others() -> None:
    # d/dp of p·q is q whatever q is; q itself is not differentiated, so no pass goes to it
    with func.count_passes() as passes:
        assert func.jacfwd(lambda p, q: p * q.exp(), argnums=0)(2.0, 0.5) == math.exp(0.5)
    assert (passes.forward, passes.reverse) == (1, 0)


# ---- an output computed under no_grad() ----


def test_grad_of_an_output_computed_under_no_grad_is_refused() -> None:
    x = Value(3.0, label="x")
    with no_grad():
        message = (r"^grad: the output Value\(data=9, grad=0\) was computed under no_grad\(\), so no graph "
                   r"was recorded to differentiate; compute it outside the no_grad\(\) block")
        with pytest.raises(ValueError, match=message):
            grad(x * x, x)
        z = x * 3
        with pytest.raises(ValueError, match=r"^grad: the output .* under no_grad\(\)"):
            grad(z, [x], create_graph=True)
    with pytest.raises(ValueError, match=r"^grad: the output .* under no_grad\(\)"):
        grad(z, x)  # outside the block too: z has no graph


def test_backward_of_an_output_computed_under_no_grad_is_refused_and_changes_nothing() -> None:
    x = Value(3.0)
    x.grad = 0.5
    with no_grad():
        z = x * 3
        with pytest.raises(ValueError, match=r"^backward: the output Value\(data=9, grad=0\) was computed"):
            z.backward()
    with pytest.raises(ValueError, match=r"^backward: .* under no_grad\(\)"):
        z.backward()
    assert (x.grad, z.grad) == (0.5, 0.0)


def test_an_output_recorded_before_no_grad_is_differentiated_inside_it() -> None:
    x = Value(3.0)
    y = x * x  # recorded
    with no_grad():
        assert grad(y, x) == 6.0
        y.backward()
    assert x.grad == 6.0


def test_leaves_and_unused_inputs_keep_their_derivatives() -> None:
    x, u = Value(3.0), Value(1.0)
    with no_grad():
        z = x * 3
        assert grad(z, z) == 1.0 and grad(z, [z, x]) == [1.0, 0.0]  # one of the inputs: d(z)/d(z) = 1
        assert grad(x, x) == 1.0 and grad(x, u) == 0.0  # a leaf the user made, as ever
    assert grad(x * x, [x, u]) == [6.0, 0.0]  # an input the output does not depend on gets 0
    assert grad(z * x, x) == 9.0  # z made under no_grad counts as a constant further on
    d = (x * x).detach()  # detach() gives the user a leaf of their own: it may be differentiated
    d.backward()
    assert d.grad == 1.0
    dx, du = grad(x**3, [x, u], create_graph=True)
    assert grad(du, x) == 0.0  # the 0 of an unused input, made a Value, is no no_grad result
    w = Value(2.0)
    w.backward()
    assert w.grad == 1.0


def test_torch_refuses_the_same_outputs() -> None:
    torch = needs.module("torch", "pip install 'autograd_mini[torch]'")
    x = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        y = x * x
        with pytest.raises(RuntimeError, match="does not require grad"):
            torch.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    y = x * x
    with torch.no_grad():  # recorded before: differentiated inside, as here
        assert torch.autograd.grad(y, x)[0].item() == 6.0
