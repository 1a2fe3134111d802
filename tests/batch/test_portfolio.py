"""score_portfolio end to end: conservation of rows and borrowers, input forms, refusals, manifest."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from riskscore.batch import STATE_DIR, score_portfolio
from riskscore.exceptions import DataError, RunConflictError
from riskscore.model import load_bundle, save_bundle
from tests.batch.conftest import BUNDLE, read_outputs, write_table


def _run(files, out, as_of, now, **kw):
    kw.setdefault("chunk_borrowers", 250)
    kw.setdefault("n_jobs", 1)
    kw.setdefault("progress", "off")
    return score_portfolio(files["installments"], BUNDLE, as_of, out, borrowers=files.get("borrowers"),
                           contacts=files.get("contacts"), now=now, **kw)


@pytest.fixture(scope="module")
def clean_run(world_files, as_of, now, tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    manifest = _run(world_files, out, as_of, now)
    return manifest, read_outputs(out)


def test_a_clean_run_scores_every_borrower_once(clean_run, world):
    manifest, out = clean_run
    scores = out["scores"]
    assert scores["borrower_id"].is_unique
    assert set(scores["borrower_id"]) == set(world.installments["borrower_id"])
    assert out["rejects"].empty
    scored = scores.loc[scores["status"] == "scored"]
    assert scored["likelihood"].between(0, 1).all() and scored["grade"].notna().all()
    assert (scored[["p_repaid_7d", "p_repaid_14d", "p_repaid_30d", "p_repaid_60d", "p_repaid_90d"]]
            .diff(axis=1).iloc[:, 1:] >= -1e-12).all().all()
    np.testing.assert_allclose(scored["p_repaid_30d"], scored["likelihood"], atol=1e-9)
    assert scores.loc[scores["status"] == "nothing_due", "likelihood"].isna().all()
    assert set(out["plans"]["borrower_id"]) == set(scored["borrower_id"])
    assert set(out["audit"]["borrower_id"]) == set(scored["borrower_id"])
    b = manifest.borrowers
    assert b == {"in": 600, "scored": len(scored), "nothing_due": 600 - len(scored), "rejected": 0}
    assert manifest.rows["installments"]["in"] == len(world.installments)
    assert manifest.chunks["total"] == 3  # 600 borrowers / 250 per chunk
    assert manifest.psi["available"] and manifest.psi["score"][0]["column"] == "likelihood"
    assert {e["file"] for e in manifest.outputs.values()} == {f"{n}.parquet" for n in
                                                                  ("scores", "plans", "audit", "rejects")}


def test_each_step_names_the_debts_in_collection(clean_run, world, as_of):
    """The nightly job's steps carry each borrower's outstanding loans (US-07 counts per debt)."""
    from riskscore.schemas import outstanding_at, validate_installments

    _, out = clean_run
    owed = outstanding_at(validate_installments(world.installments), as_of, lookahead_days=7)
    expected = owed.groupby("borrower_id")["loan_id"].agg(lambda v: ",".join(sorted(set(v))))
    plans = out["plans"]
    assert len(plans) and plans["loan_ids"].notna().all()
    assert (plans["loan_ids"].to_numpy() == expected.reindex(plans["borrower_id"]).to_numpy()).all()


def test_the_manifest_fingerprints_inputs_and_model(clean_run, world_files):
    manifest, _ = clean_run
    import hashlib

    digest = hashlib.sha256(world_files["installments"].read_bytes()).hexdigest()
    assert manifest.inputs["installments"]["files"][0]["sha256"] == digest
    assert manifest.inputs["installments"]["bytes"] == world_files["installments"].stat().st_size
    assert manifest.model["sha256"] == hashlib.sha256((BUNDLE / "manifest.json").read_bytes()).hexdigest()
    assert set(manifest.timings_s) >= {"wall", "count", "partition", "chunks", "assemble", "chunk_stages_cpu"}
    assert manifest.versions["riskscore"] and manifest.versions["holidays"]  # the calendar the plans used


def _inject(world):
    """Installments, borrowers and contacts with bad rows of every kind; returns the tables and the expected checks."""
    inst = world.installments.copy()
    inst["installment_no"] = inst["installment_no"].astype(object)
    ids = inst["borrower_id"].drop_duplicates().to_numpy()
    expect = {}  # borrower -> check that must reject it
    rows = []

    def take(i):
        return inst.loc[inst["borrower_id"] == ids[i]].index

    inst["amount_due"] = inst["amount_due"].astype(object)
    inst.loc[take(0)[0], "amount_due"] = -5.0
    expect[ids[0]] = "greater_than_or_equal_to(0)"
    inst.loc[take(1)[0], "amount_due"] = "lots"
    expect[ids[1]] = "coerce_dtype('float64')"
    inst.loc[take(2)[0], "installment_no"] = 0
    expect[ids[2]] = "greater_than_or_equal_to(1)"
    key_twin = inst.loc[[take(3)[0]]].copy()  # same installment, another amount due: rejects the borrower
    key_twin["amount_due"] = key_twin["amount_due"].astype(float) + 1.0
    rows.append(key_twin)
    expect[ids[3]] = "consistent_per_installment"
    rows.append(inst.loc[[take(11)[0], take(11)[0]]])  # an exact duplicate, twice: both dropped, borrower scored
    # a loan of borrower 4 also booked under borrower 5 (different chunks, most likely)
    other = inst.loc[[take(5)[0]]].copy()
    other["loan_id"] = inst.loc[take(4)[0], "loan_id"]
    other["installment_no"] = 999
    inst.loc[take(5)[0], "loan_id"] = other["loan_id"].iloc[0]
    expect[ids[4]] = "one_borrower_per_loan"
    expect[ids[5]] = "one_borrower_per_loan"
    paid = take(6)[inst.loc[take(6), "paid_date"].notna().to_numpy()][0]
    inst.loc[paid, "paid_date"] = pd.Timestamp("2031-01-01")
    expect[ids[6]] = "not_after_data_date"
    unpaid = inst.loc[take(7)[0]].copy()
    unpaid["paid_date"], unpaid["amount_paid"] = pd.NaT, 0.0
    rows.append(unpaid.to_frame().T)
    expect[ids[7]] = "no_unpaid_row_beside_payments"
    null_row = inst.loc[[take(8)[0]]].copy()
    null_row["borrower_id"] = None
    rows.append(null_row)  # rejected without a borrower; its loan now has two owners (b8 and "none")
    expect[ids[8]] = "one_borrower_per_loan"
    inst = pd.concat([inst, *rows], ignore_index=True)

    borrowers = world.borrowers.copy()
    borrowers.loc[borrowers["borrower_id"] == ids[9], "timezone"] = "Mars/Olympus"
    expect[ids[9]] = "is_iana_timezone"
    contacts = world.contacts.copy()
    contacts["contacted_at"] = contacts["contacted_at"].astype(object)
    victim = contacts.index[contacts["borrower_id"] == ids[10]]
    if len(victim):
        contacts.loc[victim[0], "outcome"] = "shouted"
        expect[ids[10]] = "isin"
    return inst, borrowers, contacts, expect


def test_row_conservation_with_bad_rows_of_every_kind(world, as_of, now, tmp_path):
    inst, borrowers, contacts, expect = _inject(world)
    files = {"installments": tmp_path / "i.parquet", "borrowers": tmp_path / "b.parquet",
             "contacts": tmp_path / "c.parquet"}
    inst.astype({"installment_no": str, "amount_due": str}).to_parquet(files["installments"], index=False)
    borrowers.to_parquet(files["borrowers"], index=False)
    contacts.astype({"contacted_at": str}).to_parquet(files["contacts"], index=False)
    manifest = _run(files, tmp_path / "out", as_of, now)
    out = read_outputs(tmp_path / "out")
    scores, rejects = out["scores"], out["rejects"]

    # every input borrower is in exactly one of scores and rejects; no borrower is invented
    input_ids = set(inst["borrower_id"].dropna())
    rejected_ids = set(rejects.loc[rejects["table"] == "installments", "borrower_id"].dropna())
    assert set(scores["borrower_id"]) | rejected_ids == input_ids
    assert not set(scores["borrower_id"]) & rejected_ids
    assert rejected_ids == set(expect)
    for borrower, check in expect.items():
        checks = ";".join(rejects.loc[rejects["borrower_id"] == borrower, "check"])
        assert check in checks, (borrower, check, checks)
    # every input row is used, rejected or dropped as an exact duplicate exactly once, per table
    inst_rows = rejects.loc[rejects["table"] == "installments", "row"]
    assert inst_rows.is_unique
    used = inst["borrower_id"].isin(scores["borrower_id"])
    assert set(inst_rows) == set(np.flatnonzero(~used.to_numpy()))
    twice = inst.loc[inst.duplicated(), "borrower_id"]
    assert len(twice) == 2 and set(twice) <= set(scores["borrower_id"])  # dropped rows, scored borrower
    assert manifest.duplicates_dropped == {"installments": 2, "borrowers": 0, "contacts": 0}
    assert rejects.loc[rejects["row"].isin(inst.index[inst["borrower_id"].isna()])
                       & (rejects["table"] == "installments"), "borrower_id"].isna().all()
    # the other tables: a rejected borrower loses its rows in every table
    for table, frame in (("borrowers", borrowers), ("contacts", contacts)):
        rows = set(rejects.loc[rejects["table"] == table, "row"])
        assert rows == set(np.flatnonzero(frame["borrower_id"].isin(rejected_ids).to_numpy())), table
    assert manifest.borrowers["rejected"] == len(expect)
    assert manifest.rows["installments"]["rejected"] == len(inst_rows)
    values = json.loads(rejects.loc[rejects["check"].str.contains("greater_than_or_equal_to\\(0\\)"),
                                    "values"].iloc[0])
    assert values["amount_due"] == "-5.0" and "_row" not in values


def test_csv_and_parquet_inputs_give_identical_outputs(clean_run, world, world_files, as_of, now, tmp_path):
    files = dict(world_files)
    for name in ("installments", "contacts"):
        files[name] = tmp_path / f"{name}.csv"
        getattr(world, name).to_csv(files[name], index=False)
    _run(files, tmp_path / "out", as_of, now)
    out = read_outputs(tmp_path / "out")
    for name in ("scores", "plans", "audit", "rejects"):
        pd.testing.assert_frame_equal(out[name], clean_run[1][name], check_exact=True, obj=name)


def test_unsorted_input_gives_the_sorted_result(clean_run, world, world_files, as_of, now, tmp_path):
    rng = np.random.default_rng(5)
    files = {}
    for name in ("installments", "borrowers", "contacts"):
        frame = getattr(world, name)
        files[name] = tmp_path / name  # a folder of three parquet files, rows shuffled across them
        files[name].mkdir()
        shuffled = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
        for i, part in enumerate(np.array_split(np.arange(len(shuffled)), 3)):
            shuffled.iloc[part].to_parquet(files[name] / f"part-{i}.parquet", index=False)
    _run(files, tmp_path / "out", as_of, now, batch_rows=1000)
    out = read_outputs(tmp_path / "out")
    for name in ("scores", "plans", "audit"):
        pd.testing.assert_frame_equal(out[name], clean_run[1][name], check_exact=True, obj=name)


def test_parallel_workers_give_the_single_process_result(clean_run, world_files, as_of, now, tmp_path):
    _run(world_files, tmp_path / "out", as_of, now, n_jobs=2)
    out = read_outputs(tmp_path / "out")
    for name in ("scores", "plans", "audit", "rejects"):
        pd.testing.assert_frame_equal(out[name], clean_run[1][name], check_exact=True, obj=name)


def test_a_run_refuses_to_mix_with_another(world_files, as_of, now, tmp_path):
    out = tmp_path / "out"
    first = _run(world_files, out, as_of, now)
    assert _run(world_files, out, as_of, now) == first  # the same run again: already complete
    assert not (out / STATE_DIR / "chunks").exists()
    with pytest.raises(RunConflictError, match=r"other as_of than this one.*rm -r"):
        _run(world_files, out, str((pd.Timestamp(as_of) - pd.Timedelta(days=1)).date()), now)
    bundle = load_bundle(BUNDLE)
    other = tmp_path / "other_bundle"
    save_bundle(bundle, other, metrics={"note": "another model"}, reference=bundle.reference_)
    with pytest.raises(RunConflictError, match="other model"):
        score_portfolio(world_files["installments"], other, as_of, out, now=now, n_jobs=1, chunk_borrowers=250,
                        borrowers=world_files["borrowers"], contacts=world_files["contacts"], progress="off")
    changed = dict(world_files)
    changed["installments"] = tmp_path / "i.parquet"
    pd.read_parquet(world_files["installments"]).iloc[:-1].to_parquet(changed["installments"], index=False)
    with pytest.raises(RunConflictError, match="other inputs"):
        _run(changed, out, as_of, now)


def test_a_folder_with_unrecorded_outputs_is_refused(world_files, as_of, now, tmp_path):
    (tmp_path / "scores.parquet").write_bytes(b"not ours")
    with pytest.raises(RunConflictError, match="riskscore has no record of"):
        _run(world_files, tmp_path, as_of, now)


def test_a_bundle_with_contact_features_refuses_to_score_without_contacts(world_files, as_of, now, tmp_path):
    files = {"installments": world_files["installments"]}
    with pytest.raises(DataError, match=r"trained with contact-log features .*allow_missing_contacts=True "
                                        r"\(--allow-missing-contacts\)"):
        _run(files, tmp_path / "out", as_of, now)
    assert not (tmp_path / "out").exists()  # refused before any work


def test_without_borrowers_there_are_scores_but_no_plans(world_files, as_of, now, tmp_path):
    files = {"installments": world_files["installments"]}
    manifest = _run(files, tmp_path / "out", as_of, now, allow_missing_contacts=True)
    assert manifest.settings["allow_missing_contacts"] is True
    out = read_outputs(tmp_path / "out")
    assert out["plans"].empty and (out["scores"]["status"] == "scored").sum() == manifest.borrowers["scored"] > 0
    assert manifest.plans["note"] == "no borrowers table: no plans were made"
    assert out["scores"]["language"].dropna().eq("en").all()


def test_capacity_is_shared_and_never_exceeded(world_files, as_of, now, tmp_path):
    # the escalation rule off: the world's log holds a call in the last 90 days for most borrowers in arrears
    _run(world_files, tmp_path / "out", as_of, now, agent_calls_per_day=2,
         policy_options={"call_wait_days": None, "max_window_calls": None})
    plans = read_outputs(tmp_path / "out")["plans"]
    calls = plans.loc[plans["action"] == "agent_call"]
    assert len(calls) and calls.groupby(calls["window_start_local"].str[:10]).size().max() <= 2


def test_bad_arguments_are_refused(world_files, as_of, tmp_path):
    with pytest.raises(ValueError, match="The 'chunk_borrowers' parameter of score_portfolio must be an int in the"):
        score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path, chunk_borrowers=0)
    with pytest.raises(ValueError, match="as_of must be a calendar date"):
        score_portfolio(world_files["installments"], BUNDLE, "2025-01-01 10:00", tmp_path)
    with pytest.raises(FileNotFoundError, match="No such file or folder"):
        score_portfolio(tmp_path / "missing.parquet", BUNDLE, as_of, tmp_path)
    with pytest.raises(ValueError, match="COUNTRY=PROFILE"):
        score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path, profile="US=,x")
    frame = pd.read_parquet(world_files["installments"])  # a notebook's frame: was "expected str, bytes or ..."
    with pytest.raises(TypeError, match=re.escape("score_portfolio reads files, and installments is a DataFrame: "
                                                  "write it first (df.to_parquet('installments.parquet'))")):
        score_portfolio(frame, BUNDLE, as_of, tmp_path)
    with pytest.raises(TypeError, match="score_portfolio: contacts must be a path"):
        score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path, contacts=5)
    shutil.rmtree(tmp_path)


def test_an_as_of_date_before_anything_is_due_is_named_in_a_warning(world, world_files, as_of, now, tmp_path,
                                                                     caplog):
    """--as-of 2020-01-01 for 2025-01-01 (a typo) scored nobody, planned nothing and exited 0 without a word."""
    early = (pd.Timestamp(world.installments["due_date"].min()) - pd.Timedelta(days=400)).date()
    with caplog.at_level("WARNING", logger="riskscore.batch"):
        m = score_portfolio(world_files["installments"], BUNDLE, str(early), tmp_path / "run", now=now, n_jobs=1,
                            borrowers=world_files["borrowers"], contacts=world_files["contacts"])
    assert m.borrowers["scored"] == 0 and m.borrowers["nothing_due"] == m.borrowers["in"] - m.borrowers["rejected"]
    assert [r.getMessage() for r in caplog.records if "nothing is due" in r.getMessage()] == [
        f"nothing is due at the as-of date {early} for any of the {m.borrowers['nothing_due']:,} borrowers not "
        f"rejected: nobody is scored or planned (the data's last date is {m.data_date}); is the as-of date the one "
        "you meant?"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="riskscore.batch"):
        score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run2", now=now, n_jobs=1,
                        borrowers=world_files["borrowers"], contacts=world_files["contacts"])
    assert "nothing is due" not in caplog.text


def test_a_borrowers_table_whose_ids_match_nobody_is_named_in_a_warning(world, world_files, as_of, now, tmp_path,
                                                                         caplog):
    """Borrower ids written another way in the borrowers table (B001 against 001) once left every scored
    borrower to human review without a word."""
    other = world.borrowers.assign(borrower_id="X" + world.borrowers["borrower_id"])
    write_table(other, tmp_path / "borrowers.parquet", "borrowers")
    with caplog.at_level("WARNING", logger="riskscore.batch"):
        m = score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run", now=now, n_jobs=1,
                            borrowers=tmp_path / "borrowers.parquet", contacts=world_files["contacts"])
    scored = m.borrowers["scored"]
    assert scored > 0 and m.plans["actions"] == {"human_review": scored}
    assert (f"borrowers: {scored} of {scored} scored borrowers have no row in the borrowers table (ids are compared "
            "as text, exactly: '007' is neither '7' nor 'B007'): they get no plan but human review") in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="riskscore.batch"):
        score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run2", now=now, n_jobs=1,
                        borrowers=world_files["borrowers"], contacts=world_files["contacts"])
    assert "scored borrowers have no row" not in caplog.text
    caplog.clear()


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_contact_log_of_no_borrower_of_the_installments_stops_the_run_before_any_plan(world, world_files, as_of,
                                                                                         now, tmp_path, n_jobs):
    """A contact log whose ids are written another way (``X``-prefixed here; ``7.0`` against ``7`` as pandas
    writes a float column) matched nobody: the run warned and planned every borrower as never contacted, so
    a plan could call a borrower the log says was called seven times that week. It stops now, before any
    chunk, in one line (in one stream and in pieces); a log with one matching row runs."""
    other = pd.read_parquet(world_files["contacts"])
    write_table(other.assign(borrower_id="X" + other["borrower_id"]), tmp_path / "contacts.parquet", "contacts")
    with pytest.raises(DataError) as info:
        score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run3", now=now, n_jobs=n_jobs,
                        chunk_borrowers=100, borrowers=world_files["borrowers"], contacts=tmp_path / "contacts.parquet")
    first = min(pd.read_parquet(world_files["installments"], columns=["borrower_id"])["borrower_id"])
    assert str(info.value) == (
        f"contacts: none of its {len(other):,} rows is of a borrower of the installments (ids are compared as text, "
        f"exactly); the installments write ids like {first!r}, the contact log like {'X' + min(other['borrower_id'])!r}"
        "; plans made without the borrowers' contact history could break the contact rules (a cap counts the "
        "contacts the log holds), so the run stops: give the contact log of these borrowers, their ids written as "
        "the installments write them (if none of them was ever contacted: no contact log, --allow-missing-contacts; "
        "allow_missing_contacts=True in Python)")
    assert not (tmp_path / "run3" / "plans.parquet").exists()
    one = other.assign(borrower_id="X" + other["borrower_id"])
    one.loc[one.index[-1], "borrower_id"] = other["borrower_id"].iloc[-1]  # one row of a borrower of theirs
    write_table(one, tmp_path / "contacts.parquet", "contacts")
    m = score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run4", now=now, n_jobs=n_jobs,
                        chunk_borrowers=100, borrowers=world_files["borrowers"], contacts=tmp_path / "contacts.parquet")
    assert m.chunks["total"] > 1 and m.borrowers["scored"] > 0


def _chunked_run(borrowers, world_files, as_of, now, tmp_path, caplog, **options):
    """The world's job with this borrowers table, in several chunks, its warnings captured."""
    write_table(borrowers, tmp_path / "borrowers.parquet", "borrowers")
    with caplog.at_level("WARNING", logger="riskscore.batch"):
        m = score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run", now=now, n_jobs=1,
                            chunk_borrowers=250, borrowers=tmp_path / "borrowers.parquet",
                            contacts=world_files["contacts"], **options)
    assert m.chunks["total"] > 1
    return m


