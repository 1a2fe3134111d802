"""Exact duplicates and the currency in the nightly job, ``riskscore validate`` and the report (issue 20, 3 and 4).

Tiny hand-made installments (three borrowers) scored with the committed bundle.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings

import pandas as pd
import pytest

import riskscore
from riskscore.batch import score_portfolio
from riskscore.cli import main
from riskscore.contract import RunManifest
from riskscore.exceptions import DataError, DataQualityWarning
from tests.batch.conftest import BUNDLE, read_outputs

AS_OF = "2024-05-15"


def _installments(currency: list[str] | None = None) -> pd.DataFrame:
    df = pd.DataFrame({
        "borrower_id": ["b1", "b1", "b1", "b2", "b2", "b3"],
        "loan_id": ["l1", "l1", "l1", "l2", "l2", "l3"],
        "installment_no": [1, 2, 3, 1, 2, 1],
        "due_date": ["2024-03-01", "2024-04-01", "2024-05-01", "2024-04-01", "2024-05-10", "2024-05-05"],
        "amount_due": [100.0, 100.0, 100.0, 50.0, 50.0, 80.0],
        "paid_date": ["2024-03-02", "2024-04-05", None, "2024-04-01", None, None],
        "amount_paid": [100.0, 100.0, 0.0, 50.0, 0.0, 0.0],
    })
    return df if currency is None else df.assign(currency=currency)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as datetimes (Scorer.score reads the raw frame's dates beside the validated one)."""
    return df.assign(due_date=pd.to_datetime(df["due_date"]), paid_date=pd.to_datetime(df["paid_date"]))


def _bundle_in(currency: str, folder) -> str:
    """A copy of the committed bundle whose label definition records ``currency`` (checksums redone)."""
    target = folder / "bundle"
    shutil.copytree(BUNDLE, target)
    spec = json.loads((target / "model.json").read_text())
    spec["label_definition"]["currency"] = currency
    (target / "model.json").write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["label_definition"]["currency"] = currency
    manifest["sha256"]["model.json"] = hashlib.sha256((target / "model.json").read_bytes()).hexdigest()
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return str(target)


def _score(path, out, bundle=BUNDLE):
    return score_portfolio(path, bundle, AS_OF, out, now=f"{AS_OF} 13:00", n_jobs=1, progress="off",
                           allow_missing_contacts=True)


def test_the_run_drops_exact_duplicates_and_records_count_and_currency(tmp_path):
    df = _installments(["twd"] * 6)
    df = pd.concat([df, df.iloc[[1, 1]], df.iloc[[5]]], ignore_index=True)  # three exact duplicates
    df.to_csv(tmp_path / "i.csv", index=False)
    manifest = _score(tmp_path / "i.csv", tmp_path / "out", _bundle_in("TWD", tmp_path))
    assert manifest.duplicates_dropped == {"installments": 3}
    assert manifest.currency == "TWD"
    assert manifest.rows["installments"]["rejected"] == 0
    out = read_outputs(tmp_path / "out")
    assert sorted(out["scores"]["borrower_id"]) == ["b1", "b2", "b3"] and out["rejects"].empty
    again = RunManifest.read(tmp_path / "out" / "manifest.json")
    assert again.duplicates_dropped == {"installments": 3} and again.currency == "TWD"
    html = riskscore.write_report(tmp_path / "out").read_text()
    assert "exact duplicates dropped" in html and "Amounts are in TWD" in html


def test_two_payments_on_one_day_are_kept_and_another_amount_due_rejects_with_the_hint(tmp_path):
    df = _installments()
    split = df.iloc[[3]].assign(amount_paid=20.0)  # a second payment of the same installment on the same day
    other_due = df.iloc[[0]].assign(amount_due=df["amount_due"].iloc[0] + 1.0)  # same key, another amount due
    pd.concat([df, split, other_due], ignore_index=True).to_csv(tmp_path / "i.csv", index=False)
    manifest = _score(tmp_path / "i.csv", tmp_path / "out")
    rejects = read_outputs(tmp_path / "out")["rejects"]
    assert set(rejects["borrower_id"]) == {df["borrower_id"].iloc[0]}
    assert manifest.rejects_by_check["consistent_per_installment"] == 2
    assert rejects.loc[rejects["check"] == "consistent_per_installment", "reason"].iloc[0] == (
        "rows of one installment (key loan_id, installment_no) disagree on amount_due; every row of an installment "
        "(each payment, or the one unpaid row) carries the same amount_due: keep one value")
    assert manifest.duplicates_dropped == {"installments": 0} and manifest.currency is None


