"""Diagnostics for a training loop: the classic mistakes, caught while the loop runs.

`Monitor(model, optimizer)` watches through the optimizer's step hooks; show it each step's loss
and batch with ``monitor.observe(loss, X)``. It warns, once per layer and kind, in one line naming
the step, the layer, the number and the usual fix:

- `GradientAccumulationWarning`: a backward() added to the previous step's gradients (no zero_grad());
- `DivergenceWarning`: the loss is inf or NaN, or 10 times its first value (the learning rate);
- `DeadUnitsWarning`: half or more of a ReLU layer's units output 0 on every sample of the batch;
- `SaturationWarning`: half or more of a tanh/sigmoid layer's units have |z| large on 90 % of it;
- `VanishingGradientWarning`, `ExplodingGradientWarning`: a layer's ‖dW‖/‖W‖ is 1000 times smaller
  or larger than the last layer's, or its ‖dW‖ grew 1000 times since the first measured step, or
  fell 1000 times while the loss did not halve (a stall).

All are `TrainingWarning`s (a `UserWarning`), so ``warnings.simplefilter("ignore", TrainingWarning)``
silences them and ``"error"`` makes them stop the run. ``monitor.report`` has the numbers.

    >>> monitor = Monitor(model, opt, every=10)             # doctest: +SKIP
    >>> for step in range(100):                              # doctest: +SKIP
    ...     opt.zero_grad()
    ...     loss = losses.mse_loss(model(X), y)
    ...     loss.backward()
    ...     monitor.observe(loss, X)
    ...     opt.step()
"""

from .categories import (
    CATEGORIES,
    DeadUnitsWarning,
    DivergenceWarning,
    ExplodingGradientWarning,
    GradientAccumulationWarning,
    SaturationWarning,
    TrainingWarning,
    VanishingGradientWarning,
)
from .findings import Finding, Limits
from .layers import forward, layer_name, layers_of
from .monitor import Monitor, Report
from .stats import StepStats

__all__ = [
    "CATEGORIES",
    "DeadUnitsWarning",
    "DivergenceWarning",
    "ExplodingGradientWarning",
    "Finding",
    "GradientAccumulationWarning",
    "Limits",
    "Monitor",
    "Report",
    "SaturationWarning",
    "StepStats",
    "TrainingWarning",
    "VanishingGradientWarning",
    "forward",
    "layer_name",
    "layers_of",
]
