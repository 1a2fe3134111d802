"""The report: its numbers against the run's outputs, escaping, self-containment, pages, CLI."""

from __future__ import annotations

import copy
import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from riskscore.cli import main
from riskscore.labels import make_labels
from riskscore.report import (
    Run,
    backtest,
    choose_borrowers,
    explain_borrower,
    render_report,
    summarise_run,
    write_report,
)
from riskscore.schemas import validate_installments
from tests.batch.conftest import BUNDLE, read_outputs
from tests.report.conftest import EVIL

PAGES = {"review": 2, "largest": 2, "random": 2}


@pytest.fixture(scope="module")
def summary(run_dir, protected, evil_id):
    return summarise_run(run_dir, pages=PAGES, borrowers=[EVIL], protected=protected)


@pytest.fixture(scope="module")
def html(summary):
    return render_report(summary)


@pytest.fixture(scope="module")
def outputs(run_dir):
    out = read_outputs(run_dir)
    out["scored"] = out["scores"].loc[out["scores"]["status"] == "scored"]
    return out


def test_overview_matches_the_run(summary, outputs):
    o, scored = summary["overview"], outputs["scored"]
    assert o["borrowers"]["scored"] == len(scored)
    assert o["amount_at_risk"] == pytest.approx(scored["amount_at_risk"].sum(), rel=1e-12)
    assert sum(o["likelihood_hist"]["counts"]) == len(scored) == sum(o["days_hist"]["counts"])
    grades = {g["grade"]: g["borrowers"] for g in o["grades"]}
    assert list(grades) == list("ABCDEFG"), "every grade of the bundle is listed, empty ones too"
    assert {g: k for g, k in grades.items() if k} == scored["grade"].value_counts().to_dict()
    assert o["ties"]["distinct"] == scored["likelihood"].nunique()
    first = o["likelihood_hist"]["counts"]
    assert first[-1] == int((scored["likelihood"] >= 0.95).sum())


def test_reason_shares_are_counted_per_borrower(summary, outputs):
    scored = outputs["scored"]
    codes = scored[[f"reason_{i}_code" for i in range(1, 5)]]
    for row in summary["reasons"]["codes"]:
        has = (codes == row["code"]).any(axis=1)
        assert row["borrowers"] == int(has.sum())
        assert row["first"] == int((scored["reason_1_code"] == row["code"]).sum())
        for g, shares in summary["reasons"]["by_grade"].items():
            in_grade = scored["grade"] == g
            i = summary["reasons"]["codes"].index(row)
            assert shares[i] == pytest.approx(has[in_grade].mean())


def test_actions_match_plans_and_audit(summary, outputs):
    a, plans, audit = summary["actions"], outputs["plans"], outputs["audit"]
    assert {r["action"]: r["borrowers"] for r in a["by_action"]} == \
        plans.groupby("action")["borrower_id"].nunique().to_dict()
    assert a["review"] == plans.loc[plans["action"] == "human_review", "borrower_id"].nunique()
    hit = audit.loc[audit["outcome"] == "blocked"]
    review = hit["kind"] == "review_flag"
    for rows, part in ((a["blocked_by_rule"], hit.loc[~review]), (a["review_by_rule"], hit.loc[review])):
        got = pd.Series({r["rule_id"]: r["borrowers"] for r in rows}, dtype=int).groupby(level=0).sum()
        assert got.sort_index().to_dict() == part.groupby("rule_id")["borrower_id"].nunique().sort_index().to_dict()
    assert a["blocked_by_rule"] and a["review_by_rule"], "the world has flags: both tables must show rules"
    assert {r["kind"] for r in a["review_by_rule"]} == {"review_flag"}
    assert "review_flag" not in {r["kind"] for r in a["blocked_by_rule"]}, "review flags are not counted as blocks"
    first = plans.drop_duplicates("borrower_id")
    d = a["decisions"]  # no exploration in this run: every decision is the default, propensity 1
    assert {r["decision"]: r["borrowers"] for r in d["rows"]} == first["decision"].value_counts().to_dict()
    assert d["explored"] == 0 and d["min_propensity"] == 1.0 and d["explore_share"] == 0.0
    assert a["reviewed_borrowers"] == hit.loc[review, "borrower_id"].nunique()
    assert a["contacted"] == plans.loc[~plans["action"].isin(["none", "human_review"]), "borrower_id"].nunique()


def test_backtest_uses_the_outcomes_after_the_as_of_date(summary, run_dir, outputs, report_world, report_as_of):
    bt = summary["backtest"]
    assert bt["available"] and bt["rows"] == len(outputs["scored"]) and not bt["sampled"]
    inst = validate_installments(report_world.installments)
    end = pd.Timestamp(Run(run_dir).manifest.data_date)
    labels = make_labels(inst, report_as_of, data_end=end)
    repaid = labels["event"] & (labels["time"] <= 30)
    assert bt["observed_rate"] == pytest.approx(repaid.mean(), abs=1e-12)
    assert bt["follow_up_days"] == (end - report_as_of).days
    assert sum(b["rows"] for b in bt["calibration"]) == bt["rows"]


