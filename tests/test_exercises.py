"""The exercises: a right answer passes, each known mistake gets its own hint (naming the element,
its value, the right value and the mistake), shapes are said as shapes, the learner's errors come
with their line, stubs report "not done yet", a hanging answer is stopped, prints are kept apart."""

from __future__ import annotations

import math
import multiprocessing
import random
import re
import subprocess
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from needs import module
from one_process import run_each

from autograd_mini import Value, exercises, grad
from autograd_mini.exercises import layers, reference, running
from autograd_mini.formula import Formula

SEED = 3


# An accepted derivative becomes an op in the engine's table: conftest's _ops_as_they_were takes them
# out again after each test.


# ---- a learner's answers: right, and with each known mistake ----

def g(z: float, activation: str) -> float:
    if activation == "tanh":
        return math.tanh(z)
    return 1 / (1 + math.exp(-z)) if activation == "sigmoid" else max(z, 0.0)


def g_prime(z: float, activation: str) -> float:
    if activation == "tanh":
        return 1 - math.tanh(z) ** 2
    if activation == "sigmoid":
        return g(z, activation) * (1 - g(z, activation))
    return 1.0 if z > 0 else 0.0


def layer_backward(W: Any, A_prev: Any, Z: Any, dA: Any, activation: str, mistake: str = "") -> Any:
    n, m, N = len(W), len(A_prev), len(Z[0])
    if mistake == "no g'":
        dZ = [[dA[i][k] for k in range(N)] for i in range(n)]
    elif mistake == "g' at A":
        dZ = [[dA[i][k] * g_prime(g(Z[i][k], activation), activation) for k in range(N)] for i in range(n)]
    elif mistake == "g for g'":
        dZ = [[dA[i][k] * g(Z[i][k], activation) for k in range(N)] for i in range(n)]
    elif mistake == "1 - Z**2":
        dZ = [[dA[i][k] * (1 - Z[i][k] ** 2) for k in range(N)] for i in range(n)]
    else:
        dZ = [[dA[i][k] * g_prime(Z[i][k], activation) for k in range(N)] for i in range(n)]
    mean = 1.0 if mistake == "no 1/N in dW" else 1.0 / N
    dW = [[mean * sum(dZ[i][k] * A_prev[j][k] for k in range(N)) for j in range(m)] for i in range(n)]
    dB = [sum(row) / N for row in dZ]
    if mistake == "W for Wᵀ":
        dA_prev = [[sum(W[j][i] * dZ[i][k] for i in range(n)) for k in range(N)] for j in range(m)]
    else:
        dA_prev = [[sum(W[i][j] * dZ[i][k] for i in range(n)) for k in range(N)] for j in range(m)]
    if mistake == "dW transposed":
        dW = [list(column) for column in zip(*dW)]
    if mistake == "sign of dW":
        dW = [[-x for x in row] for row in dW]
    if mistake == "no 1/N in dB":
        dB = [sum(row) for row in dZ]
    if mistake == "dB over neurons":
        dB = [sum(column) / N for column in zip(*dZ)]
    if mistake == "dA_prev / N":
        dA_prev = [[x / N for x in row] for row in dA_prev]
    if mistake == "dB as a column":
        dB = [[x] for x in dB]
    if mistake == "flat dZ":
        dZ = [row[0] for row in dZ]
    return dZ, dW, dB, dA_prev


def neuron_backward(w: Any, a_prev: Any, z: float, da: float, activation: str, mistake: str = "") -> Any:
    dz = da if mistake == "no g'" else da * g_prime(z, "tanh" if mistake == "always tanh" else activation)
    if mistake == "g' at a":
        dz = da * g_prime(g(z, activation), activation)
    if mistake == "1 - z**2":
        dz = da * (1 - z * z)
    dw, da_prev = [dz * a for a in a_prev], [wj * dz for wj in w]
    if mistake == "swapped":
        dw, da_prev = da_prev, dw
    return (-dz if mistake == "sign" else dz), dw, dz, da_prev


