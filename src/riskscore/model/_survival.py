"""Survival labels and step functions in the scikit-survival convention."""

from __future__ import annotations

import numpy as np

__all__ = ["StepFunction", "check_survival_y", "make_survival_y"]


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
        raise ValueError(f"y needs a boolean event field, got fields {names} of dtypes {arr.dtype}.")
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
