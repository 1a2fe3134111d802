"""How borrowers of the synthetic world respond to contact: the response model of policy evaluation.

The generator's own contact log is business as usual and changes nothing (``docs/synthetic_world.md``).
Policy evaluation (:func:`riskscore.evaluation.evaluate_policy`) replays the days after an as-of
date with the world's payment process and adds, for each contact made, the effects below. Every
effect size is a :class:`ResponseParams` field; ``docs/policy_evaluation.md`` says where each
order of magnitude comes from and which are assumptions.

Random draws are counter-based (:func:`uniform`): the draw for (kind, seed, unit, day, slot) is the
same whichever policy runs, so policies are compared on the same futures (common random numbers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["PRESSURE_ACTIONS", "ResponseParams", "uniform"]

#: Actions that press for payment: a call always; links and reminders are demands too, but only
#: a call counts as *pressure* on a borrower in hardship in the evaluation's table.
PRESSURE_ACTIONS = ("agent_call",)
_DEMANDS = ("agent_call", "payment_link", "reminder")


@dataclass(frozen=True)
class ResponseParams:
    """Effect sizes of the response model (daily probabilities unless said otherwise).

    =============================  =======  ==========================================================
    field                          default  meaning
    =============================  =======  ==========================================================
    ``carry_days``                 3        a contact acts on the payment draws of this many days after it
    ``reminder_forgetful``         0.5      reminder, link or offer to a borrower in the normal regime: extra
                                            daily probability of paying = this x forgetfulness ``f``
    ``link_convenience``           0.01     payment link: plus this x ability x willingness
    ``call_answer``                0.55     share of calls answered (the world's log: 45 % no answer)
    ``off_hours_answer``           0.85     answer rate factor for calls before 09:00 or from 20:00 local
    ``call_unwilling``             0.06     answered call, normal regime: extra = this x ability x (1 - willingness)
    ``call_forgetful``             0.5      answered call also reminds: plus this x ``f``
    ``hardship_demand``            0.0      factor on any demand's effect for a borrower in hardship
    ``plan_accept``                0.30     hardship borrower accepts a repayment-plan offer
    ``plan_clear``                 0.05     daily probability of clearing arrears under an accepted plan
    ``referral_recovery``          2.0      hardship referral: recovery hazard x this for ``referral_days``
    ``referral_days``              60
    ``fatigue``                    0.7      each contact in the previous 7 days multiplies a contact's effect
    ``complaint_call``             0.003    complaint probability per call
    ``complaint_message``          0.0005   complaint probability per message
    ``complaint_hardship``         5.0      complaint factor for a demand on a borrower in hardship
    ``complaint_fatigue``          0.5      complaint factor 1 + this x contacts in the previous 7 days
    ``off_hours_complaint``        1.5      complaint factor for calls before 09:00 or from 20:00 local
    ``opt_out_message``            0.002    probability a message makes the borrower opt out of its channel
    ``opt_out_fatigue``            0.5      opt-out factor 1 + this x contacts in the previous 7 days
    =============================  =======  ==========================================================

    Examples
    --------
    >>> from riskscore.datasets import ResponseParams
    >>> ResponseParams().call_answer
    0.55
    >>> ResponseParams(fatigue=1.0).to_dict()["fatigue"]
    1.0
    """

    carry_days: int = 3
    reminder_forgetful: float = 0.5
    link_convenience: float = 0.01
    call_answer: float = 0.55
    off_hours_answer: float = 0.85
    call_unwilling: float = 0.06
    call_forgetful: float = 0.5
    hardship_demand: float = 0.0
    plan_accept: float = 0.30
    plan_clear: float = 0.05
    referral_recovery: float = 2.0
    referral_days: int = 60
    fatigue: float = 0.7
    complaint_call: float = 0.003
    complaint_message: float = 0.0005
    complaint_hardship: float = 5.0
    complaint_fatigue: float = 0.5
    off_hours_complaint: float = 1.5
    opt_out_message: float = 0.002
    opt_out_fatigue: float = 0.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"ResponseParams.{name} must be a number >= 0, got {value!r}.")
        for name in ("call_answer", "plan_accept", "plan_clear", "fatigue"):
            if getattr(self, name) > 1:
                raise ValueError(f"ResponseParams.{name} is a probability or factor in [0, 1], "
                                 f"got {getattr(self, name)!r}.")

    def to_dict(self) -> dict[str, float]:
        """A JSON-able dict."""
        return asdict(self)

    def effect(self, action: np.ndarray, answered: np.ndarray, hardship: np.ndarray, ability: np.ndarray,
               willingness: np.ndarray, forgetful: np.ndarray, recent: np.ndarray) -> np.ndarray:
        """Extra daily probability of paying that one contact gives, for ``carry_days`` days.

        ``recent``: contacts the borrower had in the 7 days before this one (fatigue).

        Examples
        --------
        >>> import numpy as np
        >>> p = ResponseParams()
        >>> one = lambda v: np.array([v])
        >>> float(p.effect(one("reminder"), one(False), one(False), one(0.9), one(0.9), one(0.2), one(0))[0])
        0.1
        >>> float(p.effect(one("agent_call"), one(True), one(True), one(0.9), one(0.1), one(0.2), one(0))[0])
        0.0
        """
        message = np.isin(action, ("reminder", "payment_link", "repayment_plan_offer", "hardship_referral"))
        e = np.where(message, self.reminder_forgetful * forgetful, 0.0)
        e = e + np.where(action == "payment_link", self.link_convenience * ability * willingness, 0.0)
        call = (action == "agent_call") & answered
        e = e + np.where(call, self.call_unwilling * ability * (1 - willingness) + self.call_forgetful * forgetful,
                         0.0)
        demand = np.isin(action, _DEMANDS)
        e = np.where(hardship & demand, e * self.hardship_demand, e)
        e = np.where(hardship & ~demand, 0.0, e)  # offers and referrals act through plans and recovery instead
        return np.clip(e * self.fatigue ** recent, 0.0, 1.0)

    def complaint(self, action: np.ndarray, channel: np.ndarray, hardship: np.ndarray, off_hours: np.ndarray,
                  recent: np.ndarray) -> np.ndarray:
        """Probability that one contact ends in a complaint."""
        base = np.where(channel == "call", self.complaint_call, self.complaint_message)
        factor = (1 + self.complaint_fatigue * recent) * np.where(hardship & np.isin(action, _DEMANDS),
                                                                   self.complaint_hardship, 1.0)
        factor = factor * np.where(off_hours & (channel == "call"), self.off_hours_complaint, 1.0)
        return np.clip(base * factor, 0.0, 1.0)

    def opt_out(self, channel: np.ndarray, recent: np.ndarray) -> np.ndarray:
        """Probability that one message makes the borrower opt out of its channel (calls: 0)."""
        return np.where(np.isin(channel, ("sms", "email", "app")),
                        np.clip(self.opt_out_message * (1 + self.opt_out_fatigue * recent), 0.0, 1.0), 0.0)


_KINDS = {"regime": 1, "cure": 2, "partial": 3, "fraction": 4, "pre": 5, "due_partial": 6, "due_fraction": 7,
          "answer": 8, "outcome": 9, "complaint": 10, "opt_out": 11, "accept": 12, "holdout": 13, "call": 14}


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on uint64 arrays."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def uniform(kind: str, seed: int, unit: np.ndarray, day: int | np.ndarray, slot: int | np.ndarray = 0) -> np.ndarray:
    """Counter-based uniforms in [0, 1): one per (kind, seed, unit, day, slot), the same in every run.

    Examples
    --------
    >>> import numpy as np
    >>> from riskscore.datasets import uniform
    >>> a = uniform("cure", 1, np.arange(3), 5)
    >>> bool(np.all(a == uniform("cure", 1, np.arange(3), 5))), bool(np.all(a != uniform("cure", 2, np.arange(3), 5)))
    (True, True)
    """
    with np.errstate(over="ignore"):
        x = _mix(np.uint64(_KINDS[kind]) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(seed))
        x = _mix(x ^ np.asarray(unit, dtype=np.uint64))
        x = _mix(x ^ (np.asarray(day, dtype=np.uint64) * np.uint64(0x632BE59BD9B4E019)))
        x = _mix(x ^ (np.asarray(slot, dtype=np.uint64) + np.uint64(0x2545F4914F6CDD1D)))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)
