"""Shared helpers that build actionable validation messages and failure tables."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from riskscore.exceptions import FAILURE_COLUMNS, DataError

MAX_EXAMPLES = 3


_EMPTY = pd.DataFrame({c: pd.Series(dtype=object) for c in FAILURE_COLUMNS})


def empty_failures() -> pd.DataFrame:
    """An empty failure-case table with the standard columns (a fresh copy: callers may add rows)."""
    return _EMPTY.copy()


def pandera_failures(table: str, err: object, reason: Callable[[str, str], str] | None = None) -> pd.DataFrame:
    """Failure cases of a pandera ``SchemaErrors``, one row per failing cell, with a reason sentence."""
    fc = err.failure_cases
    out = pd.DataFrame({
        "table": table,
        "column": fc["column"].astype(object).to_numpy(),
        "check": fc["check"].astype(str).to_numpy(),
        "index": fc["index"].to_numpy(dtype=object),
        "failure_case": fc["failure_case"].astype(str).to_numpy(),
    })
    reason = reason or (lambda column, check: f"{column} fails {check}")
    out["reason"] = [reason(str(c), k) for c, k in zip(out["column"], out["check"], strict=True)]
    return out[FAILURE_COLUMNS]


def stamp_text(t: pd.Timestamp) -> str:
    """A timestamp as ISO 8601 text; one past Python's year 9999 (which pandas cannot format: a damaged
    or careless writer's) as numpy writes it, in UTC.

    Examples
    --------
    >>> stamp_text(pd.Timestamp("2024-03-01 10:00", tz="UTC"))
    '2024-03-01T10:00:00+00:00'
    >>> stamp_text(pd.Timestamp(np.datetime64("20000-01-01T08:30", "us")).tz_localize("UTC"))
    '20000-01-01T08:30:00+00:00'
    """
    try:
        return t.isoformat()
    except (NotImplementedError, OverflowError, ValueError):
        return str(np.datetime_as_string(t.asm8, unit="s")) + ("+00:00" if t.tzinfo is not None else "")


def _as_text(values: pd.Series) -> pd.Series:
    """Values as text (``astype(str)``); timestamps pandas cannot format by :func:`stamp_text`; whole
    numbers of an integer column held as floats (a failing row's gap) as integers: ``3``, not ``3.0``."""
    if values.name == "installment_no" and pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if bool(np.isfinite(whole).all() and (whole % 1 == 0).all()):
            return values.astype("Int64").astype(str)
    try:
        return values.astype(str)
    except (NotImplementedError, OverflowError, ValueError):
        if not pd.api.types.is_datetime64_any_dtype(values):
            raise
        return pd.Series(["NaT" if v is pd.NaT else stamp_text(v) for v in values], index=values.index, dtype=object)


def failures_from_mask(
    table: str,
    df: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    *,
    column: str,
    check: str,
    reason: str,
    value_columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Turn a boolean mask of failing rows into failure cases.

    ``failure_case`` holds the failing values of ``value_columns`` (default: ``column``)
    rendered as ``col=value`` text, so mixed types fit in one column.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return empty_failures()
    rows = df.loc[mask]
    cols = list(value_columns) if value_columns is not None else [column]
    cols = [c for c in cols if c in rows.columns]
    if len(cols) == 1:
        case = _as_text(rows[cols[0]])
    else:
        case = pd.Series(
            [", ".join(f"{c}={v}" for c, v in zip(cols, vals, strict=True))
             for vals in pd.DataFrame({c: _as_text(rows[c]) for c in cols}).itertuples(index=False)],
            index=rows.index,
            dtype=object,
        )
    return pd.DataFrame(
        {
            "table": table,
            "column": column,
            "check": check,
            "index": rows.index.to_numpy(dtype=object),
            "failure_case": case.to_numpy(dtype=object),
            "reason": reason,
        }
    )


def concat_failures(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate failure tables, keeping the standard columns and a fresh index."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_failures()
    return pd.concat(frames, ignore_index=True)[FAILURE_COLUMNS]


def format_failures(table: str, failures: pd.DataFrame, *, max_examples: int = MAX_EXAMPLES) -> str:
    """Render failure cases as the message of a :class:`~riskscore.DataError`.

    One paragraph per (column, check): how many rows fail, why, and a few example rows.
    """
    if failures.empty:
        return f"{table}: no failures"
    n_rows = failures["index"].nunique(dropna=False)
    groups = failures.groupby(["column", "check"], sort=False, dropna=False)
    lines = [f"{table}: {n_rows} row(s) fail {groups.ngroups} check(s)"]  # checks by column, not failing cells
    for (column, check), grp in groups:
        n = grp["index"].nunique(dropna=False)
        reason = grp["reason"].iloc[0]
        lines.append(f"- {n} row(s) fail check '{check}' on column '{column}': {reason}")
        lines.append(f"    {'index':<10} {column}")
        for idx, case in zip(grp["index"].head(max_examples), grp["failure_case"].head(max_examples),
                             strict=True):
            lines.append(f"    {idx!s:<10} {case}")
        if n > max_examples:
            lines.append(f"    (+{n - max_examples} more; see err.failure_cases)")
    lines.append(
        f"Hint: fix the extract, or set the failing rows aside with "
        f"riskscore.quarantine(df, table={table!r}), which returns (good, rejects)."
    )
    return "\n".join(lines)


def check_columns_present(table: str, df: pd.DataFrame, required: Iterable[str],
                          known: Iterable[str] = ()) -> pd.DataFrame:
    """Failure cases (check ``column_in_dataframe``) for required columns that are missing.

    Every row's reason is the same one line (:func:`missing_columns_line`: the frame's columns,
    the closest names and the ``df.rename`` to write); :func:`data_error` makes it the message.
    """
    required = list(required)
    missing = [c for c in required if c not in df.columns]
    if not missing:
        return empty_failures()
    in_index = [c for c in missing if c in {str(n) for n in df.index.names if n is not None}]
    if in_index:
        line = (f"{table} has {', '.join(in_index)} in its index, not as column{'s' if len(in_index) > 1 else ''}: "
                "df.reset_index() first.")
    else:
        line = missing_columns_line(table, missing, list(df.columns), known=[*required, *known], python=True)
    rows = [{"table": table, "column": col, "check": "column_in_dataframe", "index": None, "failure_case": col,
             "reason": line} for col in missing]
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS)


def data_error(table: str, failures: pd.DataFrame) -> DataError:
    """A :class:`~riskscore.DataError` whose message lists the failures (see ``format_failures``).

    Missing columns (no row can be judged then) are one line: the reason of :func:`check_columns_present`.
    """
    if len(failures) and failures["check"].eq("column_in_dataframe").all():
        return DataError(table, failures, str(failures["reason"].iloc[0]))
    return DataError(table, failures, format_failures(table, failures))


#: Words that often name a contract column in an extract (for the "closest" hint only; never applied).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "borrower_id": ("cust", "customer", "client", "debtor", "member", "party"),
    "loan_id": ("loan", "contract", "account", "acct", "agreement"),
    "installment_no": ("inst", "instalment", "installment", "seq", "period", "term"),
    "due_date": ("due",), "paid_date": ("paid", "payment", "pay"),
    "amount_due": ("due", "scheduled", "instalment", "installment"), "amount_paid": ("paid", "repaid", "payment"),
    "contacted_at": ("contacted", "contact", "when", "time", "timestamp"),
}
#: Usual Chinese column names of a lender's extract, matched as parts of a name (Chinese has no word
#: separators): 客户号 ~ borrower_id, 借据号 ~ loan_id, 应还金额 ~ amount_due, 催收时间 ~ contacted_at.
_CJK_SYNONYMS: dict[str, tuple[str, ...]] = {
    "borrower_id": ("客户", "借款人", "用户"), "loan_id": ("借据", "合同", "贷款编号", "账号", "账户"),
    "installment_no": ("期次", "期数", "期号"), "due_date": ("应还日", "到期日"),
    "amount_due": ("应还金额", "应还本息", "应还款额"), "paid_date": ("实还日", "实际还款日"),
    "amount_paid": ("实还金额", "已还金额", "实还本息", "实际还款金额"),
    "contacted_at": ("时间",), "channel": ("渠道", "方式"), "outcome": ("结果",),
}


def missing_columns_line(table: str, missing: list[str], have: Iterable[object], where: str | None = None, *,
                         known: Iterable[str] = (), python: bool = False) -> str:
    """The one line for required columns absent from a table: its columns, the closest names, the mapping.

    ``known`` are the table's contract columns (never proposed as the closest name); ``python``
    shows a ``df.rename`` to write instead of the ``--columns`` mapping (a frame, not a file).

    Examples
    --------
    >>> print(missing_columns_line("contacts", ["contacted_at"], ["borrower_id", "when"], python=True))
    ... # doctest: +NORMALIZE_WHITESPACE
    contacts has no column contacted_at (it has: borrower_id, when; closest: when); rename it:
    df.rename(columns={'when': 'contacted_at'})
    >>> print(missing_columns_line("installments", ["borrower_id", "amount_due"], ["客户号", "应还金额"]))
    ... # doctest: +NORMALIZE_WHITESPACE
    installments has no column borrower_id, amount_due (it has: 客户号, 应还金额; closest: 客户号, 应还金额); map
    them with --columns FILE.yaml (columns= in Python): installments: {客户号: borrower_id, 应还金额: amount_due}
    """
    have = [str(c) for c in have]
    known = set(known) | set(missing)
    spare = [c for c in have if c not in known]
    pairs = []
    for col in missing:
        taken = {p[0] for p in pairs}  # the same name in another case, or with spaces around it, first
        close = [c for c in spare if c.strip().lower() == col and c not in taken][:1] or difflib.get_close_matches(
            col, [c for c in spare if c not in taken], n=1, cutoff=0.5)
        if not close:  # a shared word or a usual synonym (cust_no ~ borrower_id; paid_amt ~ amount_paid)
            words = (set(col.split("_")) - {"id", "no", "date", "amount"}) | set(_SYNONYMS.get(col, ()))
            close = [c for c in spare if (words & set(re.split(r"[^a-z0-9]+", c.lower()))
                                          or any(w in c for w in _CJK_SYNONYMS.get(col, ())))
                     and c not in taken][:1]
        pairs.append((close[0] if close else "THEIR_NAME", col))
    shown = ", ".join(map(_yaml_key, have[:30])) + (f", ... ({len(have)} columns)" if len(have) > 30 else "")
    closest = [p for p in pairs if p[0] != "THEIR_NAME"]
    closest_text = f"; closest: {', '.join(_yaml_key(p[0]) for p in closest)}" if closest else ""
    mapping = ", ".join(f"{_yaml_key(theirs)}: {ours}" for theirs, ours in pairs)
    it = "it" if len(missing) == 1 else "them"
    head = f"{table} {where} has no column" if where else f"{table} has no column"
    line = f"{head} {', '.join(missing)} (it has: {shown or 'no columns'}{closest_text}); "
    if python:
        return line + f"rename {it}: df.rename(columns={{{', '.join(f'{a!r}: {b!r}' for a, b in pairs)}}})"
    return line + f"map {it} with --columns FILE.yaml (columns= in Python): {table}: {{{mapping}}}"


def _yaml_key(name: str) -> str:
    """A column name as a key of the columns file's mapping: quoted when YAML would read it otherwise
    (spaces around it, ``:`` or a flow character in it, empty), so the template maps the right column."""
    if name and name == name.strip() and not re.search(r"[:{}\[\],#&*!|>'\"%@`]", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def unknown_countries_message(counts: dict[str, int], n: int | None = None) -> str:
    """What a ``country`` column the ``holidays`` package cannot read means for the contacts (a
    :class:`~riskscore.DataQualityWarning`'s text; ``counts``: value -> borrowers, most first).

    Examples
    --------
    >>> unknown_countries_message({"China": 12}, 40).split(": ")[0].split(" for ")[1]
    "('China' (12); 12 of 40 borrowers)"
    """
    shown = ", ".join(f"{v!r} ({k:,})" for v, k in list(counts.items())[:3])
    of = "" if n is None else f" of {n:,}"
    return (f"borrowers' country holds values the holidays package knows no public holidays for ({shown}"
            f"{', ...' if len(counts) > 3 else ''}; {sum(counts.values()):,}{of} borrowers): their contacts avoid "
            "the holidays of their time zones' countries only; give ISO 3166 country codes (CN, GB, US) or pass "
            "holidays=[...]. The audit of the rule names them.")


#: How an id may be written, each with what it says when one table writes it so and the other not.
_ID_FORMS = (
    (re.compile(r"^-?\d+\.0+$"), "whole numbers with a decimal '.0' (a column read as floats before it was written)"),
    (re.compile(r"^0\d"), "zero-padded numbers"),
    (re.compile(r"^\d+$"), "plain digits"),
    (re.compile(r"[a-z]"), "lower-case letters"),
    (re.compile(r"[A-Z]"), "upper-case letters"),
)


def id_forms_hint(ours: str | None, theirs: str | None, *, other: str = "the borrowers table") -> str:
    """What tells apart an installments id that ``other`` has no row for (``ours``) from one of
    ``other``'s ids that the installments lack (``theirs``): the two examples, and the form one has
    and the other not (ids are compared exactly, so ``'17.0'`` and ``'17'`` are two borrowers).

    Examples
    --------
    >>> print(id_forms_hint("17.0", "17"))  # doctest: +NORMALIZE_WHITESPACE
    ; the installments write ids like '17.0', the borrowers table like '17': whole numbers with a decimal
    '.0' (a column read as floats before it was written) in one and not the other
    >>> id_forms_hint("b7", None)
    "; the installments write ids like 'b7'"
    """
    if ours is None:
        return ""
    if theirs is None:
        return f"; the installments write ids like {ours!r}"
    line = f"; the installments write ids like {ours!r}, {other} like {theirs!r}"
    for pattern, form in _ID_FORMS:
        if bool(pattern.search(ours)) != bool(pattern.search(theirs)):
            return f"{line}: {form} in one and not the other"
    return line


def contacts_match_none_message(rows: int, ours: str | None, theirs: str | None) -> str:
    """A contact log none of whose ``rows`` is of a borrower of the installments, with an id of each
    side (:func:`id_forms_hint`).

    Examples
    --------
    >>> contacts_match_none_message(3, "7", "07").split("; ")[1]
    "the installments write ids like '7', the contact log like '07': zero-padded numbers in one and not the other"
    """
    return (f"contacts: none of its {rows:,} rows is of a borrower of the installments (ids are compared as text, "
            "exactly): the contact-log features are those of borrowers never contacted"
            + id_forms_hint(ours, theirs, other="the contact log"))


def contacts_match_none_training_refusal(rows: int, ours: str | None, theirs: str | None) -> str:
    """The one line that stops training on a contact log (``rows``, none of them of a borrower of the
    installments) that cannot be these borrowers' history: every contact-log feature would be that of
    a borrower never contacted, and the bundle's reference would say so; with an id of each side.

    Examples
    --------
    >>> contacts_match_none_training_refusal(3, "7", "X7").split("training stops; ")[1][:40]
    'give the contact log of these borrowers,'
    """
    return (f"contacts: none of its {rows:,} rows is of a borrower of the installments (ids are compared as text, "
            "exactly)" + id_forms_hint(ours, theirs, other="the contact log")
            + "; a model trained on it would learn the contact-log features of borrowers never contacted, and "
              "score a contacted borrower as one, so training stops; "
              "give the contact log of these borrowers, their ids written as the installments write them, or train "
              "without a contact log (no --contacts, none in --data's folder; contacts=None in Python)")


def contacts_match_none_refusal(rows: int, ours: str | None, theirs: str | None) -> str:
    """The one line that stops a run whose contact log (``rows``, none of them of a borrower of the
    installments) cannot be these borrowers' history: a plan that counts the calls the log holds would
    count none, and could break a contact rule; with an id of each side (:func:`id_forms_hint`).

    Examples
    --------
    >>> contacts_match_none_refusal(3, "7", "7.0").split("; ")[1].split(":")[0]
    "the installments write ids like '7', the contact log like '7.0'"
    """
    return (f"contacts: none of its {rows:,} rows is of a borrower of the installments (ids are compared as text, "
            "exactly)" + id_forms_hint(ours, theirs, other="the contact log")
            + "; plans made without the borrowers' contact history could break the contact rules (a cap counts the "
              "contacts the log holds), so the run stops: give the contact log of these borrowers, their ids "
              "written as the installments write them (if none of them was ever contacted: no contact log, "
              "--allow-missing-contacts; allow_missing_contacts=True in Python)")


def foreign_profiles_message(counts: dict[str, int]) -> str:
    """Borrowers planned under the contact rules of another country than theirs (``counts``:
    ``"KZ under us_reg_f_2021 (US)"`` -> borrowers, most first), as the nightly job says it once.

    Examples
    --------
    >>> foreign_profiles_message({"KZ under us_reg_f_2021 (US)": 3076}).split(": give")[0]
    ... # doctest: +NORMALIZE_WHITESPACE
    'borrowers: 3,076 planned under the contact rules of another country than their own (KZ under
    us_reg_f_2021 (US) 3,076)'
    """
    shown = ", ".join(f"{k} {v:,}" for k, v in list(counts.items())[:3])
    return (f"borrowers: {sum(counts.values()):,} planned under the contact rules of another country than their own "
            f"({shown}{', ...' if len(counts) > 3 else ''}): give each country its own profile, and the strictest "
            "to the others: --profile US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1 "
            "(profile= in Python; a YAML file of your own rules is a profile too)")


def unsupported_languages_message(counts: dict[str, int], fallback: str) -> str:
    """Scored borrowers whose ``language`` riskscore writes no reasons or messages in (``counts``:
    primary subtag -> borrowers, most first), as the nightly job says it once.

    Examples
    --------
    >>> unsupported_languages_message({"ru": 183, "kk": 2}, "en").split(" (")[1].split(")")[0]
    "'ru' 183, 'kk' 2"
    """
    shown = ", ".join(f"{k!r} {v:,}" for k, v in list(counts.items())[:3])
    return (f"borrowers: {sum(counts.values()):,} scored in a language riskscore writes no reasons or contact "
            f"messages in ({shown}{', ...' if len(counts) > 3 else ''}): theirs are in {fallback!r}, the run's "
            "language (riskscore writes 'en' and 'zh'); the plans' rationale says so per borrower")
