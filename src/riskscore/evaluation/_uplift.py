"""Who gains from an agent call: a two-model LightGBM uplift model on logged contacts with a holdout.

The logged data come from simulating riskscore's policy *before* the evaluation window with a
random 10 % no-contact holdout and agent calls given at random among those the policy would
call, so that calling is randomised. One row per borrower and planning round: the features at the
round, whether an agent call was made in the round, and whether the borrower cleared what they
owed within 14 days. ``uplift = P(clear | call) - P(clear | no call)``, each from its own
LightGBM classifier (the "two-model" or T-learner approach); a call's value is the uplift times
the amount at risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

__all__ = ["UpliftModel", "fit_uplift"]

#: Days after a round within which clearing counts as the outcome.
OUTCOME_DAYS = 14


@dataclass
class UpliftModel:
    """Two fitted classifiers: with an agent call (treated) and without (control)."""

    treated: lgb.LGBMClassifier
    control: lgb.LGBMClassifier
    features: list[str]
    rows: dict[str, int]

    def uplift(self, X: pd.DataFrame) -> np.ndarray:
        """P(clear within 14 days | call) - P(... | no call), per row of ``X``."""
        Z = X[self.features]
        return self.treated.predict_proba(Z)[:, 1] - self.control.predict_proba(Z)[:, 1]

    def value(self, X: pd.DataFrame, amount: pd.Series) -> pd.Series:
        """Worth of a call: uplift x amount at risk (negative when a call is expected to hurt)."""
        return pd.Series(self.uplift(X) * amount.reindex(X.index).to_numpy(float), index=X.index)


def fit_uplift(logged: pd.DataFrame, features: list[str], *, random_state: int = 0) -> UpliftModel:
    """Fit the two classifiers on logged rows (``treated``, ``outcome`` and the feature columns).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from riskscore.evaluation import fit_uplift
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random(4000); t = rng.random(4000) < 0.5
    >>> y = rng.random(4000) < 0.2 + 0.3 * t * (x > 0.5)
    >>> m = fit_uplift(pd.DataFrame({"x": x, "treated": t, "outcome": y}), ["x"])
    >>> u = m.uplift(pd.DataFrame({"x": [0.2, 0.8]}))
    >>> bool(u[1] - u[0] > 0.15)
    True
    """
    missing = {"treated", "outcome", *features} - set(logged.columns)
    if missing:
        raise ValueError(f"logged rows lack the column(s) {sorted(missing)}.")
    t = logged["treated"].to_numpy(bool)
    if t.all() or not t.any():
        raise ValueError("The logged rows need both treated and control rows (a randomised holdout).")

    def clf() -> lgb.LGBMClassifier:
        return lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=50,
                                  subsample=0.8, subsample_freq=1, colsample_bytree=0.8, verbose=-1,
                                  random_state=random_state)

    X, y = logged[features], logged["outcome"].to_numpy(bool)
    return UpliftModel(treated=clf().fit(X[t], y[t]), control=clf().fit(X[~t], y[~t]), features=list(features),
                       rows={"treated": int(t.sum()), "control": int((~t).sum())})
