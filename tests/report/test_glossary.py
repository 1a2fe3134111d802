"""Glossary, grades, bands, ties and runs over time: from their sources, on tiny inputs and the shared run."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from riskscore.batch import score_portfolio
from riskscore.cli import main
from riskscore.exceptions import ContractError
from riskscore.explain import FAMILIES, SENTENCES, feature_kind
from riskscore.metrics import score_bands
from riskscore.policy import load_profile
from riskscore.report import summarise_history, write_history
from riskscore.report._glossary import link_codes, reason_glossary, rule_glossary
from riskscore.report._risk import grade_table, likelihood_ties, score_band_table
from tests.batch.conftest import BUNDLE


def test_reason_entries_come_from_the_catalogue():
    feats = ["share_late_3", "share_late_12", "days_past_due", "income"]
    g = {e["code"]: e for e in reason_glossary(feats, ["zh", "en"])}
    assert list(g) == ["RS-LATE-HIST", "RS-ARREARS", "RS-OWN-DATA", "RS-NONE"]
    late = g["RS-LATE-HIST"]
    assert late["names"] == FAMILIES["late_history"][1]
    assert late["sentences"] == [{"kind": "share_late_{w}", "features": ["share_late_3", "share_late_12"],
                                  "text": SENTENCES[feature_kind("share_late_3")]}]
    assert g["RS-OWN-DATA"]["sentences"][0]["text"]["en"].startswith("the borrower's {column}")


def test_rule_entries_come_from_the_profiles():
    audit = pd.DataFrame({"profile": ["strict_v1", "us_reg_f_2021", "gone_v9"], "rule_id": ["ST-HARDSHIP", "US-12",
                          "X-1"], "kind": ["review_flag", "channel_consent", "block_flag"], "basis": ["policy"] * 3})
    g = {(e["profile"], e["rule_id"]): e for e in rule_glossary(audit)}
    us = load_profile("us_reg_f_2021").rule("US-12")
    assert (g["us_reg_f_2021", "US-12"]["title"], g["us_reg_f_2021", "US-12"]["cite"]) == (us.title, us.cite)
    assert g["us_reg_f_2021", "US-12"]["basis"] == us.basis
    gone = g["gone_v9", "X-1"]
    assert gone["title"] is None and "cannot be loaded" in gone["note"] and gone["basis"] == "policy"


def test_codes_in_free_text_are_linked_and_the_rest_escaped():
    anchors = {"RS-OWED": "g-RS-OWED", "strict_v1/ST-HARDSHIP": "g-strict_v1-ST-HARDSHIP"}
    html = str(link_codes("flag (ST-HARDSHIP, CONC 7.3.4R); reasons: RS-OWED: <b> & US-99", anchors, "strict_v1"))
    assert html.count('class="code"') == 2 and "&lt;b&gt; &amp; US-99" in html


def test_empty_grades_are_listed_with_their_range():
    scored = pd.DataFrame({"grade": ["A", "A", "C"], "amount_at_risk": [1.0, 2.0, 4.0], "likelihood": [.9, .8, .3]})
    rows = grade_table(scored, ["A", "B", "C"], [620.0, 600.0])
    assert [(r["grade"], r["borrowers"], r["points_low"], r["points_high"]) for r in rows] == \
        [("A", 2, 620.0, None), ("B", 0, 600.0, 620.0), ("C", 1, None, 600.0)]
    assert rows[1]["likelihood"] is None and rows[0]["amount"] == 3.0
    tied = grade_table(scored, ["A", "B", "C"], [615.0, 615.0])  # isotonic ties: equal cut-offs
    assert [r["zero_width"] for r in tied] == [False, True, False]


def test_bands_count_everyone_and_take_rates_from_metrics():
    rng = np.random.default_rng(0)
    points = rng.uniform(480, 660, 300)
    y = rng.uniform(size=300) < (points - 450) / 220
    rows = score_band_table(points, 20.0, score_bands(y, points, 20.0))
    assert sum(r["borrowers"] for r in rows) == 300 and rows[-1]["cum_share"] == pytest.approx(1.0)
    assert [r["points_low"] for r in rows] == sorted({float(np.floor(p / 20) * 20) for p in points}, reverse=True)
    best = rows[0]
    inside = points >= best["points_low"]
    assert best["repaid_rate"] == pytest.approx(y[inside].mean())


def test_ties_are_named_with_their_counts():
    t = likelihood_ties(np.r_[np.full(40, 0.109), np.full(30, 0.681), np.linspace(0.2, 0.9, 30)], isotonic=True)
    assert t["distinct"] == 32 and [(s["likelihood"], s["borrowers"]) for s in t["shared"]] == [(0.109, 40),
                                                                                                   (0.681, 30)]
    assert "10.9% (40)" in t["note"] and "isotonic" in t["note"]
    assert likelihood_ties(np.linspace(0, 1, 100), isotonic=True)["note"] is None


@pytest.fixture(scope="module")
def earlier_run(run_dir, report_as_of, tmp_path_factory):
    """The shared run's inputs scored again four weeks earlier: a real second as-of date."""
    as_of = report_as_of - pd.Timedelta(days=28)
    out = tmp_path_factory.mktemp("earlier") / "run"
    inputs = {n: run_dir.parent / f"{n}.parquet" for n in ("installments", "borrowers", "contacts")}
    score_portfolio(inputs["installments"], BUNDLE, as_of, out, borrowers=inputs["borrowers"],
                    contacts=inputs["contacts"], now=as_of.tz_localize("UTC") + pd.Timedelta(hours=13),
                    profile="*=strict_v1", n_jobs=1, progress="off")
    return out


