"""`Module`: what every layer shares — its parameters, their names, and saving them as JSON.

A subclass lists its parameters once, in `_tensors()`, as ``(name, tensor)`` pairs where a tensor
is a `Value`, a list of Values or a list of rows of Values. Everything else is derived from that:

- `named_parameters()` gives one name per scalar: the tensor name followed by its Python indices,
  e.g. ``layers.0.weight.2.1`` is ``model.layers[0].weight[2][1]`` (row 2 = neuron 3, column 1 =
  input 2: names count from 0 like Python, while graph labels such as ``L1.N3.w2`` count from 1
  like the formulas);
- `state_dict()` gives one entry per tensor, its numbers nested the same way, e.g.
  ``{"layers.0.weight": [[...], ...], "layers.0.bias": [...], ...}`` — plain JSON data.
"""

from __future__ import annotations

import json
import math
import os
from numbers import Real
from typing import Any, Dict, Iterator, List, Tuple, Union

from ..atomic import write_atomic
from ..engine import Value

Tensor = Union[Value, List[Any]]  # a Value, or a (nested) list of Values

_FORMAT = "autograd_mini.state_dict"
_VERSION = 1


class Module:
    """Base class of `Neuron`, `Linear` and `MLP`.

    >>> from autograd_mini import nn
    >>> layer = nn.Linear(2, 1)
    >>> [name for name, _ in layer.named_parameters()]
    ['weight.0.0', 'weight.0.1', 'bias.0']
    """

    def _tensors(self) -> List[Tuple[str, Tensor]]:
        """The parameters as ``(name, tensor)`` pairs, in a fixed order. Subclasses define it."""
        return []

    def named_parameters(self) -> List[Tuple[str, Value]]:
        """Every parameter with its name (tensor name plus indices), each once, in a stable order."""
        out: List[Tuple[str, Value]] = []
        seen = set()
        for name, tensor in self._tensors():
            for key, v in _flatten(name, tensor):
                if v not in seen:  # a Value shared by two tensors is listed once
                    seen.add(v)
                    out.append((key, v))
        return out

    def parameters(self) -> List[Value]:
        """The leaf Values an optimizer should update, each once, in the order of `named_parameters`."""
        return [v for _, v in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (gradients accumulate across `backward()` calls)."""
        for v in self.parameters():
            v.grad = 0.0

    def state_dict(self) -> Dict[str, Any]:
        """The parameter values as plain JSON-serialisable data: ``{tensor name: nested floats}``."""
        return {name: _numbers(tensor) for name, tensor in self._tensors()}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        """Copy the numbers of `state` (as made by `state_dict`) into the parameters.

        Everything is checked before anything is written: the keys (none missing, none
        unexpected), each entry's shape, and that every number is a finite int or float (not a
        bool). The first problem found raises `ValueError` naming it, and the model is untouched.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state).__name__}")
        tensors = self._tensors()
        names = [name for name, _ in tensors]
        for name in names:
            if name not in state:
                raise ValueError(f"load_state_dict: missing key {name!r}")
        for key in state:
            if key not in names:
                raise ValueError(f"load_state_dict: unexpected key {key!r} (expected {names})")
        writes: List[Tuple[Value, float]] = []
        for name, tensor in tensors:
            _collect(name, tensor, state[name], writes)
        for v, x in writes:  # all checked: now write
            v.data = x

    def save(self, path: Union[str, os.PathLike[str]]) -> None:
        """Write the state dict to `path` as JSON, atomically (a temporary file, then a rename).

        >>> import os, tempfile
        >>> from autograd_mini import nn
        >>> model = nn.MLP(2, [3, 1])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
        >>> model.save(path); model.load(path)
        """
        state = self.state_dict()
        for key, v in self.named_parameters():
            if not math.isfinite(v.data):
                raise ValueError(f"save: parameter {key!r} is {v.data!r}; only finite numbers are saved")
        text = json.dumps(
            {"format": _FORMAT, "version": _VERSION, "model": repr(self), "state_dict": state},
            allow_nan=False,
        )
        write_atomic(path, text + "\n")

    def load(self, path: Union[str, os.PathLike[str]]) -> None:
        """Read parameters saved by `save`. A corrupt or mismatched file raises `ValueError`
        (and a missing one `FileNotFoundError`) and leaves the model as it was."""
        path = os.fspath(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            doc = json.loads(text)
        except ValueError as e:  # json.JSONDecodeError, or bad UTF-8
            raise ValueError(f"load: {path!r} is not valid JSON: {e}") from None
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT or "state_dict" not in doc:
            raise ValueError(f"load: {path!r} does not hold an autograd_mini state dict")
        if doc.get("version") != _VERSION:
            raise ValueError(f"load: {path!r} has format version {doc.get('version')!r}, expected {_VERSION}")
        state = doc["state_dict"]
        if not isinstance(state, dict):
            raise ValueError(f"load: {path!r}: 'state_dict' is a {type(state).__name__}, expected an object")
        try:
            self.load_state_dict(state)
        except ValueError as e:
            raise ValueError(f"load: {path!r}: {e}") from None


def _flatten(name: str, tensor: Tensor) -> Iterator[Tuple[str, Value]]:
    if isinstance(tensor, Value):
        yield name, tensor
    else:
        for i, item in enumerate(tensor):
            yield from _flatten(f"{name}.{i}", item)


def _numbers(tensor: Tensor) -> Any:
    if isinstance(tensor, Value):
        return tensor.data
    return [_numbers(item) for item in tensor]


def _collect(name: str, tensor: Tensor, given: Any, writes: List[Tuple[Value, float]]) -> None:
    """Check `given` against the shape of `tensor`; queue the writes; raise on the first problem."""
    if isinstance(tensor, Value):
        if isinstance(given, bool) or not isinstance(given, Real):
            raise ValueError(
                f"load_state_dict: {name!r} must be a number, got {type(given).__name__} {given!r:.60}"
            )
        x = float(given)
        if not math.isfinite(x):
            raise ValueError(f"load_state_dict: {name!r} must be finite, got {given!r}")
        writes.append((tensor, x))
        return
    if not isinstance(given, (list, tuple)):
        raise ValueError(
            f"load_state_dict: {name!r} must be a list of {len(tensor)}, "
            f"got {type(given).__name__} {given!r:.60}"
        )
    if len(given) != len(tensor):
        raise ValueError(f"load_state_dict: {name!r} has {len(given)} entries, expected {len(tensor)}")
    for i, (t, g) in enumerate(zip(tensor, given)):
        _collect(f"{name}.{i}", t, g, writes)
