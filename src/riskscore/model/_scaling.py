"""Points-to-double-odds scaling and risk grades for credit-risk users."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["ScoreScaling"]


@dataclass(frozen=True)
class ScoreScaling:
    """Points = ``base_points + pdo / ln 2 * ln(odds / base_odds)``, odds of repaying.

    The defaults put 600 points at odds of 50:1 (repay : not repay) with 20 points to double
    the odds, the scale most scorecards use. Probabilities are clipped to [1e-6, 1 - 1e-6].

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

    def points(self, p: object) -> np.ndarray:
        """Points for probabilities of repaying ``p``."""
        q = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
        return self.base_points + self.pdo / np.log(2) * np.log(q / (1 - q) / self.base_odds)

    def to_dict(self) -> dict[str, float]:
        """A JSON-able dict."""
        return asdict(self)
