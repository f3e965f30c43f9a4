"""The digits demo's last check: PyTorch, running the same network (`torch_bridge.to_torch`),
predicts the same classes. PyTorch takes a second to import, so a process forked before training
imports it on the machine's other core meanwhile, and at the end predicts with the trained weights
it is sent; where processes cannot fork, the check runs in this process."""

from __future__ import annotations

import multiprocessing
from typing import Any, List, Optional, Sequence

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
    try:
        import torch  # noqa: F401  (now, while the parent trains)
    except ImportError:
        pass
    weights = conn.recv()
    for p, w in zip(model.parameters(), weights):
        p.data = w
    conn.send(_predict(model, X))


class TorchCheck:
    """``TorchCheck(model, X)`` before training, ``check(ours)`` after it: whether PyTorch
    predicts `ours` (the classes the trained model gives `X`); None without PyTorch."""

    def __init__(self, model: Any, X: Rows) -> None:
        self.model, self.X = model, X
        self.conn: Any = None
        if "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self.conn, theirs = ctx.Pipe()
            ctx.Process(target=_worker, args=(theirs, model, X), daemon=True).start()
            theirs.close()  # (the child's end: if the child dies, recv here ends instead of waiting)

    def check(self, ours: List[int]) -> Optional[bool]:
        theirs: Optional[List[int]] = None
        try:
            self.conn.send([p.data for p in self.model.parameters()])
            theirs = self.conn.recv()
        except (AttributeError, EOFError, OSError):  # no process, or it ended: here, then
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
