"""Plans for a whole portfolio: borrowers grouped by rule profile, capacity shared, one planner each."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskscore._compat import Interval, isin, validate_params
from riskscore.contract import AUDIT_COLUMNS, PLAN_COLUMNS, empty_output
from riskscore.exceptions import DataError
from riskscore.policy._explore import DECISION_COLUMNS
from riskscore.policy._holidays import country_code
from riskscore.policy._planner import ContactPolicy
from riskscore.policy._profile import load_profile
from riskscore.schemas import borrowers_as_of

__all__ = ["check_profile_countries", "foreign_profiles", "parse_profiles", "plan_portfolio", "profile_groups",
           "split_capacity"]

#: The columns of a portfolio's plan steps: a planner's columns plus ``day``, ``segment`` and the profile.
PORTFOLIO_PLAN_COLUMNS = [*PLAN_COLUMNS, "day", "segment", "profile", "profile_version", *DECISION_COLUMNS]


def parse_profiles(profile: str | os.PathLike[str] | Mapping[str, str]) -> dict[str, str]:
    """Profiles by country: ``"us_reg_f_2021"``, a YAML path, or ``"US=us_reg_f_2021,CN=cn_gbt45251_2025,*=strict_v1"``.

    The key ``*`` is the profile of every other borrower. A mapping by country needs the borrowers'
    ``country`` column (:func:`check_profile_countries`). Each profile is loaded once here, so a
    typo fails before any work.

    Examples
    --------
    >>> parse_profiles("US=us_reg_f_2021,*=strict_v1")
    {'US': 'us_reg_f_2021', '*': 'strict_v1'}
    >>> parse_profiles("uk_fca_conc7_2024")
    {'*': 'uk_fca_conc7_2024'}
    """
    if isinstance(profile, Mapping):
        mapping = {str(k): str(v) for k, v in profile.items()}
    elif "=" in str(profile):
        mapping = {}
        for part in str(profile).split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise ValueError(f"Cannot read the profile mapping {profile!r}: write COUNTRY=PROFILE,...,*=PROFILE.")
            mapping[key.strip()] = value.strip()
    else:
        mapping = {"*": str(profile)}
    mapping.setdefault("*", "strict_v1")
    for name in mapping.values():
        load_profile(name)
    return {k: str(Path(v).resolve()) if Path(v).suffix in (".yaml", ".yml") else v for k, v in mapping.items()}


def check_profile_countries(profiles: Mapping[str, str], columns: Iterable[object] | None) -> None:
    """Refuse profiles given by country for a borrowers table (its ``columns``) without a ``country`` column.

    Every borrower would be planned under the ``*`` profile, whatever the mapping says: a lender's
    Chinese borrowers under the US rules, silently. ``columns`` is ``None`` without a borrowers table
    (nothing is planned then).

    Raises
    ------
    DataError
        One line naming the countries, the profile every borrower would get and the fixes.

    Examples
    --------
    >>> check_profile_countries({"CN": "cn_gbt45251_2025", "*": "strict_v1"}, ["borrower_id", "country"])
    >>> check_profile_countries({"*": "us_reg_f_2021"}, ["borrower_id"])
    """
    countries = [k for k in profiles if k != "*"]
    if not countries or columns is None or "country" in {str(c) for c in columns}:
        return
    raise DataError.from_message(
        "borrowers", f"borrowers: the profiles are given by country ({', '.join(countries)}) and the borrowers table "
                     f"has no column country: every borrower would be planned under {profiles.get('*', 'strict_v1')}; "
                     "add a country column (ISO codes: CN, CHN), map the extract's (borrowers: {Land: country} in the "
                     "columns file), or give one profile")


def split_capacity(total: int | None, weights: list[float]) -> list[int | None]:
    """Split an integer capacity in proportion to ``weights`` (largest remainder; ties to the first).

    Examples
    --------
    >>> split_capacity(10, [1, 1, 1])
    [4, 3, 3]
    >>> split_capacity(None, [1, 2])
    [None, None]
    """
    if total is None:
        return [None] * len(weights)
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones(len(w))
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return [int(x) for x in base]


def profile_groups(profiles: Mapping[str, str], borrowers: pd.DataFrame | None, ids: pd.Index
                   ) -> dict[str, pd.Index]:
    """The borrowers ``ids`` by rule profile: ``profiles`` maps the borrowers' ``country`` to a
    profile, ``"*"`` the others (see :func:`parse_profiles`); profiles in sorted order.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"borrower_id": ["a", "b", "c"], "country": ["US", "GB", None]})
    >>> groups = profile_groups({"US": "us_reg_f_2021", "*": "strict_v1"}, b, pd.Index(["a", "b", "c"]))
    >>> {k: list(v) for k, v in groups.items()}
    {'strict_v1': ['b', 'c'], 'us_reg_f_2021': ['a']}
    >>> b = pd.DataFrame({"borrower_id": ["a", "b", "c"], "country": ["usa", "GBR", "Scotland"]})
    >>> groups = profile_groups({"US": "us_reg_f_2021", "gb": "uk_fca_conc7_2024", "Scotland": "strict_v1"}, b,
    ...                         pd.Index(["a", "b", "c"]))
    >>> {k: list(v) for k, v in groups.items()}
    {'strict_v1': ['c'], 'uk_fca_conc7_2024': ['b'], 'us_reg_f_2021': ['a']}
    """
    profile = _profile_of(profiles, borrowers, ids)
    return {p: ids[profile == p] for p in sorted(set(profile))}


def _countries(borrowers: pd.DataFrame | None, ids: pd.Index, *, codes_only: bool = True) -> np.ndarray:
    """The borrowers' ``country`` as alpha-2 codes (:func:`country_code`; ``None`` when unknown or
    absent); with ``codes_only=False``, a value that is no code stays as written (stripped)."""
    if borrowers is None or "country" not in borrowers:
        return np.full(len(ids), None, dtype=object)
    own = borrowers.set_index("borrower_id")["country"].reindex(ids).astype(object)
    values, uniques = pd.factorize(own)  # a portfolio has a handful of countries: each read once
    read = np.array([country_code(v) or (None if codes_only or not isinstance(v, str) else v.strip())
                     for v in uniques] + [None], dtype=object)
    return read[values]  # a missing country (-1) is the last: None


def _profile_of(profiles: Mapping[str, str], borrowers: pd.DataFrame | None, ids: pd.Index) -> np.ndarray:
    """The profile of each borrower of ``ids``: its country's (codes in any case or alpha-3; another
    value as written), else ``*``'s."""
    default = profiles.get("*", "us_reg_f_2021")
    if borrowers is None or len(profiles) == 1 or "country" not in borrowers:
        return np.full(len(ids), default, dtype=object)
    by_key = {country_code(k) or k.strip(): v for k, v in profiles.items() if k != "*"}
    return pd.Series(_countries(borrowers, ids, codes_only=False), dtype=object).map(by_key).fillna(default) \
        .to_numpy(dtype=object)


