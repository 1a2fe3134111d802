"""RepaymentModel on what a notebook gives it: keys as columns, text, odd names, mismatched labels and eval sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskscore.model import RepaymentModel, make_survival_y


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 400
    index = pd.MultiIndex.from_arrays([[f"B{i % 100:03d}" for i in range(n)],
                                       pd.Timestamp("2024-01-01") + pd.to_timedelta(30 * (np.arange(n) // 100), "D")],
                                      names=["borrower_id", "as_of"])
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"], index=index)
    t = np.ceil(rng.exponential(20 * np.exp(-X["a"].to_numpy())))
    return X, make_survival_y(t <= 90, np.minimum(t, 90))


def _model(**kw):
    return RepaymentModel(n_estimators=10, min_child_samples=10, monotone=None, random_state=0, **kw)


def test_keys_kept_as_columns_are_named_with_the_fix(data):
    X, y = data
    with pytest.raises(ValueError, match=r"^RepaymentModel: X has 2 column\(s\) that are not numbers: 'borrower_id' "
                                         r"\(.*\), 'as_of' \(datetime64.*\); keep borrower_id and as_of in the index"):
        _model().fit(X.reset_index(), y)


def test_a_text_column_is_named_at_fit_and_at_predict(data):
    X, y = data
    with pytest.raises(ValueError, match=r"^RepaymentModel: X has 1 column\(s\) that are not numbers: 'region'"):
        _model().fit(X.assign(region="north"), y)
    fitted = _model().fit(X, y)
    with pytest.raises(ValueError, match=r"^RepaymentModel: X has 1 column\(s\) that are not numbers: 'b'"):
        fitted.likelihood(X.assign(b="1,5"))


@pytest.mark.parametrize(("columns", "message"), [
    (["a", "a", "c"], r"^RepaymentModel: X has duplicated column\(s\) \['a'\]; give each feature its own name\.$"),
    (["a", "limit:usd", "c"], r"^RepaymentModel: column name\(s\) \['limit:usd'\] hold a character LightGBM cannot"),
])
def test_names_lightgbm_cannot_take_are_refused_in_one_line(data, columns, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        _model().fit(X.set_axis(columns, axis=1), y)


def test_a_column_named_like_the_timing_heads_own_is_fine(data):
    X, y = data
    odd = X.rename(columns={"c": "interval_start"})
    p = _model().fit(odd, y).predict_survival(odd)
    np.testing.assert_array_equal(p.to_numpy(), _model().fit(X, y).predict_survival(X).to_numpy())


@pytest.mark.parametrize(("make", "message"), [
    (lambda X, y: (X, y["event"]), r"^y must be a structured array with two fields"),
    (lambda X, y: (X, y[:-1]), r"^X has 400 rows but y has 399\.$"),
])
def test_labels_that_do_not_fit_x(data, make, message):
    with pytest.raises(ValueError, match=message):
        _model().fit(*make(*data))


@pytest.mark.parametrize(("make", "message"), [
    (lambda X, y: (X,), r"^eval_set must be a pair \(X_val, y_val\), got tuple of length 1\.$"),
    (lambda X, y: (X.drop(columns="b"), y), r"^eval_set's X lacks 1 feature\(s\) of X: \['b'\]\.$"),
    (lambda X, y: (X, y[:10]), r"^eval_set's X has 400 rows but its y has 10\.$"),
    (lambda X, y: (X, y["time"]), r"^eval_set's y: y must be a structured array"),
])
def test_a_bad_eval_set_is_refused(data, make, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        _model().fit(X, y, eval_set=make(X, y))


def test_eval_set_columns_may_come_in_another_order(data):
    X, y = data
    a = _model().fit(X, y, eval_set=(X[["c", "a", "b"]], y)).likelihood(X)
    np.testing.assert_array_equal(a, _model().fit(X, y, eval_set=(X, y)).likelihood(X))


def _with_as_of(X, values):
    return X.set_axis(pd.MultiIndex.from_arrays([X.index.get_level_values("borrower_id"), values],
                                                names=["borrower_id", "as_of"]), axis=0)


@pytest.mark.parametrize(("values", "message"), [
    # day first: pandas guessed month first where it could, so the hold-out was not the latest dates
    (lambda d: d.strftime("%d/%m/%Y"), r"^X's as_of index level must be dates or text written year first "
                                       r"\(YYYY-MM-DD\), got e\.g\. '01/01/2024'"),
    (lambda d: d.where(np.arange(len(d)) % 50 != 7),
     r"^X's as_of index level has 8 missing date\(s\), e\.g\. at row 7"),
])
def test_the_as_of_dates_the_hold_out_reads_must_be_unambiguous(data, values, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        _model().fit(_with_as_of(X, values(X.index.get_level_values("as_of"))), y)


def test_year_first_as_of_text_holds_out_like_dates(data):
    X, y = data
    text = _with_as_of(X, X.index.get_level_values("as_of").strftime("%Y-%m-%d"))
    np.testing.assert_array_equal(_model().fit(text, y).likelihood(X), _model().fit(X, y).likelihood(X))


def test_evaluate_reads_any_survival_label_and_checks_its_length(data):
    from riskscore.model import evaluate

    X, y = data
    model = _model().fit(X, y)
    sksurv_style = np.array(list(zip(y["event"], y["time"], strict=True)),
                            dtype=[("Status", bool), ("Survival_in_days", float)])
    assert evaluate(model, X, sksurv_style) == evaluate(model, X, y)
    with pytest.raises(ValueError, match=r"^evaluate: X has 400 rows but y has 397\.$"):
        evaluate(model, X, y[:-3])
    with pytest.raises(ValueError, match=r"^evaluate: groups has 3 values for 400 rows\.$"):
        evaluate(model, X, y, groups=np.arange(3), n_bootstrap=2)


def test_evaluate_on_one_outcome_says_which(data):
    from riskscore.model import evaluate

    X, y = data
    model = _model().fit(X, y)
    repaid = np.flatnonzero(y["event"] & (y["time"] <= 30))[:20]
    with pytest.raises(ValueError, match=r"^evaluate: the 20 rows whose outcome at 30 days is known all have the same "
                                         r"outcome \(repaid\); AUC, Gini and KS need both"):
        evaluate(model, X.iloc[repaid], y[repaid])


@pytest.mark.parametrize(("monotone", "message"), [
    ({"aa": 1}, r"^RepaymentModel: monotone names feature\(s\) X does not have: \['aa'\]\.$"),   # a typo was ignored
    ({"a": 2}, r"^RepaymentModel: monotone values must be -1, 0 or 1 \(decreasing, none, increasing\), got 2 for 'a'"),
])
def test_a_monotone_dict_is_checked_against_x(data, monotone, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        RepaymentModel(n_estimators=5, monotone=monotone).fit(X, y)


def test_a_monotone_dict_constrains_the_likelihood(data):
    X, y = data
    model = RepaymentModel(n_estimators=30, min_child_samples=10, monotone={"a": -1}, random_state=0).fit(X, y)
    grid = pd.DataFrame({"a": np.linspace(-3, 3, 50), "b": 0.0, "c": 0.0})
    assert (np.diff(model.likelihood(grid)) <= 1e-12).all()


def test_registry_monotone_finding_no_registry_feature_warns(data):
    import re
    import warnings

    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    X, y = data
    named = X.set_axis(["days_past_due", "share_late_3", "c"], axis=1)
    # a scikit-learn step that renames the columns (numpy out: x0, x1, ...) silently dropped the constraints
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_pipeline(SimpleImputer(), RepaymentModel(n_estimators=5, random_state=0)).fit(named, y)
    said = [str(w.message) for w in caught]
    assert any(re.match(r"RepaymentModel\(monotone='registry'\): none of X's 3 columns is a riskscore feature "
                        r"\(e\.g\. 'x0'\), so no monotone constraint applies; ", m) for m in said), said
    RepaymentModel(n_estimators=5, random_state=0).fit(named, y)   # registry names: constrained, no warning


def test_score_checks_y_and_weights_against_x(data):
    X, y = data
    model = _model().fit(X, y)
    with pytest.raises(ValueError, match=r"^RepaymentModel\.score: X has 400 rows but y has 395\.$"):
        model.score(X, y[:-5])   # scored the first 395 rows against the labels, silently
    with pytest.raises(ValueError, match=r"^RepaymentModel\.score: sample_weight has 3 values for 400 rows\.$"):
        model.score(X, y, sample_weight=[1.0, 1.0, 1.0])
    assert model.score(X, y, sample_weight=np.ones(len(X))) == model.score(X, y)


def test_numbers_in_an_object_column_with_pandas_na_are_read(data):
    X, y = data
    odd = X.assign(a=X["a"].astype(object))
    odd.iloc[3, 0] = pd.NA   # was "float() argument must be ... not 'NAType'" from deep in pandas
    plain = X.copy()
    plain.iloc[3, 0] = np.nan
    np.testing.assert_array_equal(_model().fit(odd, y).likelihood(odd), _model().fit(plain, y).likelihood(plain))


def test_a_category_column_of_numbers_is_read_as_numbers_by_both_heads(data):
    """HazardGBM splits a ``category`` column as categories by default; inside RepaymentModel the
    timing head reads it as the likelihood head does: as numbers."""
    X, y = data
    grade = pd.Series(np.arange(len(X)) % 5 + 1, index=X.index)
    as_category = _model().fit(X.assign(grade=grade.astype("category")), y)
    as_numbers = _model().fit(X.assign(grade=grade.astype(float)), y)
    assert as_category.timing_.is_categorical_ is None
    np.testing.assert_array_equal(as_category.predict_survival(X.assign(grade=grade.astype("category"))),
                                  as_numbers.predict_survival(X.assign(grade=grade.astype(float))))
