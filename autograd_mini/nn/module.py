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
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

from ..atomic import write_atomic
from ..checks import brief, flag, shown
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
        return list(self._listed()[1])

    def parameters(self) -> List[Value]:
        """The leaf Values an optimizer should update, each once, in the order of `named_parameters`."""
        return list(self._listed()[2])

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (gradients accumulate across `backward()` calls)."""
        for v in self._listed()[2]:
            v.grad = 0.0

    def _listed(self) -> Tuple[Any, List[Tuple[str, Value]], List[Value]]:
        """(the tensors as listed, the named parameters, the parameters), walked once and kept: each
        call compares the tensors with the kept copy (at C speed: lists compare their items by
        identity first), so a layer, a tensor or a Value replaced since is seen and walked again."""
        tensors = self._tensors()
        kept = self.__dict__.get("_parameters_kept")
        if kept is None or kept[0] != tensors:
            named: List[Tuple[str, Value]] = []
            seen = set()
            for name, tensor in tensors:
                for key, v in _flatten(name, tensor):
                    if v not in seen:  # a Value shared by two tensors is listed once
                        seen.add(v)
                        named.append((key, v))
            kept = ([(name, _copy(t)) for name, t in tensors], named, [v for _, v in named])
            self.__dict__["_parameters_kept"] = kept
        return kept  # type: ignore[no-any-return]

    def _repr_html_(self) -> str:
        """What a notebook shows: the layers, their tensors' shapes and parameter counts (nn.display)."""
        from .display import module_html

        return module_html(self)

    def graph(self, x: Any) -> Any:
        """The computation graph of this module on the input `x`; a notebook draws it (nn.display.Graph)."""
        from .display import graph

        return graph(self, x)

    def state_dict(self) -> Dict[str, Any]:
        """The parameter values as plain JSON-serialisable data: ``{tensor name: nested floats}``."""
        return {name: _numbers(tensor) for name, tensor in self._tensors()}

    def architecture(self) -> Optional[str]:
        """What a saved file records of the model and a load compares: its class, sizes, activations
        and whether it is fused, as its repr shows them (``MLP(2 -> 4 tanh -> 1)``); None for a class
        with no repr of its own (the default repr holds an address: nothing to compare)."""
        return None if type(self).__repr__ is object.__repr__ else repr(self)

    def load_state_dict(
        self, state: Dict[str, Any], strict: bool = True, *, architecture: Optional[str] = None
    ) -> IncompatibleKeys:
        """Copy the numbers of `state` (as made by `state_dict`) into the parameters.

        Everything is checked before anything is written: each entry's shape, and that every number
        is a finite int or float (not a bool) that a float can hold. With ``strict=True`` (the
        default) the keys must match exactly; with ``strict=False`` the tensors whose keys match
        are loaded and the others are left alone. Either way the result is an `IncompatibleKeys`
        ``(missing_keys, unexpected_keys)``, as PyTorch returns. A problem raises `ValueError`
        naming the key (`TypeError` if `state` is not a dict), and the model is untouched.
        `architecture`, if given, is that of the model the state came from (a saved file's
        ``"model"``): if it is not this model's (another activation, fused or not), `ValueError`
        naming both; the shapes alone cannot tell a tanh network from a relu one.

        >>> from autograd_mini import nn
        >>> model = nn.Linear(2, 1)
        >>> model.load_state_dict({"bias": [0.5], "scale": 2.0}, strict=False)
        IncompatibleKeys(missing_keys=['weight'], unexpected_keys=['scale'])
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: expected a dict, got {brief(state)}")
        flag(strict, "load_state_dict: strict")
        if architecture is not None and not isinstance(architecture, str):
            raise TypeError(f"load_state_dict: architecture: expected a str, got {shown(architecture)}")
        ours = self.architecture()
        refusal = None
        if architecture is not None and ours is not None and architecture != ours:
            refusal = f"load_state_dict: the state is of {architecture[:200]}, not of this model, {ours}"
        try:
            writes, missing, unexpected = self._checked_writes(state, strict)
        except ValueError as e:  # with another architecture, say that first
            if refusal is None:
                raise
            raise ValueError(f"{refusal} ({str(e).replace('load_state_dict: ', '', 1)})") from None
        if refusal is not None:
            raise ValueError(refusal)
        for v, x in writes:  # all checked: now write
            v.data = x
        return IncompatibleKeys(missing, unexpected)

    def _checked_writes(
        self, state: Dict[str, Any], strict: bool
    ) -> Tuple[List[Tuple[Value, float]], List[str], List[Any]]:
        """The writes `state` asks for, all checked, and the missing and unexpected keys."""
        tensors = self._tensors()
        names = [name for name, _ in tensors]
        missing = [name for name in names if name not in state]
        unexpected = [key for key in state if key not in names]
        if strict and missing:
            raise ValueError(f"load_state_dict: missing key {missing[0]!r}")
        if strict and unexpected:
            raise ValueError(f"load_state_dict: unexpected key {brief(unexpected[0])} (expected {names})")
        writes: List[Tuple[Value, float]] = []
        for name, tensor in tensors:
            if name in state:
                _collect(name, tensor, state[name], writes)
        return writes, missing, unexpected

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
        write_atomic(path, text + "\n", "save")

    def load(self, path: Union[str, os.PathLike[str]]) -> None:
        """Read parameters saved by `save`. A file that is not such a save (a directory, empty,
        not UTF-8, not JSON, nested too deeply, or a state dict that does not fit this model)
        raises `ValueError` naming the path and, where there is one, the key; a missing file
        raises `FileNotFoundError`. Either way the model is left as it was. A file that records
        another architecture (see `architecture`) is refused; one that records none (not written
        by `save`) is loaded if its shapes fit."""
        path = os.fspath(path)
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except IsADirectoryError:
            raise ValueError(f"load: {path!r} is a directory, not a saved model") from None
        state, architecture = _saved_state(raw, path)
        try:
            self.load_state_dict(state, architecture=architecture)
        except ValueError as e:
            raise ValueError(f"load: {path!r}: {e}") from None


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict` did not match: the model's keys missing from the state dict, and the
    state dict's keys this model does not have (both empty after a strict load)."""

    missing_keys: List[str]
    unexpected_keys: List[Any]