def foreign_profiles(profiles: Mapping[str, str], borrowers: pd.DataFrame | None, ids: pd.Index) -> dict[str, int]:
    """Borrowers of ``ids`` planned under the profile of another jurisdiction than their ``country``,
    counted by ``"COUNTRY under PROFILE (JURISDICTION)"`` (``strict_v1``, of any jurisdiction, never counts).

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"borrower_id": ["a", "b", "c", "d"], "country": ["US", "kz", "KAZ", None]})
    >>> foreign_profiles({"*": "us_reg_f_2021"}, b, pd.Index(["a", "b", "c", "d"]))
    {'KZ under us_reg_f_2021 (US)': 2}
    >>> foreign_profiles({"US": "us_reg_f_2021", "*": "strict_v1"}, b, pd.Index(["a", "b", "c", "d"]))
    {}
    """
    if borrowers is None or "country" not in borrowers or not len(ids):
        return {}
    pairs = pd.DataFrame({"country": _countries(borrowers, ids), "profile": _profile_of(profiles, borrowers, ids)})
    out: dict[str, int] = {}
    for (country, profile), n in pairs.dropna().value_counts().items():
        where = str(load_profile(profile).jurisdiction).upper()
        if where not in ("ANY", country):
            out[f"{country} under {Path(profile).stem} ({where})"] = int(n)
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


