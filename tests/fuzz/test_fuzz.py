"""The fuzz suite: corrupted worlds must end in scores and rejects, or one riskscore error.

Law (a), in process (``score_portfolio``): the run returns, or raises a ``RiskscoreError``
(only when a file or a required column is unusable: a bad row is quarantined, never a reason
to stop); when it returns, every input borrower, by its id exactly as written, is in exactly one
of ``scores.parquet`` and ``rejects.parquet``, nothing is invented or rewritten, the outputs
follow their contract and the manifest's counts add up; no warning but riskscore's own.

Law (b), through ``riskscore score``: exit 0, or 1 or 2 with one line on stderr starting with
``riskscore`` and no traceback.

Each family of corruptions has its own test, so that one family's failure does not hide
another's; the ``composed`` tests mix them all. ``pytest -m fuzz_long tests/fuzz`` runs every
test with ``RISKSCORE_FUZZ_EXAMPLES`` random examples (default 500).
"""

from __future__ import annotations

import pytest
from hypothesis import given

from riskscore.testing import variants
from tests.fuzz.harness import check_api, check_cli, fuzz_settings

ALL = ("types", "values", "dates", "rows", "empties")
#: name -> (strategy, examples in CI). Each example is one small end-to-end run (~0.3 s).
API_CASES = {
    "types": (variants(["types"], max_ops=2), 20),
    "values": (variants(["values"], max_ops=2), 30),
    "dates": (variants(["dates"], max_ops=2), 20),
    "rows": (variants(["rows"], max_ops=3), 15),
    "empties": (variants(["empties"], max_ops=2), 20),
    "encodings_and_schema_mixes": (variants((), formats=("csv", "parts")), 20),
    "file_damage": (variants((), damage=True), 15),
    "as_of_and_chunks": (variants(["values", "rows", "empties"], max_ops=2,
                                  as_of=("usual", "before_data", "last_date", "after_data"), chunks=(10, 10_000)), 15),
    "with_borrowers_table": (variants(ALL, max_ops=2, borrowers=True), 8),
    "composed": (variants(ALL, max_ops=4, damage=True, borrowers=None,
                          as_of=("usual", "before_data", "after_data"), chunks=(12, 10_000)), 25),
}
CLI_CASES = {
    "composed": (variants(ALL, max_ops=3, damage=True, as_of=("usual", "before_data"), chunks=(12, 10_000)), 25),
}


def _api(name: str, examples: int | None, world) -> None:
    strategy, _ = API_CASES[name]

    @fuzz_settings(examples)
    @given(variant=strategy)
    def run(variant):
        check_api(world, variant, f"api[{name}]")

    run()


def _cli(name: str, examples: int | None, world) -> None:
    strategy, _ = CLI_CASES[name]

    @fuzz_settings(examples)
    @given(variant=strategy)
    def run(variant):
        check_cli(world, variant, f"cli[{name}]")

    run()


@pytest.mark.parametrize("name", list(API_CASES))
def test_api_keeps_the_laws(name, fuzz_world):
    _api(name, API_CASES[name][1], fuzz_world)


@pytest.mark.parametrize("name", list(CLI_CASES))
def test_cli_keeps_the_error_model(name, fuzz_world):
    _cli(name, CLI_CASES[name][1], fuzz_world)


@pytest.mark.fuzz_long
@pytest.mark.parametrize("name", list(API_CASES))
def test_api_keeps_the_laws_long(name, fuzz_world):
    _api(name, None, fuzz_world)


@pytest.mark.fuzz_long
@pytest.mark.parametrize("name", list(CLI_CASES))
def test_cli_keeps_the_error_model_long(name, fuzz_world):
    _cli(name, None, fuzz_world)