def _saved_state(raw: bytes, path: str) -> Tuple[Dict[str, Any], Optional[str]]:
    """The state dict inside the bytes of a file written by `save`, and the architecture it records
    (None if none); ValueError naming `path`."""
    if not raw.strip():
        raise ValueError(f"load: {path!r} is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"load: {path!r} is not UTF-8 text (byte {e.start}: {e.reason})") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ValueError(f"load: {path!r} is not a saved model: its JSON is nested too deeply") from None
    except ValueError as e:  # json.JSONDecodeError, or an integer too long to read
        raise ValueError(f"load: {path!r} is not valid JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT or "state_dict" not in doc:
        raise ValueError(f"load: {path!r} does not hold an autograd_mini state dict")
    if doc.get("version") != _VERSION:
        raise ValueError(
            f"load: {path!r} has format version {brief(doc.get('version'))}, expected {_VERSION}"
        )
    state = doc["state_dict"]
    if not isinstance(state, dict):
        raise ValueError(f"load: {path!r}: 'state_dict' is {brief(state)}, expected an object")
    architecture = doc.get("model")
    if architecture is not None and not isinstance(architecture, str):
        raise ValueError(f"load: {path!r}: 'model' is {brief(architecture)}, expected text")
    return state, architecture


def _flatten(name: str, tensor: Tensor) -> Iterator[Tuple[str, Value]]:
    if isinstance(tensor, Value):
        yield name, tensor
    else:
        for i, item in enumerate(tensor):
            yield from _flatten(f"{name}.{i}", item)


def _copy(tensor: Tensor) -> Any:
    """The tensor's lists copied (its Values the same), to compare with what it holds later."""
    return tensor if isinstance(tensor, Value) else [_copy(item) for item in tensor]


def _numbers(tensor: Tensor) -> Any:
    if isinstance(tensor, Value):
        return tensor.data
    return [_numbers(item) for item in tensor]


def _collect(name: str, tensor: Tensor, given: Any, writes: List[Tuple[Value, float]]) -> None:
    """Check `given` against the shape of `tensor`; queue the writes; raise on the first problem."""
    if isinstance(tensor, Value):
        if isinstance(given, bool) or not isinstance(given, Real):
            raise ValueError(f"load_state_dict: {name!r} must be a number, got {brief(given)}")
        try:
            x = float(given)
        except OverflowError:  # an int beyond 1.8e308
            raise ValueError(f"load_state_dict: {name!r} must be finite, got {brief(given)}") from None
        if not math.isfinite(x):
            raise ValueError(f"load_state_dict: {name!r} must be finite, got {given!r}")
        writes.append((tensor, x))
        return
    if not isinstance(given, (list, tuple)):
        raise ValueError(f"load_state_dict: {name!r} must be a list of {len(tensor)}, got {brief(given)}")
    if len(given) != len(tensor):
        raise ValueError(f"load_state_dict: {name!r} has {len(given)} entries, expected {len(tensor)}")
    for i, (t, g) in enumerate(zip(tensor, given)):
        _collect(f"{name}.{i}", t, g, writes)
