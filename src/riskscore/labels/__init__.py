"""Labels: time to clear what is owed, censoring made explicit, and time-based splits."""

from riskscore.labels._labels import LabelDefinition, make_labels
from riskscore.labels._splits import BorrowerTimeSplit, rolling_as_of_dates, time_split

__all__ = ["BorrowerTimeSplit", "LabelDefinition", "make_labels", "rolling_as_of_dates", "time_split"]
