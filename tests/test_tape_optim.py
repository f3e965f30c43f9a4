"""A step traced with its optimizer (``trace(fn, *args, optimizer=opt)``): every call is the
interpreter loop's ``opt.zero_grad(); fn(*args).backward(); opt.step()``, the update inside the
program, Python or C. After 10 moons steps the losses, every parameter's .data and .grad and
the optimizer's state_dict() equal that loop's to the bit; a state saved from one continues in
the other identically; a changed lr or .data is honoured at the next call."""

from __future__ import annotations

from array import array
from typing import Any, Callable, List

import pytest
import test_tape as T
from test_optim import NESTEROV, NesterovSGD

from autograd_mini import optim
from autograd_mini.optim_rules import Rule
from autograd_mini.tape import trace, update

OPTIMIZERS: List[Callable[[Any], optim.Optimizer]] = [
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.Adam(ps, lr=0.01, weight_decay=1e-4),
    lambda ps: optim.AdamW(ps, lr=lambda t: 0.02 / (1 + t)),  # a schedule
]
IDS = ["sgd-momentum-decay", "sgd", "adam", "adamw-schedule"]


def moons() -> tuple:
    return T.moons_model(True)


def interpreter_loop(fn: Any, args: Any, opt: optim.Optimizer, steps: int) -> List[float]:
    return interpreter_loop_batches(fn, [args] * steps, opt)


def snapshot(params: List[Any], opt: optim.Optimizer) -> tuple:
    return [p.data for p in params], [p.grad for p in params], opt.state_dict()


@pytest.fixture(params=["python", "c"])
def backend(request: Any, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "c":
        import needs

        needs.c_compiler()
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "optim_cache"))
    return str(request.param)


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_ten_steps_equal_the_interpreter_loop_to_the_bit(make: Any, backend: str) -> None:
    fn, args, params = moons()
    start = [p.data for p in params]
    opt = make(params)
    want_losses = interpreter_loop(fn, args, opt, 10)
    want = snapshot(params, opt)
    for p, x in zip(params, start):
        p.data, p.grad = x, 0.0
    opt = make(params)
    step = trace(fn, *args, backend=backend, optimizer=opt)
    for p, x in zip(params, start):  # the trace ran fn once: no step taken yet
        assert p.data == x
    assert step.last is not None and opt.params == step.last.params and update.rule_of(opt) is not None
    got_losses = [step(*args) for _ in range(10)]
    assert step.fallbacks == 0 and step.backend_used == backend
    assert got_losses == want_losses
    assert snapshot(params, opt) == want


@pytest.mark.parametrize("make", OPTIMIZERS[::2], ids=IDS[::2])
def test_a_saved_state_continues_identically_the_other_way(make: Any, backend: str) -> None:
    fn, args, params = moons()
    start = [p.data for p in params]
    opt = make(params)
    step = trace(fn, *args, backend=backend, optimizer=opt)
    step.run([args] * 3)  # three compiled steps, then save
    model_state, opt_state = [p.data for p in params], opt.state_dict()
    want = interpreter_loop(fn, args, opt, 3), snapshot(params, opt)  # the interpreter continues
    for p, x in zip(params, model_state):
        p.data = x
    opt2 = make(params)
    opt2.load_state_dict(opt_state)
    step2 = trace(fn, *args, backend=backend, optimizer=opt2)
    assert (step2.run([args] * 3), snapshot(params, opt2)) == want  # and the program, from the same state
    for p, x in zip(params, start):  # the other way: interpreted steps, then the program
        p.data = x
    opt3 = make(params)
    interpreter_loop(fn, args, opt3, 2)
    step3 = trace(fn, *args, backend=backend, optimizer=opt3)
    then = interpreter_loop_copy(fn, args, params, make, opt3.state_dict(), [p.data for p in params])
    assert step3(*args) == then


