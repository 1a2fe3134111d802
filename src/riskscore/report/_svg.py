"""Inline SVG charts for the report: plain markup, no script, no external resource.

Each chart has an x and a y axis with tick labels and titles (:class:`~riskscore.report._axes.Frame`),
data-fitted ranges, and labels laid out so that they cannot overlap (values in their own
column, legends outside the plot area). Hand-written rather than matplotlib's SVG backend: the
demo report's 60-odd charts stay a few kB each (the likelihood histogram: 4.9 kB, against 21 kB
from matplotlib's SVG backend with glyphs as paths and 13 kB with ``svg.fonttype="none"``).

Every text that reaches a chart (labels, titles, borrower ids) is isolated for the
bidirectional algorithm (:func:`isolate`) and goes through :func:`markupsafe.escape`; the
functions return :class:`markupsafe.Markup`, which the autoescaping templates insert as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from markupsafe import Markup, escape

from riskscore.report._axes import (
    BAD,
    FONT_PX,
    GOOD,
    INK,
    MAIN,
    MUTED,
    Frame,
    esc,
    isolate,
    nice_ticks,
    svg,
    text,
    text_width,
)

__all__ = ["PALETTE", "bars", "bdi", "calibration", "columns", "curve", "isolate", "series", "stacked", "waterfall"]

#: Colours of the categories of a stacked chart (colour-blind-safe order, Okabe-Ito); a legend
#: with the names always goes with them.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999")


def bdi(text: object) -> Markup:
    """``text`` escaped inside ``<bdi>``: user-supplied text (ids, free text) in HTML content.

    Examples
    --------
    >>> str(bdi("<b>"))
    '<bdi>&lt;b&gt;</bdi>'
    """
    return Markup("<bdi>") + escape(text) + Markup("</bdi>")


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _pct(digits: int = 0) -> Callable[[float], str]:
    return lambda v: f"{v:.{digits}%}"


def _count(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2g}"


def bars(labels: Sequence[object], values: Sequence[float], *, label: str, fmt: str = "{:,.0f}",
         xlabel: str = "borrowers", width: int = 520) -> Markup:
    """Horizontal bars, one per label (values >= 0): a value axis below, the value after each bar.

    Examples
    --------
    >>> from riskscore.report._svg import bars
    >>> "<rect" in bars(["a", "<b>"], [1, 2], label="demo") and "&lt;b&gt;" in bars(["<b>"], [1], label="x")
    True
    """
    names = [_short(str(n), 34) for n in labels] or ["(none)"]
    vals = [float(v) for v in values] or [0.0]
    texts = [fmt.format(v) for v in vals]
    top = max(vals) or 1.0
    pct = "%" in fmt
    frame = Frame(width, len(names) * 20 + 8 + 2 * FONT_PX + 22, x=(0.0, top), y=names, xlabel=xlabel, ylabel="",
                  xfmt=_pct() if pct else _count, right=max(text_width(t) for t in texts) + 10, top=8)
    body = frame.draw()
    for i, (name, v, t) in enumerate(zip(names, vals, texts, strict=False)):
        y, h = frame.band(i, "y")
        x1 = frame.sx(v)
        body.append(f'<rect x="{frame.x0:.1f}" y="{y + 3:.1f}" width="{max(x1 - frame.x0, 0.5):.1f}" '
                    f'height="{h - 6:.1f}" fill="{MAIN}"><title>{esc(name)}: {escape(t)}</title></rect>')
        body.append(text(x1 + 4, y + h / 2 + FONT_PX * 0.35, t, cls="value"))
    return svg(width, frame.height, body, label)


def columns(edges: Sequence[float], counts: Sequence[float], *, label: str, xlabel: str, fmt: str = "{:g}",
            ylabel: str = "borrowers", width: int = 520, height: int = 210) -> Markup:
    """A histogram: one column per bin ``[edges[i], edges[i+1])``; a count axis with gridlines.

    Examples
    --------
    >>> from riskscore.report._svg import columns
    >>> columns([0, 0.5, 1], [3, 1], label="h", xlabel="p").count("<rect")
    2
    """
    edges = [float(e) for e in edges]
    peak = max((float(c) for c in counts), default=0.0) or 1.0
    frame = Frame(width, height, x=(edges[0], edges[-1]), y=(0.0, peak), xticks=edges, xlabel=xlabel,
                  ylabel=ylabel, xfmt=fmt.format, yfmt=_count, yticks=nice_ticks(0, peak, 4), tight=True)
    body = frame.draw(xgrid=False)
    for i, c in enumerate(counts):
        a, b = frame.sx(edges[i]), frame.sx(edges[i + 1])
        y = frame.sy(float(c))
        body.append(f'<rect x="{a + 1:.1f}" y="{y:.1f}" width="{max(b - a - 2, 1):.1f}" height="{frame.y0 - y:.1f}" '
                    f'fill="{MAIN}"><title>{escape(fmt.format(edges[i]))} to {escape(fmt.format(edges[i + 1]))}: '
                    f'{int(c):,}</title></rect>')
    return svg(width, height, body, label)


def curve(days: Sequence[float], p_repaid: Sequence[float], *, label: str, marks: Sequence[float] = (7, 30, 90),
          width: int = 460, height: int = 230) -> Markup:
    """The survival view of one borrower: P(repaid by day d), a step curve from day 0.

    The marked days are read out in a legend right of the plot (never on the line).

    Examples
    --------
    >>> from riskscore.report._svg import curve
    >>> "<path" in curve([1, 30, 90], [0.2, 0.6, 0.8], label="c")
    True
    """
    xmax = float(max(days))
    lookup = dict(zip((float(d) for d in days), (float(p) for p in p_repaid), strict=True))
    shown = [(m, lookup[float(m)]) for m in marks if float(m) in lookup]
    legend = [f"by day {m:g}: {p:.0%}" for m, p in shown]
    right = max((text_width(t) for t in legend), default=0) + 30
    ticks = [t for t in (0, 30, 60, 90, 120, 180) if t <= xmax] or [0, xmax]
    frame = Frame(width, height, x=(0.0, xmax), y=(0.0, 1.0), xticks=ticks, yticks=[0, 0.25, 0.5, 0.75, 1.0],
                  xlabel="days after the as-of date", ylabel="P(repaid by day)", yfmt=_pct(), right=right, tight=True)
    body = frame.draw()
    pts, prev = [f"M{frame.x0:.1f},{frame.sy(0):.1f}"], 0.0
    for d, p in zip(days, p_repaid, strict=True):
        x = frame.sx(float(d))
        pts.append(f"L{x:.1f},{frame.sy(prev):.1f} L{x:.1f},{frame.sy(float(p)):.1f}")
        prev = float(p)
    body.append(f'<path d="{" ".join(pts)}" fill="none" stroke="{MAIN}" stroke-width="2"/>')
    for i, ((m, p), t) in enumerate(zip(shown, legend, strict=True)):
        x, y = frame.sx(m), frame.sy(p)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#fff" stroke="{INK}" stroke-width="1.5"/>')
        ly = frame.y1 + 6 + i * (FONT_PX + 7)
        body.append(f'<circle cx="{frame.x1 + 12:.1f}" cy="{ly:.1f}" r="3.5" fill="#fff" stroke="{INK}" '
                    'stroke-width="1.5"/>')
        body.append(text(frame.x1 + 20, ly + FONT_PX * 0.35, t, cls="legend"))
    return svg(width, height, body, label)


def waterfall(base: float, items: Sequence[tuple[str, float]], *, label: str, width: int = 680) -> Markup:
    """A SHAP waterfall in log-odds: from the base value, each item moves the running total.

    Positive items (towards repaying) are green and signed ``+``, negative ones red and signed
    ``−``; values are printed in their own column right of the plot, a log-odds axis with ticks
    is below, and the dashed line marks the base value.

    Examples
    --------
    >>> from riskscore.report._svg import waterfall
    >>> waterfall(1.0, [("a", 0.5), ("b", -2.0)], label="w").count("<rect")  # two items and the total
    3
    """
    totals = np.cumsum([base, *[v for _, v in items]])
    lo, hi = float(totals.min()), float(totals.max())  # fitted to the path, 0 included only when reached
    pad = max((hi - lo) * 0.04, 0.01)
    lo, hi = lo - pad, hi + pad
    names = ["base value", *(_short(n, 38) for n, _ in items), "this borrower"]
    values = [f"{base:+.2f}", *(f"{v:+.2f}".replace("-", "−") for _, v in items),
              f"{totals[-1]:+.2f}".replace("-", "−")]
    right = max(text_width(v) for v in values) + 14
    frame = Frame(width, len(names) * 22 + 14 + 2 * FONT_PX + 22, x=(lo, hi), y=names, top=14, right=right,
                  xlabel="log-odds of repaying (← lowers the likelihood · raises it →)", ylabel="")
    body = frame.draw()
    xb = frame.sx(base)
    body.append(f'<line x1="{xb:.1f}" y1="{frame.y1:.1f}" x2="{xb:.1f}" y2="{frame.y0:.1f}" stroke="{MUTED}" '
                'stroke-dasharray="3 3"/>')
    running = base
    for i, name in enumerate(names):
        y, h = frame.band(i, "y")
        if i == 0 or i == len(names) - 1:
            v, color = (base if i == 0 else running), INK
            body.append(f'<rect x="{frame.sx(v) - 1.5:.1f}" y="{y + 3:.1f}" width="3" height="{h - 6:.1f}" '
                        f'fill="{color}"><title>{esc(name)}: {v:+.3f}</title></rect>' if i else
                        f'<line x1="{xb:.1f}" y1="{y + 3:.1f}" x2="{xb:.1f}" y2="{y + h - 3:.1f}" stroke="{INK}" '
                        'stroke-width="3"/>')
        else:
            v = float(items[i - 1][1])
            a, b = sorted((running, running + v))
            color = GOOD if v >= 0 else BAD
            xa, xb2 = frame.sx(a), frame.sx(b)
            body.append(f'<rect x="{xa:.1f}" y="{y + 3:.1f}" width="{max(xb2 - xa, 0.8):.1f}" '
                        f'height="{h - 6:.1f}" fill="{color}"><title>{esc(name)}: {v:+.3f}</title></rect>')
            running += v
        body.append(text(frame.x1 + 8, y + h / 2 + FONT_PX * 0.35, values[i], fill=color, cls="value"))
    return svg(width, frame.height, body, label)


def _reliability(points: Sequence[dict], label: str, side: int, xlabel: str) -> Markup:
    vals = [float(b[k]) for b in points for k in ("mean_predicted", "observed")] or [0.0, 1.0]
    lo, hi = min(vals), max(vals)
    pad = max((hi - lo) * 0.08, 0.005)
    lo, hi = max(lo - pad, 0.0), min(hi + pad, 1.0)
    ticks = [t for t in nice_ticks(lo, hi, 4) if -1e-9 <= t <= 1 + 1e-9]
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    digits = 0 if ticks[1] - ticks[0] >= 0.01 - 1e-12 else 1
    frame = Frame(side + 70, side + 70, x=(lo, hi), y=(lo, hi), xticks=ticks, yticks=ticks, tight=True,
                  xlabel=xlabel, ylabel="observed rate", xfmt=_pct(digits), yfmt=_pct(digits), left=50 + 6 * digits,
                  right=20)
    body = frame.draw()
    body.append(f'<line x1="{frame.sx(lo):.1f}" y1="{frame.sy(lo):.1f}" x2="{frame.sx(hi):.1f}" '
                f'y2="{frame.sy(hi):.1f}" stroke="{MUTED}" stroke-dasharray="4 3"/>')
    for b in points:
        cx, cy = frame.sx(b["mean_predicted"]), frame.sy(b["observed"])
        body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{MAIN}"><title>{int(b["rows"]):,} rows: '
                    f'predicted {b["mean_predicted"]:.3f}, observed {b["observed"]:.3f}</title></circle>')
    return svg(frame.width, frame.height, body, label)


def calibration(points: Sequence[dict], *, label: str, width: int = 320, height: int = 300) -> Markup:
    """Reliability diagram: observed rate against mean prediction per bin (``calibration_table`` rows).

    Both axes span the data (the bins' predictions and observed rates, padded) with the same
    ticks, so the dashed diagonal is where a calibrated model's points fall. When at least half
    of the bins crowd into the top tenth of that range (a portfolio where most borrowers repay),
    a second panel zooms on them, so they do not sit in one corner.

    Examples
    --------
    >>> from riskscore.report._svg import calibration
    >>> calibration([{"mean_predicted": 0.5, "observed": 0.4, "rows": 10}], label="c").count("<circle")
    1
    >>> crowded = [{"mean_predicted": p, "observed": p, "rows": 10} for p in (0.3, 0.97, 0.98, 0.99)]
    >>> calibration(crowded, label="c").count("<svg")  # the whole range, and a zoom on the three
    2
    """
    side = min(width - 70, height - 70)
    preds = sorted(float(b["mean_predicted"]) for b in points)
    top = [b for b in points if preds and float(b["mean_predicted"]) >= preds[-1] - (preds[-1] - preds[0]) * 0.1]
    if len(preds) < 4 or len(top) * 2 < len(points) or len(top) == len(points):
        return _reliability(points, label, side, "mean predicted likelihood")
    side -= 50  # two panels side by side in the same room
    whole = _reliability(points, label, side, "mean predicted likelihood")
    zoom = _reliability(top, f"{label}, zoom on the {len(top)} highest bins", side,
                        f"zoom: the {len(top)} highest bins")
    return Markup('<span class="pair">') + whole + zoom + Markup("</span>")


def series(xlabels: Sequence[str], values: Sequence[float | None], *, label: str, ylabel: str, fmt: str = "{:g}",
           thresholds: Mapping[str, float] | None = None, integer: bool = False, width: int = 360,
           height: int = 190) -> Markup:
    """One quantity per run (a small multiple): columns over the runs' labels, with optional
    threshold lines named in the right margin and each value printed above its column when
    there is room. ``None`` values are left empty; ``integer`` keeps whole-number ticks (counts).

    Examples
    --------
    >>> from riskscore.report._svg import series
    >>> series(["a", "b"], [0.1, None], label="s", ylabel="PSI").count("<rect")
    1
    """
    xs = [str(x) for x in xlabels] or ["(none)"]
    vals = [None if v is None else float(v) for v in values]
    limits = dict(thresholds or {})
    top = max([v for v in vals if v is not None] + list(limits.values()) + [0.0]) or 1.0
    ticks = nice_ticks(0, max(top, 4.0) if integer else top, 4)
    if integer:
        ticks = [t for t in ticks if float(t).is_integer()]
    names = [f"{k} {fmt.format(v)}" for k, v in limits.items()]
    right = max((text_width(n) for n in names), default=0) + 12
    frame = Frame(width, height, x=xs, y=(0.0, top), yticks=ticks, xlabel="as-of date of the run",
                  ylabel=ylabel, yfmt=fmt.format, right=right)
    body = frame.draw()
    for name, v in zip(names, limits.values(), strict=True):
        y = frame.sy(v)
        body.append(f'<line x1="{frame.x0:.1f}" y1="{y:.1f}" x2="{frame.x1:.1f}" y2="{y:.1f}" stroke="{BAD}" '
                    'stroke-dasharray="5 3"/>')
        body.append(text(frame.x1 + 4, y + FONT_PX * 0.35, name, fill=BAD, cls="legend"))
    for i, v in enumerate(vals):
        if v is None:
            continue
        a, w = frame.band(i)
        y = frame.sy(v)
        body.append(f'<rect x="{a + w * 0.2:.1f}" y="{y:.1f}" width="{w * 0.6:.1f}" height="{frame.y0 - y:.1f}" '
                    f'fill="{MAIN}"><title>{esc(xs[i])}: {escape(fmt.format(v))}</title></rect>')
        shown = fmt.format(v)
        if text_width(shown) + 4 <= w:  # the value above its column, when it fits the column's band
            body.append(text(a + w / 2, y - 3, shown, "middle", INK, "value"))
    return svg(width, height, body, label)


def stacked(xlabels: Sequence[str], shares: Mapping[str, Sequence[float]], *, label: str, ylabel: str,
            width: int = 520, height: int = 210) -> Markup:
    """Stacked columns of shares per run (e.g. the plan mix), with a legend of the categories in
    stacking order right of the plot (the colour is never the only cue: the legend and a table).

    Examples
    --------
    >>> from riskscore.report._svg import stacked
    >>> stacked(["a"], {"none": [0.6], "call": [0.4]}, label="s", ylabel="share").count("<rect")
    4
    """
    xs = [str(x) for x in xlabels] or ["(none)"]
    names = list(shares)
    right = max((text_width(n) for n in names), default=0) + 28
    frame = Frame(width, max(height, len(names) * (FONT_PX + 7) + 60), x=xs, y=(0.0, 1.0),
                  yticks=[0, 0.25, 0.5, 0.75, 1.0], xlabel="as-of date of the run", ylabel=ylabel, yfmt=_pct(),
                  right=right)
    body = frame.draw()
    for i in range(len(xs)):
        a, w = frame.band(i)
        bottom = 0.0
        for k, name in enumerate(names):
            v = float(shares[name][i]) if i < len(shares[name]) else 0.0
            if v <= 0:
                continue
            y0, y1 = frame.sy(bottom), frame.sy(bottom + v)
            body.append(f'<rect x="{a + w * 0.15:.1f}" y="{y1:.1f}" width="{w * 0.7:.1f}" height="{y0 - y1:.1f}" '
                        f'fill="{PALETTE[k % len(PALETTE)]}" stroke="#fff" stroke-width="0.5"><title>{esc(xs[i])}, '
                        f'{esc(name)}: {v:.1%}</title></rect>')
            bottom += v
    for k, name in enumerate(reversed(names)):  # legend top-down = stack top-down
        ly = frame.y1 + 4 + k * (FONT_PX + 7)
        color = PALETTE[(len(names) - 1 - k) % len(PALETTE)]
        body.append(f'<rect x="{frame.x1 + 8:.1f}" y="{ly - 5:.1f}" width="10" height="10" fill="{color}"/>')
        body.append(text(frame.x1 + 22, ly + FONT_PX * 0.35, name, cls="legend"))
    return svg(width, frame.height, body, label)

