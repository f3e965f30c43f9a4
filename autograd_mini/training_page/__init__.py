"""Watch it learn: a page that plays a recorded training run and can be scrubbed with a slider.

`TrainingRecorder(model, optimizer, every=10, view=...)` is shown each step of the loop
(``recorder.observe(loss, X, test_loss=...)``, after ``backward()``, before ``step()``) and keeps a
frame on every `every`-th step; ``recorder.write('training.html')`` writes one self-contained
offline page: the train and test loss with the current step marked, the decision boundary
(`Boundary`) or the confusion matrix (`Confusion`) at that step, each layer's gradient norm and
dead or saturated units from `autograd_mini.diagnose` with its warnings on the timeline, and one
neuron's weights (as an image with ``image=(8, 8)``).

The page's script offers ``window.autogradTraining = {frames, index, goTo(i), play(), pause(),
state()}``; ``state()`` gives the numbers shown now (``step``, ``loss``, ``test_loss``,
``grad_norms``: one per layer, ...), which are the numbers recorded.

    >>> recorder = TrainingRecorder(model, opt, every=10, view=Boundary(X, y))   # doctest: +SKIP
"""

from .page import training_html, write_training_page
from .recorder import TrainingRecorder
from .views import Boundary, Confusion

__all__ = ["Boundary", "Confusion", "TrainingRecorder", "training_html", "write_training_page"]
