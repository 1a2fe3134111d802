"""The synthetic world: generation by blocks, the :class:`World` object and its ground truth."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Literal

import numpy as np
import pandas as pd

from riskscore._compat import DATE_LIKE, Interval, validate_params
from riskscore.datasets import _truth
from riskscore.datasets._borrowers import draw_borrowers, draw_traits
from riskscore.datasets._contacts import contact_log
from riskscore.datasets._params import WorldParams
from riskscore.datasets._simulate import (
    draw_loans,
    draw_randoms,
    payments,
    redraw_after,
    regime_path,
)
from riskscore.schemas import outstanding_at

__all__ = ["World", "generate", "iter_blocks"]

#: Borrowers per block. Each block has its own random streams, so a world of n borrowers is
#: the first n borrowers of any larger world with the same seed, whatever the chunk size.
BLOCK = 1024
DEFAULT_START = "2024-01-01"
DEFAULT_MONTHS = 24
_HAZARD_COLUMNS = ("pre_normal", "pre_hardship", "clear_normal", "clear_hardship", "onset", "recovery")


def _stream(seed: int, block: int, component: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, component)))


def window(start: str | pd.Timestamp, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the data window."""
    first = pd.Timestamp(start).normalize()
    return first, first + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def _ids(prefix: str, index: np.ndarray) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(index.astype(str), 8)).astype(object)


def generate_block(
    seed: int, block: int, params: WorldParams, start: pd.Timestamp, n_days: int,
    future: tuple[int, int] | None = None,
) -> dict[str, pd.DataFrame]:
    """All tables of block ``block``; ``future=(day, seed2)`` redraws every day after ``day``."""
    traits = draw_traits(_stream(seed, block, 0), BLOCK, params)
    loans = draw_loans(_stream(seed, block, 1), BLOCK, n_days, start, params)
    rnd = draw_randoms(_stream(seed, block, 2), BLOCK, n_days, len(loans.due_day), params)
    if future is not None:
        rnd = redraw_after(rnd, loans, future[0], _stream(future[1], block, 2), params)
    path = regime_path(rnd, traits)
    pays, settle = payments(loans, rnd, path, traits, params)

    gid = block * BLOCK + np.arange(BLOCK)
    bid = _ids("B", gid)
    traits.insert(0, "borrower_id", bid)
    borrowers = draw_borrowers(_stream(seed, block, 3), bid, path.any(axis=1))
    contacts = contact_log(_stream(seed, block, 4), loans, settle, path, traits, borrowers, start, params)

    day0 = start.to_datetime64().astype("datetime64[D]")
    inst = pd.DataFrame({
        "borrower_id": bid[loans.borrower],
        "loan_id": np.char.add(_ids("L", gid[loans.borrower]).astype(str),
                               np.char.add("-", loans.loan.astype(str))).astype(object),
        "installment_no": loans.installment_no.astype(np.int64),
        "due_date": (day0 + loans.due_day).astype("datetime64[ns]"),
        "amount_due": loans.amount,
    })
    pays = pays.sort_values(["inst", "day"], kind="stable")
    unpaid = np.setdiff1d(np.arange(len(inst)), pays["inst"].to_numpy())
    rows = np.concatenate([pays["inst"].to_numpy(), unpaid])
    day = np.concatenate([pays["day"].to_numpy(), np.full(len(unpaid), -1)])
    amount = np.concatenate([pays["amount"].to_numpy(), np.zeros(len(unpaid))])
    order = np.lexsort((day, rows))
    installments = inst.iloc[rows[order]].reset_index(drop=True)
    paid = day[order]
    installments["paid_date"] = np.where(paid >= 0, day0 + np.maximum(paid, 0), np.datetime64("NaT")).astype(
        "datetime64[ns]")
    installments["amount_paid"] = amount[order]
    return {"installments": installments, "borrowers": borrowers, "contacts": contacts,
            "traits": traits, "hardship": _spells(bid, path, start)}


