"""The run contract: every output table of a run follows its schema; the manifest is typed and versioned."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from riskscore.batch import score_portfolio
from riskscore.contract import (
    AUDIT_COLUMNS,
    OUTPUTS,
    PLAN_COLUMNS,
    RUN_FORMAT_VERSION,
    RunManifest,
    output_schema,
    reason_columns,
    to_arrow,
)
from riskscore.exceptions import ContractError, DataError
from riskscore.policy import plan_portfolio
from tests.batch.conftest import BUNDLE


@pytest.fixture(scope="module")
def run(world_files, as_of, now, tmp_path_factory):
    out = tmp_path_factory.mktemp("contract") / "run"
    manifest = score_portfolio(world_files["installments"], BUNDLE, as_of, out, borrowers=world_files["borrowers"],
                               contacts=world_files["contacts"], now=now, chunk_borrowers=300, n_jobs=1,
                               progress="off")
    return out, manifest


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_every_output_follows_its_arrow_and_pandera_schema(run, name):
    folder, _ = run
    table = pq.read_table(folder / f"{name}.parquet")
    assert table.schema.remove_metadata() == OUTPUTS[name]
    frame = table.to_pandas()
    assert len(frame) > 0 or name == "rejects"  # a clean world has no rejects
    schema = output_schema(name)
    assert list(schema.columns) == OUTPUTS[name].names
    schema.validate(frame, lazy=True)
    with pytest.raises(Exception, match="column 'extra' not in DataFrameSchema"):
        schema.validate(frame.assign(extra=1))


def test_the_policy_and_report_columns_come_from_the_contract(run):
    folder, _ = run
    plans = pd.read_parquet(folder / "plans.parquet")
    assert list(plans.columns[:len(PLAN_COLUMNS)]) == PLAN_COLUMNS
    assert list(pd.read_parquet(folder / "audit.parquet").columns) == AUDIT_COLUMNS
    scores = pd.read_parquet(folder / "scores.parquet")
    assert [c for c in scores.columns if c.startswith("reason_")] == reason_columns()
    empty_steps, empty_audit = plan_portfolio(pd.DataFrame(columns=["likelihood"]), None, pd.DataFrame(),
                                              now="2025-01-01 13:00")
    assert list(empty_steps.columns) == OUTPUTS["plans"].names and list(empty_audit.columns) == AUDIT_COLUMNS


def test_the_manifest_round_trips_and_is_what_the_run_returned(run):
    folder, manifest = run
    read = RunManifest.read(folder / "manifest.json")
    assert read == manifest and read.engine == "local"
    data = json.loads((folder / "manifest.json").read_text())
    assert data["format"] == "riskscore-run" and data["format_version"] == RUN_FORMAT_VERSION
    assert RunManifest.from_dict(json.loads(manifest.to_json())) == manifest
    assert manifest.borrowers["in"] == manifest.borrowers["scored"] + manifest.borrowers["nothing_due"] \
        + manifest.borrowers["rejected"]


def test_manifests_of_another_format_or_version_are_refused(run, tmp_path):
    _, manifest = run
    data = manifest.to_dict()
    old = {k: v for k, v in data.items() if k != "engine"} | {"format_version": "1.0"}
    assert RunManifest.from_dict(old).engine == "local"  # written by the local engine before 2.0
    cases = [
        ({**data, "format_version": "3.0"}, r"format_version 3\.0 is newer than this riskscore reads \(2\.x\)"),
        ({**data, "format": None}, r"not a riskscore run manifest \(format None"),
        ({k: v for k, v in data.items() if k != "data_date"}, "run manifest lacks data_date"),
        ({**data, "engine": "dask"}, "engine must be 'local' or 'spark', got 'dask'"),
        ([1, 2], "a run manifest is a JSON object, got list"),
    ]
    for bad, message in cases:
        with pytest.raises(ContractError, match=message):
            RunManifest.from_dict(bad, source="m.json")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ContractError, match=r"manifest.json' cannot be read as a run manifest"):
        RunManifest.read(tmp_path / "manifest.json")
    with pytest.raises(ContractError, match=r"missing.json' does not exist: give the --out folder"):
        RunManifest.read(tmp_path / "missing.json")
    with pytest.raises(dataclasses.FrozenInstanceError):
        manifest.engine = "spark"  # type: ignore[misc]


def test_outputs_refuse_columns_outside_the_contract():
    frame = pd.DataFrame({n: [] for n in OUTPUTS["rejects"].names})
    assert to_arrow(frame, OUTPUTS["rejects"]).schema == OUTPUTS["rejects"]
    with pytest.raises(ContractError, match=r"missing \['values'\], unexpected \['extra'\]"):
        to_arrow(frame.drop(columns="values").assign(extra=1), OUTPUTS["rejects"])
    with pytest.raises(ContractError, match="There is no output table 'score'; the outputs are scores, plans"):
        output_schema("score")


def test_a_message_only_data_error_keeps_its_contract():
    err = DataError.from_message("contacts", "contacts: give the contact log")
    assert str(err) == "contacts: give the contact log" and err.table == "contacts"
    assert list(err.failure_cases.columns) == ["table", "column", "check", "index", "failure_case", "reason"]
    assert err.reason_codes == []
