"""make_snapshots: features and labels joined on one population, per as-of date."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import riskscore
from riskscore.features import FeatureBuilder, feature_registry
from riskscore.labels import rolling_as_of_dates
from riskscore.snapshots import split_xy


def test_snapshots(small_world):
    dates = rolling_as_of_dates("2024-05-01", "2024-09-01")
    snaps = riskscore.make_snapshots(small_world.installments, dates, contacts=small_world.contacts,
                                     data_end=small_world.end)
    assert list(snaps.columns) == ["borrower_id", "as_of", *feature_registry().index, "time", "event"]
    assert snaps.groupby("as_of").size().index.tolist() == dates
    assert not snaps.duplicated(["borrower_id", "as_of"]).any()
    assert snaps.attrs["label_definition"]["data_end"] == "2025-12-31"
    X, y = split_xy(snaps)
    assert X.shape == (len(snaps), len(feature_registry())) and y["time"].max() <= 90
    one = riskscore.make_labels(riskscore.validate_installments(small_world.installments), dates[0],
                                data_end=small_world.end)
    first = snaps[snaps["as_of"] == dates[0]].reset_index(drop=True)
    pd.testing.assert_frame_equal(first[["borrower_id", "as_of", "time", "event"]],
                                  one[["borrower_id", "as_of", "time", "event"]])


def test_lookahead_must_match(small_world):
    with pytest.raises(ValueError, match=r"feature_builder.lookahead_days \(3\) differs from lookahead_days \(7\)"):
        riskscore.make_snapshots(small_world.installments, ["2024-06-01"], feature_builder=FeatureBuilder(3))


def test_split_xy_needs_labels():
    with pytest.raises(ValueError, match=r"snapshots lack the label column\(s\) \['event', 'time'\]"):
        split_xy(pd.DataFrame({"a": [1]}))


def test_horizon_days_is_the_deprecated_name_of_censor_days(small_world):
    kw = {"data_end": small_world.end}
    new = riskscore.make_snapshots(small_world.installments, ["2024-06-01"], censor_days=30, **kw)
    with pytest.warns(FutureWarning, match="'horizon_days' was renamed 'censor_days' in riskscore 0.2"):
        old = riskscore.make_snapshots(small_world.installments, ["2024-06-01"], horizon_days=30, **kw)
    pd.testing.assert_frame_equal(old, new)
    assert old.attrs["label_definition"]["censor_days"] == 30 and new["time"].max() <= 30


def test_a_contact_log_whose_ids_match_no_borrower_is_named_in_a_warning(small_world):
    """Training with a contact log written with other ids ('X' + id) gave every snapshot the features of a
    borrower never contacted, without a word; the nightly job already warned."""
    contacts = small_world.contacts.assign(borrower_id="X" + small_world.contacts["borrower_id"])
    dates = rolling_as_of_dates("2024-06-01", "2024-07-01")
    first = min(small_world.installments["borrower_id"])
    with pytest.warns(riskscore.DataQualityWarning) as caught:
        riskscore.make_snapshots(small_world.installments, dates, contacts=contacts)
    assert [str(w.message) for w in caught if "contacts:" in str(w.message)] == [
        f"contacts: none of its {len(contacts):,} rows is of a borrower of the installments (ids are compared as text, "
        "exactly): the contact-log features are those of borrowers never contacted; the installments write ids like "
        f"{first!r}, the contact log like {'X' + min(small_world.contacts['borrower_id'])!r}"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", riskscore.DataQualityWarning)
        warnings.filterwarnings("ignore", message="at .* as-of date", category=riskscore.DataQualityWarning)
        riskscore.make_snapshots(small_world.installments, dates, contacts=small_world.contacts)  # matching ids: quiet


def test_train_refuses_a_contact_log_whose_ids_match_no_borrower(small_world):
    """make_snapshots warns (a building block); train, which makes the model a bundle is made of, stops."""
    contacts = small_world.contacts.assign(borrower_id="X" + small_world.contacts["borrower_id"])
    first = min(small_world.installments["borrower_id"])
    with pytest.raises(riskscore.DataError) as err:
        riskscore.train(small_world.installments, contacts=contacts, as_of_start="2024-03-01",
                        as_of_end="2025-08-01", data_end=small_world.end)
    assert err.value.table == "contacts"
    assert str(err.value).startswith(
        f"contacts: none of its {len(contacts):,} rows is of a borrower of the installments (ids are compared as "
        f"text, exactly); the installments write ids like {first!r}, the contact log like "
        f"{'X' + min(small_world.contacts['borrower_id'])!r}; a model trained on it would learn")


def test_train_says_when_the_likelihood_head_learnt_nothing():
    # riskscore train on a dozen borrowers saved a bundle giving everyone the same likelihood (AUC 0.5000),
    # without a word; 30 generated borrowers give 87 training snapshots, too few for one split
    world = riskscore.generate(30, seed=0)
    with pytest.warns(riskscore.DataQualityWarning) as caught:
        _, report = riskscore.train(world.installments, as_of_start="2024-03-01", as_of_end="2025-08-01",
                                    data_end=world.end, n_bootstrap=0)
    said = [str(w.message) for w in caught if "learnt nothing" in str(w.message)]
    assert said == [f"The likelihood head learnt nothing from {report['rows']['train']} training snapshots of 21 "
                    "borrowers: it gives every borrower the same likelihood, so its grades and reason codes mean "
                    "nothing. Train on more borrowers or a longer window (as_of_start and as_of_end; --as-of-start and "
                    "--as-of-end on the command line)."]
    assert report["metrics"]["auc"] == 0.5
