"""Run a learner's function on the cases, apart from us: with a time limit, its printing kept
apart, its exceptions told with the line they came from.

Where it runs, and why:

- A function (``check("batch", layer_backward)``, from Python or a notebook) runs in a *forked*
  child process. Fork copies the whole interpreter, so a function typed into a notebook cell works
  as it is (a fresh interpreter could not import it), and a function that never returns is killed
  at the time limit, leaving the notebook's kernel as it was. A thread cannot be stopped: an
  endless loop would keep a core busy until the kernel restarts.
- A file (``autograd-mini exercises check DIR``) runs in a fresh ``python`` process
  (`autograd_mini.exercises.child`), which imports it; this works wherever Python runs.
- Where there is no fork (Windows), a function runs in a thread; at the time limit the report says
  that it is still running and the session must be restarted to stop it.

What the function prints goes to the report (`Outcome.printed`), never into the grader's output.
"""

from __future__ import annotations

import copy
import io
import multiprocessing
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Callable, List, NamedTuple, Optional, Sequence, Tuple

from .shapes import plain

PRINTED_LIMIT = 10_000  # characters of a learner's printing kept per exercise
HERE = os.path.dirname(os.path.abspath(__file__))


class Result(NamedTuple):
    """What the function did on one case: returned `value` (plain), raised `error` (one line, with
    the learner's line), or raised NotImplementedError (`not_done`)."""

    value: Any
    error: Optional[str]
    not_done: bool


class Outcome(NamedTuple):
    results: List[Result]  # one per case that finished, in order
    printed: str  # what the function printed
    stopped: Optional[str]  # why the remaining cases did not finish (time limit, exit, ...)
    unloaded: Optional[str] = None  # why the learner's file could not be loaded


class Capture(io.StringIO):
    """A stdout that keeps at most PRINTED_LIMIT characters (an endless print loop stays small)."""

    def write(self, text: str) -> int:
        room = PRINTED_LIMIT - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)

    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


def describe(error: BaseException, files: Sequence[str] = ()) -> str:
    """`error` in one line with where it happened in the learner's code: its last frame in one of
    `files` (the learner's), else its last frame outside this package."""
    name = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(error, SyntaxError) and error.lineno:
        line = (error.text or "").strip()
        return f"line {error.lineno} of {Path(error.filename or '?').name}: {line}: SyntaxError: {error.msg}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(HERE)]
    mine = [f for f in frames if f.filename in files]
    if not (mine or frames):
        return name
    where = (mine or frames)[-1]
    code = f": {where.line.strip()}" if where.line else ""
    return f"line {where.lineno} of {Path(where.filename).name}{code}: {name}"


def serve(load: Callable[[], Callable[..., Any]], cases: Sequence[tuple], send: Callable[[tuple], None],
          capture: Capture) -> None:
    """Load the function, `send` ("loaded",), call it on each case and `send` ("case", i, Result,
    printed) after each; or `send` ("load", error, printed) when it cannot be loaded. Runs in the child."""
    try:
        function = load()
    except BaseException as e:  # a syntax error in the learner's file, a missing function, ...
        send(("load", describe(e, _files(e)), capture.getvalue()))
        return
    send(("loaded",))
    files = [getattr(getattr(function, "__code__", None), "co_filename", "")]
    for i, args in enumerate(cases):
        try:
            result = Result(plain(function(*copy.deepcopy(args))), None, False)
        except NotImplementedError:
            result = Result(None, None, True)
        except BaseException as e:  # reported, whatever it is (SystemExit and KeyboardInterrupt too)
            result = Result(None, describe(e, files), False)
        send(("case", i, result, capture.take()))


def _files(error: BaseException) -> List[str]:
    return [f.filename for f in traceback.extract_tb(error.__traceback__)]


def run(function: Callable[..., Any], cases: Sequence[tuple], timeout: float,
        method: Optional[str] = None) -> Outcome:
    """Call `function` on each case (`method` 'fork' where the system has it, else 'thread')."""
    if method is None:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "thread"
    if method == "fork":
        return _forked(function, cases, timeout)
    return _threaded(function, cases, timeout)


def run_file(path: Path, function: str, cases: Sequence[tuple], timeout: float) -> Outcome:
    """Import `function` from the learner's file `path` in a fresh Python and call it on each case."""
    with tempfile.TemporaryDirectory() as folder:
        job, answers, printed = (Path(folder, f) for f in ("job.pickle", "results.pickle", "printed.txt"))
        job.write_bytes(pickle.dumps(list(cases)))
        answers.touch()
        argv = [sys.executable, "-m", "autograd_mini.exercises.child", str(path), function,
                str(job), str(answers)]
        with printed.open("wb") as out:  # a file, not a pipe: a child that prints much never blocks
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       cwd=path.parent)
        try:
            with answers.open("rb") as reading:
                messages, stopped = gather(partial(_next_in_file, reading, process), len(cases), timeout)
        finally:
            process.kill()
            status = process.wait()
        if stopped == ENDED:
            stopped = f"the process ended (exit status {status})"
        outcome = _collect(messages, len(cases), stopped)
        return outcome._replace(printed=outcome.printed + printed.read_text("utf-8", "replace"))