def _spells(bid: np.ndarray, path: np.ndarray, start: pd.Timestamp) -> pd.DataFrame:
    """Hardship spells as (borrower_id, start_date, end_date); end is exclusive, NaT = ongoing."""
    padded = np.pad(path.astype(np.int8), ((0, 0), (1, 1)))
    change = np.diff(padded, axis=1)
    b_on, d_on = np.nonzero(change == 1)
    _, d_off = np.nonzero(change == -1)
    day0 = start.to_datetime64().astype("datetime64[D]")
    end = np.where(d_off < path.shape[1], day0 + d_off, np.datetime64("NaT"))
    return pd.DataFrame({"borrower_id": bid[b_on], "start_date": (day0 + d_on).astype("datetime64[ns]"),
                         "end_date": end.astype("datetime64[ns]")})


def iter_blocks(
    n_borrowers: int, seed: int, params: WorldParams, start: pd.Timestamp, n_days: int,
    future: tuple[int, int] | None = None,
) -> Iterator[dict[str, pd.DataFrame]]:
    """Blocks of the world in order, the last one cut to ``n_borrowers``."""
    n_blocks = -(-n_borrowers // BLOCK)
    for block in range(n_blocks):
        tables = generate_block(seed, block, params, start, n_days, future)
        keep = n_borrowers - block * BLOCK
        if keep < BLOCK:
            last_id = f"B{block * BLOCK + keep - 1:08d}"
            tables = {name: df[df["borrower_id"] <= last_id].reset_index(drop=True)
                      for name, df in tables.items()}
        yield tables


@dataclass
class World:
    """A generated world: the three public tables, the hidden state, and the ground truth.

    Attributes
    ----------
    installments, borrowers, contacts : pandas.DataFrame
        The public tables; each passes its contract.
    traits : pandas.DataFrame
        Hidden per-borrower traits and daily hazards (never model features).
    hardship : pandas.DataFrame
        Hidden hardship spells: ``borrower_id, start_date, end_date`` (end exclusive).
    params : WorldParams
        The parameters it was generated with.
    seed, n_borrowers : int
    start, end : pandas.Timestamp
        First and last day of the data window (no payment is observed after ``end``).

    Examples
    --------
    >>> import riskscore
    >>> world = riskscore.generate(100, seed=2)
    >>> world.n_days, sorted(world.installments.columns)[:2]
    (731, ['amount_due', 'amount_paid'])
    """

    installments: pd.DataFrame
    borrowers: pd.DataFrame
    contacts: pd.DataFrame
    traits: pd.DataFrame
    hardship: pd.DataFrame
    params: WorldParams
    seed: int
    n_borrowers: int
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def n_days(self) -> int:
        """Days in the data window."""
        return (self.end - self.start).days + 1

    def in_hardship(self, as_of: str | pd.Timestamp) -> pd.Series:
        """Hidden regime at ``as_of``: True for borrowers in a hardship spell that day."""
        t = pd.Timestamp(as_of)
        h = self.hardship
        on = h[(h["start_date"] <= t) & (h["end_date"].isna() | (h["end_date"] > t))]
        ids = self.traits["borrower_id"]
        return pd.Series(ids.isin(on["borrower_id"]).to_numpy(), index=ids.to_numpy(), name="in_hardship")

    def truth(
        self,
        as_of: str | pd.Timestamp,
        horizons: Sequence[int] = (7, 14, 30, 60, 90),
        *,
        lookahead_days: int = 7,
        method: Literal["auto", "exact", "monte_carlo"] = "auto",
        n_paths: int = 2000,
        random_state: int = 0,
    ) -> pd.DataFrame:
        """The true probability of clearing what is outstanding within each horizon.

        For every borrower in the scoring population at ``as_of`` (an installment due by
        ``as_of + lookahead_days`` not settled at ``as_of``), computed from the hidden state:
        exactly by a forward recursion over the borrower's Markov state, or by Monte Carlo
        over ``n_paths`` simulated futures (for borrowers with more than 10 pending
        installments under ``"auto"``, or for everyone under ``"monte_carlo"``).

        Returns
        -------
        pandas.DataFrame
            Indexed by ``borrower_id``: ``as_of``, ``p_repaid_{h}d`` for each horizon,
            ``se_{h}d`` (0 when exact), ``expected_days`` (mean days to clear, restricted to
            the largest horizon), ``in_hardship`` (hidden regime at ``as_of``), ``method``.

        Examples
        --------
        >>> import riskscore
        >>> world = riskscore.generate(300, seed=1)
        >>> truth = world.truth("2024-09-30", horizons=(30,))
        >>> bool(((truth["p_repaid_30d"] >= 0) & (truth["p_repaid_30d"] <= 1)).all())
        True
        """
        cdf, meta = self.truth_cdf(as_of, max(horizons), lookahead_days=lookahead_days,
                                   method=method, n_paths=n_paths, random_state=random_state)
        out = pd.DataFrame(index=pd.Index(meta.index, name="borrower_id"))
        out["as_of"] = pd.Timestamp(as_of).normalize()
        for h in horizons:
            p = cdf[:, h - 1]
            out[f"p_repaid_{h}d"] = p
            mc = meta["method"].to_numpy() == "monte_carlo"
            out[f"se_{h}d"] = np.where(mc, np.sqrt(p * (1 - p) / n_paths), 0.0)
        survival = 1.0 - cdf[:, : max(horizons) - 1]
        out["expected_days"] = 1.0 + survival.sum(axis=1)
        out["in_hardship"] = meta["in_hardship"].to_numpy()
        out["method"] = meta["method"].to_numpy()
        return out

    def truth_cdf(
        self, as_of: str | pd.Timestamp, max_days: int = 90, *, lookahead_days: int = 7,
        method: Literal["auto", "exact", "monte_carlo"] = "auto", n_paths: int = 2000,
        random_state: int = 0,
    ) -> tuple[np.ndarray, pd.DataFrame]:
        """P(T <= d) for d = 1..max_days (rows: population borrowers) and per-borrower metadata."""
        t = pd.Timestamp(as_of).normalize()
        if not self.start <= t <= self.end:
            raise ValueError(f"as_of must lie in the data window {self.start.date()}..{self.end.date()}, "
                             f"got {t.date()}.")
        if method not in ("auto", "exact", "monte_carlo"):
            raise ValueError(f"method must be 'auto', 'exact' or 'monte_carlo', got {method!r}.")
        out = outstanding_at(self.installments, t, lookahead_days=lookahead_days)
        delta = (out["due_date"] - t).dt.days.to_numpy()
        ids = pd.Index(pd.unique(out["borrower_id"]))
        pos = ids.get_indexer(out["borrower_id"])
        arrears = np.zeros(len(ids), dtype=int)
        np.maximum.at(arrears, pos, (delta <= 0).astype(int))
        fut = delta > 0
        k = np.bincount(pos[fut], minlength=len(ids))
        width = max(int(k.max()) if len(k) else 0, 1)
        pending = np.zeros((len(ids), width), dtype=int)
        order = np.argsort(pos[fut], kind="stable")
        fpos, fdelta = pos[fut][order], delta[fut][order]
        first_slot = np.cumsum(k) - k  # where each borrower's pending installments start
        pending[fpos, np.arange(len(fpos)) - first_slot[fpos]] = fdelta
        tr = self.traits.set_index("borrower_id").loc[ids, list(_HAZARD_COLUMNS)]
        pre = tr[["pre_normal", "pre_hardship"]].to_numpy()
        clear = tr[["clear_normal", "clear_hardship"]].to_numpy()
        onset, recovery = tr["onset"].to_numpy(), tr["recovery"].to_numpy()
        regime = self.in_hardship(t).loc[ids].to_numpy().astype(int)
        cdf = np.empty((len(ids), max_days))
        how = np.where(k <= _truth.MAX_EXACT_PENDING, "exact", "monte_carlo").astype(object)
        if method != "auto":
            how[:] = method
        rng = np.random.default_rng(random_state)
        for kk in np.unique(k):
            for kind in ("exact", "monte_carlo"):
                sel = (k == kk) & (how == kind)
                if not sel.any():
                    continue
                args = (regime[sel], arrears[sel], pending[sel][:, :kk] if kind == "exact" else pending[sel],
                        pre[sel], clear[sel], onset[sel], recovery[sel], self.params.early_days, max_days)
                cdf[sel] = (_truth.exact_cdf(*args) if kind == "exact"
                            else _truth.monte_carlo_cdf(*args, n_paths=n_paths, rng=rng))
        np.clip(cdf, 0.0, 1.0, out=cdf)  # float round-off can leave 1 + 1e-16
        meta = pd.DataFrame({"method": how, "in_hardship": regime.astype(bool), "pending": k,
                             "arrears": arrears.astype(bool)}, index=ids)
        return cdf, meta

    def resimulate(self, as_of: str | pd.Timestamp, seed: int) -> World:
        """The same world up to ``as_of``, with a freshly drawn future after it.

        Everything dated on or before ``as_of`` (traits, loans, regime and payments) is
        unchanged; every random draw for a later day is redrawn from ``seed``. Averaging labels
        over many re-simulations estimates the same probability as :meth:`truth`.
        """
        day = (pd.Timestamp(as_of).normalize() - self.start).days
        return _assemble(self.n_borrowers, self.seed, self.params, self.start, self.end,
                         future=(day, seed))


def _assemble(n_borrowers: int, seed: int, params: WorldParams, start: pd.Timestamp, end: pd.Timestamp,
              future: tuple[int, int] | None = None) -> World:
    n_days = (end - start).days + 1
    parts: dict[str, list[pd.DataFrame]] = {}
    for tables in iter_blocks(n_borrowers, seed, params, start, n_days, future):
        for name, df in tables.items():
            parts.setdefault(name, []).append(df)
    frames = {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}
    return World(**frames, params=params, seed=seed, n_borrowers=n_borrowers, start=start, end=end)


@validate_params(
    {"n_borrowers": [Interval(Integral, 1, None, closed="left")], "seed": [Interval(Integral, 0, None, closed="left")],
     "start": DATE_LIKE, "months": [Interval(Integral, 1, None, closed="left")], "params": [WorldParams, None]},
    prefer_skip_nested_validation=True,
)
def generate(
    n_borrowers: int,
    *,
    seed: int = 0,
    start: str | pd.Timestamp = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    params: WorldParams | None = None,
) -> World:
    """Generate a synthetic lending world with known ground truth, in memory.

    Parameters
    ----------
    n_borrowers : int >= 1
        Number of borrowers (each has 1-4 loans; about 15 installment rows on average).
    seed : int >= 0, default 0
        Everything is a deterministic function of the seed. The first ``n`` borrowers of a
        larger world with the same seed are this world.
    start : date-like, default "2024-01-01"
        First day of the data window.
    months : int >= 1, default 24
        Length of the data window; no payment is observed after it (schedules run on).
    params : WorldParams, optional
        The world's behaviour; defaults documented in :class:`WorldParams`.

    Returns
    -------
    World
        ``.installments``, ``.borrowers``, ``.contacts`` and ``.truth(as_of)``.

    See Also
    --------
    riskscore.datasets.write_world : the same world streamed to parquet in chunks.

    Examples
    --------
    >>> import riskscore
    >>> world = riskscore.generate(200, seed=7)
    >>> world.borrowers["borrower_id"].nunique()
    200
    >>> list(riskscore.validate_installments(world.installments).columns)[-2:]  # the optional currency is added
    ['amount_paid', 'currency']
    """
    first, last = window(start, months)
    return _assemble(int(n_borrowers), int(seed), params or WorldParams(), first, last)


