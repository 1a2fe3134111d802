"""Survival labels and step functions in the scikit-survival convention; person-period rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PiecewiseHazardFunction", "StepFunction", "check_survival_y", "expand", "make_survival_y"]


def make_survival_y(event: object, time: object) -> np.ndarray:
    """A structured array with fields ``event`` (bool) and ``time`` (float), like ``sksurv.util.Surv``.

    Examples
    --------
    >>> from riskscore.model import make_survival_y
    >>> y = make_survival_y([True, False], [3, 90])
    >>> y.dtype.names, y["time"].tolist()
    (('event', 'time'), [3.0, 90.0])
    """
    e, t = np.asarray(event), np.asarray(time, dtype=float)
    if e.shape != t.shape or e.ndim != 1:
        raise ValueError(f"event and time must be 1-d and of the same length, got {e.shape} and {t.shape}.")
    if e.dtype != bool:  # NaN, 2 or text would all be True: refused, as sksurv.util.Surv does
        try:
            bad = ~np.isin(e.astype(float), (0.0, 1.0))
        except (TypeError, ValueError):
            bad = np.ones(len(e), bool)
        if bad.any():
            raise ValueError(f"event must be booleans or 0/1 without missing values; {int(bad.sum())} value(s) are "
                             f"not, e.g. {[str(v) for v in e[bad][:3]]}.")
    y = np.empty(len(t), dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = e.astype(bool), t
    return y


def check_survival_y(y: object) -> tuple[np.ndarray, np.ndarray]:
    """Split a survival label into (event, time), stating which rule it breaks.

    Accepts a structured array with a boolean field and a numeric field (the first boolean
    field is the event, the other the time), as scikit-survival does.

    Examples
    --------
    >>> from riskscore.model import check_survival_y, make_survival_y
    >>> check_survival_y(make_survival_y([True], [2.0]))[1].tolist()
    [2.0]
    """
    if isinstance(y, pd.DataFrame):  # lifelines' and most extracts' way: an event and a duration column
        cols = ", ".join(repr(str(c)) for c in y.columns[:5]) + (", ..." if y.shape[1] > 5 else "")
        raise ValueError(f"y must be a structured array with two fields (event: bool, time: float), got a "
                         f"DataFrame with columns {cols}; build it with riskscore.model.make_survival_y("
                         "df[event_column], df[time_column]).")
    arr = np.asarray(y)
    names = arr.dtype.names
    if names is None or len(names) != 2:
        raise ValueError("y must be a structured array with two fields (event: bool, time: float); build it with "
                         "riskscore.model.make_survival_y(event, time) or sksurv.util.Surv.from_arrays.")
    first, second = (arr[n] for n in names)
    if first.dtype == bool:
        event, time = first, second
    elif second.dtype == bool:
        event, time = second, first
    else:
        raise ValueError(f"y needs a boolean event field, got fields {names} of dtypes {arr.dtype}; "
                         "riskscore.model.make_survival_y(event, time) takes an event coded 1/0.")
    if not np.issubdtype(time.dtype, np.number):
        raise ValueError(f"time must be numeric, but found {time.dtype}.")
    time = time.astype(float)
    if not np.isfinite(time).all() or (time < 0).any():
        bad = np.flatnonzero(~np.isfinite(time) | (time < 0))
        raise ValueError(f"time must be finite and >= 0; {len(bad)} sample(s) break this, e.g. rows "
                         f"{bad[:5].tolist()} with time {time[bad[:5]].tolist()}.")
    if not event.any():
        raise ValueError("all samples are censored: a survival model needs at least one event.")
    return event.astype(bool), time


class StepFunction:
    """A right-continuous step function: ``f(t) = y[i]`` for ``x[i] <= t < x[i+1]``, ``a`` before ``x[0]``.

    Like scikit-survival's ``StepFunction``, a survival curve from
    ``predict_survival_function`` is callable on any array of times.

    Examples
    --------
    >>> from riskscore.model import StepFunction
    >>> f = StepFunction([7.0, 30.0], [0.6, 0.2])
    >>> f([1, 7, 29, 30, 90]).tolist()
    [1.0, 0.6, 0.6, 0.2, 0.2]
    """

    def __init__(self, x: object, y: object, a: float = 1.0):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.a = float(a)

    def __call__(self, t: object) -> np.ndarray:
        idx = np.searchsorted(self.x, np.asarray(t, dtype=float), side="right")
        return np.concatenate([[self.a], self.y])[idx]

    def __repr__(self) -> str:
        return f"StepFunction(x={self.x!r}, y={self.y!r})"


class PiecewiseHazardFunction:
    """A survival or cumulative-hazard function whose hazard is constant within each interval.

    Exact at the knots: ``f(start) = a`` and ``f(x[i]) = y[i]``. Between two knots the hazard is
    constant, so a cumulative hazard (``kind="cumulative_hazard"``) is linear there and a survival
    function (``kind="survival"``) log-linear; after the last knot the value stays ``y[-1]`` (the
    model says nothing beyond it), before ``start`` it is ``a``. This is how
    :class:`~riskscore.model.HazardGBM` reads its interval hazards between the interval ends (a
    step at each end would say that nothing happens inside an interval, and every event at its end).

    Parameters
    ----------
    x : array-like of float
        The interval ends, increasing, all after ``start``.
    y : array-like of float
        The function's values there.
    start : float, default 0.0
        Where the first interval starts.
    kind : {"survival", "cumulative_hazard"}, default "survival"
        What ``y`` holds; ``a`` is 1 for a survival function, 0 for a cumulative hazard.

    Examples
    --------
    >>> from riskscore.model import PiecewiseHazardFunction
    >>> f = PiecewiseHazardFunction([10.0, 20.0], [0.64, 0.16])
    >>> f([0, 5, 10, 15, 20, 99]).round(4).tolist()
    [1.0, 0.8, 0.64, 0.32, 0.16, 0.16]
    >>> PiecewiseHazardFunction([10.0], [2.0], kind="cumulative_hazard")([5.0]).tolist()
    [1.0]
    """

    def __init__(self, x: object, y: object, start: float = 0.0, kind: str = "survival"):
        if kind not in ("survival", "cumulative_hazard"):
            raise ValueError(f"kind must be 'survival' or 'cumulative_hazard', got {kind!r}")
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.start = float(start)
        self.kind = kind
        self.a = 1.0 if kind == "survival" else 0.0
        knots = np.concatenate([[self.a], self.y])
        # the cumulative hazard at the knots: linear between them
        self._h = -np.log(np.clip(knots, 1e-300, None)) if kind == "survival" else knots
        self._t = np.concatenate([[self.start], self.x])

    def __call__(self, t: object) -> np.ndarray:
        h = np.interp(np.asarray(t, dtype=float), self._t, self._h)
        return np.exp(-h) if self.kind == "survival" else h

    def __repr__(self) -> str:
        return f"PiecewiseHazardFunction(x={self.x!r}, y={self.y!r}, start={self.start!r}, kind={self.kind!r})"


def expand(X: np.ndarray, event: np.ndarray, time: np.ndarray, edges: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Person-period rows: one per sample and interval (a_k, b_k] it was at risk in.

    A sample with time ``T`` in interval ``k`` contributes ``y = 0`` rows for every earlier
    interval and, for interval ``k``, ``y = 1`` if ``T`` is an event, else ``y = 0`` weighted by
    the share of the interval it was observed ((T - a_k) / (b_k - a_k): exact for a constant
    hazard within the interval, and exactly 1 when censoring falls on an edge). Times past the
    last edge survive every interval. A time of 0 (scikit-survival accepts it) falls in the
    first interval: an event at 0 is an event of interval 0, and a sample censored at 0 gives
    no row (it was observed for no time at all). Returns (row -> sample index, interval index,
    y, weight).
    """
    n_int = len(edges) - 1
    last = np.clip(np.searchsorted(edges, time, side="left") - 1, 0, n_int - 1)
    beyond = time > edges[-1]
    counts = last + 1
    sample = np.repeat(np.arange(len(time)), counts)
    k = np.arange(len(sample)) - np.repeat(np.cumsum(counts) - counts, counts)
    is_last = k == last[sample]
    y = (is_last & event[sample] & ~beyond[sample]).astype(np.float32)
    width = edges[k + 1] - edges[k]
    observed = np.clip((time[sample] - edges[k]) / width, 0.0, 1.0)
    weight = np.where(is_last & ~event[sample] & ~beyond[sample], observed, 1.0).astype(np.float32)
    seen = weight > 0
    if not seen.all():
        sample, k, y, weight = sample[seen], k[seen], y[seen], weight[seen]
    return sample, k, y, weight