def mlp_backward(Ws: Any, Bs: Any, X: Any, activations: Any, dA: Any, mistake: str = "") -> Any:
    As, Zs = [X], []
    for W, B, activation in zip(Ws, Bs, activations):
        A = As[-1]
        Z = [[sum(W[i][j] * A[j][k] for j in range(len(A))) + B[i] for k in range(len(A[0]))]
             for i in range(len(W))]
        Zs.append(Z)
        As.append([[g(z, activation) for z in row] for row in Z])
    grads = []
    for layer in reversed(range(len(Ws))):
        top = "no 1/N in dW" if mistake == "no 1/N" and layer == len(Ws) - 1 else \
            "no g'" if mistake == "no g' below" and layer < len(Ws) - 1 else ""
        dZ, dW, dB, dA = layer_backward(Ws[layer], As[layer], Zs[layer], dA, activations[layer], top)
        if mistake == "dA_prev / N":
            dA = [[x / len(X[0]) for x in row] for row in dA]
        grads.append((dW, dB))
    return grads if mistake == "last layer first" else grads[::-1]


RIGHT_DERIVATIVES = {
    "tanh(x)": "1 - tanh(x)**2", "sigmoid(x)": "sigmoid(x) * (1 - sigmoid(x))", "x**3": "3*x**2",
    "exp(x)": "exp(x)", "log(x)": "1/x", "sqrt(x)": "1/(2*sqrt(x))", "1/x": "-1/x**2",
    "softplus(x)": "sigmoid(x)",
}


# ---- right answers pass; the grader's numbers are the engine's ----

@pytest.mark.parametrize("name, answer", [
    ("neuron", neuron_backward), ("layer", layer_backward), ("batch", layer_backward),
    ("mlp", mlp_backward), ("derivatives", RIGHT_DERIVATIVES),
])
def test_a_right_answer_passes(name: str, answer: Any) -> None:
    report = exercises.check(name, answer, seed=SEED)
    assert report.passed, report.hint
    assert report.hint == "" and report.seed == SEED and report.cases >= 1
    assert str(report).startswith(f"✓ {name}")


def test_names_are_the_five_exercises_in_order() -> None:
    assert exercises.names() == ["derivatives", "neuron", "layer", "batch", "mlp"]


def test_the_right_numbers_are_those_of_torch() -> None:
    torch = module("torch", "pip install torch")
    case = layers.layer_cases(random.Random(SEED), batch=True)[0]
    W, A_prev, Z, dA, activation = case.args
    N = len(dA[0])
    B = [Z[i][0] - sum(W[i][j] * A_prev[j][0] for j in range(len(A_prev))) for i in range(len(W))]
    right = reference.layer_answer(W, A_prev, B, dA, activation)
    w = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(B, dtype=torch.float64, requires_grad=True)
    a = torch.tensor(A_prev, dtype=torch.float64, requires_grad=True)
    z = w @ a + b[:, None]
    z.retain_grad()
    (torch.tanh(z) * torch.tensor(dA, dtype=torch.float64)).sum(0).mean().backward()
    assert torch.allclose(w.grad, torch.tensor(right["dW"], dtype=torch.float64))  # dW = (1/N)·dZ·A_prevᵀ
    assert torch.allclose(b.grad, torch.tensor(right["dB"], dtype=torch.float64))
    # dZ and dA_prev are each observation's own: N times the mean's
    assert torch.allclose(N * z.grad, torch.tensor(right["dZ"], dtype=torch.float64))
    assert torch.allclose(N * a.grad, torch.tensor(right["dA_prev"], dtype=torch.float64))


# ---- each mistake gets its own hint ----

