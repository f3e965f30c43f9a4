"""Train an MLP on scikit-learn's 8×8 handwritten digits with autograd_mini, and show what it learned.

    python demos/digits_classifier.py                      # 64-32-10 ReLU: 97.8 % in about 3 s
    python demos/digits_classifier.py --hidden 64 --epochs 40

The 1,797 images ship inside scikit-learn (the file `load_digits` reads, read here: no download).
Pixels are scaled to [0, 1]; a stratified quarter of each digit is held out for testing. The model
is trained with softmax cross-entropy and AdamW (Adam with decoupled weight decay) on mini-batches,
the learning rate falling along a half cosine to 0.

Writes into --out (default out/digits/): metrics.json, model.json and, with matplotlib,
confusion_matrix.png, misclassified.png, weights.png and loss_curve.png. With PyTorch installed it
ends by checking that the same network in PyTorch (`torch_bridge.to_torch`) predicts the same classes.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from autograd_mini import Value, losses, nn, optim
from autograd_mini.atomic import write_atomic

sys.path.insert(0, str(Path(__file__).resolve().parent))
import digits_plots  # noqa: E402  (beside this file)
import training_record  # noqa: E402
from demo_options import OneLineParser, bounded, hidden_sizes, model_size, writable_folder  # noqa: E402
from digits_data import accuracy, confusion, load_data, precision_recall, stratified_split  # noqa: E402
from evaluation import Outputs, classes  # noqa: E402
from helper import Helper  # noqa: E402

PROG = "digits_classifier.py"
Rows = List[List[float]]
Step = Callable[[Rows, List[int]], Tuple[float, Optional[int]]]  # the engine's


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = OneLineParser(prog=PROG, description="Train an autograd_mini MLP on the 8x8 handwritten digits.")
    p.add_argument("--hidden", default="32", help="hidden layer sizes, e.g. 32 or 64,32 (default 32)")
    p.add_argument("--epochs", type=int, default=25, help="passes over the training set (default 25)")
    p.add_argument("--lr", type=float, default=0.02, help="peak learning rate of AdamW (default 0.02)")
    p.add_argument("--weight-decay", type=float, default=0.1, help="AdamW's weight decay (default 0.1)")
    p.add_argument("--batch-size", type=int, default=32, help="images per step (default 32)")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, weights and batches (default 0)")
    p.add_argument("--limit", type=int, default=None, help="use only this many images (for quick tries)")
    p.add_argument("--out", default="out/digits", help="output folder (default out/digits/)")
    p.add_argument("--compile", default="auto", choices=("off", "python", "c", "auto"),
                   help="train with the program autodiff writes (autograd_mini.tape): auto (default: C "
                        "where a compiler is found, else Python), python, c, or off for the engine itself")
    return p.parse_args(argv)


def check_options(a: argparse.Namespace) -> List[int]:
    """Everything checked before the data is read; returns the hidden sizes. Raises ValueError."""
    bounded(a.epochs, "--epochs", 1, 1000)
    if not (a.lr > 0.0 and math.isfinite(a.lr)):
        raise ValueError(f"--lr must be a finite number > 0, got {a.lr}")
    if not (a.weight_decay >= 0.0 and math.isfinite(a.weight_decay)):
        raise ValueError(f"--weight-decay must be a finite number >= 0, got {a.weight_decay}")
    bounded(a.batch_size, "--batch-size", 1, 1797)  # 1797: all the images
    if a.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {a.seed}")
    if a.limit is not None and not 40 <= a.limit <= 1797:
        raise ValueError(f"--limit must be between 40 and 1797 images, got {a.limit}")
    hidden = hidden_sizes(a.hidden)
    model_size([64, *hidden, 10], a.batch_size, "--batch-size")
    writable_folder(a.out)
    return hidden


def batch_loss(model: nn.MLP, X: Rows, y: List[int]) -> Value:
    """The mean softmax cross-entropy of a batch: the function a training step differentiates."""
    return losses.softmax_cross_entropy(model(X), y)


def make_step(model: nn.MLP) -> Step:
    """The engine's training step (--compile off): adds d loss / d p to each ``p.grad`` and
    returns the loss and how many images of the batch the model got right (before the update)."""

    def step(X: Rows, y: List[int]) -> Tuple[float, Optional[int]]:
        logits = model(X)
        loss = losses.softmax_cross_entropy(logits, y)  # batch_loss, keeping the logits
        loss.backward()
        return loss.data, sum(_argmax(row) == t for row, t in zip(logits, y))

    return step


def _argmax(logits: Sequence[Value]) -> int:
    return max(range(len(logits)), key=lambda k: logits[k].data)


def predict(model: nn.MLP, X: Rows, outputs: Optional[Outputs] = None) -> List[int]:
    """The class with the largest logit, for each image (through `outputs`, the forward-only
    program, if given; else the engine)."""
    return classes((outputs or Outputs(model, "off"))(X))


def train(
    model: nn.MLP, data: Dict[str, Any], a: argparse.Namespace, recorder: Any = None,
    outputs: Optional[Outputs] = None,
) -> Dict[str, List[float]]:
    """Mini-batch AdamW with a cosine-shaped learning rate; prints a line per epoch.

    With --compile (not off) each epoch is one ``step.run(batches)`` of the program a trace of
    `batch_loss` with the optimizer writes (`autograd_mini.tape`: zero_grad, forward, backward and
    AdamW's update in the program), and the accuracies go through `outputs` (a forward-only
    program). The engine's train accuracy counts each image as the model classified it in its
    batch, before that batch's update (as Keras reports it); the program's is measured after the
    epoch. metrics.json has the final model's on the whole set."""
    X, y = data["X_train"], data["y_train"]
    batches = math.ceil(len(y) / a.batch_size)
    total = a.epochs * batches
    schedule = lambda t: a.lr * 0.5 * (1.0 + math.cos(math.pi * t / total))  # noqa: E731
    opt = optim.AdamW(model.parameters(), lr=schedule, weight_decay=a.weight_decay)
    outputs = outputs or Outputs(model, a.compile)
    compiled: Any = None  # the traced training step (made at the first batch)
    if recorder is not None and a.compile == "off":  # the training page's frames, the diagnostics
        recorder.watch(opt)  # (a compiled run is observed by recorder.run, without step hooks)
    step = make_step(model)
    rng = random.Random(a.seed)
    history: Dict[str, List[float]] = {
        "batch_loss": [],
        "loss": [],
        "train_accuracy": [],
        "test_accuracy": [],
    }
    t0 = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        order = list(range(len(y)))
        rng.shuffle(order)
        parts = [order[b * a.batch_size : (b + 1) * a.batch_size] for b in range(batches)]
        epoch_batches = [([X[i] for i in idx], [y[i] for i in idx]) for idx in parts]
        right: Optional[int] = None
        if a.compile != "off":
            if compiled is None:
                from autograd_mini.tape import trace

                compiled = trace(lambda X_, y_: batch_loss(model, X_, y_), *epoch_batches[0],
                                 backend=a.compile, optimizer=opt)
            found = (compiled.run if recorder is None else partial(recorder.run, compiled))(epoch_batches)
        else:
            found, right = _engine_epoch(step, opt, epoch_batches, recorder)
        for loss in found:
            if not math.isfinite(loss):
                raise FloatingPointError(f"the loss became {loss} in epoch {epoch}; try a smaller --lr")
        history["batch_loss"] += found
        history["loss"].append(sum(loss * len(b[1]) for loss, b in zip(found, epoch_batches)) / len(y))
        # the share right as the batches went by (free), else measured now
        history["train_accuracy"].append(
            right / len(y) if right is not None else accuracy(predict(model, X, outputs), y)
        )
        history["test_accuracy"].append(accuracy(predict(model, data["X_test"], outputs), data["y_test"]))
        progress(epoch, a.epochs, history, time.perf_counter() - t0)
        if epoch == 1 and a.compile in ("c", "auto"):
            _compiled(compiled, outputs)
    return history


