"""The user's own borrower columns: FeatureBuilder(static=...), protected names refused, the credit limit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from riskscore import DataError
from riskscore.explain._catalogue import sentence
from riskscore.features import PROTECTED_ATTRIBUTES, FeatureBuilder, protected_match, registry_for

T = "2024-03-10"


@pytest.fixture
def own() -> pd.DataFrame:
    """b1 and b2 (b3 has no installment), with the lender's own columns as a CSV would give them."""
    return pd.DataFrame({"borrower_id": ["b1", "b2", "b3"], "credit_limit": ["1000", "400.5", "9"],
                         "income": [3000.0, np.nan, 1.0], "salaried": [True, False, True],
                         "timezone": ["Asia/Shanghai", "bad zone", None]})  # other columns: not read


def test_static_columns_are_joined_after_the_history_features(installments, own):
    fb = FeatureBuilder(static=("credit_limit", "income", "salaried"), population="all")
    X = fb.fit().transform(installments, T, borrowers=own)
    history = list(FeatureBuilder(population="all").fit().transform(installments, T).columns)
    assert list(X.columns) == [*history, "credit_limit", "income", "salaried"]
    assert list(fb.get_feature_names_out()[-3:]) == ["credit_limit", "income", "salaried"]
    assert X["credit_limit"].tolist() == [1000.0, 400.5]  # number text read as numbers
    assert X.loc["b1", "income"] == 3000.0 and np.isnan(X.loc["b2", "income"])
    assert X["salaried"].tolist() == [1.0, 0.0] and (X.dtypes == "float64").all()


def test_no_history_feature_changes_when_static_columns_are_added(small_world):
    borrowers = small_world.borrowers.assign(credit_limit=np.arange(len(small_world.borrowers), dtype=float))
    for as_of in ("2024-09-30", "2025-03-31"):
        plain = FeatureBuilder().fit().transform(small_world.installments, as_of, contacts=small_world.contacts)
        joined = FeatureBuilder(static=("credit_limit",), credit_limit="credit_limit").fit().transform(
            small_world.installments, as_of, contacts=small_world.contacts, borrowers=borrowers)
        pd.testing.assert_frame_equal(joined[plain.columns], plain)
        assert list(joined.columns[len(plain.columns):]) == ["credit_limit", "utilisation", "latest_due_to_limit"]


def test_a_borrower_missing_from_the_table_gets_nan(installments, own):
    X = FeatureBuilder(static=("income",), population="all").fit().transform(
        installments, T, borrowers=own[own["borrower_id"] == "b1"].assign(income=5.0))
    assert X.loc["b1", "income"] == 5.0 and np.isnan(X.loc["b2", "income"])


def test_static_columns_need_the_borrowers_table(installments):
    with pytest.raises(ValueError, match=r"FeatureBuilder\(static=\('income',\)\) needs the borrowers table: "
                                         r"transform\(installments, as_of, borrowers=\.\.\.\)"):
        FeatureBuilder(static=("income",)).fit().transform(installments, T)


@pytest.mark.parametrize(("column", "frame", "message"), [
    ("income", pd.DataFrame({"borrower_id": ["b1"], "incomes": [1.0]}),
     r"^borrowers: no column 'income' \(the feature builder's static columns need it"),
    ("income", pd.DataFrame({"borrower_id": ["b1", "b2"], "income": ["12", "a lot"]}),
     r"^borrowers: column 'income' \(a static feature\) holds text that is not a number in 1 row\(s\), "
     r"e\.g\. row 1: 'a lot'; give numbers or true/false, or, for a column of text categories \(an employment "
     r"type, a Y/N flag\), make it categorical: --categorical income \(categorical= in Python\)\.$"),
    ("income", pd.DataFrame({"borrower_id": ["b1", "b2"], "income": ["¥12,000.00", "¥800.50"]}),
     r"holds text that is not a number in 2 row\(s\), e\.g\. row 0: '¥12,000\.00', row 1: '¥800\.50'; they read as "
     r"'¥1,234\.56': read the file with --number-format '¥1,234\.56' \(number_format='¥1,234\.56' in Python\)\.$"),
    ("income", pd.DataFrame({"borrower_id": ["b1", "b1"], "income": [1.0, 2.0]}),
     r"^borrowers: column 'income' has different values for borrower 'b1'"),
])
def test_bad_static_columns_are_refused_in_one_line(installments, column, frame, message):
    with pytest.raises(DataError, match=message) as err:
        FeatureBuilder(static=(column,)).fit().transform(installments, T, borrowers=frame)
    assert "\n" not in str(err.value) and err.value.table == "borrowers"


@pytest.mark.parametrize(("column", "attribute"), [
    ("SEX", "sex"), ("marital-status", "marital_status"), ("age_years", "age"), ("Gender", "gender"),
    ("DateOfBirth", "date_of_birth"), ("dob", "dob"), ("applicant ethnicity", "ethnicity"), ("MARRIAGE", "marriage"),
    ("maritalstatus", "marital_status"), ("religion_code", "religion"), ("national-origin", "national_origin"),
])
def test_protected_attributes_are_refused(column, attribute):
    assert protected_match(column) == attribute
    with pytest.raises(ValueError, match=rf"^static column '{column}' looks like the protected attribute "
                                         rf"'{attribute}': protected attributes are never model features"):
        FeatureBuilder(static=("income", column)).fit()