BATCH_MISTAKES = [
    ("no 1/N in dW", "dW[0][0] is", "You forgot the 1/N: your dW is N = 4 times too large"),
    ("no 1/N in dB", "dB[0] is", "You forgot the 1/N: your dB is N = 4 times too large"),
    ("dA_prev / N", "dA_prev[0][0] is", "You divided dA_prev by N"),
    ("no g'", "dZ[0][0] is", "You forgot g'(Z): your dZ is dA"),
    ("g' at A", "dZ[0][0] is", "You evaluated g' at A = g(Z) instead of at Z"),
    ("1 - Z**2", "dZ[0][0] is", "You computed 1 − Z²: that is tanh' written for the output"),
    ("g for g'", "dZ[0][0] is", "You multiplied by g(Z) = A, the activation itself, not by its derivative"),
    ("dW transposed", "dW must be 3×2 (n×m), got 2×3", "You transposed dW"),
    ("W for Wᵀ", "case 2 of 4 (n=3, m=3, N=2, sigmoid): dA_prev[0][0] is", "You used W instead of Wᵀ: "
     "dA_prev = Wᵀ·dZ, that is dA_prev[j][k] = Σ_i W[i][j]·dZ[i][k] (down the columns of W). "
     "(Case 1 (n=3, m=2, N=4, tanh) failed too: your function raised an error, at line"),
    ("dB over neurons", "dB must be a list of 3 numbers (n), got a list of 4 numbers",
     "You summed dB over the wrong axis"),
    ("sign of dW", "dW[0][0] is", "A sign error: your dW is −1 times the right one"),
]


@pytest.mark.parametrize("mistake, where, words", BATCH_MISTAKES, ids=[m[0] for m in BATCH_MISTAKES])
def test_each_batch_mistake_is_named(mistake: str, where: str, words: str) -> None:
    report = exercises.check("batch", partial(layer_backward, mistake=mistake), seed=SEED)
    assert not report.passed
    assert where in report.hint and words in report.hint
    if "(n=3, m=3" not in where:
        assert report.hint.startswith("case 1 of 4 (n=3, m=2, N=4, tanh): ")


def test_a_hint_gives_the_learners_number_and_the_engines() -> None:
    report = exercises.check("batch", partial(layer_backward, mistake="no 1/N in dW"), seed=SEED)
    said = re.search(r"dW\[0\]\[0\] is (\S+), the right value is (\S+)\.", report.hint)
    mine, right = float(said.group(1)), float(said.group(2))
    W, A_prev, Z, dA, activation = layers.layer_cases(random.Random(SEED), batch=True)[0].args
    wrong_dW = layer_backward(W, A_prev, Z, dA, activation, "no 1/N in dW")[1]
    assert mine == pytest.approx(wrong_dW[0][0], rel=1e-5)
    assert right == pytest.approx(mine / 4, rel=1e-5)


ANSWERS = {"neuron": neuron_backward, "layer": layer_backward, "mlp": mlp_backward}
NAMED_MISTAKES = [("layer", mistake, "", words) for mistake, words in [
    ("no g'", "You forgot g'(Z)"), ("g' at A", "You evaluated g' at A"), ("1 - Z**2", "You computed 1 − Z²"),
    ("dW transposed", "dW must be 3×2 (n×m), got 2×3. You transposed dW"),
    ("W for Wᵀ", "You used W instead of Wᵀ"), ("sign of dW", "A sign error"),
    ("dB over neurons", "dB must be a list of 3 numbers (n), got a list of 1 number. You summed dB over"),
    ("flat dZ", "dZ must be 3×1 (n×N), got a list of 3 numbers"),
    ("dB as a column", "dB must be a list of 3 numbers (n), got 3×1. Your numbers are right, but dB"),
]] + [("neuron", mistake, "", words) for mistake, words in [
    ("no g'", "dz is"), ("swapped", "You used the weights: dw_j = dz·a_j"), ("sign", "A sign error"),
    ("always tanh", "You used the derivative of tanh, but the activation here is sigmoid."),
    ("g' at a", "You evaluated g' at a = g(z) instead of at z."),
    ("1 - z**2", "You computed 1 − z²: that is tanh' written for the output, 1 − a² with a = tanh(z)"),
]] + [("mlp", mistake, where, words) for mistake, where, words in [
    ("no 1/N", "dW2[0][0] is", "You forgot the 1/N in layer 2"),
    ("dA_prev / N", "dW1[0][0] is", "Your dW1 is N = 3 times too small: you divided dA_prev by N"),
    ("last layer first", "", "you returned the layers last first"),
    ("no g' below", "case 1 of 2 (widths 2-3-2, tanh, sigmoid, N=3): dW1[0][0] is", "Use dW1 = (1/N)·dZ1·A0ᵀ "
     "(A0 = X), with dZ1 = dA1 ⊙ g1'(Z1) and dA1 = W2ᵀ·dZ2, the dA_prev of layer 2"),
]]


