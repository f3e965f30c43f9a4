"""Forward or reverse? The Jacobian of a function of n inputs and m outputs, both ways, timed.

Forward mode (`jacfwd`) pushes one tangent through the graph per input: n passes. Reverse mode
(`jacrev`) pulls one gradient back through it per output: m passes. Each pass costs about one
walk over the graph, so the mode with fewer passes wins: forward when n < m, reverse when n > m.
That is why a network is trained by reverse mode: its loss is one output of thousands of inputs.

The function is a small network with fixed weights, y = V·tanh(W·x), of n inputs, m outputs and
a hidden layer of h units; the demo counts the passes each transform makes (counted as they run,
not computed from n and m), times both (CPU time, the best of --repeats runs), and checks that the
two Jacobians agree.

    python demos/forward_or_reverse.py [--sizes 1x50,10x41,25x26,41x10,50x1] [--hidden 20]
                                      [--repeats 3]
"""

from __future__ import annotations

import math
import random
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, NamedTuple, Optional, Sequence, Tuple

from autograd_mini import Value, func, total

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_options import OneLineParser, OptionError, bounded  # noqa: E402  (beside this file)

DEFAULT_SIZES = "1x50,5x46,10x41,20x31,25x26,26x25,31x20,41x10,46x5,50x1"
MAX_SIDE, MAX_PAIRS, MAX_HIDDEN, MAX_REPEATS = 1000, 20, 1024, 100
# A pass walks a graph of about hidden·(n + m) nodes and each transform makes n or m of them: the
# run takes about Σ (n + m)²·hidden·repeats node visits; 4,000,000 of them took 3.5 s of CPU here.
MAX_VISITS = 6_000_000


def network(n: int, m: int, hidden: int, seed: int = 0) -> Callable[..., List[Value]]:
    """y = V·tanh(W·x): a function of n scalars returning m Values (the weights are numbers)."""
    rng = random.Random(seed)
    w = [[rng.gauss(0.0, 1.0 / math.sqrt(n)) for _ in range(n)] for _ in range(hidden)]
    v = [[rng.gauss(0.0, 1.0 / math.sqrt(hidden)) for _ in range(hidden)] for _ in range(m)]

    def f(*x: Value) -> List[Value]:
        h = [total([wi * xi for wi, xi in zip(row, x)]).tanh() for row in w]
        return [total([vj * hj for vj, hj in zip(row, h)]) for row in v]

    return f


class Row(NamedTuple):
    n: int
    m: int
    call_ms: float  # one call of f, which builds the graph (both transforms make it once)
    forward_passes: int
    reverse_passes: int
    jacfwd_ms: float
    jacrev_ms: float
    largest_difference: float


def timed(transform: Callable[..., Any], f: Callable[..., Any], x: Sequence[float],
          repeats: int) -> Tuple[Any, float, func.Passes]:
    """(the Jacobian, the best of `repeats` runs in ms, the passes one run made). The time is this
    process's CPU time, which other programs on the machine disturb less than the clock."""
    best = math.inf
    for _ in range(repeats):
        with func.count_passes() as passes:
            start = time.process_time()
            jac = transform(f)(*x)
            best = min(best, time.process_time() - start)
    return jac, 1000.0 * best, passes


def measure(n: int, m: int, hidden: int, repeats: int) -> Row:
    f = network(n, m, hidden)
    x = [math.sin(i + 1.0) for i in range(n)]
    call_ms = 1000.0 * min(_seconds(f, x) for _ in range(repeats))
    forward, t_fwd, p_fwd = timed(func.jacfwd, f, x, repeats)
    reverse, t_rev, p_rev = timed(func.jacrev, f, x, repeats)
    diff = max(abs(a - b) for ra, rb in zip(forward, reverse) for a, b in zip(ra, rb))
    return Row(n, m, call_ms, p_fwd.forward, p_rev.reverse, t_fwd, t_rev, diff)


def _seconds(f: Callable[..., Any], x: Sequence[float]) -> float:
    start = time.process_time()
    f(*[Value(xi) for xi in x])
    return time.process_time() - start


def table(rows: List[Row], hidden: int) -> str:
    out = [f"Jacobian of y = V·tanh(W·x), {hidden} hidden units: n inputs, m outputs",
           "    n    m  f ms  jacfwd passes  jacfwd ms  jacrev passes  jacrev ms  faster   |fwd - rev|",
           "  ---  ---  ----  -------------  ---------  -------------  ---------  -------  ----------"]
    for r in rows:
        faster = "forward" if r.jacfwd_ms < r.jacrev_ms else "reverse"
        out.append(f"  {r.n:>3}  {r.m:>3}  {r.call_ms:>4.1f}  {r.forward_passes:>13}  {r.jacfwd_ms:>9.2f}  "
                   f"{r.reverse_passes:>13}  {r.jacrev_ms:>9.2f}  {faster:<7}  {r.largest_difference:>10.1e}")
    out.append("(f ms: one call of f, which records the graph; each transform calls f once, then passes)")
    return "\n".join(out)


def sizes(text: str) -> List[Tuple[int, int]]:
    """The --sizes pairs, e.g. ``"1x50,50x1"``; OptionError naming the problem."""
    pairs = []
    for part in text.split(","):
        n, sep, m = part.strip().partition("x")
        if not (sep and n.isdigit() and m.isdigit()):
            raise OptionError(f"--sizes: expected pairs like 1x50,50x1 (n inputs x m outputs), got {part!r}")
        pairs.append((bounded(int(n), "--sizes: n", 1, MAX_SIDE), bounded(int(m), "--sizes: m", 1, MAX_SIDE)))
    bounded(len(pairs), "--sizes: the number of pairs", 1, MAX_PAIRS)
    return pairs


def check_work(pairs: Sequence[Tuple[int, int]], hidden: int, repeats: int) -> None:
    """Refuse (OptionError) a run that would take more than a few seconds, before any work."""
    visits = sum((n + m) ** 2 * hidden * repeats for n, m in pairs)
    if visits > MAX_VISITS:
        raise OptionError(f"these sizes would take about {visits:,} node visits, more than the "
                          f"{MAX_VISITS:,} this demo allows (a few seconds); use smaller --sizes, --hidden "
                          "or --repeats")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"n x m pairs, comma-separated, each side 1 to {MAX_SIDE} "
                        f"(default {DEFAULT_SIZES})")
    parser.add_argument("--hidden", type=int, default=20,
                        help=f"hidden units, 1 to {MAX_HIDDEN} (default 20)")
    parser.add_argument("--repeats", type=int, default=3,
                        help=f"timed runs per transform, the best kept, 1 to {MAX_REPEATS} (default 3)")
    args = parser.parse_args(argv)
    try:
        pairs = sizes(args.sizes)
        bounded(args.hidden, "--hidden", 1, MAX_HIDDEN)
        bounded(args.repeats, "--repeats", 1, MAX_REPEATS)
        check_work(pairs, args.hidden, args.repeats)
    except OptionError as e:
        parser.error(str(e))
    rows = [measure(n, m, args.hidden, args.repeats) for n, m in pairs]
    print(table(rows, args.hidden))
    print("\njacfwd made n forward passes and jacrev m reverse passes, counted as they ran. A pass of")
    print("either kind costs about the same, so forward mode wins when n is well below m, reverse mode")
    print("when n is well above it, and near n = m neither by much.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