ENDED = "ended"  # what a message source returns once the child is gone
LOAD_LIMIT = 60.0  # seconds to start the child and load the learner's code: not the learner's time


def gather(next_message: Callable[[float], Any], count: int,
           timeout: float) -> Tuple[List[tuple], Optional[str]]:
    """The child's messages until every case has answered, or why not: the learner's `timeout`
    is up (counted from the child's ("loaded",), so a slow start is not counted), or the child
    ended (ENDED). `next_message(wait)` returns a message, None after `wait` seconds without one,
    or ENDED."""
    messages: List[tuple] = []
    deadline, loaded = time.monotonic() + LOAD_LIMIT, False
    while sum(m[0] == "case" for m in messages) < count:
        message = next_message(max(0.0, deadline - time.monotonic()))
        if message is None:
            return messages, _late(timeout) if loaded else f"it did not start within {LOAD_LIMIT:g} s"
        if message == ENDED:
            return messages, ENDED
        messages.append(message)
        if message[0] == "loaded":
            deadline, loaded = time.monotonic() + timeout, True
        if message[0] == "load":
            break
    return messages, None


def _next_in_file(reading: BinaryIO, process: subprocess.Popen[bytes], wait: float) -> Any:
    """The next message the child appended to its results file (see `gather`)."""
    end = time.monotonic() + wait
    while True:
        at = reading.tell()
        try:
            return pickle.load(reading)
        except (EOFError, pickle.UnpicklingError, ValueError, AttributeError, IndexError):
            reading.seek(at)  # not written yet, or half written
        if process.poll() is not None:
            try:
                return pickle.load(reading)
            except Exception:
                return ENDED
        if time.monotonic() >= end:
            return None
        time.sleep(0.01)


def _late(timeout: float) -> str:
    return f"it did not return within the time limit of {timeout:g} s (an endless loop?)"


def _collect(messages: Sequence[tuple], count: int, stopped: Optional[str]) -> Outcome:
    results, printed = [], ""
    for message in messages:
        if message[0] == "load":
            return Outcome([], message[2], None, message[1])
        if message[0] == "case":
            _, _, result, text = message
            results.append(result)
            printed += text
    return Outcome(results, printed, stopped if len(results) < count else None)


def capture_prints() -> Capture:
    """In a child: what Python prints (stdout and stderr) goes to the returned Capture."""
    capture = Capture()
    sys.stdout = sys.stderr = capture
    return capture


def _child(function: Callable[..., Any], cases: Sequence[tuple], connection: Any) -> None:
    """The forked child: its prints (Python's and the system's) kept from the parent's terminal."""
    capture = capture_prints()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    serve(lambda: function, cases, connection.send, capture)
    connection.close()


def _forked(function: Callable[..., Any], cases: Sequence[tuple], timeout: float) -> Outcome:
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(function, cases, sending), daemon=True)
    with warnings.catch_warnings():  # Python 3.12 warns on fork in a threaded process (a notebook)
        warnings.simplefilter("ignore", DeprecationWarning)
        process.start()
    sending.close()  # so that the child's end closing is seen here as the end of the messages

    def next_message(wait: float) -> Any:
        if not receiving.poll(wait):
            return None
        try:
            return receiving.recv()
        except EOFError:
            return ENDED

    try:
        messages, stopped = gather(next_message, len(cases), timeout)
    finally:
        process.kill()
        process.join()
        receiving.close()
    if stopped == ENDED:
        stopped = f"the process ended (exit status {process.exitcode})"
    return _collect(messages, len(cases), stopped)


def _threaded(function: Callable[..., Any], cases: Sequence[tuple], timeout: float) -> Outcome:
    messages: queue.Queue[tuple] = queue.Queue()
    capture = Capture()
    saved = sys.stdout
    sys.stdout = capture  # the whole process's stdout while the function runs: no fork here
    worker = threading.Thread(target=serve, args=(lambda: function, cases, messages.put, capture),
                              daemon=True)
    try:
        worker.start()
        worker.join(timeout)
    finally:
        sys.stdout = saved
    got = []
    while not messages.empty():
        got.append(messages.get())
    stopped = None
    if worker.is_alive():
        stopped = (_late(timeout) + "; it is still running in this Python session (there is no fork on "
                   "this system to stop it): restart the session")
    return _collect(got, len(cases), stopped)