@pytest.mark.parametrize("exercise, mistake, where, words", NAMED_MISTAKES,
                         ids=[f"{exercise}: {mistake}" for exercise, mistake, _, _ in NAMED_MISTAKES])
def test_each_layer_neuron_and_network_mistake_is_named(exercise: str, mistake: str, where: str,
                                                        words: str) -> None:
    report = exercises.check(exercise, partial(ANSWERS[exercise], mistake=mistake), seed=SEED)
    assert not report.passed and where in report.hint and words in report.hint


def test_the_mistakes_of_one_observation_that_a_batch_makes_visible_are_right_for_one() -> None:
    for mistake in ("no 1/N in dW", "no 1/N in dB", "dA_prev / N"):  # with N = 1 they are the right answer
        assert exercises.check("layer", partial(layer_backward, mistake=mistake), seed=SEED).passed


def test_a_neuron_hint_gives_the_numbers_and_the_rule() -> None:
    report = exercises.check("neuron", partial(neuron_backward, mistake="always tanh"), seed=SEED)
    # case 2 is the first with another activation: its numbers, by hand
    w, a_prev, z, da, activation = layers.neuron_cases(random.Random(SEED))[1].args
    s = 1 / (1 + math.exp(-z))
    assert activation == "sigmoid"
    mine, right = da * (1 - math.tanh(z) ** 2), da * s * (1 - s)
    said = f"case 2 of 3 (m=2, sigmoid): dz is {mine:.6g}, the right value is {right:.6g}. "
    assert report.hint.startswith(said)
    report = exercises.check("neuron", partial(neuron_backward, mistake="no g'"), seed=SEED)
    assert "You forgot g'(z): your dz is da. Use dz = da · g'(z), with g'(z) = 1 − tanh(z)²" in report.hint


@pytest.mark.parametrize("op, wrong, words", [
    ("tanh(x)", "1 - x**2", "in place of the output out = tanh(x): write 1 - tanh(x)**2, or 1 - out**2"),
    ("sigmoid(x)", "x*(1 - x)", "write sigmoid(x)*(1 - sigmoid(x))"),
    ("x**3", "3*x**3", "the power rule lowers the exponent by one"),
    ("x**3", "x**2", "the power rule also multiplies by the exponent"),
    ("sqrt(x)", "1/sqrt(x)", "the 1/2 of the power rule is missing"),
    ("1/x", "1/x**2", "a sign error"),
    ("1/x", "log(x)", "log(x) is what 1/x is the derivative of"),
    ("softplus(x)", "exp(x)", "the chain rule through log is missing"),
    ("softplus(x)", "log(1 + exp(x))", "that is log(1 + exp(x)) itself, not its derivative"),
    ("tanh(x)", "1 - tanh(x)^2", "is not a formula: unsupported syntax: the operator ^ (write ** for powers"),
    ("tanh(x)", "1 - tanh(y)**2", "uses y; the variables are x and out (the value of tanh(x))"),
])
def test_each_derivative_mistake_is_named(op: str, wrong: str, words: str) -> None:
    report = exercises.check("derivatives", {**RIGHT_DERIVATIVES, op: wrong}, seed=SEED)
    assert not report.passed
    assert report.hint.startswith(f"d/dx {op}: {wrong!r}") and words in report.hint


def test_a_derivative_is_graded_at_the_edges() -> None:
    # right at ordinary points, wrong for large x: it is caught where the edges are
    report = exercises.check("derivatives", {**RIGHT_DERIVATIVES, "sigmoid(x)": "1/(4 + x**2)"}, seed=SEED)
    assert "at x = -30 is" in report.hint and "the derivative there is 9.35762e-14" in report.hint


