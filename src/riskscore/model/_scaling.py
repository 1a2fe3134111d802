"""Points-to-double-odds scaling and risk grades for credit-risk users."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from numbers import Real
from typing import ClassVar

import numpy as np

from riskscore._compat import Interval, validate_parameter_constraints

__all__ = ["ScoreScaling"]


@dataclass(frozen=True)
class ScoreScaling:
    """Points = ``base_points + pdo / ln 2 * ln(odds / base_odds)``, odds of repaying.

    The defaults put 600 points at odds of 50:1 (repay : not repay) with 20 points to double
    the odds, the scale most scorecards use. Probabilities are clipped to [1e-6, 1 - 1e-6].

    Parameters
    ----------
    base_points : float, default 600.0
        Points at ``base_odds`` (any finite number).
    base_odds : float > 0, default 50.0
        Odds of repaying (repay : not repay) that score ``base_points``.
    pdo : float > 0, default 20.0
        Points to double the odds. Positive, so that more points always mean more likely to
        repay (grades and score bands rely on it).

    Examples
    --------
    >>> from riskscore.model import ScoreScaling
    >>> s = ScoreScaling()
    >>> s.points([50 / 51, 100 / 101]).round(1).tolist()
    [600.0, 620.0]
    """

    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    _parameter_constraints: ClassVar[dict[str, list[object]]] = {
        "base_points": [Interval(Real, None, None, closed="neither")],
        "base_odds": [Interval(Real, 0, None, closed="neither")],
        "pdo": [Interval(Real, 0, None, closed="neither")],
    }

    def __post_init__(self) -> None:
        validate_parameter_constraints(self._parameter_constraints,
                                       {f.name: getattr(self, f.name) for f in fields(self)},
                                       caller_name=type(self).__name__)

    def points(self, p: object) -> np.ndarray:
        """Points for probabilities of repaying ``p``."""
        q = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
        return self.base_points + self.pdo / np.log(2) * np.log(q / (1 - q) / self.base_odds)

    def to_dict(self) -> dict[str, float]:
        """A JSON-able dict."""
        return asdict(self)
