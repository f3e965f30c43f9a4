"""Back-propagation through one layer, twice: by the matrix formulas, and by the scalar engine.

One `Linear` layer of n scalar neurons with m inputs each is the n×m weight matrix W. We push a
batch of N observations (the columns of A) through it, take the mean cost over the batch, and
compute every gradient two ways:

* the formulas, in plain Python lists:  Z = W·A + B,  A_out = g(Z),
  dZ = dA ⊙ g'(Z),  dW = (1/N)·dZ·Aᵀ,  dB = (1/N)·Σ_columns dZ,  dA_prev = Wᵀ·dZ;
* the engine: `cost.backward()` applies the scalar chain rule node by node, and we read the
  `.grad` of each weight, bias and input.

The two agree element by element, to the last bits of a float.

    python demos/backprop_by_hand.py [--activation tanh|relu|sigmoid|none] [--out out/]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from autograd_mini import Value, nn, total

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_options import OneLineParser, OptionError, bounded  # noqa: E402  (beside this file)

Matrix = List[List[float]]
MAX_NODES = 2000  # the largest picture this demo asks Graphviz for

# g and g' for each activation, as plain functions of z (the formulas side needs no engine).
ACTIVATIONS: Dict[str, Tuple[Callable[[float], float], Callable[[float], float]]] = {
    "none": (lambda z: z, lambda z: 1.0),
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0.0 else 0.0),
    "tanh": (math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
    "sigmoid": (lambda z: _sigmoid(z), lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
}


def _sigmoid(z: float) -> float:
    """1 / (1 + e^-z), written so that e^x never overflows (z = -800 gives 0, not an error)."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def matmul(P: Matrix, Q: Matrix) -> Matrix:
    return [[sum(p * q for p, q in zip(row, col)) for col in zip(*Q)] for row in P]


def transpose(P: Matrix) -> Matrix:
    return [list(col) for col in zip(*P)]


def show(name: str, M: Matrix) -> str:
    rows = ["  [" + "  ".join(f"{x:+.6f}" for x in row) + " ]" for row in M]
    return f"{name} ({len(M)}×{len(M[0])}):\n" + "\n".join(rows)


def largest_difference(P: Matrix, Q: Matrix) -> float:
    return max(abs(p - q) for rp, rq in zip(P, Q) for p, q in zip(rp, rq))


def by_formulas(W: Matrix, B: List[float], A: Matrix, Y: Matrix, activation: str) -> Dict[str, Matrix]:
    """Every quantity of the layer's forward and backward pass, by the matrix formulas."""
    g, g_prime = ACTIVATIONS[activation]
    N = len(A[0])
    Z = [[z + b for z in row] for row, b in zip(matmul(W, A), B)]  # B broadcast over the batch
    A_out = [[g(z) for z in row] for row in Z]
    # cost C = (1/N) Σ_k ½‖A_out⁽ᵏ⁾ - Y⁽ᵏ⁾‖², so for observation k alone dA = A_out - Y
    dA = [[a - y for a, y in zip(ra, ry)] for ra, ry in zip(A_out, Y)]
    dZ = [[da * g_prime(z) for da, z in zip(rda, rz)] for rda, rz in zip(dA, Z)]
    dW = [[x / N for x in row] for row in matmul(dZ, transpose(A))]
    dB = [[sum(row) / N] for row in dZ]
    dA_prev = matmul(transpose(W), dZ)
    return {"Z": Z, "A_out": A_out, "dA": dA, "dZ": dZ, "dW": dW, "dB": dB, "dA_prev": dA_prev}