def test_accepted_formulas_become_working_ops_with_the_learners_derivative() -> None:
    mine = {**RIGHT_DERIVATIVES, "tanh(x)": "1 - out**2", "exp(x)": "out", "1/x": "1/x**2"}  # 1/x: wrong
    report = exercises.check("derivatives", mine, seed=SEED)
    assert not report.passed and "d/dx 1/x: '1/x**2'" in report.hint
    assert "my_reciprocal" not in report.ops and {"my_tanh", "my_exp", "my_softplus"} <= set(report.ops)
    my_tanh, my_softplus = report.ops["my_tanh"], report.ops["my_softplus"]
    assert my_tanh.grad_texts == ("1 - out**2",)  # the learner's formula is the op's derivative
    x = Value(0.7)
    y = my_tanh(x)
    y.backward()
    assert (y.op, y.data) == ("my_tanh", pytest.approx(math.tanh(0.7), rel=1e-15))
    h = 1e-6
    assert x.grad == pytest.approx((math.tanh(0.7 + h) - math.tanh(0.7 - h)) / (2 * h), rel=1e-8)
    second = grad(grad(my_softplus(x), x, create_graph=True), x)  # softplus'' = s(x)·(1 - s(x))
    s = 1 / (1 + math.exp(-0.7))
    assert second == pytest.approx(s * (1 - s), rel=1e-12)
    assert my_softplus(2.0).data == pytest.approx(math.log1p(math.exp(2.0)), rel=1e-15)
    assert Formula("my_softplus(x)", {"x": 2.0}).result.data == my_softplus(2.0).data  # in formulas too
    changed = exercises.check("derivatives", {**mine, "tanh(x)": "(1 - tanh(x))*(1 + tanh(x))"}, seed=SEED)
    assert changed.ops["my_tanh"].grad_texts == ("(1 - tanh(x))*(1 + tanh(x))",)  # defined again


# ---- the learner's own errors, unfinished stubs, hanging and printing ----

def raises_on_line(W: Any, A_prev: Any, Z: Any, dA: Any, activation: str) -> Any:
    table = {"softmax": 1}
    return table[activation]


def not_done(W: Any, A_prev: Any, Z: Any, dA: Any, activation: str) -> Any:
    raise NotImplementedError


def test_the_learners_exception_is_reported_with_its_line() -> None:
    report = exercises.check("batch", raises_on_line, seed=SEED)
    line = raises_on_line.__code__.co_firstlineno + 2
    assert report.hint == (f"case 1 of 4 (n=3, m=2, N=4, tanh): your function raised an error, at line "
                           f"{line} of test_exercises.py: return table[activation]: KeyError: 'tanh'")


def test_not_implemented_is_not_done_yet() -> None:
    report = exercises.check("batch", not_done, seed=SEED)
    assert not report.passed and report.hint == "not done yet (it raises NotImplementedError)"


def hangs(W: Any, A_prev: Any, Z: Any, dA: Any, activation: str) -> Any:
    if activation == "sigmoid":
        while True:
            pass
    return layer_backward(W, A_prev, Z, dA, activation)


def test_a_hanging_answer_is_stopped_at_the_time_limit() -> None:
    start = time.monotonic()
    report = exercises.check("batch", hangs, seed=SEED, timeout=1.0)
    assert time.monotonic() - start < 5.0
    assert report.hint == ("case 2 of 4 (n=3, m=3, N=2, sigmoid): it did not return within the time limit "
                           "of 1 s (an endless loop?)")
    assert multiprocessing.active_children() == []  # the child was stopped, not left spinning


def chatty(W: Any, A_prev: Any, Z: Any, dA: Any, activation: str) -> Any:
    print("shapes:", len(W), len(A_prev))
    return layer_backward(W, A_prev, Z, dA, activation)


def test_what_the_answer_prints_is_kept_apart(capfd: pytest.CaptureFixture) -> None:
    report = exercises.check("batch", chatty, seed=SEED)
    assert report.passed
    assert report.printed.splitlines() == ["shapes: 3 2", "shapes: 3 3", "shapes: 2 3", "shapes: 2 2"]
    assert "shapes" not in capfd.readouterr().out  # not mixed into the grader's own output
    assert str(report).splitlines()[1:3] == ["  your code printed:", "  | shapes: 3 2"]


