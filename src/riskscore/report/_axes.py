"""Scales, ticks and axes for the report's hand-written SVG charts.

Every chart of the report draws its axes through :class:`Frame`: a plot area, a linear scale
per axis with "nice" ticks (1, 2, 2.5 or 5 times a power of ten), light gridlines, tick labels
and an axis title. Axis groups carry ``class="axis x"`` / ``class="axis y"``, tick labels
``class="tick"`` and titles ``class="axis-title"``: the browser test counts them on every chart.

Text positions follow a simple rule so that no two labels overlap: x tick labels sit in one row
below the plot area and are thinned until their estimated widths fit; y tick labels sit left of
the plot in a column wide enough for the longest; titles are below the x labels and above the
y labels. Widths are estimated at 0.6 em per character (1 em for %, M, W and wide CJK characters; 11 px
font), which over-estimates the system-ui digits and lowercase letters; the browser test
measures the real boxes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

#: FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: text between them is laid out on its own,
#: so a right-to-left override in a borrower id cannot reorder the text around it.
_FSI, _PDI = "\u2068", "\u2069"
FONT_PX = 11
_FONT = f'font-family="system-ui, sans-serif" font-size="{FONT_PX}"'
MAIN, GOOD, BAD, MUTED, GRID, INK = "#3b6ea8", "#2e8b57", "#c0392b", "#6b7280", "#e3e5e8", "#222"


def isolate(text: object) -> str:
    """``text`` between the Unicode isolate marks (FSI ... PDI), for places a tag cannot go
    (titles, attributes, SVG text); escape it afterwards.

    Examples
    --------
    >>> [hex(ord(c)) for c in isolate("B")]
    ['0x2068', '0x42', '0x2069']
    """
    return f"{_FSI}{text}{_PDI}"


def esc(text: object) -> Markup:
    """``text`` isolated and escaped, for SVG text and attributes."""
    return escape(isolate(text))


def text_width(text: str, px: float = FONT_PX) -> float:
    """Estimated width of ``text`` in pixels (0.6 em per character; 1 em for wide CJK characters)."""
    wide = "%MW@—"  # glyphs wider than 0.6 em
    return sum(px if ord(c) >= 0x2E80 or c in wide else 0.6 * px for c in str(text) if c not in (_FSI, _PDI))


def text(x: float, y: float, content: object, anchor: str = "start", fill: str = INK, cls: str = "") -> str:
    """One ``<text>`` element (content isolated and escaped)."""
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{c}>{esc(content)}</text>'


def svg(width: float, height: float, body: list[str], label: str, cls: str = "chart") -> Markup:
    """The chart document: a titled, labelled ``<svg role="img">`` of the given size."""
    w, h = math.ceil(width), math.ceil(height)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" viewBox="0 0 {w} {h}" width="{w}" '
                  f'height="{h}" role="img" aria-label="{esc(label)}" {_FONT}>'
                  f'<title>{esc(label)}</title>{"".join(body)}</svg>')


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]`` (the first <= lo, the last >= hi).

    Examples
    --------
    >>> nice_ticks(0, 577)
    [0, 200, 400, 600]
    >>> nice_ticks(0.62, 1.0)
    [0.6, 0.7, 0.8, 0.9, 1.0]
    >>> nice_ticks(3, 3)  # one value: a range around it
    [2.6, 2.8, 3.0, 3.2, 3.4]
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi - lo < 1e-12:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    count = round((last - first) / step)
    return [round(first + i * step, 12) for i in range(count + 1)]


class Scale:
    """A linear map from data ``[lo, hi]`` to pixels ``[a, b]`` (``b < a`` for a y axis)."""

    def __init__(self, lo: float, hi: float, a: float, b: float):
        self.lo, self.hi, self.a, self.b = float(lo), float(hi), float(a), float(b)

    def __call__(self, v: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return self.a + (float(v) - self.lo) / span * (self.b - self.a)


class Frame:
    """A plot area with an x and a y axis (see the module docstring).

    Parameters
    ----------
    width, height : float
        Of the whole chart.
    x, y : (lo, hi) or sequence of str
        Numeric ranges (ticks chosen by :func:`nice_ticks`, which also extend the range to
        round values unless ``tight``) or categories (one band each).
    xfmt, yfmt : callable
        Tick label of a value.
    xlabel, ylabel : str
        Axis titles.
    left, right, top : float, optional
        Extra room; ``left`` defaults to the widest y tick label.
    """

    def __init__(self, width: float, height: float, *, x: Sequence, y: Sequence, xlabel: str, ylabel: str,
                 xfmt: Callable[[float], str] = "{:g}".format, yfmt: Callable[[float], str] = "{:g}".format,
                 xticks: Sequence[float] | None = None, yticks: Sequence[float] | None = None,
                 left: float | None = None, right: float = 12, top: float = 26, tight: bool = False):
        self.width, self.height = width, height
        self.xcat = bool(len(x)) and isinstance(x[0], str)
        self.ycat = bool(len(y)) and isinstance(y[0], str)
        self.xticks = list(x) if self.xcat else list(xticks if xticks is not None else nice_ticks(*x))
        self.yticks = list(y) if self.ycat else list(yticks if yticks is not None else nice_ticks(*y))
        if tight and not self.xcat:
            self.xticks = [t for t in self.xticks if x[0] - 1e-12 <= t <= x[1] + 1e-12] or self.xticks
        self.xfmt, self.yfmt, self.xlabel, self.ylabel = xfmt, yfmt, xlabel, ylabel
        ylabels = [str(t) if self.ycat else yfmt(t) for t in self.yticks]
        self.left = left if left is not None else max((text_width(s) for s in ylabels), default=0) + 14
        xlabels = [str(t) if self.xcat else xfmt(t) for t in self.xticks]
        if not self.xcat and xlabels:  # room for half the first and last x tick labels
            right = max(right, text_width(xlabels[-1]) / 2 + 6)
            self.left = max(self.left, text_width(xlabels[0]) / 2 + 6)
        self.top, self.right, self.bottom = top, right, 2 * FONT_PX + 22
        self.x0, self.x1 = self.left, width - right
        self.y0, self.y1 = height - self.bottom, top  # y0: the bottom of the plot area
        xlo, xhi = (0, len(self.xticks)) if self.xcat else (min(x[0], self.xticks[0]), max(x[1], self.xticks[-1]))
        if tight and not self.xcat:
            xlo, xhi = x[0], x[1]
        ylo, yhi = (0, len(self.yticks)) if self.ycat else (self.yticks[0], self.yticks[-1])
        self.sx = Scale(xlo, xhi, self.x0, self.x1)
        self.sy = Scale(ylo, yhi, self.y1, self.y0) if self.ycat else Scale(ylo, yhi, self.y0, self.y1)

    def band(self, i: int, axis: str = "x") -> tuple[float, float]:
        """Pixel start and width of category ``i``."""
        s = self.sx if axis == "x" else self.sy
        a, b = s(i), s(i + 1)
        return min(a, b), abs(b - a)

    def draw(self, grid: bool = True, xgrid: bool = True) -> list[str]:
        """Gridlines, axis lines, tick labels and axis titles (drawn first, under the data).

        Lines of a kind are one ``<path>``, and labels share their attributes through a ``<g>``,
        which keeps the 60-odd charts of a report small. Category labels (ids, feature names)
        are isolated for the bidirectional algorithm; the numbers we format are only escaped.
        """
        labels = [(t, str(t) if self.xcat else self.xfmt(t)) for t in self.xticks]
        pos = [self.band(i)[0] + self.band(i)[1] / 2 if self.xcat else self.sx(t) for i, (t, _) in enumerate(labels)]
        keep = _thin(pos, [text_width(s) for _, s in labels])
        ty = self.y0 + FONT_PX + 8
        gridx = "".join(f"M{pos[i]:.1f} {self.y1:.1f}V{self.y0:.1f}" for i in keep) if grid and xgrid and \
            not self.xcat else ""
        marks = "".join(f"M{pos[i]:.1f} {self.y0:.1f}v4" for i in keep)
        xs = ['<g class="axis x">', f'<path d="{gridx}" stroke="{GRID}"/>' if gridx else "",
              f'<path d="{marks}M{self.x0:.1f} {self.y0:.1f}H{self.x1:.1f}" stroke="{MUTED}" fill="none"/>',
              f'<g fill="{MUTED}" text-anchor="middle">',
              *(f'<text class="tick" x="{pos[i]:.1f}" y="{ty:.1f}">{self._label(labels[i][1], self.xcat)}</text>'
                for i in keep),
              f'<text class="axis-title" x="{(self.x0 + self.x1) / 2:.1f}" y="{self.height - 4:.1f}">'
              f'{esc(self.xlabel)}</text></g></g>']
        ys_pos = [self.band(i, "y")[0] + self.band(i, "y")[1] / 2 if self.ycat else self.sy(t)
                  for i, t in enumerate(self.yticks)]
        gridy = "".join(f"M{self.x0:.1f} {y:.1f}H{self.x1:.1f}" for y in ys_pos) if grid and not self.ycat else ""
        ylabels = [str(t) if self.ycat else self.yfmt(t) for t in self.yticks]
        ys = ['<g class="axis y">', f'<path d="{gridy}" stroke="{GRID}"/>' if gridy else "",
              f'<path d="M{self.x0:.1f} {self.y1:.1f}V{self.y0:.1f}" stroke="{MUTED}"/>',
              f'<g fill="{INK if self.ycat else MUTED}" text-anchor="end">',
              *(f'<text class="tick" x="{self.x0 - 6:.1f}" y="{y + FONT_PX * 0.35:.1f}">{self._label(s, self.ycat)}'
                '</text>' for y, s in zip(ys_pos, ylabels, strict=True)), "</g>",
              text(2, self.y1 - 13, self.ylabel, "start", MUTED, "axis-title") if self.ylabel else "", "</g>"]
        return [p for p in xs + ys if p]

    @staticmethod
    def _label(s: str, user: bool) -> Markup:
        return esc(s) if user else escape(s)


def _thin(pos: Sequence[float], widths: Sequence[float], gap: float = 6.0) -> list[int]:
    """Indices of labels to keep so that none overlaps the previous kept one (every k-th, k minimal)."""
    n = len(pos)
    for k in range(1, n + 1):
        idx = list(range(0, n, k))
        if all(abs(pos[j] - pos[i]) >= (widths[i] + widths[j]) / 2 + gap for i, j in itertools.pairwise(idx)):
            return idx
    return [0]
