"""Ground truth: P(outstanding cleared within d days | the hidden state at as_of).

The state of a borrower at ``t`` is its regime (normal or hardship), whether it has arrears
(installments due on or before ``t`` not yet settled) and the set of installments due in
``(t, t + lookahead]`` not yet settled. Given the world's process (see ``_simulate``) this is a
Markov chain in days, so the distribution of the time to clear everything is computed exactly
by a forward recursion over (regime, arrears flag, pending set). Borrowers with more pending
installments than ``max_exact_pending`` fall back to Monte Carlo, with the standard error
reported.
"""

from __future__ import annotations

import numpy as np

MAX_EXACT_PENDING = 10


def _transition(onset: np.ndarray, recovery: np.ndarray) -> np.ndarray:
    t = np.empty((len(onset), 2, 2))
    t[:, 0, 0], t[:, 0, 1] = 1 - onset, onset
    t[:, 1, 0], t[:, 1, 1] = recovery, 1 - recovery
    return t


def _bit_indices(k: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    masks = np.arange(1 << k)
    with_bit = masks[(masks >> j) & 1 == 1]
    return with_bit, with_bit ^ (1 << j)


def exact_cdf(
    regime: np.ndarray, arrears: np.ndarray, pending: np.ndarray, pre: np.ndarray,
    clear: np.ndarray, onset: np.ndarray, recovery: np.ndarray, early_days: int, max_days: int,
) -> np.ndarray:
    """P(T <= d) for d = 1..max_days, for borrowers sharing a pending-set size ``k``.

    Parameters
    ----------
    regime, arrears : (n,) int arrays
        Regime at ``t`` (1 = hardship) and whether arrears exist at ``t``.
    pending : (n, k) int array
        Days from ``t`` to the due date of each pending installment (1 .. lookahead).
    pre, clear : (n, 2) arrays
        Daily pre-due and cure hazards in the normal and hardship regimes.
    onset, recovery : (n,) arrays
        Daily regime transition probabilities.
    """
    n, k = pending.shape
    m = 1 << k
    prob = np.zeros((n, 2, 2, m))
    prob[np.arange(n), regime, arrears, m - 1] = 1.0
    trans = _transition(onset, recovery)
    bits = [_bit_indices(k, j) for j in range(k)]
    cdf = np.empty((n, max_days))
    for s in range(1, max_days + 1):
        prob = np.einsum("nram,nrq->nqam", prob, trans)
        for j, (with_bit, without) in enumerate(bits):
            active = (pending[:, j] - early_days <= s) & (s <= pending[:, j])
            if active.any():
                moved = prob[..., with_bit] * (pre * active[:, None])[:, :, None, None]
                prob[..., with_bit] -= moved
                prob[..., without] += moved
        cured = prob * clear[:, :, None, None]
        prob -= cured
        cured = cured.sum(axis=2)  # (n, regime, mask): arrears are gone
        for j, (with_bit, without) in enumerate(bits):
            today = (pending[:, j] == s).astype(float)[:, None, None]
            moved = cured[..., with_bit] * today
            cured[..., with_bit] -= moved
            cured[..., without] += moved
        prob[:, :, 0, :] += cured
        for j, (with_bit, without) in enumerate(bits):
            today = (pending[:, j] == s).astype(float)[:, None, None, None]
            if today.any():
                moved = prob[..., with_bit] * today
                prob[..., with_bit] -= moved
                prob[:, :, 1, without] += moved.sum(axis=2)
        cdf[:, s - 1] = prob[:, :, 0, 0].sum(axis=1)
    return cdf


def monte_carlo_cdf(
    regime: np.ndarray, arrears: np.ndarray, pending: np.ndarray, pre: np.ndarray,
    clear: np.ndarray, onset: np.ndarray, recovery: np.ndarray, early_days: int, max_days: int,
    *, n_paths: int, rng: np.random.Generator,
) -> np.ndarray:
    """The same quantity as :func:`exact_cdf`, estimated from ``n_paths`` simulated futures.

    ``pending`` may be padded with zeros (a zero is no installment). The standard error of
    each estimate is ``sqrt(p (1 - p) / n_paths)``.
    """
    n, k = pending.shape
    reg = np.repeat(regime[:, None], n_paths, axis=1).astype(bool)
    arr = np.repeat(arrears[:, None], n_paths, axis=1).astype(bool)
    open_ = np.repeat((pending > 0)[:, None, :], n_paths, axis=1)
    rows = np.arange(n)[:, None]
    cdf = np.empty((n, max_days))
    for s in range(1, max_days + 1):
        u = rng.random((n, n_paths))
        reg = np.where(reg, u >= recovery[:, None], u < onset[:, None])
        r_idx = reg.astype(int)
        hz_pre = pre[rows, r_idx]
        window = (pending - early_days <= s) & (s <= pending)
        paid = (rng.random((n, n_paths, k)) < hz_pre[:, :, None]) & window[:, None, :]
        open_ &= ~paid
        cure = rng.random((n, n_paths)) < clear[rows, r_idx]
        due_today = (pending == s)[:, None, :]
        arr &= ~cure
        open_ &= ~(cure[:, :, None] & due_today)
        arr |= (open_ & due_today).any(axis=2)
        open_ &= ~due_today
        cdf[:, s - 1] = (~arr & ~open_.any(axis=2)).mean(axis=1)
    return cdf
