"""riskscore: repayment-risk scoring for consumer lending.

Point-in-time features from repayment history, LightGBM likelihood and timing of repayment,
SHAP reason codes, and contact plans that obey the collection rules.
"""

import warnings
from importlib.metadata import PackageNotFoundError, version

# pandera imports pyspark.pandas whenever pyspark is installed (the ``spark`` extra). Under pandas 3
# that import warns and then fails, and pandera retries it (warning again) at every schema build.
# riskscore never uses pyspark.pandas: try it once, quietly, and when it fails mark it absent so
# later attempts fail at once without the noise.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
    try:
        import pyspark.pandas  # noqa: F401
    except ImportError:
        import sys

        sys.modules["pyspark.pandas"] = None  # type: ignore[assignment]
    import pandera
    import pandera.pandas  # noqa: F401

from riskscore.datasets import World, generate
from riskscore.exceptions import DataError, DataQualityWarning, RiskscoreError
from riskscore.features import FeatureBuilder
from riskscore.labels import make_labels, rolling_as_of_dates, time_split
from riskscore.schemas import (
    quarantine,
    validate_borrowers,
    validate_contacts,
    validate_installments,
)
from riskscore.snapshots import make_snapshots, split_xy

try:
    __version__ = version("riskscore")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "DataError",
    "DataQualityWarning",
    "FeatureBuilder",
    "RiskscoreError",
    "World",
    "__version__",
    "generate",
    "make_labels",
    "make_snapshots",
    "quarantine",
    "rolling_as_of_dates",
    "split_xy",
    "time_split",
    "validate_borrowers",
    "validate_contacts",
    "validate_installments",
]
