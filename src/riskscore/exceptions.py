"""Exceptions and warning categories raised by riskscore.

This module imports nothing from riskscore, so every layer can use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "BundleError",
    "BundleVersionWarning",
    "ContractError",
    "DataError",
    "DataQualityWarning",
    "MonitoringOffWarning",
    "PolicyError",
    "PolicyWarning",
    "RiskscoreError",
    "RiskscoreWarning",
    "RunConflictError",
    "RunLockedError",
]


#: The columns of :attr:`DataError.failure_cases`.
FAILURE_COLUMNS = ["table", "column", "check", "index", "failure_case", "reason"]


class RiskscoreError(Exception):
    """Base class of every error riskscore raises on purpose.

    Examples
    --------
    >>> from riskscore import DataError, RiskscoreError
    >>> issubclass(DataError, RiskscoreError)
    True
    """


class RiskscoreWarning(UserWarning):
    """Base class of every warning category riskscore issues.

    Filter them all at once (``warnings.simplefilter("error", RiskscoreWarning)``) or one category.

    Examples
    --------
    >>> from riskscore.exceptions import DataQualityWarning, RiskscoreWarning
    >>> issubclass(DataQualityWarning, RiskscoreWarning), issubclass(RiskscoreWarning, UserWarning)
    (True, True)
    """


class DataError(RiskscoreError, ValueError):
    """Input data break a data contract.

    The message names the table, each failing column and check, how many rows fail and a few
    example rows. All failures are collected at once (lazy validation), not only the first.

    Attributes
    ----------
    table : str
        Name of the contract (``"installments"``, ``"borrowers"``, ``"contacts"``).
    failure_cases : pandas.DataFrame
        One row per failing cell or row, with the columns ``table``, ``column``, ``check``,
        ``index`` (the row label in the input frame), ``failure_case`` (the offending value,
        as text) and ``reason`` (a sentence).

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore import DataError
    >>> err = DataError("installments", pd.DataFrame(
    ...     {"table": ["installments"], "column": ["amount_due"], "check": ["ge(0)"],
    ...      "index": [3], "failure_case": ["-1.0"], "reason": ["amount_due is negative"]}))
    >>> isinstance(err, ValueError), len(err.failure_cases)
    (True, 1)
    """

    def __init__(self, table: str, failure_cases: pd.DataFrame, message: str | None = None):
        self.table = table
        self.failure_cases = failure_cases
        if message is None:
            message = f"{table}: {len(failure_cases)} failure(s); see err.failure_cases"
        super().__init__(message)

    @classmethod
    def from_message(cls, table: str, message: str) -> DataError:
        """A data error described by a sentence only (no failing cells to list).

        Examples
        --------
        >>> from riskscore import DataError
        >>> err = DataError.from_message("installments", "installments: 2 rows fail the contract now")
        >>> str(err), len(err.failure_cases)
        ('installments: 2 rows fail the contract now', 0)
        """
        import pandas as pd

        return cls(table, pd.DataFrame(columns=FAILURE_COLUMNS), message)

    @property
    def reason_codes(self) -> list[str]:
        """The distinct checks that failed, in order of first appearance."""
        return list(dict.fromkeys(self.failure_cases["check"].astype(str)))


class ContractError(RiskscoreError, ValueError):
    """A run's manifest or output does not follow the run contract (:mod:`riskscore.contract`).

    The message names the file and what is wrong with it.

    Examples
    --------
    >>> from riskscore.exceptions import ContractError
    >>> issubclass(ContractError, ValueError)
    True
    """


class DataQualityWarning(RiskscoreWarning):
    """Data pass the contract but look suspicious (e.g. many rows quarantined).

    Examples
    --------
    >>> import warnings
    >>> from riskscore import DataQualityWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("40% of rows rejected", DataQualityWarning)
    >>> caught[0].category.__name__
    'DataQualityWarning'
    """


class BundleError(RiskscoreError):
    """A model bundle cannot be loaded: a missing or altered file, or an unknown format.

    Examples
    --------
    >>> from riskscore.exceptions import BundleError
    >>> str(BundleError("likelihood.txt does not match its SHA-256"))
    'likelihood.txt does not match its SHA-256'
    """


class BundleVersionWarning(RiskscoreWarning):
    """A bundle was saved with other library releases than the ones loading it.

    Issued for another major or minor release (``pandas 3.1.1 -> 3.2.0``) or a package that is
    not installed; releases a patch apart (``3.1.1 -> 3.1.2``) load silently.

    Examples
    --------
    >>> from riskscore.exceptions import BundleVersionWarning
    >>> issubclass(BundleVersionWarning, UserWarning)
    True
    """


class MonitoringOffWarning(RiskscoreWarning):
    """A bundle has no training reference distributions (``reference.json``): drift monitoring is off.

    Runs that score with it record ``psi: {available: false, ...}`` in their manifest; retrain
    the bundle (``riskscore train``) to monitor drift again.

    Examples
    --------
    >>> from riskscore.exceptions import MonitoringOffWarning, RiskscoreWarning
    >>> issubclass(MonitoringOffWarning, RiskscoreWarning)
    True
    """


class PolicyError(RiskscoreError, ValueError):
    """A contact-policy profile or override is invalid, or a plan cannot be checked.

    The message names the profile file, the rule id and the parameter at fault.

    Examples
    --------
    >>> from riskscore.exceptions import PolicyError
    >>> str(PolicyError("us_reg_f_2021.yaml: rule US-07: max_calls must be a positive integer"))
    'us_reg_f_2021.yaml: rule US-07: max_calls must be a positive integer'
    """


class PolicyWarning(RiskscoreWarning):
    """A contact plan was changed to obey a rule in a way the user may want to know about, or a
    profile of one's own leaves out a protection every shipped profile has (a time window).

    Examples
    --------
    >>> from riskscore.exceptions import PolicyWarning
    >>> issubclass(PolicyWarning, UserWarning)
    True
    """


class RunConflictError(RiskscoreError):
    """An output folder holds a run of other inputs, another model or other settings.

    A scoring run never mixes outputs: the message says what differs and how to start clean.

    Examples
    --------
    >>> from riskscore.exceptions import RiskscoreError, RunConflictError
    >>> issubclass(RunConflictError, RiskscoreError)
    True
    """


class RunLockedError(RunConflictError):
    """Another job is writing the same output folder: it holds the folder's lock file.

    The message names the holder (process id, host, start time). The lock goes with the process
    that holds it, even on ``kill -9``, so it is never stale: wait for that job, or write elsewhere.

    Examples
    --------
    >>> from riskscore.exceptions import RunConflictError, RunLockedError
    >>> issubclass(RunLockedError, RunConflictError)
    True
    """


def warning_line(message: Warning | str, category: type[Warning]) -> str:
    """A warning as the one line riskscore's command line and worker processes print.

    ``warning: <category>: <message>`` with the message's whitespace (newlines too) collapsed:
    no Python source line, as ``warnings.showwarning``'s default would print. Not in
    ``__all__``: a display helper of the CLI and the batch job's worker processes.

    Examples
    --------
    >>> from riskscore.exceptions import DataQualityWarning, warning_line
    >>> warning_line("3 rows\\n  dropped", DataQualityWarning)
    'warning: DataQualityWarning: 3 rows dropped'
    """
    return f"warning: {category.__name__}: {' '.join(str(message).split())}"