def by_engine(layer: nn.Linear, A: Matrix, Y: Matrix) -> Tuple[Value, Dict[str, Matrix]]:
    """The same gradients, read from the `.grad` of the engine's scalar Values."""
    N = len(A[0])
    columns = [
        [Value(a, label=f"a{i + 1}({k + 1})") for i, a in enumerate(col)] for k, col in enumerate(zip(*A))
    ]
    terms = []
    for k, inputs in enumerate(columns):
        for out, y in zip(layer(inputs), (row[k] for row in Y)):
            terms.append(0.5 * (out - y) ** 2)
    cost = total(terms) * (1.0 / N)
    cost.label = "cost"
    for p in layer.parameters():
        p.grad = 0.0
    cost.backward()
    return cost, {
        "dW": [[w.grad for w in row] for row in layer.weight],
        "dB": [[b.grad] for b in layer.bias],
        # the engine differentiates the *mean* cost, so each input's gradient carries the 1/N;
        # N times it is the per-observation dA_prev = Wᵀ·dZ of the formulas
        "dA_prev": transpose([[N * a.grad for a in inputs] for inputs in columns]),
    }


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = OneLineParser(
        prog="backprop_by_hand.py", description="The back-propagation formulas, checked against the engine."
    )
    p.add_argument("--activation", default="tanh", choices=sorted(ACTIVATIONS))
    p.add_argument("--inputs", type=int, default=3, help="m, inputs per neuron (default 3)")
    p.add_argument("--neurons", type=int, default=2, help="n, neurons in the layer (default 2)")
    p.add_argument("--batch", type=int, default=4, help="N, observations in the batch (default 4)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="out", help="folder for layer_graph.svg (default out/)")
    return p.parse_args(argv)


def check_options(args: argparse.Namespace) -> Optional[str]:
    """What is wrong with the options, in one line (None if nothing); makes the --out folder."""
    for name in ("inputs", "neurons", "batch"):  # bounded: its matrices are printed whole
        try:
            bounded(getattr(args, name), f"--{name}", 1, 256)
        except OptionError as e:
            return str(e)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return f"--out {str(out)!r} is a file; name a folder (it is made if missing)"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"--out {str(out)!r} cannot be made: {e.strerror or e}"
    return None


def draw(cost: Value, out: Path, title: str) -> None:
    """Write layer_graph.svg and layer_stepper.html (the page, titled `title`, that steps through the
    backward pass, with the matrices of the formulas), or say in one line what was written instead,
    or why not."""
    from autograd_mini.viz import GraphTooLarge, GraphvizMissing, GraphvizTimeout, render

    source = out / "layer_graph.dot"
    source.unlink(missing_ok=True)  # so that a .dot left by an earlier run is not taken for this one's
    for path, what in ((out / "layer_graph.svg", "picture"), (out / "layer_stepper.html", "stepper page")):
        try:
            page: Dict[str, Any] = {"title": title} if path.suffix == ".html" else {}
            render(cost, path, max_nodes=MAX_NODES, **page)
            print(f"wrote {path}")
        except GraphTooLarge as err:
            print(f"{what} skipped: the graph has {err.count} nodes, more than the {err.limit} this demo "
                  f"draws; try fewer --inputs, --neurons or --batch")
        except (GraphvizMissing, GraphvizTimeout) as err:
            first = str(err).splitlines()[0]
            done = f" Wrote {source} instead: dot -Tsvg {source} -o {path} draws it."
            print(f"{what} skipped: {first}{done if path.suffix == '.svg' and source.exists() else ''}")
        except (RuntimeError, OSError) as err:  # dot failed, or the folder is not writable
            print(f"{what} skipped: {err}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    problem = check_options(args)
    if problem:
        print(f"backprop_by_hand.py: error: {problem}", file=sys.stderr)
        return 2
    m, n, N = args.inputs, args.neurons, args.batch
    rng = random.Random(args.seed)
    activation = None if args.activation == "none" else args.activation
    layer = nn.Linear(m, n, activation=activation, rng=rng)
    A = [[round(rng.uniform(-1, 1), 3) for _ in range(N)] for _ in range(m)]
    Y = [[round(rng.uniform(-1, 1), 3) for _ in range(N)] for _ in range(n)]
    W = [[w.data for w in row] for row in layer.weight]
    B = [b.data for b in layer.bias]

    f = by_formulas(W, B, A, Y, args.activation)
    cost, e = by_engine(layer, A, Y)
    worst = print_report(args, cost, A, W, B, f, e)
    title = (f"One {args.activation} layer (n={n} neurons × m={m} inputs) on a batch of N={N}: "
             f"cost = mean of ½‖A_out - Y‖² = {cost.data:.6g}")
    draw(cost, Path(args.out), title)
    return 0 if worst < 1e-12 else 1


def print_report(
    args: argparse.Namespace, cost: Value, A: Matrix, W: Matrix, B: List[float],
    f: Dict[str, Matrix], e: Dict[str, Matrix],
) -> float:
    """Print the forward quantities and each gradient both ways; returns the largest difference."""
    print(
        f"One Linear layer: n={args.neurons} neurons × m={args.inputs} inputs, activation {args.activation}, "
        f"batch of N={args.batch}; cost = mean over the batch of ½‖A_out - Y‖² = {cost.data:.6f}\n"
    )
    for name, M in (
        ("A (inputs, one column per observation)", A),
        ("W", W),
        ("B", [[b] for b in B]),
        ("Z = W·A + B", f["Z"]),
        ("A_out = g(Z)", f["A_out"]),
        ("dA = A_out - Y", f["dA"]),
        ("dZ = dA ⊙ g'(Z)", f["dZ"]),
    ):
        print(show(name, M), "\n")
    worst = 0.0
    for key, formula in (("dW", "(1/N)·dZ·Aᵀ"), ("dB", "(1/N)·Σ dZ"), ("dA_prev", "Wᵀ·dZ")):
        diff = largest_difference(f[key], e[key])
        worst = max(worst, diff)
        print(show(f"{key} = {formula}, by the formula", f[key]))
        # the cost is a mean: an input's .grad is 1/N of the per-observation dA_prev = Wᵀ·dZ
        read = "N × the inputs' .grad" if key == "dA_prev" else "the engine's .grad"
        print(show(f"{key}, from {read}", e[key]))
        print(f"largest difference: {diff:.2e}\n")
    print(f"Largest difference over dW, dB and dA_prev: {worst:.2e}")
    return worst


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the reader stopped reading (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        sys.exit(141)  # 128 + SIGPIPE