def interpreter_loop_copy(fn: Any, args: Any, params: Any, make: Any, state: Any, data: Any) -> float:
    """What one more interpreted step would give from this state (computed on a copy, the
    parameters put back afterwards)."""
    saved = [(p.data, p.grad) for p in params]
    for p, x in zip(params, data):
        p.data = x
    opt = make(params)
    opt.load_state_dict(state)
    loss = interpreter_loop(fn, args, opt, 1)[0]
    for p, (d, g) in zip(params, saved):
        p.data, p.grad = d, g
    return loss


def test_changes_between_calls_are_honoured(backend: str) -> None:
    fn, args, params = moons()
    opt = optim.SGD(params, lr=0.1, momentum=0.5)
    step = trace(fn, *args, backend=backend, optimizer=opt)
    step(*args)
    params[0].data = 0.25  # by hand
    opt.lr = 0.01
    before = [p.data for p in params], opt.state_dict()
    loss = step(*args)
    for p, x in zip(params, before[0]):
        p.data = x
    twin = optim.SGD(params, lr=0.01, momentum=0.5)
    twin.load_state_dict(before[1])
    assert loss == interpreter_loop(fn, args, twin, 1)[0] and opt.state_dict() == twin.state_dict()


def test_a_buffer_set_too_short_by_hand_is_the_optimizers_error(backend: str) -> None:
    """The program never reads past a buffer: the optimizer's own step says what is wrong."""
    fn, args, params = moons()
    opt = optim.SGD(params, lr=0.1, momentum=0.5)
    step = trace(fn, *args, backend=backend, optimizer=opt)
    step(*args)
    opt.velocity = [0.0] * 3
    with pytest.raises(IndexError):
        step(*args)
    with pytest.raises(IndexError):
        step.run([args, args])


def test_an_optimizer_over_other_parameters_still_takes_its_step() -> None:
    """Not every parameter of the step in the optimizer: its own step(), after the program's
    gradients; the result is still the interpreter loop's."""
    fn, args, params = moons()
    opt = optim.Adam(params[:10], lr=0.01)
    start = [p.data for p in params]
    want = interpreter_loop(fn, args, opt, 2), snapshot(params, opt)
    for p, x in zip(params, start):
        p.data, p.grad = x, 0.0
    opt = optim.Adam(params[:10], lr=0.01)
    step = trace(fn, *args, optimizer=opt)
    assert (step.run([args, args]), snapshot(params, opt)) == want


def test_a_bad_optimizer_is_refused() -> None:
    fn, args, _ = moons()
    with pytest.raises(TypeError, match="optimizer must be"):
        trace(fn, *args, optimizer="adam")


def test_the_update_is_in_the_program(backend: str) -> None:
    fn, args, params = moons()
    step = trace(fn, *args, backend=backend, optimizer=optim.AdamW(params))
    assert "update_adam" in step.source and "m = b1 * m + c1 * g" in step.source


def test_run_takes_batches_of_any_shapes_as_the_loop_does(backend: str) -> None:
    """Whole epochs in one call: batches of two sizes (each its own program) and one the program
    hands to the interpreter (a NaN given in), in order, equal to the interpreter loop."""
    import math
    import random

    from autograd_mini import losses, nn

    rng = random.Random(4)
    model = nn.MLP(5, [6, 4], rng=rng, fused=True)
    params = model.parameters()

    def fn(X: Any, y: Any) -> Any:
        return losses.softmax_cross_entropy(model(X), y)

    def batch(n: int) -> tuple:
        X = [[rng.uniform(-1, 1) for _ in range(5)] for _ in range(n)]
        return X, [rng.randrange(4) for _ in range(n)]

    batches = [batch(8), batch(8), batch(5), batch(8), batch(8)]
    start = [p.data for p in params]
    opt = optim.Adam(params, lr=0.02)
    want = interpreter_loop_batches(fn, batches, opt), snapshot(params, opt)
    for p, x in zip(params, start):
        p.data, p.grad = x, 0.0
    opt = optim.Adam(params, lr=0.02)
    step = trace(fn, *batches[0], backend=backend, optimizer=opt)
    taken = one_call_counter(step)
    assert (step.run(batches), snapshot(params, opt)) == want
    assert taken == ([2, 2] if backend == "c" else [])  # two runs of two batches, each in one call
    nan = ([[math.nan] * 5, *batches[1][0][1:]], batches[1][1])
    got = step.run([batches[0], nan, batches[3]])
    assert math.isnan(got[1]) and step.fallbacks >= 1  # NaN in, NaN out: the interpreter answered


