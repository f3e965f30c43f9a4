"""One measurement in a fresh process; `run.py` starts it and reads the JSON it prints.

    python benchmarks/_worker.py ENGINE WORKLOAD SIZE [plain]

ENGINE is autograd_mini, micrograd, or (mlp only) autograd_mini_nodes, tape_python, tape_c (the step
traced into a generated program) or hand (the hand-written loop). WORKLOAD:
  elementwise      SIZE repeats of y = (y * w + 0.1).relu() * 0.999 (4 ops each), timed
  elementwise_nogc the same with the cyclic garbage collector switched off (for the record)
  elementwise_mem  the same graph under tracemalloc: bytes held by the graph, peak in backward
  chain            y = y * 1.0000001, SIZE ops deep, timed
  mlp              SIZE training steps of micrograd's demo network, each timed

Every workload runs in a thread with a 512 MiB stack and a recursion limit of 10**7, for every
engine alike: micrograd's backward is recursive and needs them on deep graphs. With `plain` it
runs in the main thread with Python's default limit instead, to show what a user gets.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from typing import Any, Callable, Dict

STACK_BYTES = 512 * 2**20
RECURSION_LIMIT = 10**7


def value_class(engine: str) -> Any:
    if engine == "autograd_mini":
        from autograd_mini import Value
    elif engine == "micrograd":
        from micrograd.engine import Value
    else:
        raise ValueError(f"worker: engine {engine!r} has no Value class")
    return Value


def elementwise(engine: str, reps: int) -> Dict[str, Any]:
    Value = value_class(engine)
    w, y = Value(0.9), Value(1.0)
    t0 = time.perf_counter()
    for _ in range(reps):
        y = (y * w + 0.1).relu() * 0.999
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return {"ops": 4 * reps, "forward_s": t1 - t0, "backward_s": t2 - t1, "grad": w.grad, "out": y.data}


def elementwise_nogc(engine: str, reps: int) -> Dict[str, Any]:
    gc.disable()  # shows how much of each engine's time the cyclic collector takes
    return elementwise(engine, reps)


def elementwise_mem(engine: str, reps: int) -> Dict[str, Any]:
    Value = value_class(engine)
    gc.collect()
    tracemalloc.start()
    w, y = Value(0.9), Value(1.0)
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(reps):
        y = (y * w + 0.1).relu() * 0.999
    graph = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.reset_peak()
    y.backward()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "ops": 4 * reps,
        "graph_bytes": graph,  # what the graph holds once built
        "peak_bytes": peak - base,  # graph + the backward pass's own bookkeeping, at its highest
        "after_bytes": after - base,  # graph with its gradients filled in
        "grad": w.grad,
    }


def chain(engine: str, n: int) -> Dict[str, Any]:
    Value = value_class(engine)
    x = Value(1.0)
    y = x
    t0 = time.perf_counter()
    for _ in range(n):
        y = y * 1.0000001
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return {"ops": n, "forward_s": t1 - t0, "backward_s": t2 - t1, "grad": x.grad, "expected": 1.0000001**n}


def mlp(engine: str, steps: int) -> Dict[str, Any]:
    from _mlp import make_step

    step, how = make_step(engine)
    times, losses = [], []
    for _ in range(steps):
        t0 = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - t0)
    result: Dict[str, Any] = {"how": how, "step_s": times, "losses": losses}
    if engine == "autograd_mini":  # the same steps again on a fresh model, split into their parts
        from _mlp import timed_split

        result["split_s"] = timed_split(steps)
    if engine.startswith("tape_"):  # what the program costs before its first step
        from _mlp import tape_timings

        result.update(tape_timings(engine[5:]))
    return result


WORKLOADS: Dict[str, Callable[[str, int], Dict[str, Any]]] = {
    "elementwise": elementwise,
    "elementwise_nogc": elementwise_nogc,
    "elementwise_mem": elementwise_mem,
    "chain": chain,
    "mlp": mlp,
}


def main(argv: list) -> int:  # type: ignore[type-arg]
    plain = argv[3:] == ["plain"]
    if len(argv) != 3 + plain or argv[1] not in WORKLOADS:
        print(f"usage: _worker.py ENGINE {{{','.join(WORKLOADS)}}} SIZE [plain]", file=sys.stderr)
        return 2
    engine, workload, size = argv[0], argv[1], int(argv[2])
    result: Dict[str, Any] = {}

    def target() -> None:
        try:
            result.update(WORKLOADS[workload](engine, size))
            result["ok"] = True
        except BaseException as e:  # noqa: B036 - RecursionError, MemoryError...: report, not hide
            result.update(ok=False, reason=f"{type(e).__name__}: {str(e)[:200]}")

    if plain:
        target()
    else:
        sys.setrecursionlimit(RECURSION_LIMIT)
        threading.stack_size(STACK_BYTES)
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    result.update(engine=engine, workload=workload, size=size, plain=plain, python=sys.version.split()[0])
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)  # skip tearing down big graphs at exit: nothing is measured there


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