def test_a_function_typed_into_a_notebook_is_checked_in_a_threaded_process() -> None:
    cell = "def layer_backward(W, A_prev, Z, dA, activation):\n    return helper(W)\n"
    namespace: dict = {"helper": lambda W: [W]}  # a cell's function: in no module, using the session's names
    exec(compile(cell, "<cell 1>", "exec"), namespace)
    kernel = threading.Event()
    beat = threading.Thread(target=kernel.wait, daemon=True)  # a notebook's kernel runs threads
    beat.start()
    try:
        report = exercises.check("layer", namespace["layer_backward"], seed=SEED)
    finally:
        kernel.set()
    assert report.hint == ("case 1 of 4 (n=3, m=2, N=1, tanh): return the 4 values (dZ, dW, dB, dA_prev), "
                           "got 1 value")


def test_without_fork_a_thread_runs_the_answer_and_says_when_it_cannot_stop_it() -> None:
    cases = [case.args for case in layers.layer_cases(random.Random(SEED), batch=True)]
    done = running.run(chatty, cases, timeout=5.0, method="thread")
    assert len(done.results) == 4 and done.stopped is None and "shapes: 3 2" in done.printed
    slow = running.run(lambda *args: time.sleep(1.5), cases[:1], timeout=0.2, method="thread")
    assert slow.results == [] and "still running in this Python session" in (slow.stopped or "")


def test_the_seed_draws_the_cases_and_is_in_the_report() -> None:
    first = exercises.check("batch", partial(layer_backward, mistake="no g'"), seed=11)
    again = exercises.check("batch", partial(layer_backward, mistake="no g'"), seed=11)
    other = exercises.check("batch", partial(layer_backward, mistake="no g'"), seed=12)
    assert first.hint == again.hint != other.hint
    assert str(first).endswith("(seed 11)")
    fresh = exercises.check("batch", layer_backward)
    assert fresh.passed and f"(seed {fresh.seed})" in str(fresh)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown exercise 'matrix'; choose one of derivatives"):
        exercises.check("matrix", layer_backward)
    with pytest.raises(TypeError, match="answer must be a function"):
        exercises.check("batch", 3)
    with pytest.raises(ValueError, match="exercises.check: timeout: expected a finite number > 0, got 0.0"):
        exercises.check("batch", layer_backward, timeout=0)
    with pytest.raises(TypeError, match="exercises.check: seed: expected an int, got float 1.5"):
        exercises.check("batch", layer_backward, seed=1.5)
    with pytest.raises(ValueError, match="exercises.check: no file 'missing.py'"):
        exercises.check("batch", "missing.py")


# ---- the command: start writes stubs, check grades the folder ----

def source(*functions: Any, head: str = "") -> str:
    """A learner's file holding these functions of this module."""
    import inspect

    body = "\n\n".join(map(inspect.getsource, functions))
    return f"import math\nfrom typing import Any\n{head}\n\n{body}"


def right_answers(work: Path) -> None:
    exercises.start(work)
    (work / "ex1_derivatives.py").write_text(f"def local_derivatives():\n    return {RIGHT_DERIVATIVES!r}\n")
    (work / "ex2_neuron.py").write_text(source(g, g_prime, neuron_backward))
    for name in ("ex3_layer.py", "ex4_batch.py"):
        (work / name).write_text(source(g, g_prime, layer_backward))
    (work / "ex5_mlp.py").write_text(source(mlp_backward, head="from ex4_batch import g, layer_backward"))


def broken_answers(work: Path) -> None:
    exercises.start(work)
    (work / "ex3_layer.py").write_text("def layer_backward(W, A_prev, Z, dA, activation)\n    pass\n")
    (work / "ex4_batch.py").write_text("def layer_backward(*args):\n    while True:\n        pass\n")
    (work / "ex2_neuron.py").write_text("def neuron_backward(*args):\n    print('trying')\n    return None\n")


