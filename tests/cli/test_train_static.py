"""riskscore train --static and --categorical: own columns, refused in one line when protected or without a table."""

from __future__ import annotations

import pytest

from riskscore.cli import main


@pytest.fixture
def files(tmp_path, installments, borrowers):
    paths = {"installments": tmp_path / "installments.csv", "borrowers": tmp_path / "borrowers.csv"}
    installments.to_csv(paths["installments"], index=False)
    borrowers.assign(income=[1000.0, 2000.0], SEX=["f", "m"]).to_csv(paths["borrowers"], index=False)
    return paths


def _train(files, tmp_path, *extra):
    return main(["train", "--installments", str(files["installments"]), "--out", str(tmp_path / "bundle"), *extra])


def test_a_protected_static_column_is_refused_in_one_line(files, tmp_path, capsys):
    assert _train(files, tmp_path, "--borrowers", str(files["borrowers"]), "--static", "income,SEX") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "static column 'SEX' looks like the protected attribute 'sex'" in err[0]
    assert _train(files, tmp_path, "--borrowers", str(files["borrowers"]), "--static", "income",
                  "--protected", "income") == 1
    assert "static column 'income' looks like the protected attribute 'income'" in capsys.readouterr().err


def test_static_columns_need_the_borrowers_table(files, tmp_path, capsys):
    assert _train(files, tmp_path, "--static", "income") == 2
    assert "--static needs --borrowers" in capsys.readouterr().err
    assert not (tmp_path / "bundle").exists()


def test_categorical_columns_are_refused_like_static_ones(files, tmp_path, capsys):
    assert _train(files, tmp_path, "--categorical", "SEX") == 2  # no table: a usage error first
    assert "--categorical needs --borrowers" in capsys.readouterr().err
    assert _train(files, tmp_path, "--borrowers", str(files["borrowers"]), "--categorical", "SEX") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "categorical column 'SEX' looks like the protected attribute 'sex'" in err[0]
    assert _train(files, tmp_path, "--borrowers", str(files["borrowers"]), "--static", "income",
                  "--categorical", "income") == 1
    assert "column 'income' is both static (a number) and categorical (text)" in capsys.readouterr().err
    assert not (tmp_path / "bundle").exists()
