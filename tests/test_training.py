"""Training end to end: a small MLP learns the two moons and generalises."""

from __future__ import annotations

import random

from autograd_mini import datasets, losses, nn, no_grad, optim


def test_mlp_reaches_97_percent_on_held_out_moons() -> None:
    # 300 points (225 to train, 75 held out), MLP 2-16-16-1, hinge loss + 1e-4·L2, full batch,
    # Adam. The bound: 100 steps. Fused neurons (one node relu(w·x+b) each, the way the demos train;
    # test_formulas holds their gradients equal to the unfused ones) and the batch in one call: half
    # the time of one graph node per product, the same losses.
    X, y = datasets.make_moons(300, noise=0.1, seed=0)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_fraction=0.25, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="relu", rng=random.Random(0), fused=True)
    params = model.parameters()
    opt = optim.Adam(params, lr=0.05)
    labels = datasets.to_pm1(y_train)

    def accuracy() -> float:
        with no_grad():
            return sum((model(x).data > 0.0) == (c == 1) for x, c in zip(X_test, y_test)) / len(y_test)

    start = accuracy()
    history = []
    for _ in range(100):
        loss = losses.hinge_loss(model(X_train), labels) + losses.l2_regularization(params, 1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.data)
    final = accuracy()
    assert final >= 0.97, (start, final)
    assert history[-1] < 0.1 * history[0]
