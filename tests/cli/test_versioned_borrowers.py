"""riskscore validate and train on the lender example with a customers table versioned in time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskscore.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "examples" / "lender"


@pytest.fixture
def lender(tmp_path):
    """The example with a credit limit, revised for 150 customers from 15 March 2025 (a day-first date, as
    the rest of the extract), mapped by the columns file."""
    for name in ("repayments.csv", "customers.csv", "columns.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    customers = pd.read_csv(tmp_path / "customers.csv", dtype=str, keep_default_na=False)
    customers["Credit Limit"] = (np.random.default_rng(0).integers(10, 100, len(customers)) * 100).astype(str)
    customers["Valid From"] = ""
    revised = customers.sample(150, random_state=1).assign(
        **{"Credit Limit": lambda t: (t["Credit Limit"].astype(int) * 2).astype(str), "Valid From": "15/03/2025"})
    pd.concat([customers, revised]).to_csv(tmp_path / "customers.csv", index=False)
    text = (tmp_path / "columns.yaml").read_text()
    text = text.replace('  "Country": country\n', '  "Country": country\n  "Credit Limit": credit_limit\n'
                                                   '  "Valid From": valid_from\n')
    (tmp_path / "columns.yaml").write_text(text.replace('  installments: "%d/%m/%Y"\n',
                                                        '  installments: "%d/%m/%Y"\n  borrowers: "%d/%m/%Y"\n'))
    return tmp_path, len(customers)


def _inputs(folder):
    return ["--installments", str(folder / "repayments.csv"), "--borrowers", str(folder / "customers.csv"),
            "--columns", str(folder / "columns.yaml")]


def test_validate_says_the_table_is_versioned(lender, capsys):
    folder, n = lender
    assert main(["validate", *_inputs(folder)]) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("borrowers:")][-1]
    assert line == f"borrowers: {n + 150:,} rows ({n:,} borrowers, versioned in time by valid_from), 0 exact " \
                   "duplicates dropped, 0 rejected"


def test_train_takes_the_table_and_two_versions_of_one_date_are_rejected(lender, capsys):
    folder, _ = lender
    assert main(["train", *_inputs(folder), "--static", "credit_limit", "--credit-limit", "credit_limit",
                 "--out", str(folder / "bundle")]) == 0
    model = json.loads((folder / "bundle" / "model.json").read_text())
    assert model["feature_builder"]["static"] == ["credit_limit"]
    # a revision given twice for one day, differently, is two versions of one date: both rows rejected, with
    # the customer's others
    customers = pd.read_csv(folder / "customers.csv", dtype=str, keep_default_na=False)
    twice = customers[customers["Valid From"] != ""].iloc[:1].assign(Lang="fr")
    pd.concat([customers, twice]).to_csv(folder / "customers.csv", index=False)
    capsys.readouterr()
    assert main(["validate", *_inputs(folder), "--rejects", str(folder / "rejects.parquet")]) == 0
    rejects = pd.read_parquet(folder / "rejects_borrowers.parquet")
    assert sorted(rejects["check"]) == ["borrower_has_rejected_rows", "field_uniqueness", "field_uniqueness"]
    assert rejects["borrower_id"].nunique() == 1


def test_train_rejects_a_customer_with_two_limits_of_one_date(lender, capsys):
    """Two rows equal but for the credit limit were exact duplicates (the contract does not read the limit):
    training kept the first unseen. The column training reads is compared: the customer is rejected."""
    folder, _ = lender
    customers = pd.read_csv(folder / "customers.csv", dtype=str, keep_default_na=False)
    twice = customers[customers["Valid From"] != ""].iloc[:1].assign(**{"Credit Limit": "1"})
    pd.concat([customers, twice]).to_csv(folder / "customers.csv", index=False)
    assert main(["train", *_inputs(folder), "--static", "credit_limit", "--out", str(folder / "bundle")]) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("borrowers:")][-1]
    assert ", 0 exact duplicates dropped, 3 rejected (1 borrowers: field_uniqueness 2, borrower_has_rejected_rows 1)" \
        in line, line


def test_an_own_column_named_as_the_extract_names_it_points_to_its_new_name(lender, capsys):
    """The columns file renames "Credit Limit" to credit_limit: --static "Credit Limit" said only that the
    borrowers have no such column."""
    folder, _ = lender
    out = str(folder / "bundle")
    assert main(["train", *_inputs(folder), "--static", "Credit Limit", "--out", out]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "--static: the columns file renames the borrowers' column 'Credit Limit' to 'credit_limit'; name it so: "
        "--static credit_limit")
    assert main(["train", *_inputs(folder), "--static", "credit_limit", "--credit-limit", "Credit Limit",
                 "--out", out]) == 2
    assert "--credit-limit: the columns file renames" in capsys.readouterr().err
    assert not (folder / "bundle").exists()