@pytest.mark.parametrize("column", ["mortgage_balance", "usage", "average_bill", "page_views", "credit_limit",
                                    "sexton_score"])
def test_names_that_only_contain_the_letters_are_not_refused(column):
    assert protected_match(column) is None
    FeatureBuilder(static=(column,)).fit()


def test_the_users_own_protected_names_are_refused_too():
    with pytest.raises(ValueError, match=r"^static column 'Region_Code' looks like the protected attribute 'region'"):
        FeatureBuilder(static=("Region_Code",), protected=("region",)).fit()
    built_in = {"sex", "age", "race", "religion", "disability", "pregnancy", "sexual_orientation"}
    assert built_in <= set(PROTECTED_ATTRIBUTES)


@pytest.mark.parametrize(("params", "message"), [
    ({"static": ("a", "a")}, r"The 'static' parameter of FeatureBuilder must be distinct column names"),
    ({"static": ("a", 3)}, r"The 'static' parameter of FeatureBuilder must be a tuple or list of column names"),
    ({"static": "income"}, r"The 'static' parameter of FeatureBuilder must be an instance of"),
    ({"static": ("days_past_due",)}, r"static column 'days_past_due' has the name of a feature the builder makes"),
    ({"static": ("income",), "credit_limit": "limit"}, r"credit_limit='limit' must be one of the static columns"),
])
def test_bad_static_parameters_name_the_parameter(params, message):
    with pytest.raises((ValueError, TypeError), match=message):
        FeatureBuilder(**params).fit()


def test_credit_limit_features(installments, own):
    # at T: b1's installment 1 (100) has 60 paid on 03-02 (the 40 of 03-20 is after T): 40 outstanding
    fb = FeatureBuilder(static=("credit_limit",), credit_limit="credit_limit")
    limits = own.assign(credit_limit=[1000.0, 0.0, 5.0])
    X = fb.fit().transform(installments, T, borrowers=limits)
    assert X.loc["b1", "amount_outstanding"] == 40.0 and X.loc["b1", "latest_amount_due"] == 100.0
    assert X.loc["b1", "utilisation"] == 0.04 and X.loc["b1", "latest_due_to_limit"] == 0.1
    assert "b2" not in X.index  # b2 owes nothing
    X = fb.set_params(population="all").transform(installments, T, borrowers=limits)
    assert np.isnan(X.loc["b2", "utilisation"]) and np.isnan(X.loc["b2", "latest_due_to_limit"])  # limit 0
    assert clone(fb).get_params()["static"] == ("credit_limit",)


def test_static_columns_have_a_family_and_a_sentence():
    reg = registry_for(["days_past_due", "income", "utilisation"])
    assert reg["family"].tolist() == ["arrears", "own_data", "utilisation"]
    assert reg.loc["income", "monotone"] == 0 and reg.loc["income", ["low", "high"]].tolist() == [-np.inf, np.inf]
    assert sentence("income", 3000.0, "en") == "the borrower's income is 3,000"
    assert sentence("income", 0.125, "zh") == "借款人的income为0.125"
    assert sentence("utilisation", 0.04, "en") == "what is outstanding is 4% of the credit limit"
    assert sentence("income", np.nan, "en") is None


def test_borrower_ids_read_as_numbers_are_refused_when_they_lose_leading_zeros(installments, own):
    # a borrowers CSV read without dtype=str: '007' became 7 and every static value silently NaN
    inst = installments.assign(borrower_id=installments["borrower_id"].map({"b1": "007", "b2": "123"}))
    table = own.assign(borrower_id=[7, 123, 9])
    with pytest.raises(DataError, match=r"^borrowers: borrower_id holds numbers \(int64\) but the installments' ids "
                                        r"are text with leading zeros \(e\.g\. '007'\); read borrower_id as text"):
        FeatureBuilder(static=("income",), population="all").fit().transform(inst, T, borrowers=table)
    text = table.assign(borrower_id=["007", "123", "9"])
    X = FeatureBuilder(static=("income",), population="all").fit().transform(inst, T, borrowers=text)
    assert X.loc["007", "income"] == 3000.0 and np.isnan(X.loc["123", "income"])


def test_no_borrower_in_the_table_warns_naming_example_ids(installments, own):
    from riskscore.exceptions import DataQualityWarning

    with pytest.warns(DataQualityWarning, match=r"^borrowers: none of the 2 borrowers has a row in the borrowers table "
                                                r"\(e\.g\. 'b1' in the installments, 'B1' in borrowers\), so 'income' "
                                                r"is missing for all"):
        X = FeatureBuilder(static=("income",), population="all").fit().transform(
            installments, T, borrowers=own.assign(borrower_id=["B1", "B2", "B3"]))
    assert X["income"].isna().all()
