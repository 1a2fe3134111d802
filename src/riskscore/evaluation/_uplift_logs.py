"""Uplift from exploration logs, judged on held-out logs: Qini curve and area, next to random allocation.

The two-model uplift model (:func:`~riskscore.evaluation.fit_uplift`) learns from the decisions
exploration randomised: rows whose decision was ``treatment`` or ``control`` and could have been
either (both eligible, an exploration share above 0). Held-out borrowers (never seen in
training) are ranked by predicted uplift; the Qini curve at the top ``k`` rows is

``Q(k) = sum_T w y - sum_C w y * (sum_T w / sum_C w)``  (both sums over the top ``k``),

with inverse-propensity weights ``w = 1 / propensity`` (the logging policy gave the two
decisions unequal probabilities, which differ by segment), divided by the held-out rows ``n``
(incremental outcomes per row). Random allocation is the straight line from 0 to ``Q(n)``.
AUUC is the mean of the curve over ``k``; ``auuc_gain`` the model's AUUC minus random's, and the
Qini coefficient that gain as a share of random's AUUC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.evaluation._uplift import fit_uplift

__all__ = ["uplift_from_logs"]


def _qini(score: np.ndarray, treated: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Q(k) for k = 0..n, rows taken by descending ``score``."""
    order = np.argsort(-score, kind="stable")
    t, yy, ww = treated[order], y[order], w[order]
    wt, wc = np.cumsum(ww * t), np.cumsum(ww * ~t)
    yt, yc = np.cumsum(ww * yy * t), np.cumsum(ww * yy * ~t)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = yt - yc * np.where(wc > 0, wt / wc, 0.0)
    return np.concatenate([[0.0], q])


def uplift_from_logs(logs: pd.DataFrame, outcome: pd.Series | np.ndarray, *, treatment: str = "escalate",
                     control: str = "none", features: tuple[str, ...] = ("likelihood", "amount_at_risk"),
                     holdout: float = 0.3, random_state: int = 0) -> dict[str, object]:
    """Fit the two-model uplift model on exploration logs; judge it on held-out borrowers.

    Parameters
    ----------
    logs : DataFrame
        :func:`~riskscore.evaluation.decision_log` rows (with the feature columns).
    outcome : Series or array of bool
        Per log row, e.g. ``recovered > 0`` within the horizon.
    treatment, control : str
        The two decisions compared (default: the escalation plan, with its agent call, against no contact).
    features : tuple of str
        Log columns the model learns from.
    holdout : float in (0, 1), default 0.3
        Share of the borrowers held out (all their rows).
    random_state : int, default 0

    Returns
    -------
    dict
        ``qini`` (the curves, a DataFrame ``fraction, model, random``), ``auuc_model``,
        ``auuc_random``, ``auuc_gain``, ``qini_coefficient`` and the row counts.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskscore.evaluation import uplift_from_logs
    >>> rng = np.random.default_rng(0); n = 6000; x = rng.random(n)
    >>> a = np.where(rng.random(n) < 0.5, "escalate", "none")
    >>> logs = pd.DataFrame({"borrower_id": np.arange(n).astype(str), "decision": a, "propensity": 0.5,
    ...                      "eligible_decisions": "none,escalate", "explore_share": 1.0, "likelihood": x})
    >>> y = rng.random(n) < 0.2 + 0.4 * (a == "escalate") * (x > 0.5)
    >>> res = uplift_from_logs(logs, y, features=("likelihood",))
    >>> bool(res["qini_coefficient"] > 0.3)
    True
    """
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be in (0, 1), got {holdout!r}")
    y = np.asarray(outcome, dtype=bool)
    if len(y) != len(logs):
        raise ValueError(f"outcome has {len(y)} values for {len(logs)} logged rows")
    a = logs["decision"].to_numpy(dtype=object)
    both = np.array([{treatment, control} <= set(str(e).split(",")) for e in logs["eligible_decisions"]], dtype=bool)
    rows = both & (logs["explore_share"].to_numpy(dtype=float) > 0) & np.isin(a, (treatment, control))
    if not rows.any():
        raise ValueError(f"no logged decision randomised between {treatment!r} and {control!r}: explore the "
                         "segments first (riskscore score --explore)")
    feats = [f for f in features if f in logs.columns]
    if not feats:
        raise ValueError(f"logs: none of the features {list(features)}")
    data = logs.loc[rows, feats].reset_index(drop=True)
    data["treated"], data["outcome"] = a[rows] == treatment, y[rows]
    ids = logs["borrower_id"].astype(str).to_numpy()[rows]
    groups, codes = np.unique(ids, return_inverse=True)
    test = (np.random.default_rng(random_state).random(len(groups)) < holdout)[codes]
    model = fit_uplift(data.loc[~test], feats, random_state=random_state)
    held = data.loc[test]
    w = 1.0 / logs["propensity"].to_numpy(dtype=float)[rows][test]
    q = _qini(model.uplift(held), held["treated"].to_numpy(bool), held["outcome"].to_numpy(float), w)
    n = max(len(held), 1)
    q = q / n  # incremental outcomes per held-out row
    random = q[-1] * np.arange(len(q)) / n
    auuc_model, auuc_random = float(np.trapezoid(q) / n), float(np.trapezoid(random) / n)
    curve = pd.DataFrame({"fraction": np.arange(len(q)) / n, "model": q, "random": random})
    return {"qini": curve, "auuc_model": auuc_model, "auuc_random": auuc_random,
            "auuc_gain": auuc_model - auuc_random,
            "qini_coefficient": (auuc_model - auuc_random) / abs(auuc_random) if q[-1] else float("nan"),
            "rows": {"train": int((~test).sum()), "held_out": int(test.sum()),
                     "treated_held_out": int(held["treated"].sum())}}
