"""Measuring a Graphviz SVG as a reader sees it: its size, and how many arrows cross.

An edge's path (``M x,y C x1,y1 x2,y2 x3,y3 ...``) is cut into short straight pieces; two edges
cross when pieces of theirs intersect away from both edges' ends (arrows that leave or reach one
node touch there without crossing). Each pair of edges counts once.

    python tests/svg_measure.py out/layer_graph.svg     # prints width, height (pt) and crossings
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from typing import List, Tuple

NS = "{http://www.w3.org/2000/svg}"
Point = Tuple[float, float]
_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def size(svg: str) -> Tuple[float, float]:
    """The picture's width and height in points."""
    top = ET.fromstring(svg)
    return float(top.get("width", "0").rstrip("pt")), float(top.get("height", "0").rstrip("pt"))


def edge_paths(svg: str) -> List[List[Point]]:
    """Each edge's path as a polyline (8 pieces per Bézier segment)."""
    out = []
    for g in ET.fromstring(svg).iter(f"{NS}g"):
        if g.get("class") != "edge":
            continue
        for path in g.iter(f"{NS}path"):
            xs = [float(x) for x in _NUMBERS.findall(path.get("d", ""))]
            pts = list(zip(xs[::2], xs[1::2]))
            if len(pts) >= 4:
                out.append(_bezier(pts))
    return out


def _bezier(pts: List[Point]) -> List[Point]:
    line = [pts[0]]
    for k in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = pts[k - 1], pts[k], pts[k + 1], pts[k + 2]
        for s in range(1, 9):
            t = s / 8
            u = 1 - t
            line.append((u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                         u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1]))
    return line


def _cross(a: Point, b: Point, c: Point, d: Point) -> Point | None:
    """Where segments ab and cd meet, if they do."""
    r = (b[0] - a[0], b[1] - a[1])
    s = (d[0] - c[0], d[1] - c[1])
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-12:
        return None
    t = ((c[0] - a[0]) * s[1] - (c[1] - a[1]) * s[0]) / den
    u = ((c[0] - a[0]) * r[1] - (c[1] - a[1]) * r[0]) / den
    if 0 <= t <= 1 and 0 <= u <= 1:
        return (a[0] + t * r[0], a[1] + t * r[1])
    return None


def _near(p: Point, q: Point, gap: float = 6.0) -> bool:
    return abs(p[0] - q[0]) < gap and abs(p[1] - q[1]) < gap


def crossings(svg: str) -> int:
    """How many pairs of edges cross (see the module doc)."""
    lines = edge_paths(svg)
    boxes = [(min(x for x, _ in ln), min(y for _, y in ln), max(x for x, _ in ln), max(y for _, y in ln))
             for ln in lines]
    count = 0
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            a, b = boxes[i], boxes[j]
            if a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]:
                continue
            ends = (lines[i][0], lines[i][-1], lines[j][0], lines[j][-1])
            if _pair_crosses(lines[i], lines[j], ends):
                count += 1
    return count


def _pair_crosses(p: List[Point], q: List[Point], ends: Tuple[Point, ...]) -> bool:
    for k in range(len(p) - 1):
        for m in range(len(q) - 1):
            at = _cross(p[k], p[k + 1], q[m], q[m + 1])
            if at is not None and not any(_near(at, e) for e in ends):
                return True
    return False


if __name__ == "__main__":
    for name in sys.argv[1:]:
        text = open(name, encoding="utf-8").read()
        w, h = size(text)
        print(f"{name}: {w:g} x {h:g} pt, {len(edge_paths(text))} edges, {crossings(text)} crossing pairs")
