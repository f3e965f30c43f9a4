"""The digits demo's helper: a process forked before training that imports PyTorch and matplotlib
(two seconds) on the machine's other core while this one trains, then does part of the ending in
parallel with it: PyTorch's predictions with the trained weights (the torch check: the same network
in PyTorch, `torch_bridge.to_torch`, predicts the same classes) and some of the pictures. Where
processes cannot fork, or the helper has died, this process does it all itself."""

from __future__ import annotations

import multiprocessing
import sys
from typing import Any, List, Optional, Sequence

import digits_plots

Rows = Sequence[Sequence[float]]


def _predict(model: Any, X: Rows) -> Optional[List[int]]:
    """PyTorch's class for each row, or None without PyTorch."""
    try:
        import torch

        from autograd_mini.torch_bridge import to_torch
    except ImportError:
        return None
    with torch.no_grad():
        out: List[int] = to_torch(model)(torch.tensor(list(X), dtype=torch.float64)).argmax(dim=1).tolist()
    return out


def _worker(conn: Any, model: Any, X: Rows) -> None:
    try:  # now, while the parent trains
        import torch  # noqa: F401
    except ImportError:
        pass
    try:
        import matplotlib

        matplotlib.use("Agg")  # (as draw_all chooses it)
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass
    while True:
        try:
            task, weights, more = conn.recv()
        except EOFError:
            return
        if task == "stop":
            return
        for p, w in zip(model.parameters(), weights):
            p.data = w
        conn.send(_predict(model, X) if task == "check" else digits_plots.draw_all(model, *more))
        sys.stdout.flush()


class Helper:
    """``Helper(model, X_test)`` before training; after it, `draw` some pictures there while this
    process draws the others, then `check` the classes the trained model predicts."""

    def __init__(self, model: Any, X: Rows) -> None:
        self.model, self.X = model, X
        self.conn: Any = None
        self.args: tuple = ()
        self.remote = False
        # A child forked from a process that has PyTorch loaded inherits its thread pools' locks
        # and can hang in its first matrix product (seen under pytest): then all runs here.
        if "fork" in multiprocessing.get_all_start_methods() and "torch" not in sys.modules:
            sys.stdout.flush()  # (else the child holds a copy of what is not written yet)
            sys.stderr.flush()
            ctx = multiprocessing.get_context("fork")
            self.conn, theirs = ctx.Pipe()
            self.process: Any = ctx.Process(target=_worker, args=(theirs, model, X), daemon=True)
            self.process.start()
            theirs.close()  # (the child's end: if the child dies, recv here ends instead of waiting)

    def close(self) -> None:
        """End the helper (it ends when its pipe closes) and wait for it."""
        if self.conn is not None:
            try:
                self.conn.send(("stop", None, None))
            except OSError:  # it has ended already
                pass
            self.conn.close()
            self.conn = None
            self.process.join(0.2)  # (its work is done: no need to wait for PyTorch to unload)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join()

    def _ask(self, task: str, more: Any) -> bool:
        try:
            self.conn.send((task, [p.data for p in self.model.parameters()], more))
            return True
        except (AttributeError, OSError):  # no helper, or it has ended
            return False

    def draw(self, *args: Any) -> None:
        """Start drawing `digits_plots.draw_all(model, *args)` in the helper; `drawn` waits for it."""
        self.args = args
        self.remote = self._ask("draw", args)

    def drawn(self) -> List[str]:
        """The names of the pictures `draw` wrote (drawn here if the helper could not)."""
        if self.remote:
            try:
                names: List[str] = self.conn.recv()
                return names
            except EOFError:
                pass  # the helper died drawing: here, then (which raises what went wrong)
        return digits_plots.draw_all(self.model, *self.args)

    def check(self, ours: List[int]) -> Optional[bool]:
        """Whether PyTorch predicts `ours` for X (None without PyTorch); says so in a line."""
        theirs: Optional[List[int]] = None
        try:
            if not self._ask("check", None):
                raise EOFError
            theirs = self.conn.recv()
        except EOFError:
            theirs = _predict(self.model, self.X)
        if theirs is None:
            print("torch check skipped: PyTorch is not installed (pip install 'autograd_mini[torch]')")
            return None
        differ = sum(a != b for a, b in zip(ours, theirs))
        n = len(self.X)
        if differ:
            print(f"torch check: PyTorch predicts a different class for {differ} of {n} test images")
        else:
            print(f"torch check: PyTorch (to_torch) predicts the same class for all {n} test images")
        return differ == 0
