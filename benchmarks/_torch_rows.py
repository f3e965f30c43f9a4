"""run.py's section against PyTorch eager: the moons step and the digits epoch (`_vs_torch.py`),
every engine in a fresh process, engines alternating within each round, medians reported."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINES = ["tape_c", "tape_python", "interpreter", "torch64", "torch32", "torch64_threads"]
NAMES = {
    "tape_c": "autograd_mini, traced with its optimizer: the C program",
    "tape_python": "autograd_mini, traced with its optimizer: the Python program",
    "interpreter": "autograd_mini, the interpreter (zero_grad, backward, opt.step)",
    "torch64": "PyTorch eager, float64, 1 thread",
    "torch32": "PyTorch eager, float32, 1 thread (for the record)",
    "torch64_threads": "PyTorch eager, float64, its default threads (for the record)",
}
REPEATS = {"moons": (100, 5), "digits": (12, 2)}  # (full, quick): steps / epochs per process


def measure_all(rounds: int, quick: bool, timeout: float) -> Dict[Tuple[str, str], List[Dict[str, Any]]]:
    results: Dict[Tuple[str, str], List[Dict[str, Any]]] = {}
    for r in range(rounds):
        for workload, (full, small) in REPEATS.items():
            for engine in ENGINES if r % 2 == 0 else ENGINES[::-1]:
                if workload == "digits" and engine == "interpreter" and quick:
                    continue
                cmd = [sys.executable, os.path.join(HERE, "_vs_torch.py"), engine, workload,
                       str(small if quick else full)]
                try:
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE)
                    found = json.loads(proc.stdout.strip().splitlines()[-1])
                except (subprocess.TimeoutExpired, IndexError, ValueError) as e:
                    found = {"ok": False, "reason": f"{type(e).__name__}"}
                results.setdefault((workload, engine), []).append(found)
                print(f"  round {r + 1}/{rounds} vs torch {workload:7} {engine:16} "
                      f"{'ok' if found.get('ok') else 'FAILED'}", file=sys.stderr)
    return results


def _median(runs: List[Dict[str, Any]]) -> Optional[float]:
    """The median over the runs of each run's median repeat (its first one left out: warm-up)."""
    per = [statistics.median(r["seconds"][1:] or r["seconds"]) for r in runs if r.get("ok")]
    return statistics.median(per) if per else None


def section(results: Dict[Tuple[str, str], List[Dict[str, Any]]], out: List[str], checks: List[bool]) -> None:
    out.append("\n**Against PyTorch eager** (`benchmarks/_vs_torch.py`), the same networks, data, weights "
               "and updates, measured in the same run:\n")
    out.append("- moons: MLP 2-16-16-1, 100 points, hinge + 1e-4·Σp², SGD momentum 0.9, one step "
               "(parameters and gradients current after it);")
    out.append("- digits: MLP 64-32-10, 28 batches of 64, softmax cross-entropy, AdamW, one epoch "
               "(`step.run(batches)` for the traced ones).\n")
    out.append("| engine | moons, ms per step | digits, ms per epoch | digits, peak memory |")
    out.append("|---|---:|---:|---:|")
    times: Dict[Tuple[str, str], Optional[float]] = {}
    for engine in ENGINES:
        cells = []
        for workload in REPEATS:
            runs = results.get((workload, engine), [])
            t = times[workload, engine] = _median(runs)
            cells.append("not run" if not runs else "fails" if t is None else f"{t * 1e3:.3g}")
        peaks = [r["peak_kib"] for r in results.get(("digits", engine), []) if r.get("ok")]
        cells.append(f"{statistics.median(peaks) / 1024:.0f} MiB" if peaks else "n/a")
        out.append(f"| {NAMES[engine]} | " + " | ".join(cells) + " |")
    out.append("")
    for workload, target in (("moons", 5.0), ("digits", 2.0)):
        ours, theirs = times[workload, "tape_c"], times[workload, "torch64"]
        if ours and theirs:
            ratio = theirs / ours
            how = f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower"
            met = "met" if ratio >= target else "**missed**"
            out.append(f"- {workload}: the C program is {how} than PyTorch eager (float64, 1 thread); "
                       f"target ≥ {target:g}× faster: {met}.")
    agree = _losses_agree(results)
    checks.append(agree)
    said = "ok" if agree else "FAILED"
    out.append(f"- Check: every engine's first losses agree to 1e-9 (float64): {said}. "
               "Peak memory is the process's peak resident size (its libraries included).")


def _losses_agree(results: Dict[Tuple[str, str], List[Dict[str, Any]]]) -> bool:
    for workload in REPEATS:
        firsts = [r["losses"][0] for e in ENGINES if e != "torch32" for r in results.get((workload, e), [])
                  if r.get("ok")]
        if firsts and max(firsts) - min(firsts) > 1e-9 * max(abs(x) for x in firsts):
            return False
    return True
