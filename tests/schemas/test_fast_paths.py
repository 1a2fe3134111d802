"""Validation's fast paths give the rejects and valid frames of the plain ones, on messy data.

The plain paths (still in the code): pandera runs every column check, every readable row is
compared with every other for exact duplicates, installments and borrowers are coded by
factorising their keys (not from the ids' codes found while parsing them) and every installment
is checked for consistency. ``reference`` switches the fast paths back to
them; each test compares both on the same tables.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskscore
import riskscore.schemas._checks as checks
import riskscore.schemas._validate as validate
from riskscore.exceptions import DataError
from riskscore.schemas._checks import installment_keys
from riskscore.schemas._schema_run import passes
from riskscore.testing import corruptions, world_tables


def _plain_keys(df: pd.DataFrame, loan=None, borrower=None) -> checks.InstallmentKeys:
    loan = pd.factorize(df["loan_id"])[0].astype(np.int64)
    inst = pd.MultiIndex.from_arrays([loan, df["installment_no"].to_numpy()]).factorize()[0]
    return checks.InstallmentKeys(loan, int(loan.max(initial=-1)) + 1, inst, int(inst.max(initial=-1)) + 1)


def _plain_duplicates(readable, columns, candidates=None):
    return readable.index[readable[columns].duplicated(keep="first").to_numpy()]


@pytest.fixture
def reference():
    """Run validation on its plain paths inside ``with reference():``."""
    from contextlib import contextmanager

    @contextmanager
    def plain():
        with pytest.MonkeyPatch.context() as m:
            m.setattr(validate, "passes", lambda schema, df, codes=None: None)
            m.setattr(validate, "_exact_duplicates", _plain_duplicates)
            m.setattr(validate, "_candidates", lambda table, readable, keys, codes=None: None)
            m.setattr(validate, "installment_keys", _plain_keys)
            m.setattr(checks, "_in_shared_groups", lambda group, n: np.arange(len(group)))
            yield
    return plain


def _outcome(table: str, df: pd.DataFrame) -> dict[str, object]:
    fn = {"installments": riskscore.validate_installments, "contacts": riskscore.validate_contacts,
          "borrowers": riskscore.validate_borrowers}[table]
    out: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out["valid"] = fn(df.copy())
        except DataError as err:
            out["error"] = (str(err), err.failure_cases)
        opts = {"data_date": "2026-01-31"} if table == "installments" else {}
        try:
            out["quarantine"] = riskscore.quarantine(df.copy(), table, warn_above=1.0, **opts)
        except DataError as err:
            out["quarantine"] = str(err)
    return out


def _assert_same(a: object, b: object) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.attrs == b.attrs
    elif isinstance(a, dict | tuple):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a.values() if isinstance(a, dict) else a, b.values() if isinstance(b, dict) else b,
                        strict=True):
            _assert_same(x, y)
    else:
        assert a == b


def _compare(reference, tables: dict[str, pd.DataFrame]) -> None:
    for table, df in tables.items():
        fast = _outcome(table, df)
        with reference():
            plain = _outcome(table, df)
        assert fast.keys() == plain.keys()
        _assert_same(fast, plain)


@pytest.fixture(scope="module")
def messy_base():
    world = riskscore.generate(30, seed=7, months=12)
    return world, world_tables(world)


@settings(max_examples=12, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=corruptions(max_size=4))
def test_corrupted_tables_get_the_same_rejects(reference, messy_base, ops):
    tables = {t: messy_base[1][t].copy() for t in messy_base[1]}
    for op in ops:
        op(tables)
    _compare(reference, {t: tables[t] for t in ("installments", "contacts") if t in tables})


def test_typed_tables_with_faults_get_the_same_rejects(reference, messy_base):
    world = messy_base[0]
    inst, contacts = world.installments.copy(), world.contacts.copy()
    _compare(reference, {"installments": inst, "contacts": contacts})  # valid: the schema's fast run
    inst.loc[[3, 40], "amount_due"] = -1.0  # greater_than_or_equal_to(0): pandera reports
    inst.loc[5, "paid_date"] = pd.Timestamp("2024-03-01 13:00")  # is_calendar_date
    inst = pd.concat([inst, inst.iloc[[1, 2, 2, 9]]], ignore_index=True)  # exact duplicates
    twin = inst.iloc[[20]].assign(amount_paid=inst["amount_paid"].iloc[20] + 1)  # a second payment
    neg = inst.iloc[[30]].assign(amount_paid=-0.0)  # -0.0 and 0.0 are one value
    inst = pd.concat([inst, twin, neg, inst.iloc[[30]].assign(amount_paid=0.0)], ignore_index=True)
    inst.loc[7, "borrower_id"] = inst["borrower_id"].iloc[100]  # one loan, two borrowers
    contacts = pd.concat([contacts, contacts.iloc[:4]], ignore_index=True)
    contacts = pd.concat([contacts, contacts.iloc[5:8].assign(direction="inbound")], ignore_index=True)
    contacts.loc[2, "channel"] = "pigeon"
    _compare(reference, {"installments": inst, "contacts": contacts})
    _compare(reference, {"installments": inst.assign(currency="usd"),
                         "contacts": contacts.drop(columns=["direction"], errors="ignore")})


def test_borrowers_with_repeated_ids_get_the_same_rejects(reference, messy_base):
    borrowers = messy_base[1]["borrowers"].copy()
    _compare(reference, {"borrowers": borrowers})  # valid
    twins = pd.concat([borrowers, borrowers.iloc[[0, 2, 2]]], ignore_index=True)  # exact duplicates: dropped
    _compare(reference, {"borrowers": twins})
    assert riskscore.validate_borrowers(twins).attrs["duplicates_dropped"] == 3
    clash = pd.concat([twins, borrowers.iloc[[4]].assign(language="zh")], ignore_index=True)  # an id, two rows
    clash.loc[6, "borrower_id"] = " " + clash.loc[6, "borrower_id"]  # a padded id: rejected, not a duplicate
    _compare(reference, {"borrowers": clash})
    _compare(reference, {"borrowers": clash.drop(columns=["country"])})
    flags = borrowers.astype({"vulnerable": object, "deceased": object})
    flags.loc[3, "vulnerable"], flags.loc[5, "deceased"] = None, "yes"  # a missing flag is refused; "yes" read
    _compare(reference, {"borrowers": flags})


def test_a_text_column_of_nulls_only_gets_the_same_typed_borrowers(reference, messy_base):
    borrowers = messy_base[1]["borrowers"].assign(preferred_channel=None)  # every cell null: an object column
    _compare(reference, {"borrowers": borrowers})
    typed = riskscore.validate_borrowers(borrowers)
    schema = riskscore.schemas.BorrowersSchema.to_schema()
    as_read = typed.assign(preferred_channel=pd.Series(None, index=typed.index, dtype=object))
    pd.testing.assert_frame_equal(passes(schema, as_read), schema.validate(as_read))  # the schema's fast run
    some = pd.Series(["sms"] + [None] * (len(typed) - 1), index=typed.index, dtype=object)
    assert passes(schema, as_read.assign(preferred_channel=some)) is None  # text as objects: pandera coerces


def test_the_schema_run_passes_only_what_pandera_passes(messy_base):
    schema = riskscore.schemas.InstallmentsSchema.to_schema()
    typed = riskscore.validate_installments(messy_base[0].installments).assign(
        installment_no=lambda d: d["installment_no"].astype(float))
    pd.testing.assert_frame_equal(passes(schema, typed), schema.validate(typed))
    for column, value in (("amount_due", -1.0), ("installment_no", 0.0), ("installment_no", 1.5),
                          ("paid_date", pd.Timestamp("2024-01-01 00:00:01"))):
        bad = typed.copy()
        bad.loc[bad.index[4], column] = value
        assert passes(schema, bad) is None
    assert passes(schema, typed.assign(borrower_id=typed["borrower_id"].astype(object))) is None  # pandera coerces


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(-3, 40) | st.sampled_from([10**15, 2**70])),
                min_size=1, max_size=30))
@settings(max_examples=60, derandomize=True, database=None)
def test_installment_codes_are_the_installments(rows):
    df = pd.DataFrame(rows, columns=["loan_id", "installment_no"], dtype=object)
    df["installment_no"] = df["installment_no"].astype(float if all(abs(n) < 2**53 for _, n in rows) else object)
    keys, plain = installment_keys(df), _plain_keys(df)
    assert (pd.factorize(keys.inst)[0] == plain.inst).all()  # the same groups
    assert (keys.loan == plain.loan).all() and keys.inst.max() < keys.n_inst


def test_value_checks_read_the_distinct_values_present(messy_base):
    schema = riskscore.schemas.InstallmentsSchema.to_schema()
    typed = riskscore.validate_installments(messy_base[0].installments)
    codes, distinct = pd.factorize(typed["borrower_id"])
    # "" belongs to a row set aside before (a rejected id): not present, not read
    distinct = pd.concat([pd.Series(distinct), pd.Series([""], dtype=typed["borrower_id"].dtype)], ignore_index=True)
    assert passes(schema, typed, {"borrower_id": (codes, distinct)}) is not None
    codes = codes.copy()
    codes[3] = len(distinct) - 1  # now a row holds it: str_length fails, pandera must judge
    assert passes(schema, typed, {"borrower_id": (codes, distinct)}) is None


# -- text dates: Arrow's regex on distinct ASCII text, Python's elsewhere ------------------------------
_DATE_TEXT = st.from_regex(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,12})?)?)?\s*"
                           r"(Z|[+-]\d{2}(:?\d{2})?)?", fullmatch=True)


@given(st.lists(st.one_of(st.text(alphabet="0123456789-/:T Z+.\t\n\x0b\x0c\r\x1c\x1fa２\u3000", max_size=30),
                          _DATE_TEXT, st.none(), st.datetimes()), min_size=1, max_size=20))
@settings(max_examples=300, deadline=None)
def test_text_date_tests_by_arrow_agree_with_pythons_regex(values):
    """The zone and ISO tests of a date column (``_has_tz``, ``_not_iso_text``) read distinct ASCII text
    without edge whitespace with Arrow's RE2; they equal the Python regexes they stand for on any text."""
    from riskscore.schemas import _coerce

    s = pd.Series(values, dtype=object)
    tz = [bool(_coerce._TZ_SUFFIX.search(v.strip())) if isinstance(v, str) else getattr(v, "tzinfo", None) is not None
          for v in values]
    assert _coerce._has_tz(s).tolist() == tz
    assert _coerce._not_iso_text(s).tolist() == [isinstance(v, str) and _coerce._ISO_DATE.fullmatch(v.strip()) is None
                                                 for v in values]