def test_backtest_waits_until_outcomes_are_known(run_dir, outputs):
    run = Run(run_dir)
    run.manifest = dataclasses.replace(
        run.manifest, data_date=str((pd.Timestamp(run.manifest.as_of) + pd.Timedelta(days=29)).date()))

    section, outcomes = backtest(run, 30, outputs["scored"])
    assert not section["available"] and outcomes is None
    assert "29 day(s)" in section["why"]


def test_pages_curve_and_shap_are_the_runs(summary, outputs):
    scores = outputs["scores"].set_index("borrower_id")
    pages = [p for p in summary["borrowers"] if p["status"] == "scored"]
    assert len(pages) >= 5
    for p in pages:
        assert p["note"] is None
        curve = dict(zip(p["curve"]["days"], p["curve"]["p_repaid"], strict=True))
        for d in (7, 14, 30, 60, 90):
            assert curve[d] == pytest.approx(scores.at[p["borrower_id"], f"p_repaid_{d}d"], abs=1e-12)
        assert np.all(np.diff(p["curve"]["p_repaid"]) >= -1e-12)
        w = p["waterfall"]
        total = w["base"] + sum(i["shap"] for i in w["items"]) + w["others_shap"]
        assert total == pytest.approx(w["margin"], abs=1e-9)
        assert [r["code"] for r in p["reasons"]] == [scores.at[p["borrower_id"], f"reason_{i}_code"]
                                                      for i in range(1, len(p["reasons"]) + 1)]
        assert len(p["audit"]) > 0 and len(p["plan"]) > 0


def test_the_selection(run_dir, outputs):
    run = Run(run_dir)
    chosen = choose_borrowers(run, PAGES, extra=["x"], seed=1)
    whys = list(chosen.values())
    assert whys[0] == "requested" and whys.count("human review") <= 2 and whys.count("random sample") == 2
    plans, scored = outputs["plans"], outputs["scored"].set_index("borrower_id")
    review = set(plans.loc[plans["action"] == "human_review", "borrower_id"])
    assert all(b in review for b, why in chosen.items() if why == "human review")
    largest = [b for b, why in chosen.items() if why == "largest amount at risk"]
    others = scored.drop(index=[b for b in chosen if b in scored.index])
    assert scored.loc[largest, "amount_at_risk"].min() >= others["amount_at_risk"].max()
    assert choose_borrowers(run, PAGES, seed=1) == {k: v for k, v in chosen.items() if k != "x"}
    with pytest.raises(ValueError, match="non-negative counts"):
        choose_borrowers(run, {"everyone": 5})


def test_a_borrower_id_with_markup_stays_text(html, run_dir):
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;amp;" in html
    page = explain_borrower(run_dir, EVIL)
    assert "<script" not in page and "&lt;script&gt;" in page


def test_the_report_is_self_contained(html):
    assert re.findall(r"""(?:src|href)\s*=\s*["'](?!#)""", html) == []
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert html.count('<details class="borrower"') == len(set(re.findall(r'id="(b\d+)"', html)))
    for section in ("overview", "reasons", "actions", "monitoring", "model", "fairness", "borrowers"):
        assert f'<section id="{section}">' in html


def test_changed_inputs_are_said_not_used(run_dir, tmp_path):
    run = Run(run_dir)
    run.manifest.inputs["installments"]["sha256"] = "0" * 64
    s = summarise_run(run, pages={"review": 0, "largest": 1, "random": 0})
    assert "has changed since the run" in s["borrowers"][0]["note"] and s["borrowers"][0]["curve"] is None
    assert not s["backtest"]["available"] and "has changed" in s["backtest"]["why"]
    html = render_report(s)  # the page shows the run's own scores, without curve or SHAP, and says why
    assert "has changed since the run" in html and "SHAP waterfall of borrower" not in html


def test_fairness_section(summary, outputs, protected):
    sections = {f["attribute"]: f for f in summary["fairness"]}
    scored = outputs["scored"].merge(protected, on="borrower_id")
    band = sections["band"]
    expected = scored.groupby("band")["likelihood"].mean()
    assert {g["group"]: g["mean_likelihood"] for g in band["groups"]} == pytest.approx(expected.to_dict())
    assert all(g["with_outcome"] == g["borrowers"] for g in band["groups"])
    assert sections["region"]["gaps"] == [], "a group under MIN_GROUP borrowers is never compared"


