"""Inline SVG charts for the report: plain markup, no script, no external resource.

Every text that reaches a chart (labels, titles, borrower ids) is isolated for the
bidirectional algorithm (:func:`isolate`) and goes through :func:`markupsafe.escape`; the
functions return :class:`markupsafe.Markup`, which the autoescaping templates insert as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from markupsafe import Markup, escape

__all__ = ["bars", "bdi", "calibration", "columns", "curve", "isolate", "waterfall"]

#: FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: text between them is laid out on its own,
#: so a right-to-left override in a borrower id cannot reorder the text around it.
_FSI, _PDI = "\u2068", "\u2069"

_FONT = 'font-family="system-ui, sans-serif" font-size="11"'
_MAIN, _GOOD, _BAD, _MUTED = "#3b6ea8", "#2e8b57", "#c0392b", "#8a8f98"


def isolate(text: object) -> str:
    """``text`` between the Unicode isolate marks (FSI ... PDI), for places a tag cannot go
    (titles, attributes, SVG text); escape it afterwards.

    Examples
    --------
    >>> [hex(ord(c)) for c in isolate("B")]
    ['0x2068', '0x42', '0x2069']
    """
    return f"{_FSI}{text}{_PDI}"


def bdi(text: object) -> Markup:
    """``text`` escaped inside ``<bdi>``: user-supplied text (ids, free text) in HTML content.

    Examples
    --------
    >>> str(bdi("<b>"))
    '<bdi>&lt;b&gt;</bdi>'
    """
    return Markup("<bdi>") + escape(text) + Markup("</bdi>")


def _esc(text: object) -> Markup:
    return escape(isolate(text))


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}" role="img" aria-label="{_esc(label)}" {_FONT}>'
                  f'<title>{_esc(label)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text: object, anchor: str = "start", fill: str = "#222", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{_esc(text)}</text>'


def bars(labels: Sequence[object], values: Sequence[float], *, label: str, fmt: str = "{:,.0f}",
         width: int = 520, color: str = _MAIN) -> Markup:
    """Horizontal bars, one per label (values >= 0), with the value printed after each bar.

    Examples
    --------
    >>> from riskscore.report._svg import bars
    >>> "<rect" in bars(["a", "<b>"], [1, 2], label="demo") and "&lt;b&gt;" in bars(["<b>"], [1], label="x")
    True
    """
    row, left, right = 20, 200, 70
    top = max((float(v) for v in values), default=0.0) or 1.0
    scale = (width - left - right) / top
    body = []
    for i, (name, v) in enumerate(zip(labels, values, strict=True)):
        y = i * row + 4
        body.append(_text(left - 6, y + 11, _short(str(name), 34), "end"))
        body.append(f'<rect x="{left}" y="{y}" width="{max(float(v) * scale, 0.5):.1f}" height="{row - 6}" '
                    f'fill="{color}"><title>{_esc(name)}: {escape(fmt.format(v))}</title></rect>')
        body.append(_text(left + float(v) * scale + 4, y + 11, fmt.format(v)))
    return _svg(width, max(len(values), 1) * row + 8, body, label)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def columns(edges: Sequence[float], counts: Sequence[float], *, label: str, xlabel: str, fmt: str = "{:g}",
            width: int = 520, height: int = 180) -> Markup:
    """A histogram: one column per bin ``[edges[i], edges[i+1])``, counts on hover.

    Examples
    --------
    >>> from riskscore.report._svg import columns
    >>> columns([0, 0.5, 1], [3, 1], label="h", xlabel="p").count("<rect")
    2
    """
    left, right, bottom, top_pad = 36, 22, 30, 8
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    peak = max((float(c) for c in counts), default=0.0) or 1.0
    n = max(len(counts), 1)
    w = plot_w / n
    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" '
            f'stroke="{_MUTED}"/>']
    for i, c in enumerate(counts):
        h = float(c) / peak * plot_h
        body.append(f'<rect x="{left + i * w + 1:.1f}" y="{top_pad + plot_h - h:.1f}" width="{max(w - 2, 1):.1f}" '
                    f'height="{h:.1f}" fill="{_MAIN}"><title>{escape(fmt.format(edges[i]))} to '
                    f'{escape(fmt.format(edges[i + 1]))}: {int(c):,}</title></rect>')
    for i in range(0, n + 1, max(n // 5, 1)):
        body.append(_text(left + i * w, top_pad + plot_h + 14, fmt.format(edges[i]), "middle", _MUTED))
    body.append(_text(left + plot_w / 2, height - 2, xlabel, "middle", _MUTED))
    body.append(_text(left - 4, top_pad + 10, f"{int(peak):,}", "end", _MUTED))
    return _svg(width, height, body, label)


def _axes(left: int, top: int, w: float, h: float, xmax: float, xticks: Sequence[float], xlabel: str,
          ylabel: str) -> list[str]:
    body = [f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="{_MUTED}"/>']
    for t in xticks:
        x = left + t / xmax * w
        body.append(_text(x, top + h + 14, f"{t:g}", "middle", _MUTED))
    for p in (0.0, 0.5, 1.0):
        y = top + h - p * h
        body.append(_text(left - 4, y + 4, f"{p:.0%}", "end", _MUTED))
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}" stroke="#e3e5e8"/>')
    body.append(_text(left + w / 2, top + h + 28, xlabel, "middle", _MUTED))
    body.append(_text(left, top - 6, ylabel, "start", _MUTED))
    return body


def curve(days: Sequence[float], p_repaid: Sequence[float], *, label: str, marks: Sequence[float] = (7, 30, 90),
          width: int = 420, height: int = 220) -> Markup:
    """The survival view of one borrower: P(repaid by day d), a step curve from day 0.

    Examples
    --------
    >>> from riskscore.report._svg import curve
    >>> "<path" in curve([1, 30, 90], [0.2, 0.6, 0.8], label="c")
    True
    """
    left, top = 44, 16
    w, h = width - left - 12, height - top - 36
    xmax = float(max(days))
    pts, prev = [f"M{left},{top + h}"], 0.0
    for d, p in zip(days, p_repaid, strict=True):
        x = left + float(d) / xmax * w
        pts.append(f"L{x:.1f},{top + h - prev * h:.1f} L{x:.1f},{top + h - float(p) * h:.1f}")
        prev = float(p)
    body = _axes(left, top, w, h, xmax, [0, 30, 60, 90], "days after the as-of date", "P(repaid by day)")
    body.append(f'<path d="{" ".join(pts)}" fill="none" stroke="{_MAIN}" stroke-width="2"/>')
    lookup = dict(zip((float(d) for d in days), (float(p) for p in p_repaid), strict=True))
    for m in marks:
        if float(m) in lookup:
            x, y = left + m / xmax * w, top + h - lookup[float(m)] * h
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_MAIN}"/>')
            near_end = x > left + 0.75 * w
            body.append(_text(x - 4 if near_end else x + 4, y + 14 if near_end else y - 4,
                              f"{lookup[float(m)]:.0%} by day {m:g}", "end" if near_end else "start"))
    return _svg(width, height, body, label)


def waterfall(base: float, items: Sequence[tuple[str, float]], *, label: str, width: int = 620) -> Markup:
    """A SHAP waterfall in log-odds: from the base value, each item moves the running total.

    Positive items (towards repaying) are green, negative ones red; the last bar ends at the
    borrower's margin.

    Examples
    --------
    >>> from riskscore.report._svg import waterfall
    >>> waterfall(1.0, [("a", 0.5), ("b", -2.0)], label="w").count("<rect")
    2
    """
    row, left, right = 22, 250, 60
    totals = np.cumsum([base, *[v for _, v in items]])
    lo, hi = min(totals.min(), base, 0.0), max(totals.max(), base, 0.0)
    span = (hi - lo) or 1.0
    scale = (width - left - right) / span

    def x(v: float) -> float:
        return left + (v - lo) * scale

    height = (len(items) + 2) * row + 10
    body = [f'<line x1="{x(base):.1f}" y1="0" x2="{x(base):.1f}" y2="{height - 12}" stroke="{_MUTED}" '
            'stroke-dasharray="3 3"/>',
            _text(left - 6, 14, f"base value {base:+.2f} (log-odds)", "end", _MUTED)]
    running = base
    for i, (name, v) in enumerate(items, start=1):
        y = i * row
        a, b = sorted((running, running + v))
        color = _GOOD if v >= 0 else _BAD
        body.append(_text(left - 6, y + 13, _short(name, 40), "end"))
        body.append(f'<rect x="{x(a):.1f}" y="{y + 2}" width="{max((b - a) * scale, 0.8):.1f}" height="{row - 6}" '
                    f'fill="{color}"><title>{_esc(name)}: {v:+.3f}</title></rect>')
        body.append(_text(x(b) + 4, y + 13, f"{v:+.2f}", fill=color))
        running += v
    y = (len(items) + 1) * row
    body.append(_text(left - 6, y + 13, f"margin {running:+.2f} (log-odds)", "end"))
    body.append(f'<line x1="{x(running):.1f}" y1="{y}" x2="{x(running):.1f}" y2="{y + row - 4}" stroke="#222" '
                'stroke-width="2"/>')
    return _svg(width, height, body, label)


def calibration(points: Sequence[dict], *, label: str, width: int = 300, height: int = 260) -> Markup:
    """Reliability diagram: observed rate against mean prediction per bin (``calibration_table`` rows).

    Examples
    --------
    >>> from riskscore.report._svg import calibration
    >>> calibration([{"mean_predicted": 0.5, "observed": 0.4, "rows": 10}], label="c").count("<circle")
    1
    """
    left, top = 44, 16
    s = min(width - left - 12, height - top - 36)
    body = _axes(left, top, s, s, 1.0, [0, 0.5, 1], "mean predicted likelihood", "observed rate")
    body.append(f'<line x1="{left}" y1="{top + s}" x2="{left + s}" y2="{top}" stroke="{_MUTED}" '
                'stroke-dasharray="4 3"/>')
    for b in points:
        cx, cy = left + b["mean_predicted"] * s, top + s - b["observed"] * s
        body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{_MAIN}"><title>{int(b["rows"]):,} rows: '
                    f'predicted {b["mean_predicted"]:.3f}, observed {b["observed"]:.3f}</title></circle>')
    return _svg(width, height, body, label)