def test_a_country_column_of_names_is_one_warning_for_the_whole_run(world, world_files, as_of, now, tmp_path, caplog):
    """Under strict_v1 the borrowers' country picks their public holidays; 'India' is no code the holidays
    package reads. Each chunk's planner sees it; the run says it once, with the count over all chunks."""
    b = world.borrowers.assign(country="India")
    m = _chunked_run(b, world_files, as_of, now, tmp_path, caplog, profile="strict_v1")
    lines = [r.getMessage() for r in caplog.records if "country holds values" in r.getMessage()]
    planned = m.plans["borrowers"]
    assert lines == [f"borrowers' country holds values the holidays package knows no public holidays for ('India' "
                     f"({planned:,}); {planned:,} borrowers): their contacts avoid the holidays of their time zones' "
                     "countries only; give ISO 3166 country codes (CN, GB, US) or pass holidays=[...]. The audit of "
                     "the rule names them."]


def test_borrowers_of_other_countries_under_a_single_profile_are_one_warning(world, world_files, as_of, now,
                                                                            tmp_path, caplog):
    """The default profile is the US one: a lender's Kazakh borrowers (or the world's CN, GB, IN and AU
    ones) were planned under US rules without a word. The run says it once, counted over its chunks;
    with each country its own profile (codes in any case, alpha-3 too) it says nothing."""
    b = world.borrowers.assign(country=np.where(world.borrowers["country"] == "US", "usa", "kz"))
    _chunked_run(b, world_files, as_of, now, tmp_path, caplog)
    plans = pd.read_parquet(tmp_path / "run" / "plans.parquet").drop_duplicates("borrower_id")
    kz = int(plans["borrower_id"].isin(b.loc[b["country"] == "kz", "borrower_id"]).sum())
    assert 0 < kz < len(plans)
    lines = [r.getMessage() for r in caplog.records if "another country" in r.getMessage()]
    assert lines == [f"borrowers: {kz:,} planned under the contact rules of another country than their own (KZ under "
                     f"us_reg_f_2021 (US) {kz:,}): give each country its own profile, and the strictest to the others: "
                     "--profile US=us_reg_f_2021,CN=cn_gbt45251_2025,GB=uk_fca_conc7_2024,*=strict_v1 (profile= in "
                     "Python; a YAML file of your own rules is a profile too)"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="riskscore.batch"):
        score_portfolio(world_files["installments"], BUNDLE, as_of, tmp_path / "run2", now=now, n_jobs=1,
                        borrowers=tmp_path / "borrowers.parquet", contacts=world_files["contacts"],
                        profile="US=us_reg_f_2021,*=strict_v1")
    assert "another country" not in caplog.text
    steps = pd.read_parquet(tmp_path / "run2" / "plans.parquet").drop_duplicates("borrower_id")
    us = steps["borrower_id"].isin(b.loc[b["country"] == "usa", "borrower_id"])
    assert set(steps.loc[us, "profile"]) == {"us_reg_f_2021"} and set(steps.loc[~us, "profile"]) == {"strict_v1"}


def test_borrowers_in_a_language_without_texts_are_one_warning(world, world_files, as_of, now, tmp_path, caplog):
    """Borrowers whose language riskscore writes nothing in (Russian) got English reasons and messages, said
    only in each plan's rationale; the run now says it once, counted over its chunks."""
    b = world.borrowers.assign(language=np.where(world.borrowers["language"] == "zh", "ru-RU", "en"))
    _chunked_run(b, world_files, as_of, now, tmp_path, caplog, profile="strict_v1")
    scores = pd.read_parquet(tmp_path / "run" / "scores.parquet").query("status == 'scored'")
    ru = int(scores["borrower_id"].isin(b.loc[b["language"] == "ru-RU", "borrower_id"]).sum())
    assert 0 < ru < len(scores) and set(scores["language"]) == {"en"}
    lines = [r.getMessage() for r in caplog.records if "writes no reasons" in r.getMessage()]
    assert lines == [f"borrowers: {ru:,} scored in a language riskscore writes no reasons or contact messages in "
                     f"('ru' {ru:,}): theirs are in 'en', the run's language (riskscore writes 'en' and 'zh'); the "
                     "plans' rationale says so per borrower"]
