"""One name per node, the same in every table, picture and page: its label, or its position.

- A label no other node of the graph has is the node's name (``x``, ``L1.N2.w3``).
- A label several nodes share is numbered by occurrence, in topological order: a layer called on a
  batch labels each observation's node ``L1.N1.z``, so they read ``L1.N1.z[1]``, ``L1.N1.z[2]``…,
  the k-th being observation k (the graph is walked parents first, in their order).
- A node without a label is named by its position in the topological order, ``v7``, as the
  pictures name their nodes.

A made-up name that would equal another node's label falls back: ``x[1]`` next to a node
labelled literally ``x[1]`` is ``x[v<position>]``, and ``v3`` next to a node labelled ``v3`` is
``#3``; the labels the user wrote stay as written, and names never collide.

>>> from autograd_mini import Value, topological_order
>>> x = Value(2.0, label='x')
>>> a, b = (x * 3).tanh(), (x * 4).tanh()
>>> a.label = b.label = 'h'
>>> node_names(topological_order(a + b))
['x', 'v1', 'h[1]', 'v3', 'h[2]', 'v5']
"""

from __future__ import annotations

from typing import Dict, List, Sequence

from .engine import Value


def node_names(order: Sequence[Value]) -> List[str]:
    """The name of each node of `order` (a `topological_order`), in that order (see the module doc)."""
    count: Dict[str, int] = {}
    for v in order:
        if v.label:
            count[v.label] = count.get(v.label, 0) + 1
    seen: Dict[str, int] = {}
    names = []
    for i, v in enumerate(order):
        label = v.label
        if not label:
            names.append(f"v{i}")
        elif count[label] == 1:
            names.append(label)
        else:
            seen[label] = seen.get(label, 0) + 1
            names.append(f"{label}[{seen[label]}]")
    taken: Dict[str, int] = {}
    for name in names:
        taken[name] = taken.get(name, 0) + 1
    for i, (v, name) in enumerate(zip(order, names)):
        if taken[name] > 1 and not v.label:  # a position's name that is someone's label ('v3'): #3
            names[i] = f"#{i}"
        elif taken[name] > 1 and name != v.label:  # a made-up name that meets a real label: positional
            names[i] = f"{v.label}[v{i}]"
    return names


def observation(name: str) -> int:
    """The observation number a batch node's name carries (``L1.N1.z[2]`` -> 2), 0 for none.

    >>> observation('L1.N1.z[2]'), observation('x'), observation('h[v4]')
    (2, 0, 0)
    """
    if not name.endswith("]") or "[" not in name:
        return 0
    number = name[name.rindex("[") + 1 : -1]
    return int(number) if number.isdigit() else 0
