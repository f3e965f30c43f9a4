"""The warnings the diagnostics give: one category of our own, `TrainingWarning`, with a subclass
per mistake, so a program can filter all of them or one kind::

    import warnings
    from autograd_mini.diagnose import DeadUnitsWarning, TrainingWarning
    warnings.simplefilter("ignore", DeadUnitsWarning)   # this kind only
    warnings.simplefilter("error", TrainingWarning)     # every other one stops the run
"""

from __future__ import annotations


class TrainingWarning(UserWarning):
    """Something in a training loop that usually means it will not learn."""


class GradientAccumulationWarning(TrainingWarning):
    """A backward() added to the gradients of the previous step: zero_grad() was not called."""


class DivergenceWarning(TrainingWarning):
    """The loss became infinite or NaN, or grew many times over: the learning rate is too large."""


class DeadUnitsWarning(TrainingWarning):
    """Many ReLU units of a layer output 0 on every sample: no gradient flows through them."""


class SaturationWarning(TrainingWarning):
    """Many tanh or sigmoid units of a layer sit on their flat tails, where the derivative is ~0."""


class VanishingGradientWarning(TrainingWarning):
    """The gradient is orders of magnitude smaller in the first layers than in the last."""


class ExplodingGradientWarning(TrainingWarning):
    """The gradient is orders of magnitude larger in the first layers than in the last, or grew so."""


CATEGORIES = {
    "accumulation": GradientAccumulationWarning,
    "divergence": DivergenceWarning,
    "dead": DeadUnitsWarning,
    "saturated": SaturationWarning,
    "vanishing": VanishingGradientWarning,
    "exploding": ExplodingGradientWarning,
}
"""Each kind of finding (`Finding.kind`) and its warning category."""
