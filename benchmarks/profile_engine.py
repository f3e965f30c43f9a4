"""Where autograd_mini's time goes: cProfile of the demo MLP step or of the elementwise graph.

    python benchmarks/profile_engine.py [mlp|elementwise] [--top N]

Prints the functions with the most time spent in their own code (tottime), then a split of one
step into forward, backward and update measured with plain timers (cProfile slows small
functions more than big ones, so that split is the one to trust for proportions).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def profile(fn, top: int) -> None:  # type: ignore[no-untyped-def]
    prof = cProfile.Profile()
    prof.runcall(fn)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    print(buf.getvalue())


def mlp_split(steps: int) -> None:
    """Time forward / backward / update separately, on the same network as the benchmark."""
    import _mlp

    parts = _mlp.timed_split(steps, warmup=0)
    whole = sum(parts.values())
    split = ", ".join(f"{k} {1e3 * v:.2f} ms ({100 * v / whole:.0f}%)" for k, v in parts.items())
    print(f"one step without the profiler: {1e3 * whole:.2f} ms = {split}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", nargs="?", default="mlp", choices=["mlp", "elementwise"])
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if args.workload == "mlp":
        import _mlp

        step, how = _mlp.make_step("autograd_mini")
        print(f"cProfile of 10 training steps ({how})")
        profile(lambda: [step() for _ in range(10)], args.top)
        mlp_split(10)
    else:
        from autograd_mini import Value

        def graph() -> None:
            w, y = Value(0.9), Value(1.0)
            for _ in range(25_000):
                y = (y * w + 0.1).relu() * 0.999
            y.backward()

        print("cProfile of the 100,000-op elementwise graph, forward and backward")
        profile(graph, args.top)


if __name__ == "__main__":
    main()