def test_a_run_in_two_currencies_is_refused_before_any_chunk(tmp_path):
    _installments(["TWD", "TWD", "twd", "USD", "USD", "TWD"]).to_csv(tmp_path / "i.csv", index=False)
    with pytest.raises(DataError) as info:
        _score(tmp_path / "i.csv", tmp_path / "out")
    assert str(info.value).startswith(f"installments '{tmp_path / 'i.csv'}': the currency column holds 2 currencies "
                                      "(TWD 4 rows, USD 2 rows); ")
    assert len(str(info.value).splitlines()) == 1
    assert not (tmp_path / "out" / ".riskscore-run" / "chunks").exists()


def test_data_in_another_currency_than_the_bundle_is_refused(tmp_path):
    _installments(["usd"] * 6).to_csv(tmp_path / "i.csv", index=False)
    bundle = _bundle_in("TWD", tmp_path)
    with pytest.raises(DataError, match=r"i\.csv': the amounts are in USD but the model bundle was trained on TWD "
                                        r"amounts; score each currency with a bundle trained on it"):
        _score(tmp_path / "i.csv", tmp_path / "out", bundle)
    scorer = riskscore.Scorer.from_bundle(bundle, allow_missing_contacts=True)
    assert scorer.currency == "TWD"
    with pytest.raises(DataError, match=r"^installments: the amounts are in USD but the model bundle was trained on"):
        scorer.score(_typed(_installments(["usd"] * 6)), AS_OF)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(scorer.score(_typed(_installments(["TWD"] * 6)), AS_OF).scores) == 3  # same currency: no warning


def test_one_side_without_a_currency_warns(tmp_path):
    scorer = riskscore.Scorer.from_bundle(_bundle_in("TWD", tmp_path), allow_missing_contacts=True)
    with pytest.warns(DataQualityWarning, match="trained on TWD amounts but the installments have no currency column"):
        scorer.score(_typed(_installments()), AS_OF)
    plain = riskscore.Scorer.from_bundle(BUNDLE, allow_missing_contacts=True)
    with pytest.warns(DataQualityWarning, match="the installments are in TWD but the model bundle records no currency"):
        plain.score(_typed(_installments(["TWD"] * 6)), AS_OF)


def test_validate_prints_duplicates_and_currency(tmp_path, capsys):
    df = _installments(["twd"] * 6)
    pd.concat([df, df.iloc[[0]]], ignore_index=True).to_csv(tmp_path / "i.csv", index=False)
    assert main(["validate", "--installments", str(tmp_path / "i.csv")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "installments: 7 rows, 1 exact duplicates dropped, 0 rejected; amounts in TWD"
    assert main(["validate", "--installments", str(tmp_path / "i.csv"), "--rejects", str(tmp_path / "r.parquet")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == out[0]


def test_validate_refuses_two_currencies_in_one_line(tmp_path, capsys):
    _installments(["TWD", "TWD", "TWD", "USD", "USD", "usd"]).to_csv(tmp_path / "i.csv", index=False)
    assert main(["validate", "--installments", str(tmp_path / "i.csv")]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "riskscore: data error: installments: the currency column holds 2 currencies (TWD 3 rows, USD 3 rows); a run, "
        "a training set and a model bundle are in one currency and riskscore converts none: convert the amounts to "
        "one currency before riskscore, or split the extract by currency and run each part"]


def test_a_manifest_written_before_duplicates_and_currency_still_loads():
    m = RunManifest.from_dict({"format": "riskscore-run", "format_version": "2.0", "run_id": "r", "engine": "local",
                               "as_of": AS_OF, "now": f"{AS_OF}T13:00:00+00:00", "data_date": AS_OF})
    assert m.duplicates_dropped == {} and m.currency is None


def test_training_refuses_two_currencies_and_records_one():
    two = _installments(["TWD", "TWD", "TWD", "USD", "USD", "USD"])
    with pytest.raises(DataError, match=r"^installments: the currency column holds 2 currencies \(TWD 3 rows, USD 3"):
        riskscore.make_snapshots(two, ["2024-05-02"], data_end="2024-05-31")
    with pytest.raises(DataError, match=r"^installments: the currency column holds 2 currencies"):
        riskscore.train(two, as_of_start="2024-03-01", as_of_end="2024-05-01", freq="7D", data_end="2024-05-31")
    snaps = riskscore.make_snapshots(_installments(["twd"] * 6), ["2024-05-02"], data_end="2024-05-31")
    assert snaps.attrs["label_definition"]["currency"] == "TWD"
