"""pandera, imported for riskscore's schemas with its probes of pyspark.pandas done once, quietly.

Every riskscore module that needs pandera imports it from here (``from riskscore._pandera import
pa``), so that ``import riskscore`` stays fast: pandera, and pyspark with it when the ``spark``
extra is installed, are imported at the first validation, not at ``import riskscore`` (0.9 s
against 0.07 s with pyspark 4 installed).

Why quietly: with pyspark installed and pandas 3, every import of ``pyspark.pandas`` warns
("PySpark does not yet fully support pandas >= 3.0.0") and then fails; a failed import is not
cached, so each of pandera's probes warns again: two when ``pandera.pandas`` is imported, one in
``pandera.typing.pyspark`` and one in ``pandera.backends.pandas.builtin_checks`` at the first
validation. With pyspark 3.5 the import warns instead that ``PYARROW_IGNORE_TIMEZONE`` is not
set. riskscore never uses pyspark.pandas: those modules are imported here, once each, with
those warnings ignored; the probes' results are cached in the modules (``PYSPARK_INSTALLED``,
``PYSPARK_USABLE``). The warning filter is restored on exit and ``sys.modules`` is left as the
imports leave it.

Examples
--------
>>> from riskscore._pandera import pa
>>> pa.Column(int).dtype
DataType(int64)
"""

from __future__ import annotations

import importlib.util
import warnings

__all__ = ["Series", "pa"]


def _import_quietly() -> None:
    if importlib.util.find_spec("pyspark") is None:  # no probe can warn
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
        warnings.filterwarnings("ignore", message="'PYARROW_IGNORE_TIMEZONE' environment", category=UserWarning)
        import pandera.backends.pandas.builtin_checks
        import pandera.pandas
        import pandera.typing.pyspark  # noqa: F401


_import_quietly()

import pandera.pandas as pa  # noqa: E402 - after the quiet probes above
from pandera.typing import Series  # noqa: E402