def one_call_counter(step: Any) -> List[int]:
    """The steps each call of the C program's `train_many` took (it lists them as they happen)."""
    train = step.last.train
    taken: List[int] = []
    if hasattr(train, "many"):
        inner = train.many

        def counted(*args: Any) -> Any:
            found = inner(*args)
            taken.append(found[0])
            return found

        train.many = counted
    return taken


def test_a_function_of_no_arguments_trains_as_the_loop(backend: str) -> None:
    """No numbers given in (the parameters alone): calls and a run, the loop's numbers."""
    from autograd_mini import Value

    def fit() -> tuple:
        w = Value(0.5)
        return w, optim.Adam([w], lr=0.1), lambda: (w * w - 2.0) ** 2

    w, opt, fn = fit()
    want = interpreter_loop_batches(fn, [()] * 4, opt), snapshot([w], opt)
    w, opt, fn = fit()
    step = trace(fn, backend=backend, optimizer=opt)
    assert ([step(), *step.run([(), (), ()])], snapshot([w], opt)) == want and step.fallbacks == 0


def interpreter_loop_batches(fn: Any, batches: List[Any], opt: optim.Optimizer) -> List[float]:
    """The interpreter loop a step traced with `opt` stands for: the loss before each step."""
    out = []
    for args in batches:
        opt.zero_grad()
        loss = fn(*args)
        loss.backward()
        opt.step()
        out.append(loss.data)
    return out


def test_run_reads_arrays_with_the_buffer_protocol(backend: str) -> None:
    """numpy arrays (doubles, integer labels) and array('d'): the same steps as lists give, the
    batches in one call of the C program."""
    import needs

    np = needs.module("numpy", "pip install numpy")
    fn, (X, y), params = moons()
    start = [p.data for p in params]
    opt = optim.Adam(params, lr=0.01)
    step = trace(fn, X, y, backend=backend, optimizer=opt)
    want = step.run([(X, y)] * 3), snapshot(params, opt)
    for p, x in zip(params, start):
        p.data, p.grad = x, 0.0
    opt = optim.Adam(params, lr=0.01)
    step = trace(fn, X, y, backend=backend, optimizer=opt)
    arrays = (np.array(X, dtype=np.float64), np.array(y, dtype=np.int64))
    taken = one_call_counter(step)
    assert (step.run([arrays, (arrays[0], array("d", y)), arrays]), snapshot(params, opt)) == want
    assert taken == ([3] if backend == "c" else [])  # the three batches in one call of the program
    bad = (arrays[0], np.array([0, *y[1:]], dtype=np.int64))  # a label that is not ±1: as the interpreter
    with pytest.raises(ValueError, match="labels must be"):
        step.run([bad])


def test_a_call_on_arrays_is_the_call_on_lists(backend: str) -> None:
    """step(X, y) with numpy arrays: the numbers straight into the C program (no list made), the
    same step as lists give; a guard that fails or a NaN is answered by the interpreter as ever."""
    import math

    import needs

    np = needs.module("numpy", "pip install numpy")
    fn, (X, y), params = moons()
    start = [p.data for p in params]
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    step = trace(fn, X, y, backend=backend, optimizer=opt)
    want = [step(X, y) for _ in range(2)], snapshot(params, opt)
    for p, x in zip(params, start):
        p.data, p.grad = x, 0.0
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    step = trace(fn, X, y, backend=backend, optimizer=opt)
    seen: List[int] = []
    train: Any = step.last.train if step.last is not None else None
    if backend == "c":
        parts = train.parts

        def counted(*args: Any) -> Any:
            seen.append(1)
            return parts(*args)

        train.parts = counted
    arrays = (np.array(X, dtype=np.float64), np.array(y, dtype=np.int64))
    assert ([step(*arrays) for _ in range(2)], snapshot(params, opt)) == want
    assert seen == ([1, 1] if backend == "c" else []) and step.fallbacks == 0
    with pytest.raises(ValueError, match="labels must be"):
        step(arrays[0], np.array([0, *y[1:]], dtype=np.int64))
    assert step.fallbacks == 1
    assert math.isnan(step(np.full_like(arrays[0], math.nan), arrays[1])) and step.fallbacks == 2