def test_write_report_and_the_cli(run_dir, tmp_path, capsys, protected):
    path = write_report(run_dir, tmp_path / "r.html", pages={"review": 1, "largest": 0, "random": 0})
    assert path.read_text().startswith("<!DOCTYPE html>")
    protected.to_parquet(tmp_path / "p.parquet")
    assert main(["report", "--run", str(run_dir), "--out", str(tmp_path / "cli.html"), "--pages",
                 "review=0,largest=1,random=0", "--protected", str(tmp_path / "p.parquet")]) == 0
    assert "fairness" in (tmp_path / "cli.html").read_text()
    assert main(["explain", "--run", str(run_dir), "--borrower", EVIL, "--out", str(tmp_path / "b.html")]) == 0
    assert "&lt;script&gt;" in (tmp_path / "b.html").read_text()
    capsys.readouterr()
    assert main(["explain", "--run", str(run_dir), "--borrower", "nobody"]) == 1
    assert "is not in the run" in capsys.readouterr().err
    assert main(["report", "--run", str(tmp_path)]) == 1
    assert main(["report", "--run", str(run_dir), "--pages", "review=x"]) == 2  # a usage error (README, exit codes)


def test_no_pages_at_all(run_dir):
    s = summarise_run(run_dir, pages={"review": 0, "largest": 0, "random": 0})
    assert s["borrowers"] == []
    assert "Borrowers (0)" in render_report(s)


def test_a_run_without_plans(report_world, report_as_of, tmp_path):
    """No borrowers table: scores but no plans; the report says so and has no action to compare."""
    from riskscore.batch import score_portfolio
    from tests.batch.conftest import write_table

    inst = tmp_path / "installments.parquet"
    write_table(report_world.installments, inst, "installments")
    score_portfolio(inst, BUNDLE, report_as_of, tmp_path / "run", n_jobs=1, progress="off",
                    allow_missing_contacts=True)
    scores = pd.read_parquet(tmp_path / "run" / "scores.parquet", columns=["borrower_id"])
    protected = scores.assign(band=np.arange(len(scores)) % 2)
    s = summarise_run(tmp_path / "run", pages={"review": 1, "largest": 1, "random": 0}, protected=protected)
    assert s["actions"]["planned_borrowers"] == 0 and s["actions"]["note"]
    assert s["fairness"][0]["actions"] == [] and all(p["plan"] == [] for p in s["borrowers"])
    html = render_report(s)
    assert "human review" not in [p["why"] for p in s["borrowers"]]
    assert s["actions"]["note"] in html.replace("&#39;", "'")


def test_every_code_links_to_a_glossary_entry(html, summary, outputs):
    ids = set(re.findall(r'id="([^"]+)"', html))
    targets = re.findall(r'<a class="code" href="#([^"]+)">', html)
    assert targets and set(targets) <= ids
    glossary = html[html.index('<section id="glossary">'):]
    assert all(f'id="{t}"' in glossary for t in set(targets)), "links point into the glossary"
    audit = outputs["audit"]
    entries = {(r["profile"], r["rule_id"]) for r in summary["glossary"]["rules"]}
    assert entries == set(audit[["profile", "rule_id"]].drop_duplicates().itertuples(index=False, name=None))
    assert all(r["title"] for r in summary["glossary"]["rules"]), "the shipped profiles give every rule a title"
    codes = set(outputs["scored"][[f"reason_{i}_code" for i in range(1, 5)]].stack().dropna())
    assert codes <= {r["code"] for r in summary["glossary"]["reasons"]}


def test_empty_grades_ties_and_the_currency_are_said(summary):
    s = copy.deepcopy(summary)
    o = s["overview"]
    o["currency"] = "EUR"
    o["grades"][1].update(borrowers=0, share=0.0, amount=0.0, likelihood=None)
    o["ties"]["note"] = "795 borrowers have 12 distinct likelihoods; 10.9% (120) are shared"
    html = render_report(s)
    first_screen = html[html.index('class="glance"'):html.index('class="cards"')]
    assert f"{o['amount_at_risk']:,.0f} EUR outstanding" in first_screen
    assert "empty: no scored borrower" in html and f"Empty here: {o['grades'][1]['grade']}" in html
    assert "10.9% (120) are shared" in html


def test_each_borrower_line_says_its_segment_and_why(summary, html):
    planned = [b for b in summary["borrowers"] if b["plan"]]
    assert planned
    for b in planned:
        seg = b["segment"]
        assert seg["segment"] == b["plan"][0]["segment"] and seg["why"]
        assert b["plan"][0]["rationale"].startswith(seg["why"]), "the policy's own words, up to its reasons"
        assert "; reasons:" not in seg["why"]


def test_the_decisions_block_says_there_was_no_exploration(html):
    assert "<h3>Decisions and exploration</h3>" in html
    assert "Every decision is the policy's default (no exploration)" in html