_NUMBER_TEXT = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                         st.from_regex(r"[+-]?(\d{0,20}\.?\d{0,20})([eE][+-]?\d{1,3})?", fullmatch=True),
                         st.sampled_from(["inf", "-Infinity", "NaN", "nan", " 7", "7 ", "1,5", "-0", "0x10", "1_000",
                                          "１２", ""]))


@given(st.lists(st.one_of(_NUMBER_TEXT, st.none()), min_size=1, max_size=20))
@settings(max_examples=300, deadline=None)
def test_text_numbers_parsed_by_arrow_equal_pandas_reading(values):
    """A text number column that Arrow reads whole is read by Arrow; the numbers equal pandas' reading
    (which the column falls back to when any value is not a plain number)."""
    from riskscore.schemas import _coerce

    s = pd.Series(values, dtype="str")
    got = _coerce._numeric(s)
    expected = pd.to_numeric(s.astype(object).map(lambda v: _coerce.fold_width(v) if isinstance(v, str) else v),
                             errors="coerce").astype("float64")
    # -0.0 == 0.0: the sign is no amount. pandas 3.0's to_numeric misrounds some 17-digit values by
    # a few units in the last place (0.03125762939453126); Arrow and Python's float() agree, as
    # pandas does from 3.1 on
    exact = tuple(int(p) for p in pd.__version__.split(".")[:2]) >= (3, 1)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0 if exact else 1e-14, atol=0)
