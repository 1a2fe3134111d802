"""hypothesis strategies that draw frames satisfying riskscore's data contracts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import strategies as st

from riskscore.schemas import CHANNELS, OUTCOMES

_TIMEZONES = ("Asia/Shanghai", "America/New_York", "America/Phoenix", "Europe/London", "Asia/Kolkata",
              "Australia/Adelaide", "Pacific/Honolulu", "UTC")
_LANGUAGES = ("en", "zh", "zh-CN", "es")
_FLAGS = ("do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased", "vulnerable",
          "hardship_declared")
_EPOCH = dt.date(2023, 1, 1)


@st.composite
def _installment(draw: st.DrawFn, borrower: str, loan: str, no: int, due: dt.date) -> list[dict[str, object]]:
    amount = draw(st.integers(1, 500_000)) / 100
    base = {"borrower_id": borrower, "loan_id": loan, "installment_no": no,
            "due_date": pd.Timestamp(due), "amount_due": amount}
    n_pay = draw(st.integers(0, 3))
    if n_pay == 0:
        return [base | {"paid_date": pd.NaT, "amount_paid": 0.0}]
    offsets = draw(st.lists(st.integers(-20, 120), min_size=n_pay, max_size=n_pay, unique=True))
    rows = []
    for off in offsets:
        paid = draw(st.integers(1, 300_000)) / 100
        rows.append(base | {"paid_date": pd.Timestamp(due + dt.timedelta(days=off)), "amount_paid": paid})
    return rows


@st.composite
def installments_frames(draw: st.DrawFn, max_borrowers: int = 4, max_loans: int = 2,
                        max_installments: int = 5) -> pd.DataFrame:
    """Installments tables that pass :func:`riskscore.validate_installments`.

    Borrowers with one or more loans; each installment unpaid (one row) or paid in one to
    three payments on distinct dates; dates between 2023 and mid-2024.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from riskscore import validate_installments
    >>> @settings(deadline=None)  # the first call imports pandera: no deadline to miss on a busy machine
    ... @given(installments_frames())
    ... def test(df):
    ...     validate_installments(df)
    >>> test()
    """
    rows: list[dict[str, object]] = []
    for b in range(draw(st.integers(1, max_borrowers))):
        for k in range(draw(st.integers(1, max_loans))):
            first = _EPOCH + dt.timedelta(days=draw(st.integers(0, 300)))
            period = draw(st.sampled_from([7, 14, 30]))
            for no in range(1, draw(st.integers(1, max_installments)) + 1):
                due = first + dt.timedelta(days=period * (no - 1))
                rows.extend(draw(_installment(f"b{b}", f"b{b}-l{k}", no, due)))
    df = pd.DataFrame(rows)
    df["due_date"] = df["due_date"].astype("datetime64[ns]")
    df["paid_date"] = df["paid_date"].astype("datetime64[ns]")
    return df


@st.composite
def borrowers_frames(draw: st.DrawFn, max_borrowers: int = 6) -> pd.DataFrame:
    """Borrowers tables that pass :func:`riskscore.validate_borrowers`."""
    n = draw(st.integers(1, max_borrowers))
    rows = []
    for b in range(n):
        allowed = draw(st.lists(st.sampled_from(CHANNELS), unique=True, max_size=len(CHANNELS)))
        preferred = draw(st.sampled_from(allowed)) if allowed and draw(st.booleans()) else None
        rows.append({"borrower_id": f"b{b}", "timezone": draw(st.sampled_from(_TIMEZONES)),
                     "channels_allowed": ",".join(allowed), "preferred_channel": preferred,
                     "language": draw(st.sampled_from(_LANGUAGES)),
                     **{f: draw(st.booleans()) for f in _FLAGS}})
    return pd.DataFrame(rows)


@st.composite
def contacts_frames(draw: st.DrawFn, max_rows: int = 12) -> pd.DataFrame:
    """Contact logs that pass :func:`riskscore.validate_contacts`."""
    n = draw(st.integers(1, max_rows))
    minutes = draw(st.lists(st.integers(0, 60 * 24 * 365), min_size=n, max_size=n, unique=True))
    start = pd.Timestamp("2024-01-01", tz="UTC")
    return pd.DataFrame({
        "borrower_id": [f"b{draw(st.integers(0, 3))}" for _ in range(n)],
        "contacted_at": [start + pd.Timedelta(minutes=m) for m in minutes],
        "channel": [draw(st.sampled_from(CHANNELS)) for _ in range(n)],
        "outcome": [draw(st.sampled_from(OUTCOMES)) for _ in range(n)],
    })
