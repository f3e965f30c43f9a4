"""Train a small MLP on a 2-D toy dataset with autograd_mini and show what it learned.

    python demos/moons_classifier.py                 # moons, 2-16-16-1 ReLU MLP, hinge loss
    python demos/moons_classifier.py --dataset circles --optimizer adam --loss bce

Writes into --out (default out/): metrics.json, model.json, decision_boundary.png, loss_curve.png
(with matplotlib), neuron_graph.svg: the forward and backward pass of one neuron for one sample
(with Graphviz's `dot`; without it the graph's .dot source is written instead), and
backprop_stepper.html: the trained network's output layer on three training points, a step at a
time, with the matrices of its formulas, in any browser.

If training diverges (the loss overflows: the learning rate is too large), it stops with one line
saying so, writes the loss curve up to that step, and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from autograd_mini import Value, datasets, losses, nn, no_grad, optim
from autograd_mini.atomic import write_atomic

sys.path.insert(0, str(Path(__file__).resolve().parent))
import training_record  # noqa: E402  (beside this file)
from demo_options import (  # noqa: E402  (beside this file)
    OneLineParser,
    OptionError,
    bounded,
    hidden_sizes,
    model_size,
    writable_folder,
)
from evaluation import Outputs  # noqa: E402

DATASETS: Dict[str, Callable[..., Tuple[List[List[float]], List[int]]]] = {
    "moons": datasets.make_moons,
    "circles": datasets.make_circles,
    "spirals": datasets.make_spirals,
    "blobs": lambda n, noise, seed: datasets.make_blobs(n, noise=noise, seed=seed, centers=2),
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = OneLineParser(
        prog="moons_classifier.py",
        description="Train an autograd_mini MLP on a toy 2-D dataset and plot what it learned.",
    )
    p.add_argument("--dataset", default="moons", help="moons, circles, spirals or blobs (default moons)")
    p.add_argument("--samples", type=int, default=200, help="number of points (default 200)")
    p.add_argument("--noise", type=float, default=0.1, help="dataset noise (default 0.1)")
    p.add_argument("--hidden", default="16,16", help="hidden layer sizes, e.g. 16,16 (default)")
    p.add_argument("--steps", type=int, default=100, help="training steps, full batch (default 100)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 0.1 sgd, 0.05 adam)")
    p.add_argument("--optimizer", default="sgd", help="sgd (with momentum 0.9) or adam")
    p.add_argument("--loss", default="hinge", help="hinge (labels ±1) or bce (labels 0/1)")
    p.add_argument("--seed", type=int, default=1, help="seed for data, weights and split (default 1)")
    p.add_argument("--out", default="out", help="output folder (default out/)")
    p.add_argument("--compile", default="off", choices=("off", "python", "c", "auto"),
                   help="run each step as the program autodiff writes (autograd_mini.tape): python, c, "
                        "auto (c where a compiler is found); off (default) runs the engine itself, "
                        "the one the pictures explain")
    return p.parse_args(argv)


def check_options(a: argparse.Namespace) -> List[int]:
    """Validate everything before training starts; returns the hidden sizes."""
    if a.dataset not in DATASETS:
        raise OptionError(f"--dataset must be one of {', '.join(DATASETS)}, got {a.dataset!r}")
    if a.optimizer not in ("sgd", "adam"):
        raise OptionError(f"--optimizer must be sgd or adam, got {a.optimizer!r}")
    if a.loss not in ("hinge", "bce"):
        raise OptionError(f"--loss must be hinge or bce, got {a.loss!r}")
    bounded(a.steps, "--steps", 1, 100_000)
    bounded(a.samples, "--samples", 10, 10_000)
    if not 0.0 <= a.noise < 10.0:
        raise OptionError(f"--noise must be in [0, 10), got {a.noise}")
    if a.lr is not None and not (math.isfinite(a.lr) and a.lr > 0.0):
        raise OptionError(f"--lr must be a finite number > 0, got {a.lr}")
    hidden = hidden_sizes(a.hidden)
    model_size([2, *hidden, 1], a.samples, "--samples")  # full batch: every point at every step
    writable_folder(a.out)
    return hidden


def accuracy(model: nn.MLP, X: Sequence[Sequence[float]], y: Sequence[int],
             outputs: Optional[Outputs] = None) -> float:
    """Share of points whose score has the sign of their class (class 1 <-> score > 0); the scores
    through `outputs` (with --compile, a forward-only program), else the engine."""
    scores = (outputs or Outputs(model, "off"))(X)
    right = sum((s[0] > 0.0) == (t == 1) for s, t in zip(scores, y))
    return right / len(y)


def targets(y: Sequence[int], loss: str) -> List[int]:
    """The labels the loss wants: ±1 for the hinge loss, 0/1 for BCE."""
    return datasets.to_pm1(y) if loss == "hinge" else list(y)


def batch_loss(model: nn.MLP, X: Sequence[Sequence[float]], t: Sequence[Any], loss: str) -> Value:
    """The loss on a batch, `t` from `targets`: the function a compiled step traces, too."""
    scores = model(list(X))  # the whole batch in one call
    data_loss = losses.hinge_loss(scores, t) if loss == "hinge" else losses.bce_with_logits(scores, t)
    return data_loss + losses.l2_regularization(model.parameters(), 1e-4)


def make_step(
    model: nn.MLP, X: List[List[float]], t: List[int], args: argparse.Namespace
) -> Callable[[], float]:
    """A function that computes the loss and adds its gradient to every parameter's .grad: the
    engine's backward(), or (--compile) the program a trace of the same function writes."""
    if args.compile == "off":
        def interpreted() -> float:
            loss = batch_loss(model, X, t, args.loss)
            if math.isfinite(loss.data):  # weights already inf or NaN: no error, NaN in NaN out
                loss.backward()
            return loss.data

        return interpreted
    from autograd_mini.tape import trace

    program = trace(lambda X_, t_: batch_loss(model, X_, t_, args.loss), X, t, backend=args.compile)
    return lambda: program(X, t)


