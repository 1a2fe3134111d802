"""The day-by-day payment process of one block of borrowers.

All randomness is drawn up front into :class:`BlockRandoms`; the process is a deterministic
function of it. Re-simulating the future after an as-of date (for checking the ground truth)
replaces only the draws that belong to later days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from riskscore.datasets._params import WorldParams

FREQUENCIES = ("weekly", "fortnightly", "monthly")
_TERMS = {"weekly": (8, 12, 16, 26), "fortnightly": (6, 8, 12, 16),
          "monthly": (3, 6, 9, 12, 18, 24)}
NEVER = np.iinfo(np.int32).max


@dataclass(frozen=True)
class Loans:
    """The installment schedule of a block: one entry per installment."""

    borrower: np.ndarray      # int, index of the borrower in the block
    loan: np.ndarray          # int, loan number of the borrower (0, 1, ...)
    installment_no: np.ndarray
    due_day: np.ndarray       # int, days since the world's start (may exceed the data window)
    amount: np.ndarray        # float, amount due
    frequency: np.ndarray     # str, per installment


@dataclass(frozen=True)
class BlockRandoms:
    """Every uniform draw the payment process of a block uses."""

    init: np.ndarray          # (B,)   initial regime
    regime: np.ndarray        # (B, D) regime transitions
    clear: np.ndarray         # (B, D) cure days
    partial: np.ndarray       # (B, D) partial payment days in arrears
    partial_frac: np.ndarray  # (B, D) share of the remainder paid on those days
    pre: np.ndarray           # (N, early_days + 1) pre-due window, per installment
    due_partial: np.ndarray   # (N,)   partial payment on the due date
    due_frac: np.ndarray      # (N,)   its share


def draw_loans(rng: np.random.Generator, n: int, n_days: int, start: pd.Timestamp,
               params: WorldParams) -> Loans:
    """Loans per borrower, their schedules and amounts."""
    n_loans = np.minimum(1 + rng.poisson(params.loans_extra_mean, size=n), params.max_loans)
    borrower = np.repeat(np.arange(n), n_loans)
    loan = np.concatenate([np.arange(k) for k in n_loans]) if n else np.zeros(0, int)
    m = len(borrower)
    first = rng.integers(0, max(n_days - 60, 1), size=n)
    orig = np.where(loan == 0, first[borrower],
                    first[borrower] + (rng.random(m) * np.maximum(n_days - 30 - first[borrower], 1)).astype(int))
    freq_idx = rng.choice(3, size=m, p=list(params.frequency_probs))
    term = np.array([rng.choice(_TERMS[FREQUENCIES[k]]) for k in freq_idx])
    principal = np.clip(np.round(params.principal_median * np.exp(params.principal_sigma * rng.standard_normal(m)), -1),
                        200, 50_000)
    apr = rng.uniform(*params.apr_range, size=m)
    years = np.select([freq_idx == 0, freq_idx == 1], [term * 7, term * 14], term * 30.4375) / 365.25
    per_inst = np.round(principal * (1 + apr * years) / term, 2)
    # Explode into installments.
    rows = np.repeat(np.arange(m), term)
    k = np.concatenate([np.arange(1, t + 1) for t in term]) if m else np.zeros(0, int)
    orig_date = start.to_datetime64().astype("datetime64[D]") + orig[rows]
    step = np.select([freq_idx[rows] == 0, freq_idx[rows] == 1], [7, 14], 0)
    due = orig_date + step * k
    monthly = freq_idx[rows] == 2
    months = orig_date[monthly].astype("datetime64[M]") + k[monthly]
    day_of_month = np.minimum((orig_date[monthly] - orig_date[monthly].astype("datetime64[M]")).astype(int), 27)
    due[monthly] = months.astype("datetime64[D]") + day_of_month
    due_day = (due - start.to_datetime64().astype("datetime64[D]")).astype(int)
    return Loans(borrower=borrower[rows], loan=loan[rows], installment_no=k, due_day=due_day,
                 amount=per_inst[rows], frequency=np.array(FREQUENCIES, dtype=object)[freq_idx[rows]])


def draw_randoms(rng: np.random.Generator, n: int, n_days: int, n_inst: int,
                 params: WorldParams) -> BlockRandoms:
    """All uniforms of the payment process, in a fixed order."""
    lo, hi = params.partial_arrears_fraction
    dlo, dhi = params.partial_due_fraction
    return BlockRandoms(
        init=rng.random(n), regime=rng.random((n, n_days)), clear=rng.random((n, n_days)),
        partial=rng.random((n, n_days)), partial_frac=rng.uniform(lo, hi, size=(n, n_days)),
        pre=rng.random((n_inst, params.early_days + 1)), due_partial=rng.random(n_inst),
        due_frac=rng.uniform(dlo, dhi, size=n_inst))


def redraw_after(r: BlockRandoms, loans: Loans, day: int, rng: np.random.Generator,
                 params: WorldParams) -> BlockRandoms:
    """The same draws up to ``day``; fresh ones for every later day (a new future)."""
    fresh = draw_randoms(rng, r.regime.shape[0], r.regime.shape[1], len(loans.due_day), params)
    cols = np.arange(r.regime.shape[1]) > day
    window_day = loans.due_day[:, None] - params.early_days + np.arange(params.early_days + 1)
    later_due = loans.due_day > day

    def mix(old: np.ndarray, new: np.ndarray, where: np.ndarray) -> np.ndarray:
        return np.where(where, new, old)

    return replace(
        r, regime=mix(r.regime, fresh.regime, cols), clear=mix(r.clear, fresh.clear, cols),
        partial=mix(r.partial, fresh.partial, cols),
        partial_frac=mix(r.partial_frac, fresh.partial_frac, cols),
        pre=mix(r.pre, fresh.pre, window_day > day),
        due_partial=mix(r.due_partial, fresh.due_partial, later_due),
        due_frac=mix(r.due_frac, fresh.due_frac, later_due))


def regime_path(r: BlockRandoms, traits: pd.DataFrame) -> np.ndarray:
    """Hardship indicator per borrower and day, a two-state Markov chain (int8, 1 = hardship)."""
    onset = traits["onset"].to_numpy()
    recovery = traits["recovery"].to_numpy()
    stationary = onset / np.maximum(onset + recovery, 1e-300)
    n, n_days = r.regime.shape
    path = np.empty((n, n_days), dtype=np.int8)
    cur = r.init < stationary
    path[:, 0] = cur
    for d in range(1, n_days):
        u = r.regime[:, d]
        cur = np.where(cur, u >= recovery, u < onset)
        path[:, d] = cur
    return path


def _per_day(traits: pd.DataFrame, name: str, path: np.ndarray) -> np.ndarray:
    normal = traits[f"{name}_normal"].to_numpy()[:, None]
    hardship = traits[f"{name}_hardship"].to_numpy()[:, None]
    return np.where(path == 1, hardship, normal)


def settle_days(loans: Loans, r: BlockRandoms, path: np.ndarray, traits: pd.DataFrame,
                params: WorldParams) -> tuple[np.ndarray, np.ndarray]:
    """Day each installment is settled in full (``NEVER`` if not within the data) and the
    borrower-by-day matrix of cure days."""
    n_days = path.shape[1]
    b, due = loans.borrower, loans.due_day
    clear_day = r.clear < _per_day(traits, "clear", path)
    idx = np.where(clear_day, np.arange(n_days)[None, :], NEVER)
    next_clear = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
    settle = np.full(len(due), NEVER, dtype=np.int64)
    in_data = due < n_days
    settle[in_data] = next_clear[b[in_data], due[in_data]]
    pre_hz = (traits["pre_normal"].to_numpy(), traits["pre_hardship"].to_numpy())
    for k in range(params.early_days, -1, -1):  # latest window day first; earliest wins
        d = due - params.early_days + k
        ok = (d >= 0) & (d < n_days)
        hz = np.zeros(len(due))
        reg = path[b[ok], d[ok]]
        hz[ok] = np.where(reg == 1, pre_hz[1][b[ok]], pre_hz[0][b[ok]])
        paid = ok & (r.pre[:, k] < hz)
        settle = np.where(paid, np.minimum(settle, d), settle)
    return settle, clear_day


def payments(loans: Loans, r: BlockRandoms, path: np.ndarray, traits: pd.DataFrame,
             params: WorldParams) -> tuple[pd.DataFrame, np.ndarray]:
    """Payment rows (installment index, day, amount) and the settle day of every installment."""
    n_days = path.shape[1]
    settle, _ = settle_days(loans, r, path, traits, params)
    b, due, amount = loans.borrower, loans.due_day, loans.amount
    late = (due < n_days) & (settle > due)
    # Partial payment on the due date (mostly in hardship).
    due_reg = np.zeros(len(due), dtype=np.int8)
    due_reg[due < n_days] = path[b[due < n_days], due[due < n_days]]
    p_due = np.asarray(params.partial_on_due)[due_reg]
    due_part = late & (r.due_partial < p_due)
    rem0 = np.where(due_part, 1.0 - r.due_frac, 1.0)
    # Partial payments on borrower-level "pay something" days while in arrears.
    part_day = r.partial < np.asarray(params.partial_in_arrears)[path]
    cnt = np.cumsum(part_day, axis=1)
    last = np.minimum(settle, n_days) - 1
    inst = np.flatnonzero(late & (last > due))
    counts = cnt[b[inst], last[inst]] - cnt[b[inst], due[inst]]
    flat_b, flat_d = np.nonzero(part_day)
    offsets = np.concatenate([[0], np.cumsum(part_day.sum(axis=1))])
    rep = np.repeat(inst, counts)
    j = np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)
    pos = offsets[b[rep]] + cnt[b[rep], due[rep]] + j
    p_days = flat_d[pos]
    frac = r.partial_frac[flat_b[pos], p_days]
    # Share of the amount still unpaid after each partial: a running product per installment.
    log_keep = np.log1p(-frac)
    csum = np.cumsum(log_keep)
    group_start = np.repeat(np.cumsum(counts) - counts, counts)
    before = np.concatenate([[0.0], csum])[group_start]
    keep_after = rem0[rep] * np.exp(csum - before)
    paid_share = keep_after / (1.0 - frac) * frac
    emit = keep_after >= params.partial_floor
    rows = [
        pd.DataFrame({"inst": np.flatnonzero(due_part), "day": due[due_part],
                      "amount": np.round(amount[due_part] * r.due_frac[due_part], 2)}),
        pd.DataFrame({"inst": rep[emit], "day": p_days[emit],
                      "amount": np.round(amount[rep[emit]] * paid_share[emit], 2)}),
    ]
    partial = pd.concat(rows, ignore_index=True)
    paid_so_far = np.bincount(partial["inst"], weights=partial["amount"], minlength=len(due))
    done = settle < n_days
    final = pd.DataFrame({"inst": np.flatnonzero(done), "day": settle[done],
                          "amount": np.round(amount[done] - paid_so_far[done], 2)})
    return pd.concat([partial, final], ignore_index=True), settle
