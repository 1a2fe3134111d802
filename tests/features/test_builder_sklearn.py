"""FeatureBuilder as scikit-learn code uses it: set_output, fit_transform's arguments, the as-of date's text."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from riskscore.features import FeatureBuilder

T = "2024-03-10"


def test_set_output_pandas_keeps_the_columns_transform_made(installments):
    # no contact log: no contact features, although get_feature_names_out lists them (contacts="auto");
    # scikit-learn's pandas wrapper used to stamp those names on: "Length mismatch"
    plain = FeatureBuilder(as_of=T).fit_transform(installments)
    for how in ("pandas", "default", None):
        out = FeatureBuilder(as_of=T).set_output(transform=how).fit_transform(installments)
        pd.testing.assert_frame_equal(out, plain)
    pipe = make_pipeline(FeatureBuilder(as_of=T), FunctionTransformer()).set_output(transform="pandas")
    pd.testing.assert_frame_equal(pipe.fit_transform(installments), plain)


def test_set_output_polars_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"^FeatureBuilder returns pandas DataFrames: set_output\(transform='polars'\) "
                                         r"is not supported\.$"):
        FeatureBuilder().set_output(transform="polars")


def test_fit_transform_takes_the_transform_arguments(installments, contacts):
    expected = FeatureBuilder().fit().transform(installments, T, contacts=contacts)
    got = FeatureBuilder().fit_transform(installments, as_of=T, contacts=contacts)
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("date", [T, pd.Timestamp(T), datetime.date(2024, 3, 10), np.datetime64(T)])
def test_an_as_of_date_passed_as_y_is_pointed_out(installments, date):
    with pytest.raises(ValueError, match=r"^FeatureBuilder\.fit_transform\(X, y\): y is the labels \(unused\), "
                                         r"not the as-of date; pass as_of= by keyword"):
        FeatureBuilder().fit_transform(installments, date)


@pytest.mark.parametrize(("text", "why"), [("03/10/2024", ": day and month order is never guessed"),
                                           ("10.03.2024", ": day and month order is never guessed"),
                                           ("March 10, 2024", ""), ("yesterday", "")])
def test_as_of_text_that_is_not_year_first_is_refused(installments, text, why):
    # "03/10/2024" was read as 10 March by pandas (month first), "10.03.2024" as 3 October: never guessed;
    # "yesterday" has no day and month to order
    with pytest.raises(ValueError, match=rf"^as_of must be a date written year first \(YYYY-MM-DD\), got '{text}'"
                                         rf"{why}\.$"):
        FeatureBuilder(as_of=text).fit_transform(installments)


@pytest.mark.parametrize("text", ["2024-03-10", "2024/03/10", "20240310", " 2024-03-10 ", "2024-3-10"])
def test_year_first_as_of_text_is_read(installments, text):
    expected = FeatureBuilder().fit().transform(installments, T)
    pd.testing.assert_frame_equal(FeatureBuilder().fit().transform(installments, text), expected)


def test_an_impossible_date_names_as_of(installments):
    with pytest.raises(ValueError, match=r"^as_of is not a date: '2024-02-30' \("):
        FeatureBuilder().fit().transform(installments, "2024-02-30")
