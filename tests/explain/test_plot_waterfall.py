"""The notebook waterfall: no bar clipped, every value printed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from riskscore.explain import BASE_VALUE, plot_waterfall


def test_the_waterfall_shows_every_bar_whole_with_its_value():
    row = pd.Series({BASE_VALUE: 1.0, "a": 3.0, "b": -0.5, "c": 0.2, "d": -4.0})
    fig, ax = plt.subplots()
    plot_waterfall(row, top=3, ax=ax)
    lo, hi = ax.get_xlim()
    for p in ax.patches:  # the largest bar (+3 from 1 to 4, and -4 down to -0.3) lies inside the axes
        x0, x1 = sorted((p.get_x(), p.get_x() + p.get_width()))
        assert lo < x0 and x1 < hi
    values = sorted(t.get_text() for t in ax.texts)
    assert values == sorted(["-4.00", "+3.00", "-0.50", "+0.20"]), "three features and 'other features' (c)"
    plt.close(fig)