def _compiled(training: Any, outputs: Outputs) -> None:
    """Say what of the first epoch's time was compiling the programs (a network of a new shape;
    the C compiler's libraries are cached, so the next run of the same shape starts at once)."""
    steps = [s for s in (training, outputs.step) if s is not None]
    took = sum(p.compile_seconds for s in steps for p in s.programs.values())
    if took >= 0.3:
        print(f"  (epoch 1 included {took:.1f}s compiling the training step and the evaluation to C, "
              "cached for the next run)", flush=True)


def _engine_epoch(step: Step, opt: Any, batches: List[Tuple[Rows, List[int]]],
                  recorder: Any) -> Tuple[List[float], int]:
    """An epoch through the engine: zero_grad, backward, optimizer step, batch by batch; the
    losses and the count of images right."""
    found: List[float] = []
    right = 0
    for X, y in batches:
        opt.zero_grad()
        loss, correct = step(X, y)
        if recorder is not None:
            recorder.observe(loss, X)
        if not math.isfinite(loss):
            return [*found, loss], right
        opt.step()
        found.append(loss)
        right += correct or 0
    return found, right


def progress(epoch: int, epochs: int, history: Dict[str, List[float]], seconds: float) -> None:
    bar = "#" * round(20 * epoch / epochs)
    train, test = history["train_accuracy"][-1], history["test_accuracy"][-1]
    print(
        f"epoch {epoch:>3}/{epochs} [{bar:<20}] loss {history['loss'][-1]:<7.4g}  "
        f"train {train:6.1%}  test {test:6.1%}  {seconds:5.1f}s",
        flush=True,
    )


