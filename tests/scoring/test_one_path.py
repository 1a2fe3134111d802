"""One scoring path: the nightly job, the policy evaluation and the report's pages agree with the Scorer.

The same borrowers at the same as-of date and planning time, through every caller: scores,
reasons and plans are equal (the local engine here; tests/batch/test_spark.py and
tests/cli/test_spark_cli.py hold the Spark engine to the local one row for row).
"""

from __future__ import annotations

import pandas as pd
import pytest

import riskscore
from riskscore.batch import score_portfolio
from riskscore.contract import CURVE_DAYS, curve_columns, reason_columns
from riskscore.evaluation import PolicySpec, policy, portfolio, simulate
from riskscore.model import load_bundle
from riskscore.report import Run, borrower_pages
from riskscore.scoring import Scorer
from tests.batch.conftest import BUNDLE, write_table

pytestmark = pytest.mark.slow
_PROFILES = {"US": "us_reg_f_2021", "*": "strict_v1"}
_COMPARED = ["likelihood", *curve_columns(), "expected_days", "points", "grade", "amount_at_risk", "language",
             *reason_columns()]
_PLAN_KEYS = ["borrower_id", "step", "action", "channel", "window_start_utc", "template_id", "profile"]


@pytest.fixture(scope="module")
def evaluation_round():
    """A policy-evaluation round (the planner's view of a synthetic world) and the steps it planned."""
    world = riskscore.generate(500, seed=33)
    start = pd.Timestamp(world.end) - pd.Timedelta(days=120)
    spec = PolicySpec("riskscore", profiles=_PROFILES, model=load_bundle(BUNDLE))
    plan, _ = policy(spec)
    seen = []

    def recording(rnd):
        steps = plan(rnd)
        seen.append((rnd, steps))
        return steps

    simulate(portfolio(world, start, 1), recording, days=1, seed=0)
    return seen[0]


@pytest.fixture(scope="module")
def direct(evaluation_round):
    """The Scorer called directly on the round's tables."""
    rnd, _ = evaluation_round
    scorer = Scorer.from_bundle(BUNDLE)
    scored = scorer.score(rnd.installments(), rnd.as_of, contacts=rnd.contacts, borrowers=rnd.borrowers)
    steps, audit = scorer.plan(scored, rnd.borrowers, rnd.contacts, now=rnd.now, profiles=_PROFILES)
    return scorer, scored, steps, audit


@pytest.fixture(scope="module")
def nightly(evaluation_round, tmp_path_factory):
    """The nightly job (local engine, two chunks, two workers) on the same tables written to files."""
    rnd, _ = evaluation_round
    folder = tmp_path_factory.mktemp("one_path")
    files = {}
    for name, frame in (("installments", rnd.installments()), ("borrowers", rnd.borrowers),
                        ("contacts", rnd.contacts)):
        files[name] = folder / f"{name}.parquet"
        write_table(frame, files[name], name)
    out = folder / "run"
    score_portfolio(files["installments"], BUNDLE, str(rnd.as_of.date()), out, borrowers=files["borrowers"],
                    contacts=files["contacts"], now=str(rnd.now), profile=_PROFILES, chunk_borrowers=250, n_jobs=2,
                    progress="off")
    return out


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows in key order, missing values as None (parquet and pandas spell them differently)."""
    out = frame.sort_values(keys, ignore_index=True)
    if "window_start_utc" in out:
        out["window_start_utc"] = pd.to_datetime(out["window_start_utc"], utc=True).dt.as_unit("us")
    return out.astype(object).where(out.notna(), None)


def test_the_nightly_job_scores_and_plans_as_the_scorer(direct, nightly):
    _, scored, steps, audit = direct
    scores = pd.read_parquet(nightly / "scores.parquet").set_index("borrower_id")
    ran = scores.loc[scores["status"] == "scored", _COMPARED]
    assert len(ran) == len(scored.scores) > 50
    pd.testing.assert_frame_equal(ran.sort_index(), scored.scores[_COMPARED].sort_index(), check_names=False,
                                  check_dtype=False)
    plans = pd.read_parquet(nightly / "plans.parquet")
    pd.testing.assert_frame_equal(_sorted(plans[_PLAN_KEYS], ["borrower_id", "step"]),
                                  _sorted(steps[_PLAN_KEYS], ["borrower_id", "step"]), check_dtype=False)
    written = pd.read_parquet(nightly / "audit.parquet")
    assert len(written) == len(audit) and set(written["rule_id"]) == set(audit["rule_id"])


def test_the_policy_evaluation_plans_as_the_scorer(evaluation_round, direct):
    rnd, evaluated = evaluation_round
    scorer, _, _, _ = direct
    owing = pd.Index(rnd.portfolio.ids[rnd.owing])
    X = scorer.features(rnd.installments(), rnd.as_of, contacts=rnd.contacts)
    own = scorer.score(None, rnd.as_of, borrowers=rnd.borrowers, features=X.loc[X.index.isin(owing)])
    steps, _ = scorer.plan(own, rnd.borrowers, rnd.contacts, now=rnd.now, profiles=_PROFILES)
    assert len(evaluated) > 40 and evaluated["borrower_id"].nunique() == len(own.scores)
    cols = ["borrower_id", "step", "action", "channel", "window_start_utc", "profile"]
    pd.testing.assert_frame_equal(_sorted(evaluated[cols], ["borrower_id", "step"]),
                                  _sorted(steps[cols], ["borrower_id", "step"]), check_dtype=False)


def test_the_report_pages_show_the_scorers_numbers(direct, nightly):
    _, scored, _, _ = direct
    ids = list(scored.scores.sort_values("likelihood").index[:3])
    pages = borrower_pages(Run(nightly), Run(nightly).scorer(), dict.fromkeys(ids, "requested"))
    for page in pages:
        row = scored.scores.loc[page["borrower_id"]]
        assert page["note"] is None  # the recomputed likelihood equals the run's
        assert page["score"]["likelihood"] == pytest.approx(row["likelihood"], abs=1e-12)
        curve = dict(zip(page["curve"]["days"], page["curve"]["p_repaid"], strict=True))
        for d in CURVE_DAYS:
            assert curve[d] == pytest.approx(row[f"p_repaid_{d}d"], abs=1e-12)
        assert [r["code"] for r in page["reasons"]] == [row[c] for c in reason_columns("code") if pd.notna(row[c])]
        w = page["waterfall"]
        assert w["base"] + sum(i["shap"] for i in w["items"]) + w["others_shap"] == pytest.approx(w["margin"])
