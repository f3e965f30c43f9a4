"""The process that runs a learner's file: ``python -m autograd_mini.exercises.child FILE FUNCTION
JOB RESULTS`` imports FUNCTION from FILE, calls it on each case pickled in JOB and appends one
pickled message per case to RESULTS (see `running.serve`), flushed at once, so that the cases done
before a time limit are known. The file's folder comes first on the import path, so one exercise
file can import another (``from ex4_batch import layer_backward``).
"""

from __future__ import annotations

import importlib.util
import pickle
import sys
from pathlib import Path
from typing import Any, BinaryIO, Callable, List

from .running import capture_prints, serve


def load(path: Path, function: str) -> Callable[[], Callable[..., Any]]:
    def loader() -> Callable[..., Any]:
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path.name}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        found = getattr(module, function, None)
        if not callable(found):
            raise LookupError(f"{path.name} has no function {function}: keep the name the stub gave it")
        return found  # type: ignore[no-any-return]

    return loader


def main(argv: List[str]) -> None:
    path, function, job, results = Path(argv[0]), argv[1], Path(argv[2]), Path(argv[3])
    cases = pickle.loads(job.read_bytes())
    with results.open("ab") as out:
        serve(load(path, function), cases, _sender(out), capture_prints())


def _sender(out: BinaryIO) -> Callable[[tuple], None]:
    def send(message: tuple) -> None:
        pickle.dump(message, out)
        out.flush()

    return send


if __name__ == "__main__":
    main(sys.argv[1:])
