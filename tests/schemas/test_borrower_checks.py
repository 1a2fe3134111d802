"""borrower_checks judges each distinct (preferred_channel, channels_allowed) pair once, as row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.schemas._checks import borrower_checks


def test_preferred_channel_outside_the_allowed_ones_is_flagged_per_row():
    df = pd.DataFrame({
        "preferred_channel": ["sms", "sms", "call", None, "email", "sms", np.nan, "call"],
        "channels_allowed": ["sms,email", "email", "sms, call", "sms", np.nan, "", "", "sms,email"],
    })
    assert borrower_checks(df)["index"].tolist() == [1, 4, 5, 7]
    assert borrower_checks(df.iloc[:0]).empty
    cells = df.assign(channels_allowed=[["sms", "email"], ["email"], ("sms", "call"), ["sms"], None, [], [], ["sms"]])
    assert borrower_checks(cells)["index"].tolist() == [1, 4, 5, 7]  # unhashable cells: row by row