def test_step_hooks_still_see_every_step(backend: str) -> None:
    """An optimizer whose step hooks watch it takes its own step() after the program's gradients,
    so the hooks see .grad before the update and .data after it, at every call."""
    fn, args, params = moons()
    opt = optim.SGD(params, lr=0.1, momentum=0.5)
    seen: List[tuple] = []
    opt.register_step_pre_hook(lambda o: seen.append(("pre", params[0].grad, params[0].data)))
    opt.register_step_post_hook(lambda o: seen.append(("post", params[0].grad, params[0].data)))
    step = trace(fn, *args, backend=backend, optimizer=opt)
    step.run([args, args])
    assert [s[0] for s in seen] == ["pre", "post"] * 2 and opt.steps == 2
    assert seen[0][1] != 0.0 and seen[1][2] == seen[0][2] - 0.1 * seen[0][1]  # p -= lr·(0·0.5 + g)


def test_arguments_are_read_as_before_by_the_faster_reader() -> None:
    """The reader a call goes through (types counted, rows added in turn): a matrix, a list of
    labels, rows of lists and tuples mixed, ragged rows and a bool (not a number here)."""
    from fractions import Fraction

    from autograd_mini.tape import args as arguments

    X, y = [[1.0, 2], [3.0, 4.0]], [1, -1.0]
    assert arguments.read((X, y)) == (((2, 2), 2), [1.0, 2, 3.0, 4.0, 1, -1.0], [X, y])
    assert arguments.read(([(1.0, 2.0), [3.0, 4.0]],))[:2] == (((2, 2),), [1.0, 2.0, 3.0, 4.0])
    assert arguments.read(([[1.0], [2.0, 3.0]],))[:2] == (((1, 2),), [1.0, 2.0, 3.0])  # ragged: per row
    assert arguments.read(([], [Fraction(1, 2), 1.0]))[:2] == ((0, (None, None)), [Fraction(1, 2), 1.0])
    for bad in ([[1.0, True]], [True, 1.0], [[1.0], "a"]):
        with pytest.raises(arguments.NotNumbers):
            arguments.read((bad,))


N_RULE = 5  # parameters per test of a rule: two pairs in C's SSE2 loop, then one alone


def c_update(rule: Rule) -> Any:
    """`update.c_source(rule)` compiled with a `program` over in = [P, G, B0, B1, S] writing
    out = [P, B0, B1], P and the buffers changed in place by the rule's C function."""
    from autograd_mini.tape import cbuild

    n, nb = N_RULE, len(rule.buffers)
    source = "\n".join([
        "#include <math.h>", "#include <string.h>", update.PAIRS, update.c_source(rule),
        "int program(const double *in, double *out, double *keep) {",
        "    (void)keep;",
        f"    double *B[2] = {{out + {n}, out + {2 * n}}};",
        f"    memcpy(out, in, {n} * sizeof(double));",
        f"    memcpy(out + {n}, in + {2 * n}, {nb * n} * sizeof(double));",
        f"    update_{rule.name}(out, in + {n}, in + {(2 + nb) * n}, B, {n});",
        "    return 0;", "}"])
    return cbuild.compiled(source).function


