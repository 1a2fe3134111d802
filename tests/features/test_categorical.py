"""The user's own text columns: FeatureBuilder(categorical=...), learn_categories, their reason sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore import DataError, DataQualityWarning
from riskscore.explain._catalogue import sentence
from riskscore.features import FeatureBuilder, learn_categories
from riskscore.features._static import categorical_features

T = "2024-03-10"
NAN = float("nan")


@pytest.fixture
def own() -> pd.DataFrame:
    """b1 and b2 (b3 has no installment), with text columns as a CSV extract gives them."""
    return pd.DataFrame({"borrower_id": ["b1", "b2", "b3"], "employment": [" salaried", "", "retired"],
                         "owns_car": ["Y", "N", "Y"], "income": [3000.0, 100.0, 5.0]})


def test_categorical_columns_are_coded_after_the_static_ones(installments, own):
    fb = FeatureBuilder(static=("income",), categorical={"employment": ["retired", "salaried"], "owns_car": ["N"]},
                        population="all")
    X = fb.fit().transform(installments, T, borrowers=own)
    history = list(FeatureBuilder(population="all").fit().transform(installments, T).columns)
    assert list(X.columns) == [*history, "income", "employment", "owns_car"]
    assert list(fb.get_feature_names_out()[-3:]) == ["income", "employment", "owns_car"]
    # the category's position (stripped text); empty text is missing; a value not listed is "another value" (1)
    assert X.loc["b1", "employment"] == 1.0 and np.isnan(X.loc["b2", "employment"])
    assert X["owns_car"].tolist() == [1.0, 0.0] and (X.dtypes == "float64").all()
    pd.testing.assert_frame_equal(X[history], FeatureBuilder(population="all").fit().transform(installments, T))


def test_a_borrower_absent_from_the_table_is_missing_and_ids_are_text(installments):
    X = FeatureBuilder(categorical={"region": ["01", "7"]}, population="all").fit().transform(
        installments, T, borrowers=pd.DataFrame({"borrower_id": ["b1"], "region": ["01"]}))
    assert X.loc["b1", "region"] == 0.0 and np.isnan(X.loc["b2", "region"])
    # whole numbers read as numbers give the same text as the CSV's ("7", not "7.0"); "01" is not "1"
    codes = categorical_features(pd.DataFrame({"borrower_id": ["a", "b", "c"], "region": [7.0, 1.0, np.nan]}),
                                 {"region": ["01", "7"]}, pd.Index(["a", "b", "c"]))
    np.testing.assert_array_equal(codes["region"], [1.0, 2.0, NAN])


def test_learn_categories_keeps_frequent_values_most_frequent_first():
    values = ["b"] * 30 + ["a"] * 30 + ["c"] * 50 + ["rare"] * 19 + [""] * 100 + [None] * 10
    table = pd.DataFrame({"borrower_id": [f"x{i}" for i in range(len(values))], "col": values})
    # ties in text order; 19 borrowers are under min_borrowers=20; missing values are no category
    assert learn_categories(table, ["col"]) == {"col": ["c", "a", "b"]}
    assert learn_categories(table, ["col"], min_borrowers=19) == {"col": ["c", "a", "b", "rare"]}
    assert learn_categories(table, ["col"], max_categories=2) == {"col": ["c", "a"]}
    # a share of the 129 borrowers with a value: 30 / 129 is under 25 %
    assert learn_categories(table, ["col"], min_share=0.25) == {"col": ["c"]}
    # one borrower on two rows with one value counts once
    twice = pd.concat([table, table.head(1)])
    assert learn_categories(twice, ["col"], min_borrowers=30) == {"col": ["c", "a", "b"]}


@pytest.mark.parametrize(("frame", "columns", "options", "message"), [
    (pd.DataFrame({"borrower_id": ["a", "a"], "col": ["x", "y"]}), ["col"], {},
     r"^borrowers: column 'col' has different values for borrower 'a'"),
    (pd.DataFrame({"borrower_id": ["a"]}), ["col"], {}, r"^borrowers: no column 'col' \(the feature builder's "
                                                         r"categorical columns need it"),
    (pd.DataFrame({"col": ["x"]}), ["col"], {}, r"^borrowers: no column 'borrower_id'"),
    (pd.DataFrame({"borrower_id": ["a"], "col": ["x"]}), "col", {}, r"^columns must be a list of column names"),
    (pd.DataFrame({"borrower_id": ["a"], "col": ["x"]}), ["col"], {"min_share": 1.0}, r"^min_share must be"),
    (pd.DataFrame({"borrower_id": ["a"], "col": ["x"]}), ["col"], {"max_categories": 0}, r"^max_categories must"),
])
def test_learn_categories_refuses_in_one_line(frame, columns, options, message):
    with pytest.raises((DataError, ValueError), match=message):
        learn_categories(frame, columns, **options)


@pytest.mark.parametrize(("params", "message"), [
    ({"categorical": "employment"}, r"'categorical' parameter of FeatureBuilder must be"),
    ({"categorical": {"employment": "salaried"}}, r"categorical\['employment'\] must be a list of distinct"),
    ({"categorical": {"employment": ["a", "a"]}}, r"categorical\['employment'\] must be a list of distinct"),
    ({"categorical": ("employment", "employment")}, r"'categorical' parameter of FeatureBuilder must be .*distinct"),
    ({"categorical": ("Marital-Status",)}, r"^categorical column 'Marital-Status' looks like the protected "
                                           r"attribute 'marital_status'"),
    ({"categorical": ("region",), "protected": ("region",)}, r"looks like the protected attribute 'region'"),
    ({"categorical": {"days_past_due": ["a"]}}, r"has the name of a feature the builder makes"),
    ({"categorical": {"x": ["a"]}, "static": ("x",)}, r"^column 'x' is both static \(a number\) and categorical"),
])
def test_bad_categorical_parameters_are_refused_in_one_line(params, message):
    with pytest.raises(ValueError, match=message):
        FeatureBuilder(**params).fit()


def test_column_names_alone_are_refused_by_transform_with_the_fix(installments, own):
    fb = FeatureBuilder(categorical=("employment",), population="all").fit()  # train() resolves these
    with pytest.raises(ValueError, match=r"names the columns but not their categories: pass "
                                         r"categorical=learn_categories\(borrowers, \['employment'\]\)"):
        fb.transform(installments, T, borrowers=own)
    with pytest.raises(ValueError, match=r"^FeatureBuilder\(categorical=\('employment',\)\) needs the borrowers"):
        FeatureBuilder(categorical={"employment": ["x"]}).fit().transform(installments, T)


def test_a_text_static_column_points_to_categorical(installments, own):
    with pytest.raises(DataError, match=r"holds text that is not a number .* make it categorical: "
                                        r"--categorical employment \(categorical= in Python\)"):
        FeatureBuilder(static=("employment",), population="all").fit().transform(installments, T, borrowers=own)


def test_reason_sentences_quote_the_category():
    cats = {"employment": ["salaried", "self-employed"]}
    assert sentence("employment", 1.0, "en", categories=cats) == "the borrower's employment is 'self-employed'"
    assert sentence("employment", 0.0, "zh", categories=cats) == "借款人的employment为“salaried”"
    assert sentence("employment", 2.0, "en", categories=cats) == (
        "the borrower's employment is a value rare or unseen in the training data")
    assert sentence("employment", NAN, "en", categories=cats) is None  # the family's "missing" sentence
    assert sentence("employment", 1.0, "en") == "the borrower's employment is 1"  # without: a number


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", " c ", "", "d"])), min_size=1, max_size=40),
       known=st.lists(st.sampled_from(["a", "b", "c", "e"]), unique=True, max_size=4))
def test_a_code_is_the_category_position_another_value_or_missing(values, known):
    ids = pd.Index([f"x{i}" for i in range(len(values))])
    code = categorical_features(pd.DataFrame({"borrower_id": ids, "col": values}), {"col": known}, ids)["col"]
    for value, c in zip(values, code, strict=True):
        text = None if value is None or not value.strip() else value.strip()
        if text is None:
            assert np.isnan(c)
        else:
            assert c == (known.index(text) if text in known else len(known))


def test_values_that_differ_only_in_case_are_two_categories_and_a_warning():
    table = pd.DataFrame({"borrower_id": range(90), "col": ["Salaried"] * 30 + ["salaried "] * 30 + ["retired"] * 30})
    with pytest.warns(DataQualityWarning, match=r"^borrowers: column 'col' holds values that differ only in case "
                                                r"\('Salaried' and 'salaried'\): they are different categories"):
        assert learn_categories(table, ["col"]) == {"col": ["Salaried", "retired", "salaried"]}