@pytest.mark.slow  # a second scoring run of the shared world (about 5 s)
def test_history_of_two_real_runs(run_dir, earlier_run, tmp_path):
    for name, run in (("later", run_dir), ("earlier", earlier_run)):
        shutil.copytree(run, tmp_path / name)
    h = summarise_history(tmp_path)
    assert [r["folder"] for r in h["runs"]] == ["earlier", "later"], "by as-of date, not by name"
    for r, run in zip(h["runs"], (earlier_run, run_dir), strict=True):
        m = json.loads((run / "manifest.json").read_text())
        assert (r["as_of"], r["scored"], r["steps"], r["actions"]) == (m["as_of"], m["borrowers"]["scored"],
                                                                      m["plans"]["steps"], m["plans"]["actions"])
        assert r["score_psi"] == m["psi"]["score"][0]["psi"] and r["drifted"] == len(m["psi"]["flagged"])


@pytest.fixture
def history(run_dir, tmp_path):
    for name, as_of, psi in (("b", "2025-09-01", 0.3), ("a", "2025-10-01", 0.05)):
        folder = tmp_path / name
        folder.mkdir()
        for f in ("manifest.json", "scores.parquet"):
            shutil.copy(run_dir / f, folder / f)
        m = json.loads((folder / "manifest.json").read_text())
        m["as_of"], m["psi"]["score"][0]["psi"] = as_of, psi
        (folder / "manifest.json").write_text(json.dumps(m))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json")
    (tmp_path / "notes").mkdir()  # no manifest: not a run, ignored
    return tmp_path


def test_history_reads_each_runs_manifest_in_date_order(history, run_dir):
    h = summarise_history(history)
    m = json.loads((run_dir / "manifest.json").read_text())
    assert [(r["folder"], r["as_of"], r["score_psi"]) for r in h["runs"]] == [("b", "2025-09-01", 0.3),
                                                                            ("a", "2025-10-01", 0.05)]
    assert h["runs"][0]["scored"] == m["borrowers"]["scored"] and h["runs"][0]["steps"] == m["plans"]["steps"]
    assert [s["folder"] for s in h["skipped"]] == ["broken"]
    assert all(sum(v[i] for v in h["mix"].values()) == pytest.approx(1.0) for i in range(2))
    scores = pd.read_parquet(run_dir / "scores.parquet")
    assert h["runs"][0]["mean_likelihood"] == pytest.approx(scores.loc[scores["status"] == "scored",
                                                                       "likelihood"].mean())
    html = write_history(history).read_text()
    assert html.count("<svg") == 6 and "<script" not in html and "broken" in html


def test_history_errors_and_cli(history, tmp_path_factory, capsys):
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(ContractError, match="holds no run folder"):
        summarise_history(empty)
    assert main(["report", "--history", str(empty)]) == 1
    assert "holds no run folder" in capsys.readouterr().err
    assert main(["report", "--history", str(history), "--run", str(history / "a")]) == 2
    assert main(["report"]) == 2
    assert "give either --run RUN" in capsys.readouterr().err
    assert main(["report", "--history", str(history), "--out", str(history / "h.html")]) == 0
    assert (history / "h.html").stat().st_size > 5_000
