"""Scorers for scikit-learn's model selection with survival labels.

scikit-learn's named scorers (``"roc_auc"``, ``"neg_log_loss"``) read ``y`` as class labels; a
survival label (event, time) is not one, so they fail. These callables take the survival label
and read it the way :class:`~riskscore.model.RepaymentModel` trains on it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from riskscore.metrics import concordance_index, gini, ks_statistic
from riskscore.model._survival import check_survival_y

__all__ = ["SCORERS"]


def _likelihood_scorer(metric: Callable[[np.ndarray, np.ndarray], float], sign: float
                       ) -> Callable[[object, object, object], float]:
    def scorer(estimator: object, X: object, y: object) -> float:
        event, time = check_survival_y(y)
        horizon = estimator.likelihood_days_
        known = event | (time >= horizon)
        label = (event & (time <= horizon))[known]
        p = estimator.likelihood(X)[known]
        return sign * float(metric(label, p))

    return scorer


def _c_index(estimator: object, X: object, y: object) -> float:
    event, time = check_survival_y(y)
    if hasattr(estimator, "expected_days"):
        risk = -np.asarray(estimator.expected_days(X))  # sooner repayment: higher "risk" of the event
    else:
        risk = np.asarray(estimator.predict(X))
    return concordance_index(event, time, risk)


#: Scorers by name for ``cross_validate(..., scoring=SCORERS)`` or ``GridSearchCV(scoring=SCORERS,
#: refit="auc")``: ``auc``, ``gini``, ``ks`` and ``neg_log_loss`` of the likelihood on the rows whose
#: outcome at the horizon is known (as :meth:`RepaymentModel.score`), and ``c_index``, Harrell's C
#: of the timing (``-expected_days`` of a RepaymentModel, ``predict`` of a HazardGBM).
SCORERS: dict[str, Callable[[object, object, object], float]] = {
    "auc": _likelihood_scorer(roc_auc_score, 1.0),
    "gini": _likelihood_scorer(gini, 1.0),
    "ks": _likelihood_scorer(ks_statistic, 1.0),
    "neg_log_loss": _likelihood_scorer(lambda a, b: log_loss(a, np.clip(b, 1e-9, 1 - 1e-9), labels=[False, True]),
                                       -1.0),
    "c_index": _c_index,
}
