"""autograd_mini.func against torch.func in float64: 200 random functions built from every op the
engine defines (read from the engine at run time, so a new op is drawn as soon as it exists), with
one to three outputs, and the Hessian of an MLP's loss with respect to its 13 parameters.

Skipped where torch is not installed (failed under CI=true, see needs.py).
"""

from __future__ import annotations

import math
import random
from typing import Any, Callable, List, Tuple

import needs
import pytest
from func_programs import OPS, Step, function, programs

from autograd_mini import Value, func, nn

torch = needs.module("torch", "pip install 'autograd_mini[torch]'")
TF = torch.func
F = torch.nn.functional
PROGRAMS = programs(200)


def torch_function(name: str, x: Any) -> Any:
    """The op `name` on a torch scalar: torch's function of that name, or torch.nn.functional's."""
    found = getattr(torch, name, None) or getattr(F, name, None)
    if found is None:
        raise LookupError(f"the engine's op {name!r} has no torch function of that name")
    return found(x)


def ours_and_theirs(steps: List[Step], outputs: List[int]) -> Tuple[Callable[..., Any], Callable[..., Any]]:
    each = function(steps, outputs, torch_function)

    def f_torch(x: Any) -> Any:
        out = each(*x.unbind())
        return torch.stack(out if isinstance(out, list) else [out])

    return function(steps, outputs), f_torch


def t64(x: Any) -> Any:
    return torch.tensor(x, dtype=torch.float64)


def close(ours: Any, theirs: Any, what: str) -> None:
    """Equal to 1e-12, relative to the size of the numbers (and absolutely below 1)."""
    a = torch.as_tensor(ours, dtype=torch.float64)
    b = theirs.detach().reshape(a.shape)
    err = (a - b).abs().max().item() if a.numel() else 0.0
    assert err <= 1e-12 * max(1.0, b.abs().max().item()), f"{what}: {ours} vs torch.func {b.tolist()}"


def test_every_op_of_the_engine_is_drawn() -> None:
    counts = {name: 0 for name in OPS}
    for steps, _, _ in PROGRAMS:
        for step in steps:
            counts[step.op] += 1
    assert min(counts.values()) >= 20, counts
    assert {"exp", "log", "tanh", "relu", "pow", "neuron", "sum"} <= set(OPS)


def output(f: Callable[..., Any], k: int, m: int) -> Callable[..., Value]:
    """Output k of an f of m outputs, as a function."""
    return f if m == 1 else lambda *xs: f(*xs)[k]


def test_200_random_functions_match_torch_func() -> None:
    several = 0
    for seed, (steps, outputs, point) in enumerate(PROGRAMS):
        f, f_torch = ours_and_theirs(steps, outputs)
        rng = random.Random(1000 + seed)
        m, n = len(outputs), len(point)
        several += m > 1
        x = t64(point)
        tangent = [rng.uniform(-1, 1) for _ in range(n)]
        cotangent = [rng.uniform(-1, 1) for _ in range(m)]
        where = f"seed {seed} ({m} outputs, {n} inputs)"

        out, vjp_fn = func.vjp(f, *point)
        t_out, t_vjp_fn = TF.vjp(f_torch, x)
        close(out, t_out, f"{where} value")
        close(vjp_fn(cotangent[0] if m == 1 else cotangent), t_vjp_fn(t64(cotangent))[0], f"{where} vjp")

        t_jac = TF.jacrev(f_torch)(x)
        close(func.jacrev(f)(*point), t_jac, f"{where} jacrev")
        close(func.jacfwd(f)(*point), t_jac, f"{where} jacfwd")
        # torch's forward mode is slow to set up (20 ms a call): every function is compared with its
        # Jacobian times the tangent, one in four with torch.func.jvp and jacfwd themselves as well
        jv = func.jvp(f, point, tangent)[1]
        close(jv, t_jac @ t64(tangent), f"{where} jvp")
        if seed % 4 == 0:
            close(jv, TF.jvp(f_torch, (x,), (t64(tangent),))[1], f"{where} jvp")
            close(func.jacfwd(f)(*point), TF.jacfwd(f_torch)(x), f"{where} jacfwd")

        t_hess = TF.jacrev(TF.jacrev(f_torch))(x)  # torch.func's Hessian by reverse over reverse: the
        # same numbers as torch.func.hessian (forward over reverse), in a third of its time
        close(func.hessian(f)(*point), t_hess, f"{where} hessian")
        for k in range(m):
            f_k = output(f, k, m)
            close(func.hvp(f_k, point, tangent), t_hess[k] @ t64(tangent), f"{where} hvp of output {k}")
            close(func.grad(f_k, argnums=tuple(range(n)))(*point), t_jac[k], f"{where} grad of output {k}")
        # forward mode differentiated again, by either mode: its tangents are Values built by the rules
        close(func.jacfwd(func.jacfwd(f))(*point), t_hess, f"{where} jacfwd(jacfwd)")
        close(func.jacrev(func.jacfwd(f))(*point), t_hess, f"{where} jacrev(jacfwd)")
    assert several >= 100


# ---- an MLP's loss as a function of its parameters ----

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 2.0]]
Y = [0.3, -0.2, 0.9, -0.6]


def mlp_loss(activation: str, fused: bool) -> Callable[..., Value]:
    """The mean squared error of a 2-3-1 `nn.MLP` whose 13 parameters are the arguments."""

    def loss(*params: Value) -> Value:
        model = nn.MLP(2, [3, 1], activation=activation, fused=fused)
        assert len(params) == len(model.parameters()) == 13
        given = iter(params)
        for layer in model.layers:  # W row by row, then B, layer by layer
            for row in layer.weight:
                row[:] = [next(given) for _ in row]
            layer.bias[:] = [next(given) for _ in layer.bias]
        return nn.mse_loss([model(x) for x in X], Y)

    return loss


def mlp_loss_torch(activation: str) -> Callable[[Any], Any]:
    def loss(p: Any) -> Any:
        w1, b1, w2, b2 = p[:6].reshape(3, 2), p[6:9], p[9:12].reshape(1, 3), p[12:]
        h = getattr(torch, activation)(t64(X) @ w1.T + b1)
        return ((h @ w2.T + b2).reshape(-1) - t64(Y)).pow(2).mean()

    return loss


@pytest.mark.parametrize("activation, fused", [("tanh", False), ("tanh", True), ("sigmoid", True)])
def test_hessian_of_an_mlp_loss_matches_torch_func(activation: str, fused: bool) -> None:
    params = [random.Random(i).gauss(0.0, 0.8) for i in range(13)]
    p = t64(params)
    loss, loss_torch = mlp_loss(activation, fused), mlp_loss_torch(activation)
    t_hess = TF.hessian(loss_torch)(p)
    hess = func.hessian(loss)(*params)
    assert len(hess) == 13 and all(len(row) == 13 for row in hess)
    close(hess, t_hess, f"MLP 2-3-1 {activation} Hessian")
    close(func.jacrev(loss)(*params), TF.grad(loss_torch)(p), "MLP gradient by jacrev")
    close(func.jacfwd(loss)(*params), TF.grad(loss_torch)(p), "MLP gradient by jacfwd")
    v = [math.sin(i) for i in range(13)]
    close(func.hvp(loss, params, v), t_hess @ t64(v), "MLP hvp")
    assert max(abs(h) for row in hess for h in row) > 0.1  # the Hessian is not trivially 0