def _backend(compile: str, outputs: Outputs) -> str:
    """What trained and evaluated the model, in words."""
    if compile == "off":
        return "the engine (--compile off)"
    used = outputs.backend or ("python" if compile == "python" else "c")
    language = "C" if used == "c" else "Python"
    return f"the {language} program autodiff writes (--compile {compile})"


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        hidden = check_options(args)
    except ValueError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    try:
        X, y = load_data(args.limit, args.seed)
    except ImportError:
        print(f"{PROG}: error: needs scikit-learn for the digits: pip install -e '.[demo]'", file=sys.stderr)
        return 1
    train_idx, test_idx = stratified_split(y, 0.25, args.seed)
    data: Dict[str, Any] = {
        "X_train": [X[i] for i in train_idx],
        "y_train": [y[i] for i in train_idx],
        "X_test": [X[i] for i in test_idx],
        "y_test": [y[i] for i in test_idx],
    }
    # fused: one node relu(w·x + b) per neuron, the fast way to train
    model = nn.MLP(64, [*hidden, 10], activation="relu", rng=random.Random(args.seed), fused=True)
    print(
        f"digits: {len(train_idx)} train / {len(test_idx)} test images; {model!r}, "
        f"{len(model.parameters())} parameters; AdamW lr={args.lr} (cosine), batch {args.batch_size}"
    )
    outputs = Outputs(model, args.compile)  # the evaluation passes (a forward-only program)
    recorder = training_record.digits(model, args, data["X_test"], data["y_test"], len(train_idx),
                                      outputs if args.compile != "off" else None)
    helper = Helper(model, data["X_test"])  # (imports PyTorch and matplotlib in another process meanwhile)
    try:
        return finish(model, data, args, hidden, recorder, helper, outputs)
    finally:
        helper.close()


def finish(model: nn.MLP, data: Dict[str, Any], args: argparse.Namespace, hidden: List[int], recorder: Any,
           helper: Helper, outputs: Outputs) -> int:
    """Train, measure, check, draw and write: the demo after its data and model are made."""
    out = Path(args.out)
    t0 = time.perf_counter()
    try:
        history = train(model, data, args, recorder, outputs)
    except FloatingPointError as e:
        training_record.write(recorder, out, announce=True)
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - t0

    test_pred = predict(model, data["X_test"], outputs)
    matrix = confusion(test_pred, data["y_test"])
    precision, recall = precision_recall(matrix)
    metrics = {
        "train_accuracy": accuracy(predict(model, data["X_train"], outputs), data["y_train"]),
        "test_accuracy": accuracy(test_pred, data["y_test"]),
        "precision": precision,
        "recall": recall,
        "confusion_matrix": matrix,
        "epochs": args.epochs,
        "seconds": round(seconds, 3),
        "backend": _backend(args.compile, outputs),
        "train_size": len(data["y_train"]),
        "test_size": len(data["y_test"]),
        "history": {k: v for k, v in history.items() if k != "batch_loss"},
        "options": {**vars(args), "hidden": hidden},
    }
    print(
        f"train accuracy {metrics['train_accuracy']:.1%}, test accuracy {metrics['test_accuracy']:.1%} "
        f"({len(test_pred) - sum(matrix[c][c] for c in range(10))} of {len(test_pred)} test images wrong), "
        f"trained in {seconds:.1f}s on {metrics['backend']}"
    )
    print(f"drawing the pictures and the training page into {out}/ ...", flush=True)
    drawing = (model, data, test_pred, matrix, history, metrics, out)
    helper.draw(*drawing[1:], ["misclassified.png", "weights.png"])  # two pictures there, two here
    pictures = digits_plots.draw_all(*drawing, ["confusion_matrix.png", "loss_curve.png"])
    pictures += helper.drawn()
    pictures = [name for name in digits_plots.PICTURES if name in pictures]
    metrics["torch_same_predictions"] = helper.check(test_pred)
    model.save(out / "model.json")
    write_atomic(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    pictures += training_record.write(recorder, out)
    print(f"wrote {', '.join(['metrics.json', 'model.json', *pictures])} to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