@pytest.mark.parametrize("rule", [*update.RULES.values(), NESTEROV], ids=lambda r: r.name)
def test_a_rule_gives_the_same_step_in_the_optimizer_and_in_both_programs(
    rule: Rule, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The optimizer's compiled step (`rule.run`), the Python program's function and the C
    program's, all printed from the one rule, give the same parameters and buffers to the bit."""
    import ctypes
    import math
    import random
    import struct
    from types import SimpleNamespace

    import needs

    from autograd_mini import Value

    needs.c_compiler()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    rng = random.Random(len(rule.name))
    n = N_RULE
    P, G = [rng.uniform(-2, 2) for _ in range(n)], [rng.uniform(-3, 3) for _ in range(n)]
    B = [[rng.uniform(0, 1) for _ in range(n)] for _ in rule.buffers]  # (Adam's v: >= 0)
    numbers = {s: rng.uniform(0.01, 0.99) for s in rule.scalars}
    S = [numbers[s] for s in rule.scalars]

    params = [Value(p) for p in P]
    for p, g in zip(params, G):
        p.grad = g
    opt = SimpleNamespace(params=params, **{a: list(b) for a, b in zip(rule.buffers.values(), B)})
    rule.run(opt, numbers)
    own = [p.data for p in params], [getattr(opt, a) for a in rule.buffers.values()]

    functions: dict = {"sqrt": math.sqrt}
    exec(update.python_source(rule), functions)  # noqa: S102
    py = list(P), [list(b) for b in B]
    functions[f"update_{rule.name}"](py[0], G, S, py[1])

    program = c_update(rule)
    out = ctypes.create_string_buffer(8 * n * (1 + len(B)))
    given = [*P, *G, *sum(B, []), *S]
    assert program(struct.pack(f"{len(given)}d", *given), out, None) == 0
    values = list(struct.unpack(f"{n * (1 + len(B))}d", out.raw))
    c = values[:n], [values[n * (k + 1) : n * (k + 2)] for k in range(len(B))]

    assert own == py == c and own[0] != P
    if rule is NESTEROV:  # and it is the rule as written: v = mu·v + g, p -= lr·(g + mu·v)
        v = [numbers["mu"] * b + g for b, g in zip(B[0], G)]
        assert own == ([p - numbers["lr"] * (g + numbers["mu"] * x) for p, g, x in zip(P, G, v)], [v])


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_the_optimizer_and_the_program_read_one_rule(make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An optimizer's step is its rule's compiled function (no loop of its own), and the rule the
    programs print and take is that same object, with the same numbers."""
    fn, args, params = moons()
    opt = make(params)
    rule, numbers = opt.step_rule()
    assert type(opt).update is optim.Optimizer.update and rule in optim.RULES
    assert update.RULES[rule.name] is rule and update.rule_of(opt) == (rule, numbers)
    seen: List[tuple] = []
    monkeypatch.setattr(rule, "run", lambda o, n: seen.append((o, n)))
    opt.step()
    assert seen == [(opt, numbers)] and opt.steps == 1


def test_an_optimizer_of_another_rule_takes_its_own_step(backend: str) -> None:
    """A subclass that keeps its class's rule is taken by the program; one with a rule of its own
    (not one the programs hold) takes its own step after the program's gradients: both as the loop."""

    class Adam2(optim.Adam):  # its own class, Adam's rule
        pass

    for make in (lambda ps: Adam2(ps, lr=0.01), lambda ps: NesterovSGD(ps, lr=0.05, momentum=0.9)):
        fn, args, params = moons()
        start = [p.data for p in params]
        want = interpreter_loop(fn, args, make(params), 2), [p.data for p in params]
        for p, x in zip(params, start):
            p.data, p.grad = x, 0.0
        opt = make(params)
        step = trace(fn, *args, backend=backend, optimizer=opt)
        taken = update.rule_of(opt) is not None
        assert (step.run([args, args]), [p.data for p in params]) == want
        assert taken == (type(opt) is Adam2) and step.fallbacks == 0