def progress(step: int, steps: int, loss: float, acc: float, t0: float) -> None:
    """One line that redraws itself on a terminal, a line per 10 % of the run otherwise."""
    done = step / steps
    bar = "#" * int(done * 24)
    elapsed = time.perf_counter() - t0
    line = f"step {step:>4}/{steps} [{bar:<24}] loss {loss:.4g}  train acc {acc:6.1%}  {elapsed:5.1f}s"
    if sys.stdout.isatty():
        print("\r" + line, end="" if step < steps else "\n", flush=True)
    elif step == steps or step % max(1, steps // 10) == 0 or step == 1:
        print(line, flush=True)


def pyplot() -> Any:
    """matplotlib's pyplot drawing into files, or None (with a note) when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plots skipped: matplotlib is not installed (pip install matplotlib)")
        return None
    return plt


def plot(model: nn.MLP, data: Dict[str, Any], history: List[float], out: Path,
         outputs: Optional[Outputs] = None) -> List[str]:
    """Write decision_boundary.png and loss_curve.png; returns the names written."""
    plt = pyplot()
    if plt is None:
        return []
    xs = [p[0] for p in data["X_train"] + data["X_test"]]
    ys = [p[1] for p in data["X_train"] + data["X_test"]]
    x0, x1 = min(xs) - 0.5, max(xs) + 0.5
    y0, y1 = min(ys) - 0.5, max(ys) + 0.5
    n = 70
    gx = [x0 + (x1 - x0) * i / (n - 1) for i in range(n)]
    gy = [y0 + (y1 - y0) * j / (n - 1) for j in range(n)]
    scores = (outputs or Outputs(model, "off"))([[a, b] for b in gy for a in gx])
    grid = [[s[0] for s in scores[j * n : (j + 1) * n]] for j in range(n)]
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(7.4, 5))
    regions = ["#f4c7a1", "#a9c8ec"]  # where the network says class 0, class 1
    dots = ["#c0392b", "#1f4e99"]  # the points' true classes
    ax.contourf(gx, gy, grid, levels=[-1e9, 0.0, 1e9], colors=regions, alpha=0.8)
    ax.contour(gx, gy, grid, levels=[0.0], colors="k", linewidths=1)
    for X, y, marker in ((data["X_train"], data["y_train"], "o"), (data["X_test"], data["y_test"], "^")):
        ax.scatter([p[0] for p in X], [p[1] for p in X], c=[dots[t] for t in y], marker=marker, s=18,
                   edgecolors="white", linewidths=0.4)
    legend = [
        Line2D([], [], ls="", marker="o", color=dots[0], label="class 0, training point"),
        Line2D([], [], ls="", marker="o", color=dots[1], label="class 1, training point"),
        Line2D([], [], ls="", marker="^", color="#555555", label="test point (colour: its class)"),
        Patch(color=regions[0], label="predicted class 0 (score < 0)"),
        Patch(color=regions[1], label="predicted class 1 (score > 0)"),
        Line2D([], [], color="k", lw=1, label="decision boundary (score = 0)"),
    ]
    ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_xlabel("x₁ (first input feature, no unit)")
    ax.set_ylabel("x₂ (second input feature, no unit)")
    ax.set_title(f"What the MLP learned (test accuracy {data['test_accuracy']:.1%})")
    fig.tight_layout()
    fig.savefig(out / "decision_boundary.png", dpi=110)
    plt.close(fig)
    return ["decision_boundary.png", *plot_loss(plt, history, out, "Training loss")]


def plot_loss(plt: Any, history: List[float], out: Path, title: str) -> List[str]:
    """Write loss_curve.png (the loss at each step, on a log scale); returns the name written."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    top = 1e100  # a diverging run's losses near the float's limit break a log axis's ticks
    ax.plot(range(1, len(history) + 1), [min(h, top) for h in history])
    ax.set_xlabel("training step (one full batch each)")
    ax.set_ylabel("loss on the training set (log scale)")
    ax.set_yscale("log")
    ax.set_title(title + ("\n(losses above 1e100 drawn at 1e100)" if max(history, default=0.0) > top else ""))
    fig.tight_layout()
    fig.savefig(out / "loss_curve.png", dpi=110)
    plt.close(fig)
    return ["loss_curve.png"]


def neuron_graph(model: nn.MLP, X: Sequence[Sequence[float]], out: Path) -> List[str]:
    """Draw one first-layer neuron on one sample, forward and backward, where gradient flows.

    Returns the name of the file written: the SVG, or the DOT source when Graphviz's `dot` is
    missing or too slow (render writes it then), or nothing, with a note saying why.
    """
    from autograd_mini.viz import GraphvizMissing, GraphvizTimeout, render

    neurons = model.layers[0].neurons
    with no_grad():  # the first (sample, neuron) whose relu is open, so the gradients are not all 0
        k, j = next(
            ((k, j) for k, x in enumerate(X) for j, n in enumerate(neurons) if n(x).data > 0.0), (0, 0)
        )
    neuron = neurons[j]
    saved = [p.grad for p in neuron.parameters()]
    for p in neuron.parameters():
        p.grad = 0.0
    a = neuron([Value(v, label=f"x{i + 1}") for i, v in enumerate(X[k])])
    a.backward()
    pages: List[str] = []
    source = out / "neuron_graph.dot"
    source.unlink(missing_ok=True)  # so that a .dot left by an earlier run is not taken for this one's
    try:
        render(a, out / "neuron_graph.svg")
        return ["neuron_graph.svg", *pages]
    except (GraphvizMissing, GraphvizTimeout) as e:
        first = str(e).splitlines()[0]
        if source.exists():  # render wrote the source before raising
            print(f"graph: {first} Wrote neuron_graph.dot instead: dot -Tsvg {source} -o graph.svg draws it")
            return ["neuron_graph.dot", *pages]
        print(f"graph skipped: {first}")
    except (RuntimeError, OSError) as e:  # dot failed, or the folder stopped being writable
        print(f"graph skipped: {e}")
    finally:
        for p, g in zip(neuron.parameters(), saved):
            p.grad = g
    return pages


def layer_page(model: nn.MLP, X: Sequence[Sequence[float]], y: Sequence[int], loss: str, out: Path,
               count: int = 3) -> List[str]:
    """backprop_stepper.html: the trained network's output layer, whole, on `count` training points,
    a step at a time: their loss, back through the layer, the matrices filling in.

    The points are the first ones the network still gets wrong or too close to the boundary (their
    hinge loss is not 0, so gradient flows), then, if it gets fewer wrong, the others nearest the
    boundary; the layers below give the output layer its inputs as numbers
    (computed without a graph), so the page holds that one layer and the loss, small enough to read.
    """
    from autograd_mini.stepper import write_stepper

    last = model.layers[-1]
    with no_grad():  # what the hidden layers hand the output layer, as plain numbers
        hidden = [list(x) for x in X]
        for layer in model.layers[:-1]:
            hidden = [[a.data for a in row] for row in layer(hidden)]
        scores = [row[0].data for row in last(hidden)]
    signs = targets(y, "hinge")
    margins = [s * t for s, t in zip(scores, signs)]  # below 1: inside the margin, a hinge loss not 0
    picked = sorted(range(len(X)), key=lambda k: (margins[k] >= 1.0, k if margins[k] < 1.0 else margins[k]))
    picked = picked[:count]
    inside = sum(margins[k] < 1.0 for k in picked)
    t = targets([y[k] for k in picked], loss)
    scores_in = [row[0] for row in last([hidden[k] for k in picked])]
    root = losses.hinge_loss(scores_in, t) if loss == "hinge" else losses.bce_with_logits(scores_in, t)
    root.label = "loss"
    i = len(model.layers)
    which = "in the margin" if inside == count else f"near the boundary ({inside} in the margin)"
    title = (f"Output layer L{i} ({last.nout} neuron × {last.nin} inputs), {count} training points {which}: "
             f"{loss} loss {root.data:.6g}")
    try:
        write_stepper(root, out / "backprop_stepper.html", title=title)
    except (RuntimeError, OSError) as e:  # no Graphviz, dot too slow or failing, an unwritable folder
        print(f"stepper page skipped: {str(e).splitlines()[0]}")
        return []
    return ["backprop_stepper.html"]


def train(
    model: nn.MLP, opt: Any, X: List[List[float]], y: List[int], args: argparse.Namespace,
    recorder: Any = None, outputs: Optional[Outputs] = None,
) -> Tuple[List[float], Optional[str], float]:
    """Full-batch training: (the loss at each step, None, the seconds in the training steps
    alone: zero_grad, the step's loss and gradients, opt.step()), or, when the loss overflows,
    (the losses of the steps before, what went wrong, those seconds)."""
    history: List[float] = []
    t0 = time.perf_counter()
    step_loss = make_step(model, X, targets(y, args.loss), args)
    seconds = 0.0
    for step in range(1, args.steps + 1):
        try:
            start = time.perf_counter()
            opt.zero_grad()
            loss = step_loss()
            seconds += time.perf_counter() - start
            if recorder is not None:  # the training page's frames, and the diagnostics' warnings
                recorder.observe(loss, X)
            if not math.isfinite(loss):
                return history, f"at step {step}: the loss is {loss}", seconds
            start = time.perf_counter()
            opt.step()
            seconds += time.perf_counter() - start
            history.append(loss)
            if sys.stdout.isatty() or step == args.steps or step % max(1, args.steps // 10) == 0 or step == 1:
                progress(step, args.steps, loss, accuracy(model, X, y, outputs), t0)
        except (ArithmeticError, ValueError) as e:  # the engine refuses to overflow: it raises
            return history, f"at step {step}: {e}", seconds
    return history, None, seconds


def diverged(failure: str, history: List[float], lr: float, out: Path) -> int:
    """Write the loss curve up to the failure, say what happened in one line; the exit status."""
    plt = pyplot() if history else None
    if plt is not None:
        title = f"Training loss: diverged after step {len(history)}"
        print(f"wrote {', '.join(plot_loss(plt, history, out, title))} to {out}/")
    print(
        f"moons_classifier.py: error: training diverged {failure}; the learning rate is too large: "
        f"lower --lr (it is {lr:g}; try {lr / 10:g})",
        file=sys.stderr,
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        hidden = check_options(args)
    except OptionError as e:
        print(f"moons_classifier.py: error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out)
    lr = args.lr if args.lr is not None else (0.1 if args.optimizer == "sgd" else 0.05)

    X, y = DATASETS[args.dataset](args.samples, noise=args.noise, seed=args.seed)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_fraction=0.25, seed=args.seed)
    t_test = targets(y_test, args.loss)
    # fused: one node relu(w·x+b) per neuron, the fast way to train (neuron_graph.svg shows z and a)
    model = nn.MLP(2, [*hidden, 1], activation="relu", rng=random.Random(args.seed), fused=True)
    params = model.parameters()
    opt = optim.SGD(params, lr=lr, momentum=0.9) if args.optimizer == "sgd" else optim.Adam(params, lr=lr)
    print(
        f"{args.dataset}: {len(X_train)} train / {len(X_test)} test points; {model!r}; "
        f"{args.optimizer} lr={lr}, {args.loss} loss, {len(params)} parameters"
    )

    recorder = training_record.moons(model, opt, args, lr, X_train + X_test, y_train + y_test,
                                     lambda: batch_loss(model, X_test, t_test, args.loss).data)
    outputs = Outputs(model, args.compile)  # the evaluation passes: a forward-only program with --compile
    t0 = time.perf_counter()
    history, failure, step_seconds = train(model, opt, X_train, y_train, args, recorder, outputs)
    if failure is not None:
        training_record.write(recorder, out, announce=True)
        return diverged(failure, history, lr, out)
    seconds = time.perf_counter() - t0

    with no_grad():
        final_loss = batch_loss(model, X_train, targets(y_train, args.loss), args.loss).data
    data = {
        "X_train": X_train,
        "y_train": y_train,
        "X_test": X_test,
        "y_test": y_test,
        "test_accuracy": accuracy(model, X_test, y_test, outputs),
    }
    metrics = {
        "train_accuracy": accuracy(model, X_train, y_train, outputs),
        "test_accuracy": data["test_accuracy"],
        "final_loss": final_loss,
        "steps": args.steps,
        "seconds": round(seconds, 3),
        "step_ms": round(1000 * step_seconds / args.steps, 3),
        "options": {**vars(args), "hidden": hidden, "lr": lr},
    }
    print(
        f"train accuracy {metrics['train_accuracy']:.1%}, test accuracy {metrics['test_accuracy']:.1%}, "
        f"loss after the last update {final_loss:.4f}, {seconds:.1f}s"
    )
    engine = "the engine" if args.compile == "off" else f"the traced program (--compile {args.compile})"
    print(f"one training step (forward, backward, update) took {metrics['step_ms']:.2f} ms with {engine}")
    print(f"drawing the pictures and pages into {out}/ ...", flush=True)  # (a few seconds, silent otherwise)
    model.save(out / "model.json")
    write_atomic(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    written = ["metrics.json", "model.json", *plot(model, data, history, out, outputs)]
    written += training_record.write(recorder, out)
    written += neuron_graph(model, X_train, out)
    written += layer_page(model, X_train, y_train, args.loss, out)
    print(f"wrote {', '.join(written)} to {out}/")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the reader stopped reading (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        sys.exit(141)  # 128 + SIGPIPE
    except KeyboardInterrupt:  # Ctrl-C while training: one line, not a traceback
        print("\nmoons_classifier.py: interrupted", file=sys.stderr)
        sys.exit(130)  # 128 + SIGINT
