"""Parameters of the synthetic world, with their defaults and meaning.

Every number here is an assumption of the simulation, chosen so that the defaults look like an
unsecured consumer instalment-loan book; ``docs/synthetic_world.md`` states the rates they
yield (measured, with the command).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

__all__ = ["WorldParams"]


@dataclass(frozen=True)
class WorldParams:
    """Every parameter of :func:`riskscore.generate`'s world.

    The world is a day-by-day process per borrower. Hidden traits (ability, forgetfulness,
    willingness) set the borrower's daily hazards; a two-state regime (normal / hardship),
    a Markov chain in days, scales them. Each installment may be paid in full on a day of its
    pre-due window (``early_days`` before the due date up to the due date) with a daily
    hazard; what is not paid by the due date joins the arrears, which the borrower clears all
    at once on a "cure" day (daily hazard ``clear``). In hardship the borrower also makes
    partial payments: on the due date, and on random days in arrears. Contacts in the log are
    business-as-usual collection and do **not** change payments (a response model comes with
    policy evaluation).

    ==========================  =========  ==================================================
    parameter                   default    meaning
    ==========================  =========  ==================================================
    ability_beta                (7, 1.2)   Beta(a, b) of ability to pay (mean 0.85)
    willingness_beta            (7, 1.2)   Beta(a, b) of willingness to pay (mean 0.85)
    unwilling_share             0.06       share of borrowers who mostly won't pay ...
    unwilling_beta              (1, 8)     ... whose willingness is Beta(1, 8) instead
    forgetfulness_beta          (1, 14)    Beta(a, b) of forgetfulness (mean 0.067)
    ontime_power                0.2        P(paid by due | normal) = (1-forget)*(abil*will)^p
    early_days                  3          pre-due window: payments up to 3 days early
    clear_max                   0.60       daily cure hazard in normal regime at abil=will=1
    clear_power                 3.0        cure hazard = clear_max*(abil*will)^power + boost*f
    clear_forget_boost          0.35       extra daily cure hazard per unit forgetfulness
    hardship_annual_rate        0.15       yearly hardship onset rate at ability 0.5
    hardship_mean_days          120        mean length of a hardship spell (days)
    hardship_ontime_factor      0.30       on-time probability multiplier in hardship
    hardship_clear_factor       0.15       cure hazard multiplier in hardship
    partial_on_due              (.06, .60) P(partial payment on the due date), normal/hardship
    partial_in_arrears          (.004,.06) daily hazard of a partial payment in arrears
    partial_due_fraction        (.2, .6)   Uniform range of a due-date partial (share of due)
    partial_arrears_fraction    (.1, .35)  Uniform range of an arrears partial (share left)
    partial_floor               0.05       no partial leaves less than this share unpaid
    loans_extra_mean            0.3        loans per borrower = 1 + Poisson(0.3), at most 4
    frequency_probs             .15/.25/.6 weekly / fortnightly / monthly schedules
    principal_median            2500       median principal (notional currency units)
    principal_sigma             0.7        log-normal sigma of the principal
    apr_range                   (.10, .36) flat annual interest rate range
    reminder_share              0.5        share of borrowers sent a pre-due reminder
    arrears_contact_days        1,3,...    days past due on which collections contacts occur
    ==========================  =========  ==================================================

    Examples
    --------
    >>> from riskscore.datasets import WorldParams
    >>> WorldParams().hardship_mean_days
    120.0
    >>> WorldParams(hardship_annual_rate=0.0).hardship_annual_rate
    0.0
    """

    ability_beta: tuple[float, float] = (7.0, 1.2)
    willingness_beta: tuple[float, float] = (7.0, 1.2)
    unwilling_share: float = 0.06
    unwilling_beta: tuple[float, float] = (1.0, 8.0)
    forgetfulness_beta: tuple[float, float] = (1.0, 14.0)
    ontime_power: float = 0.2
    early_days: int = 3
    clear_max: float = 0.60
    clear_power: float = 3.0
    clear_forget_boost: float = 0.35
    hardship_annual_rate: float = 0.15
    hardship_mean_days: float = 120.0
    hardship_ontime_factor: float = 0.30
    hardship_clear_factor: float = 0.15
    partial_on_due: tuple[float, float] = (0.06, 0.60)
    partial_in_arrears: tuple[float, float] = (0.004, 0.06)
    partial_due_fraction: tuple[float, float] = (0.2, 0.6)
    partial_arrears_fraction: tuple[float, float] = (0.1, 0.35)
    partial_floor: float = 0.05
    loans_extra_mean: float = 0.3
    max_loans: int = 4
    frequency_probs: tuple[float, float, float] = (0.15, 0.25, 0.60)
    principal_median: float = 2500.0
    principal_sigma: float = 0.7
    apr_range: tuple[float, float] = (0.10, 0.36)
    reminder_share: float = 0.5
    arrears_contact_days: tuple[int, ...] = field(
        default=(1, 3, 7, 14, 21, 30, 45, 60, 75, 90, 120, 150, 180))

    def __post_init__(self) -> None:
        probs = {
            "ontime_power": self.ontime_power, "clear_max": self.clear_max,
            "hardship_ontime_factor": self.hardship_ontime_factor,
            "hardship_clear_factor": self.hardship_clear_factor,
            "partial_floor": self.partial_floor, "unwilling_share": self.unwilling_share,
            "reminder_share": self.reminder_share,
        }
        for name, value in probs.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"WorldParams.{name} must lie in [0, 1], got {value}.")
        for name in ("partial_on_due", "partial_in_arrears", "partial_due_fraction",
                     "partial_arrears_fraction", "apr_range"):
            lo, hi = getattr(self, name)
            if not 0.0 <= lo <= hi <= 1.0:
                raise ValueError(f"WorldParams.{name} must be (lo, hi) with 0 <= lo <= hi <= 1, "
                                 f"got {(lo, hi)}.")
        if self.partial_arrears_fraction[1] >= 1 or self.partial_due_fraction[1] >= 1:
            raise ValueError("A partial payment must leave something unpaid: fractions must be < 1.")
        if abs(sum(self.frequency_probs) - 1) > 1e-9:
            raise ValueError(f"WorldParams.frequency_probs must sum to 1, got {self.frequency_probs}.")
        if self.hardship_mean_days < 1 or self.early_days < 0 or self.max_loans < 1:
            raise ValueError("hardship_mean_days >= 1, early_days >= 0 and max_loans >= 1 are required.")
        if self.hardship_annual_rate < 0 or self.clear_forget_boost < 0:
            raise ValueError("hardship_annual_rate and clear_forget_boost must be >= 0.")

    def as_dict(self) -> dict[str, object]:
        """The parameters as a JSON-able dict (tuples become lists)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in fields(self)}
