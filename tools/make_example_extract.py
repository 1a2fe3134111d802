"""Write the messy lender extract of the tutorial (docs/your_data.md) under data/examples/lender.

It is riskscore's synthetic world dressed the way a lender's export usually looks, so the
tutorial meets the usual problems on data anyone can regenerate:

* the lender's own column names (with spaces and capitals) and an extra column (``Branch``);
* customer numbers with leading zeros (``00000042``), read as text, never as numbers;
* day-first dates (``15/03/2025``) and contact times with a UTC offset (``15/03/2025 14:05 +0800``);
* amounts in New Taiwan dollars with a ``Currency`` column;
* 25 installment rows exported twice (exact duplicates);
* one customer with no installment at all, upper-case language codes (``ZH``, ``EN-US``) and
  ``Y``/``N`` flags.

Deterministic: the same command writes the same bytes.

    .venv/bin/python tools/make_example_extract.py                  # data/examples/lender
    .venv/bin/python tools/make_example_extract.py --out /tmp/lender --borrowers 400
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import riskscore

#: The extract's column names -> the contract's; written to columns.yaml with the date formats.
INSTALLMENTS = {"Customer No": "borrower_id", "Contract": "loan_id", "Inst. No": "installment_no",
                "Due Date": "due_date", "Amount Due": "amount_due", "Payment Date": "paid_date",
                "Amount Paid": "amount_paid", "Currency": "currency"}
BORROWERS = {"Customer No": "borrower_id", "Time Zone": "timezone", "Channels": "channels_allowed",
             "Preferred Channel": "preferred_channel", "Lang": "language", "DNC": "do_not_contact",
             "Cease": "cease_requested", "Dispute": "dispute_open", "Bankrupt": "bankruptcy",
             "Deceased": "deceased", "Vulnerable": "vulnerable", "Hardship": "hardship_declared",
             "Country": "country"}
CONTACTS = {"Customer No": "borrower_id", "Contact Time": "contacted_at", "Channel": "channel",
            "Result": "outcome"}
DATE = "%d/%m/%Y"
TIME = "%d/%m/%Y %H:%M %z"
TWD_PER_UNIT = 30.0
DUPLICATES = 25

COLUMNS_YAML = """\
# How riskscore reads data/examples/lender: the extract's column names -> the contract's,
# per table, and the format of its text dates (day first: never guessed).
installments:
{installments}
borrowers:
{borrowers}
contacts:
{contacts}
date_format:
  installments: "{date}"
  contacts: "{time}"
"""


def _yaml_block(mapping: dict[str, str]) -> str:
    return "\n".join(f'  "{theirs}": {ours}' for theirs, ours in mapping.items())


def _customer_numbers(ids: pd.Series) -> pd.Series:
    """B00000042 -> 00000042 (text with leading zeros)."""
    return ids.astype(str).str.slice(1)


def _flag(s: pd.Series) -> pd.Series:
    return np.where(s.astype(bool), "Y", "N")


def make(out: Path, n: int = 400, seed: int = 20261206) -> dict[str, int]:
    world = riskscore.generate(n, seed=seed, start="2024-01-01", months=24)
    rng = np.random.default_rng(seed)
    inst = world.installments.copy()
    ext = pd.DataFrame({
        "Customer No": _customer_numbers(inst["borrower_id"]),
        "Contract": "C-" + inst["loan_id"].astype(str).str.slice(1),
        "Inst. No": inst["installment_no"].astype(int),
        "Due Date": inst["due_date"].dt.strftime(DATE),
        "Amount Due": (inst["amount_due"] * TWD_PER_UNIT).round(0),
        "Payment Date": inst["paid_date"].dt.strftime(DATE).fillna(""),
        "Amount Paid": (inst["amount_paid"] * TWD_PER_UNIT).round(0),
        "Currency": "TWD",
        "Branch": rng.choice(["Taipei", "Taichung", "Kaohsiung"], len(inst)),
    })
    twice = ext.iloc[np.sort(rng.choice(len(ext), DUPLICATES, replace=False))]
    ext = pd.concat([ext, twice]).sort_values(["Customer No", "Contract", "Inst. No"], kind="stable")

    b = world.borrowers
    lang = np.where(b["language"] == "zh", "ZH", np.where(rng.random(len(b)) < 0.5, "EN", "EN-US"))
    customers = pd.DataFrame({
        "Customer No": _customer_numbers(b["borrower_id"]), "Time Zone": b["timezone"],
        "Channels": b["channels_allowed"], "Preferred Channel": b["preferred_channel"], "Lang": lang,
        **{theirs: _flag(b[ours]) for theirs, ours in BORROWERS.items()
           if ours in ("do_not_contact", "cease_requested", "dispute_open", "bankruptcy", "deceased",
                       "vulnerable", "hardship_declared")},
        "Country": b["country"]})
    newcomer = customers.iloc[[0]].assign(**{"Customer No": f"{n + 1:08d}"})  # signed, nothing due yet
    customers = pd.concat([customers, newcomer], ignore_index=True)

    c = world.contacts
    log = pd.DataFrame({"Customer No": _customer_numbers(c["borrower_id"]),
                        "Contact Time": c["contacted_at"].dt.tz_convert("Asia/Taipei").dt.strftime(TIME),
                        "Channel": c["channel"], "Result": c["outcome"]})

    out.mkdir(parents=True, exist_ok=True)
    ext.to_csv(out / "repayments.csv", index=False)
    customers.to_csv(out / "customers.csv", index=False)
    log.to_csv(out / "contact_log.csv", index=False)
    (out / "columns.yaml").write_text(COLUMNS_YAML.format(
        installments=_yaml_block(INSTALLMENTS), borrowers=_yaml_block(BORROWERS), contacts=_yaml_block(CONTACTS),
        date=DATE, time=TIME))
    return {"repayments": len(ext), "customers": len(customers), "contacts": len(log)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("data/examples/lender"))
    ap.add_argument("--borrowers", type=int, default=400)
    ap.add_argument("--seed", type=int, default=20261206)
    args = ap.parse_args()
    rows = make(args.out, args.borrowers, args.seed)
    print(f"Wrote {', '.join(f'{k} ({v} rows)' for k, v in rows.items())} and columns.yaml to {args.out}.")


if __name__ == "__main__":
    main()
