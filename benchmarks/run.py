"""Benchmarks: autograd_mini against micrograd 0.1.0 (and a hand-written loop), side by side.

    pip install -e '.[bench]' && python benchmarks/run.py [--quick] [--rounds N] [--out PATH]

Every measurement runs in a fresh process (`_worker.py`), engines alternating within each round,
and the table reports the median over the rounds. It prints a Markdown table and writes it to
benchmarks/RESULTS.md (a --quick smoke run writes nothing unless --out is given). The exit status
is 1 if the engines disagree on a result (a gradient or a loss), not if a speed target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _torch_rows  # noqa: E402  (beside this file)

WORKER = os.path.join(HERE, "_worker.py")

# (workload, size) in full and --quick runs; sizes are repeats, ops or steps (see _worker.py)
FULL = {"elementwise": 25_000, "elementwise_nogc": 25_000, "elementwise_mem": 25_000,
        "chain": 1_000_000, "mlp": 10}
QUICK = {"elementwise": 2_500, "elementwise_nogc": 2_500, "elementwise_mem": 2_500,
         "chain": 100_000, "mlp": 4}
ENGINES = {
    "elementwise": ["autograd_mini", "micrograd"],
    "elementwise_nogc": ["autograd_mini", "micrograd"],
    "elementwise_mem": ["autograd_mini", "micrograd"],
    "chain": ["autograd_mini", "micrograd"],
    "mlp": ["autograd_mini", "autograd_mini_nodes", "tape_python", "tape_c", "micrograd", "hand"],
}
# Byte counts do not vary from run to run, so memory is measured in the first round only (under
# tracemalloc micrograd's recursive backward takes about a minute: every allocation walks the stack).
FIRST_ROUND_ONLY = {"elementwise_mem"}
TIMEOUT_S = 600.0  # per measurement; a slower one is reported as failing
REL_TOL = 1e-9


def measure(engine: str, workload: str, size: int, timeout: float, *flags: str) -> Dict[str, Any]:
    """Run one worker process; a crash or a timeout comes back as ok=False with the reason."""
    cmd = [sys.executable, WORKER, engine, workload, str(size), *flags]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE)
    except subprocess.TimeoutExpired:
        return {"ok": False, "reason": f"did not finish within {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        why = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"ok": False, "reason": f"process died ({why}): {tail[0][:200]}"}
    return json.loads(lines[-1])


def run_all(sizes: Dict[str, int], rounds: int, timeout: float) -> Dict[Tuple[str, str], List[Dict]]:
    results: Dict[Tuple[str, str], List[Dict]] = {}
    for r in range(rounds):
        for workload, engines in ENGINES.items():
            order = engines if r % 2 == 0 else engines[::-1]  # alternate who goes first
            for engine in order:
                past = results.setdefault((workload, engine), [])
                if r > 0 and workload in FIRST_ROUND_ONLY:
                    continue
                if past and not past[-1]["ok"]:
                    continue  # it failed once; do not spend every round on it
                t0 = time.perf_counter()
                res = measure(engine, workload, sizes[workload], timeout)
                past.append(res)
                note = f"{time.perf_counter() - t0:.1f} s" if res["ok"] else f"FAILED: {res['reason']}"
                print(f"  round {r + 1}/{rounds} {workload:16} {engine:13} {note}", file=sys.stderr)
    for engine in ENGINES["chain"]:  # once, with Python's default recursion limit
        res = measure(engine, "chain", sizes["chain"], timeout, "plain")
        results[("chain_plain", engine)] = [res]
        note = "ok" if res["ok"] else f"FAILED: {res['reason']}"
        print(f"  default limit  chain            {engine:13} {note}", file=sys.stderr)
    return results


def median_of(runs: List[Dict], key: Any) -> Optional[float]:
    """Median over the successful runs of key(run), or None when none succeeded."""
    vals = [key(run) for run in runs if run["ok"]]
    return statistics.median(vals) if vals else None


def failure(runs: List[Dict]) -> Optional[str]:
    bad = [run["reason"] for run in runs if not run["ok"]]
    return bad[0] if bad else None


def rel_diff(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def fmt(x: Optional[float], unit: str) -> str:
    """Three significant figures, without exponents: 1,234 / 12.3 / 0.123."""
    if x is None:
        return "fails"
    if abs(x) >= 100:
        return f"{x:,.0f} {unit}"
    return f"{x:.3g} {unit}"


def speedup(ours: Optional[float], theirs: Optional[float]) -> str:
    if not ours or not theirs:
        return "n/a"
    return f"{theirs / ours:.1f}× faster" if theirs >= ours else f"{ours / theirs:.1f}× slower"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def elementwise_section(res: Dict, sizes: Dict[str, int], out: List[str], checks: List[bool]) -> None:
    ops = 4 * sizes["elementwise"]
    a, m = res[("elementwise", "autograd_mini")], res[("elementwise", "micrograd")]
    am, mm = res[("elementwise_mem", "autograd_mini")], res[("elementwise_mem", "micrograd")]

    def per_op_ns(runs: List[Dict], key: str) -> Optional[float]:
        if key == "total":
            return median_of(runs, lambda r: (r["forward_s"] + r["backward_s"]) / r["ops"] * 1e9)
        return median_of(runs, lambda r: r[key] / r["ops"] * 1e9)

    def per_op_b(runs: List[Dict], key: str) -> Optional[float]:
        return median_of(runs, lambda r: r[key] / r["ops"])

    out.append(f"**Elementwise graph**: `y = (y * w + 0.1).relu() * 0.999` repeated "
               f"{sizes['elementwise']:,} times ({ops:,} ops), then `y.backward()`.\n")
    out.append("| per recorded op | autograd_mini | micrograd 0.1.0 | autograd_mini vs micrograd | target |")
    out.append("|---|---:|---:|---:|---|")
    rows = [("time, forward + backward", "total"), ("time, forward", "forward_s"),
            ("time, backward", "backward_s")]
    for name, key in rows:
        ta, tm = per_op_ns(a, key), per_op_ns(m, key)
        ratio = speedup(ta, tm)
        target = ""
        if key == "total":
            target = f"≥ 4× faster: {verdict(bool(ta and tm and tm / ta >= 4.0))}"
        out.append(f"| {name} | {fmt(ta, 'ns')} | {fmt(tm, 'ns')} | {ratio} | {target} |")
    an, mn = res[("elementwise_nogc", "autograd_mini")], res[("elementwise_nogc", "micrograd")]
    ta, tm = per_op_ns(an, "total"), per_op_ns(mn, "total")
    ratio = speedup(ta, tm)
    out.append(f"| time, forward + backward, cyclic GC off in both | {fmt(ta, 'ns')} | {fmt(tm, 'ns')} "
               f"| {ratio} | (for the record) |")
    mem_rows = [("memory held by the graph", "graph_bytes"), ("memory at the peak of backward", "peak_bytes")]
    for name, key in mem_rows:
        ba, bm = per_op_b(am, key), per_op_b(mm, key)
        ratio = f"{100 * ba / bm:.0f}%" if ba and bm else "n/a"
        target = f"≤ 45%: {verdict(bool(ba and bm and ba / bm <= 0.45))}" if key == "graph_bytes" else ""
        out.append(f"| {name} | {fmt(ba, 'B')} | {fmt(bm, 'B')} | {ratio} | {target} |")
    out.append("")
    ga = [r["grad"] for r in a + an + am if r["ok"]]
    gm = [r["grad"] for r in m + mn + mm if r["ok"]]
    if ga and gm:
        d = max(rel_diff(x, y) for x in ga for y in gm)
        ok = d <= REL_TOL
        checks.append(ok)
        out.append(f"Check: `w.grad` is {ga[0]!r} (autograd_mini) and {gm[0]!r} (micrograd), "
                   f"relative difference {d:.1e} ({'ok' if ok else 'MISMATCH'}, tolerance {REL_TOL:g}).")
    else:
        checks.append(False)
        out.append(f"Check: not possible, a run failed: {failure(a + am) or failure(m + mm)}")
    out.append("Memory is measured once (byte counts do not vary) with `tracemalloc` in a separate "
               "process: the bytes allocated while building the graph, and the highest total during "
               "`backward()`, divided by the number of ops.\n")


def chain_section(res: Dict, sizes: Dict[str, int], out: List[str], checks: List[bool]) -> None:
    n = sizes["chain"]
    out.append(f"**Deep chain**: `y = y * 1.0000001`, {n:,} ops deep, then `y.backward()`.\n")
    out.append("| engine | forward | backward | total | x.grad vs 1.0000001**n |")
    out.append("|---|---:|---:|---:|---|")
    for engine, name in (("autograd_mini", "autograd_mini"), ("micrograd", "micrograd 0.1.0")):
        runs = res[("chain", engine)]
        f = median_of(runs, lambda r: r["forward_s"])
        b = median_of(runs, lambda r: r["backward_s"])
        t = median_of(runs, lambda r: r["forward_s"] + r["backward_s"])
        if t is None:
            out.append(f"| {name} | fails | | | {failure(runs)} |")
            if engine == "autograd_mini":
                checks.append(False)
            continue
        good = [r for r in runs if r["ok"]]
        d = max(rel_diff(r["grad"], r["expected"]) for r in good)
        ok = d <= 1e-9
        checks.append(ok)
        out.append(f"| {name} | {fmt(f, 's')} | {fmt(b, 's')} | {fmt(t, 's')} | "
                   f"relative difference {d:.1e} ({'ok' if ok else 'MISMATCH'}) |")
    out.append("")
    out.append("micrograd's backward is recursive: it runs here only because every worker raises the "
               "recursion limit to 10**7 in a thread with a 512 MiB stack (see `_worker.py`). "
               "Run once more as a user would, in the main thread with Python's default limit:\n")
    for engine in ("autograd_mini", "micrograd"):
        r = res[("chain_plain", engine)][0]
        if r["ok"]:
            ok = rel_diff(r["grad"], r["expected"]) <= 1e-9
            checks.append(ok)
            outcome = f"works in {fmt(r['forward_s'] + r['backward_s'], 's')}"
            outcome += "" if ok else " (WRONG x.grad)"
        else:
            outcome = f"fails: `{r['reason']}`"
        out.append(f"- {engine}: {outcome}")
    out.append("")


def mlp_section(res: Dict, sizes: Dict[str, int], out: List[str], checks: List[bool]) -> None:
    names = {"autograd_mini": "autograd_mini", "autograd_mini_nodes": "autograd_mini, z and a nodes",
             "tape_python": "autograd_mini, traced: the Python program",
             "tape_c": "autograd_mini, traced: the C program",
             "micrograd": "micrograd 0.1.0", "hand": "hand-written loop"}

    def step_ms(r: Dict) -> float:
        times = r["step_s"][1:] or r["step_s"]  # the first step pays for warming up
        return 1e3 * sum(times) / len(times)

    ms = {e: median_of(res[("mlp", e)], step_ms) for e in names}
    out.append(f"**micrograd's demo step**: MLP 2-16-16-1 (ReLU), 100 moons points "
               f"(`datasets.make_moons(100, noise=0.1, seed=1)`), hinge loss + "
               f"1e-4·Σp², full batch, forward + backward + SGD update; mean over steps 2..{sizes['mlp']} "
               f"of each process.\n")
    out.append("| implementation | ms per step | built with |")
    out.append("|---|---:|---|")
    for e, name in names.items():
        how = next((r["how"] for r in res[("mlp", e)] if r["ok"]), failure(res[("mlp", e)]))
        out.append(f"| {name} | {fmt(ms[e], 'ms')} | {how} |")
    out.append("")
    runs = res[("mlp", "autograd_mini")]
    parts = {
        k: median_of(runs, lambda r, k=k: 1e3 * r["split_s"][k]) for k in ("forward", "backward", "update")
    }
    if None not in parts.values():
        whole = sum(parts.values())  # type: ignore[arg-type]
        out.append("autograd_mini's step, timed part by part on a fresh model: " + ", ".join(
            f"{k} {fmt(v, 'ms')} ({100 * v / whole:.0f}%)" for k, v in parts.items()) + ".\n")  # type: ignore
    a, z, m, h = ms["autograd_mini"], ms["autograd_mini_nodes"], ms["micrograd"], ms["hand"]
    out.append("| ratio | value | target |")
    out.append("|---|---:|---|")
    if a and m:
        out.append(f"| micrograd / autograd_mini | {m / a:.1f}× | ≥ 50×: {verdict(m / a >= 50.0)} |")
    if a and h:
        out.append(f"| autograd_mini / hand-written loop | {a / h:.1f}× | ≤ 3×: {verdict(a / h <= 3.0)} |")
    if z and m and h:
        out.append(f"| z and a nodes: micrograd / autograd_mini, autograd_mini / hand-written loop "
                   f"| {m / z:.1f}×, {z / h:.1f}× | (for the record) |")
    tp, tc = ms["tape_python"], ms["tape_c"]
    if tp and h:
        out.append(f"| traced, the Python program / hand-written loop | {tp / h:.2f}× "
                   f"| ≤ 1.0×: {verdict(tp / h <= 1.0)} |")
    if tc and h:
        out.append(f"| traced, the C program / hand-written loop | {tc / h:.3f}× "
                   f"| ≤ 0.05×: {verdict(tc / h <= 0.05)} |")
    out.append("")
    tape_section(res, out)
    losses = {e: next((r["losses"] for r in res[("mlp", e)] if r["ok"]), None) for e in names}
    if all(v is not None and len(v) >= 4 for v in losses.values()):
        parts, ok = [], True
        for k, when in ((0, "at step 0"), (3, "after 3 steps")):
            vals = [losses[e][k] for e in names]  # type: ignore[index]
            d = max(rel_diff(x, vals[0]) for x in vals)
            ok = ok and d <= REL_TOL
            parts.append(f"{when} {vals[0]:.12f} (largest relative difference {d:.1e})")
        checks.append(ok)
        status = "ok" if ok else "MISMATCH"
        out.append(f"Check: all {len(names)} give the same loss, {'; '.join(parts)}: {status}.\n")
    else:
        checks.append(False)
        out.append("Check: not possible, a run failed or made fewer than 4 steps.\n")


def tape_section(res: Dict, out: List[str]) -> None:
    """What a traced program costs before its first step: tracing and writing it, compiling it."""
    py, c = res[("mlp", "tape_python")], res[("mlp", "tape_c")]
    trace_py = median_of(py, lambda r: r["trace_s"])
    trace_c = median_of(c, lambda r: r["trace_s"])
    compile_c = median_of(c, lambda r: r["compile_s"])
    cached = median_of(c, lambda r: r["cached_compile_s"])
    if None in (trace_py, trace_c, compile_c, cached):
        out.append(f"Traced programs: a run failed: {failure(py) or failure(c)}\n")
        return
    ok_trace = max(trace_py, trace_c) < 1.0  # type: ignore[type-var]
    ok_compile = compile_c < 10.0 and cached == 0.0  # type: ignore[operator]
    out.append(f"The traced programs, before their first step: tracing the step and writing its program "
               f"takes {fmt(1e3 * trace_py, 'ms')} (Python) and {fmt(1e3 * trace_c, 'ms')} (C, compiling "
               f"aside), target < 1 s: {verdict(ok_trace)}; compiling the C program takes "
               f"{fmt(compile_c, 's')} into an empty cache and {fmt(cached, 's')} once cached, target < 10 s "
               f"and 0 when cached: {verdict(ok_compile)}. Both programs give the interpreter's loss and "
               "gradients to the bit (tests/test_tape*.py).\n")


def environment(rounds: int) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.2f} at the end"
    return (f"Measured {when} with `python benchmarks/run.py`: Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()} {platform.machine()}, {cpu}, "
            f"{os.cpu_count()} CPUs{load}. Each number is the median of {rounds} rounds; every "
            f"measurement is a fresh process, engines alternating. Default garbage-collector settings "
            f"for both engines.\n")


def write_atomically(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".results-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one round: a smoke test")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 5, quick 1)")
    parser.add_argument("--out", default=None, help="table file (default benchmarks/RESULTS.md)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per measurement")
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 5)
    if rounds < 1:
        parser.error(f"--rounds must be at least 1, got {rounds}")
    sizes = QUICK if args.quick else FULL
    out_path = args.out or (None if args.quick else os.path.join(HERE, "RESULTS.md"))

    results = run_all(sizes, rounds, args.timeout)
    torch_results = _torch_rows.measure_all(rounds, args.quick, args.timeout)
    out: List[str] = ["<!-- written by benchmarks/run.py; do not edit by hand -->"]
    if args.quick:
        out.append("*Smoke run (`--quick`): small sizes, not the published numbers.*\n")
    out.append(environment(rounds))
    checks: List[bool] = []
    elementwise_section(results, sizes, out, checks)
    chain_section(results, sizes, out, checks)
    mlp_section(results, sizes, out, checks)
    _torch_rows.section(torch_results, out, checks)
    text = "\n".join(out).rstrip() + "\n"
    print(text)
    if out_path:
        write_atomically(out_path, text)
        print(f"(written to {os.path.relpath(out_path)})", file=sys.stderr)
    if not all(checks):
        print("a correctness check FAILED: the engines disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