COMMANDS = {  # name: (what the folder holds first, then the commands run in it, in order)
    "stubs": (None, [["start", "work"], ["check", "work", "--seed", "5"]]),
    "right": (right_answers, [["check", "work"]]),
    "broken": (broken_answers,
               [["check", "work", "layer", "batch", "neuron", "--timeout", "1", "--seed", "2"]]),
    "missing": (None, [["check", "nowhere"]]),
}


Ran = Dict[str, Tuple[List[subprocess.CompletedProcess], Path]]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    """{name: (what `autograd-mini exercises` printed for each of its COMMANDS, its folder)}: every
    command in one Python (one_process.py), each name in a new folder of its own."""
    runs, folders = [], {}
    for name, (prepare, commands) in COMMANDS.items():
        folders[name] = tmp_path_factory.mktemp(name)
        if prepare is not None:
            prepare(folders[name] / "work")
        runs += [(["-m", "autograd_mini", "exercises", *args], folders[name]) for args in commands]
    results = iter(run_each(runs))
    return {name: ([next(results) for _ in commands], folders[name])
            for name, (_, commands) in COMMANDS.items()}


def test_start_writes_stubs_that_check_as_not_done_yet(ran: Ran) -> None:
    (r, checked), tmp_path = ran["stubs"]
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in (tmp_path / "work").iterdir())
    assert files == ["ex1_derivatives.py", "ex2_neuron.py", "ex3_layer.py", "ex4_batch.py", "ex5_mlp.py"]
    batch = (tmp_path / "work" / "ex4_batch.py").read_text()
    assert "dW = (1/N) · dZ · A_prevᵀ" in batch and "raise NotImplementedError" in batch
    r = checked
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0].startswith("✗ derivatives: not done yet: tanh(x), sigmoid(x)")
    assert lines[1:5] == [f"✗ {name}: not done yet (it raises NotImplementedError) (seed 5)"
                          for name in ("neuron", "layer", "batch", "mlp")]
    assert lines[5] == "0 of 5 passed (seed 5: --seed 5 checks the same cases again)"
    assert "Traceback" not in r.stdout + r.stderr


def test_check_passes_a_folder_of_right_answers_and_start_keeps_the_learners_work(ran: Ran) -> None:
    (r,), tmp_path = ran["right"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert [line[:1] for line in r.stdout.splitlines()[:5]] == ["✓"] * 5
    assert r.stdout.splitlines()[5].startswith("5 of 5 passed")
    work = tmp_path / "work"
    answers = {p.name: p.read_text() for p in work.iterdir()}
    written, kept = exercises.start(work)
    assert written == [] and len(kept) == 5  # nothing overwritten
    assert {p.name: p.read_text() for p in work.iterdir()} == answers


def test_check_reports_a_broken_file_a_hanging_one_and_what_a_file_prints(ran: Ran) -> None:
    (r,), _ = ran["broken"]
    assert r.returncode == 1
    out = r.stdout
    assert ("✗ layer: your file could not be loaded: line 1 of ex3_layer.py: def layer_backward(W, A_prev, "
            "Z, dA, activation): SyntaxError: expected ':'") in out
    assert "✗ batch: case 1 of 4 (n=3, m=2, N=4, tanh): it did not return within the time limit of 1 s" in out
    assert "✗ neuron: case 1 of 3 (m=3, tanh): return the 4 values (dz, dw, db, da_prev), got None" in out
    assert "  your code printed:\n  | trying\n  | trying\n  | trying\n" in out


def test_check_refuses_a_missing_folder_in_one_line(ran: Ran) -> None:
    (r,), _ = ran["missing"]
    assert r.returncode == 2
    assert r.stderr.strip() == ("autograd-mini: error: exercises check: there is no folder 'nowhere'; "
                                "make it with: autograd-mini exercises start nowhere")


def test_list_names_the_exercises_and_no_action_is_one_line_of_error(capsys: pytest.CaptureFixture) -> None:
    from autograd_mini.cli import main

    assert main(["exercises", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == exercises.names()
    assert lines[3].endswith("ex4_batch.py: layer_backward")
    with pytest.raises(SystemExit) as stop:
        main(["exercises"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == ("autograd-mini: error: exercises: choose start, check or list "
                                       "(see autograd-mini exercises --help)\n")
