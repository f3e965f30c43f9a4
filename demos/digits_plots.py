"""The pictures of the digits demo: confusion matrix, misclassified images, first-layer weights and
the training curves. matplotlib is optional: without it `draw_all` says what it skipped."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Dict, List, Sequence

from autograd_mini import nn
from autograd_mini.atomic import write_atomic

PICTURES = ["confusion_matrix.png", "misclassified.png", "weights.png", "loss_curve.png"]


def draw_all(
    model: nn.MLP,
    data: Dict[str, Any],
    predicted: List[int],
    matrix: List[List[int]],
    history: Dict[str, List[float]],
    metrics: Dict[str, Any],
    out: Path,
    which: Sequence[str] = PICTURES,
) -> List[str]:
    """Write the four pictures into `out` (those of them named in `which`); returns their names
    (none without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"pictures skipped: matplotlib is not installed (pip install matplotlib): {', '.join(which)}",
              flush=True)
        return []
    drawn = [name for name in PICTURES if name in which]
    for name in drawn:
        if name == "confusion_matrix.png":
            confusion_matrix(plt, matrix, metrics["test_accuracy"], out / name)
        elif name == "misclassified.png":
            misclassified(plt, data["X_test"], data["y_test"], predicted, out / name)
        elif name == "weights.png":
            weights(plt, model, out / name)
        else:
            curves(plt, history, out / name)
    return drawn


def confusion_matrix(plt: Any, matrix: List[List[int]], acc: float, path: Path) -> None:
    k = len(matrix)
    fig, ax = plt.subplots(figsize=(5.6, 5))
    # the diagonal dwarfs the mistakes: colour by share of each true class, print the counts
    shares = [[n / max(1, sum(row)) for n in row] for row in matrix]
    image = ax.imshow([[100 * x for x in row] for row in shares], cmap="Blues", vmin=0.0, vmax=100.0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true digit's test images (%)")
    for t in range(k):
        for p in range(k):
            if matrix[t][p]:
                colour = "white" if shares[t][p] > 0.5 else ("#c0392b" if t != p else "black")
                ax.text(p, t, str(matrix[t][p]), ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"Test set confusion matrix\n(accuracy {acc:.1%}; numbers: images)")  # (one line was cut)
    fig.tight_layout()
    _save(plt, fig, path)


def misclassified(plt: Any, X: List[List[float]], y: List[int], predicted: List[int], path: Path) -> None:
    all_wrong = [i for i, (p, t) in enumerate(zip(predicted, y)) if p != t]
    wrong = all_wrong[:40]
    cols = min(10, max(1, len(wrong)))
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols + 0.4, 1.45 * rows + 0.6), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(_image(X[i]), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_title(f"true {y[i]}\npred {predicted[i]}", fontsize=8)
    if not wrong:
        axes[0][0].text(0.5, 0.5, "no misclassified test images", ha="center", va="center")
    shown = (
        f"the first {len(wrong)} of {len(all_wrong)}" if len(wrong) < len(all_wrong) else f"all {len(wrong)}"
    )
    fig.suptitle(f"Misclassified test images ({shown})", fontsize=10)
    fig.tight_layout()
    _save(plt, fig, path)


def weights(plt: Any, model: nn.MLP, path: Path) -> None:
    """Each first-layer neuron's 64 weights as an 8×8 image: red pixels excite it, blue inhibit; one
    colour scale for all, symmetric about 0, with its bar."""
    rows_of_w = [[w.data for w in row] for row in model.layers[0].weight]
    n = len(rows_of_w)
    cols = min(8, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.1 * cols + 1.3, 1.2 * rows + 0.6), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    m = max(abs(v) for w in rows_of_w for v in w) or 1.0
    image = None
    for j, (ax, w) in enumerate(zip(axes.flat, rows_of_w), 1):
        image = ax.imshow(_image(w), cmap="RdBu_r", vmin=-m, vmax=m)
        ax.set_title(f"L1.N{j}", fontsize=8)
    fig.suptitle("First-layer weights, one 8×8 image per neuron (pixel = the weight of that input pixel)",
                 fontsize=10)
    fig.tight_layout(rect=(0.0, 0.0, 0.9, 1.0))
    bar = fig.colorbar(image, ax=list(axes.flat), fraction=0.04, pad=0.02)
    bar.set_label("weight (red +: excites, blue −: inhibits)", fontsize=8)
    _save(plt, fig, path)


def curves(plt: Any, history: Dict[str, List[float]], path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    per_batch = history["batch_loss"]
    epochs = len(history["loss"])
    batches = len(per_batch) / epochs
    left.plot(
        [(i + 1) / batches for i in range(len(per_batch))], per_batch, color="#9bb7d4", lw=0.6, label="batch"
    )
    left.plot(range(1, epochs + 1), history["loss"], color="#1f4e99", marker="o", ms=3, label="epoch mean")
    left.set_yscale("log")
    left.set_xlabel("epoch (passes over the training set)")
    left.set_ylabel("loss (mean cross-entropy, nats; log scale)")
    left.set_title("Training loss (softmax cross-entropy)")
    left.legend()
    for key, name in (("train_accuracy", "train"), ("test_accuracy", "test")):  # percent, as the console
        right.plot(range(1, epochs + 1), [100 * a for a in history[key]], marker="o", ms=3, label=name)
    right.set_xlabel("epoch (passes over the training set)")
    right.set_ylabel("accuracy (%)")
    right.set_title("Accuracy")
    right.legend(loc="lower right")
    fig.tight_layout()
    _save(plt, fig, path)


def _save(plt: Any, fig: Any, path: Path) -> None:
    """Write the figure as a PNG atomically: a reader never sees half a picture."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())


def _image(pixels: List[float]) -> List[List[float]]:
    return [pixels[8 * r : 8 * r + 8] for r in range(8)]