@validate_params(
    {"scores": [pd.DataFrame], "reasons": [pd.DataFrame, None], "borrowers": [pd.DataFrame],
     "contacts": [pd.DataFrame, None], "now": [str, pd.Timestamp, datetime.datetime],
     "profiles": [str, os.PathLike, Mapping], "agent_calls_per_day": [Interval(Integral, 0, None, closed="left"), None],
     "planner": [callable], "validate": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def plan_portfolio(scores: pd.DataFrame, reasons: pd.DataFrame | None, borrowers: pd.DataFrame,
                   contacts: pd.DataFrame | None = None, *, now: object,
                   profiles: str | Mapping[str, str] = "us_reg_f_2021", agent_calls_per_day: int | None = None,
                   planner: Callable[..., ContactPolicy] = ContactPolicy, validate: bool = True,
                   **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plan every borrower of ``scores`` under the rule profile of their country.

    Borrowers are grouped by :func:`profile_groups`; the agent-call capacity is split across
    the groups in proportion to their size (:func:`split_capacity`); each group is planned by
    ``planner(profile, agent_calls_per_day=share, **options)`` (a
    :class:`~riskscore.policy.ContactPolicy` by default, or a baseline class).

    Parameters
    ----------
    scores : DataFrame
        Indexed by ``borrower_id``: what the planner reads (``likelihood``, ...).
    reasons : DataFrame or None
        :func:`riskscore.explain.reason_codes` output (``row`` is the borrower id).
    borrowers : DataFrame
        The borrowers table (``country`` picks the profile); versioned in time (``valid_from``),
        the rows in effect on the day of ``now`` (UTC).
    contacts : DataFrame, optional
        The contact log; only contacts up to ``now`` are used.
    now : timestamp
        When plans start (UTC).
    profiles : str or mapping
        See :func:`parse_profiles`.
    agent_calls_per_day : int, optional
        The portfolio's agent-call capacity.
    planner : callable, default ContactPolicy
    validate : bool, default True
        Validate ``borrowers`` and ``contacts`` (off for tables the caller has just validated).
    **options
        Other arguments of ``planner``.

    Returns
    -------
    steps : DataFrame
        :data:`riskscore.contract.PLAN_COLUMNS` plus ``day``, ``segment``, ``profile``,
        ``profile_version`` and the decision columns (``decision``, ``default_decision``,
        ``propensity``, ``eligible_decisions``, ``explore_share``: the same on every row of a
        borrower), sorted by borrower and step.
    audit : DataFrame
        :data:`riskscore.contract.AUDIT_COLUMNS`, sorted by borrower.

    Examples
    --------
    >>> import pandas as pd
    >>> import riskscore
    >>> from riskscore.policy import plan_portfolio
    >>> world = riskscore.generate(50, seed=2)
    >>> ids = pd.Index(world.borrowers["borrower_id"][:4], name="borrower_id")
    >>> scores = pd.DataFrame({"likelihood": [0.99, 0.9, 0.5, 0.1]}, index=ids)
    >>> steps, audit = plan_portfolio(scores, None, world.borrowers, now="2025-06-30 14:00+00:00",
    ...                               profiles="US=us_reg_f_2021,*=strict_v1")
    >>> sorted(set(steps["borrower_id"])) == sorted(ids), set(steps["profile"]) <= {"us_reg_f_2021", "strict_v1"}
    (True, True)
    """
    mapping = parse_profiles(profiles) if isinstance(profiles, str | os.PathLike) else dict(profiles)
    check_profile_countries(mapping, None if borrowers is None else borrowers.columns)
    if not len(scores):
        return empty_output("plans")[PORTFOLIO_PLAN_COLUMNS], empty_output("audit")[AUDIT_COLUMNS]
    now_ts = pd.Timestamp(now)
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts.tz_convert("UTC")
    borrowers = borrowers_as_of(borrowers, now_ts)  # a table versioned in time: the rows in effect today
    log = None
    if contacts is not None and len(contacts):
        log = contacts.loc[pd.to_datetime(contacts["contacted_at"], utc=True) <= now_ts]
    groups = profile_groups(mapping, borrowers, scores.index)
    caps = split_capacity(agent_calls_per_day, [len(g) for g in groups.values()])
    steps, audits = [], []
    for (profile, ids), cap in zip(groups.items(), caps, strict=True):
        policy = planner(profile, agent_calls_per_day=cap, **options)
        group_log = None if log is None else log.loc[isin(log["borrower_id"], ids)]
        group_reasons = None if reasons is None else reasons.loc[isin(reasons["row"], ids)]
        plans = policy.plan(scores.loc[ids], group_reasons, borrowers.loc[isin(borrowers["borrower_id"], ids)],
                            group_log, now=now_ts, validate=validate)
        steps.append(plans.steps.assign(profile=plans.profile.name, profile_version=plans.profile.version))
        audits.append(plans.audit())
    plan_rows = pd.concat(steps, ignore_index=True).sort_values(["borrower_id", "step"], ignore_index=True)
    audit = audits[0] if len(audits) == 1 else (  # one profile's audit is sorted by borrower already
        pd.concat(audits, ignore_index=True).sort_values("borrower_id", kind="stable", ignore_index=True))
    return plan_rows[PORTFOLIO_PLAN_COLUMNS], audit[AUDIT_COLUMNS]
