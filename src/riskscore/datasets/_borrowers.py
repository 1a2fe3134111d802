"""Who the borrowers are: hidden traits, their hazards, and the public borrowers table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskscore.datasets._params import WorldParams

#: (country, share, [(timezone, share)], [(language, share)]). IN and AU Adelaide have
#: half-hour offsets and the US zones change with daylight saving: the policy must cope.
COUNTRIES: list[tuple[str, float, list[tuple[str, float]], list[tuple[str, float]]]] = [
    ("CN", 0.40, [("Asia/Shanghai", 1.0)], [("zh", 0.97), ("en", 0.03)]),
    ("US", 0.30, [("America/New_York", 0.45), ("America/Chicago", 0.25), ("America/Denver", 0.07),
                  ("America/Los_Angeles", 0.18), ("America/Phoenix", 0.03),
                  ("America/Anchorage", 0.01), ("Pacific/Honolulu", 0.01)],
     [("en", 0.93), ("zh", 0.07)]),
    ("GB", 0.15, [("Europe/London", 1.0)], [("en", 1.0)]),
    ("IN", 0.10, [("Asia/Kolkata", 1.0)], [("en", 1.0)]),
    ("AU", 0.05, [("Australia/Sydney", 0.6), ("Australia/Adelaide", 0.3), ("Australia/Perth", 0.1)],
     [("en", 0.9), ("zh", 0.1)]),
]
#: P(channel allowed); the CN column is for borrowers in China (apps are the norm there).
CHANNEL_ALLOWED = {"sms": (0.92, 0.95), "email": (0.75, 0.40), "call": (0.85, 0.85),
                   "letter": (0.90, 0.30), "app": (0.45, 0.85)}
#: Base rates of the policy flags (hardship_declared is drawn from the hidden regime instead).
FLAG_RATES = {"do_not_contact": 0.01, "cease_requested": 0.005, "dispute_open": 0.01,
              "bankruptcy": 0.003, "deceased": 0.002, "vulnerable": 0.04}
HARDSHIP_DECLARED_IF_EVER = 0.5
HARDSHIP_DECLARED_OTHERWISE = 0.005


def draw_traits(rng: np.random.Generator, n: int, params: WorldParams) -> pd.DataFrame:
    """Hidden traits and the daily hazards they imply, one row per borrower (no ids yet)."""
    a = rng.beta(*params.ability_beta, size=n)
    w = np.where(rng.random(n) < params.unwilling_share, rng.beta(*params.unwilling_beta, size=n),
                 rng.beta(*params.willingness_beta, size=n))
    f = rng.beta(*params.forgetfulness_beta, size=n)
    frame = pd.DataFrame({"ability": a, "willingness": w, "forgetfulness": f})
    return frame.assign(**hazards(a, w, f, params))


def hazards(a: np.ndarray, w: np.ndarray, f: np.ndarray, params: WorldParams) -> dict[str, np.ndarray]:
    """Daily hazards of a borrower with traits (a, w, f), per regime (normal, hardship).

    Returns a dict of arrays: ``p_ontime_{normal,hardship}`` (probability of paying an
    installment in full within its pre-due window), ``pre_{normal,hardship}`` (the daily hazard
    in that window), ``clear_{normal,hardship}`` (daily hazard of clearing all arrears),
    ``onset`` and ``recovery`` (daily regime transition probabilities).
    """
    window = params.early_days + 1
    p_on_n = (1.0 - f) * (a * w) ** params.ontime_power
    p_on_h = p_on_n * params.hardship_ontime_factor
    clear_n = np.clip(params.clear_max * (a * w) ** params.clear_power + params.clear_forget_boost * f, 0.0, 0.95)
    annual = params.hardship_annual_rate * np.clip(1.5 - a, 0.0, None)
    return {
        "p_ontime_normal": p_on_n,
        "p_ontime_hardship": p_on_h,
        "pre_normal": 1.0 - (1.0 - p_on_n) ** (1.0 / window),
        "pre_hardship": 1.0 - (1.0 - p_on_h) ** (1.0 / window),
        "clear_normal": clear_n,
        "clear_hardship": clear_n * params.hardship_clear_factor,
        "onset": 1.0 - np.exp(-annual / 365.25),
        "recovery": np.full_like(a, 1.0 / params.hardship_mean_days),
    }


def _pick(rng: np.random.Generator, options: list[tuple[str, float]], n: int) -> np.ndarray:
    names = np.array([o[0] for o in options], dtype=object)
    p = np.array([o[1] for o in options])
    return names[rng.choice(len(names), size=n, p=p / p.sum())]


def draw_borrowers(
    rng: np.random.Generator, ids: np.ndarray, ever_hardship: np.ndarray
) -> pd.DataFrame:
    """The public borrowers table (contract ``borrowers``) for one block."""
    n = len(ids)
    country_idx = rng.choice(len(COUNTRIES), size=n, p=[c[1] for c in COUNTRIES])
    tz = np.empty(n, dtype=object)
    lang = np.empty(n, dtype=object)
    for k, (_, _, zones, langs) in enumerate(COUNTRIES):
        sel = country_idx == k
        tz[sel] = _pick(rng, zones, int(sel.sum()))
        lang[sel] = _pick(rng, langs, int(sel.sum()))
    is_cn = np.array([COUNTRIES[k][0] == "CN" for k in country_idx])
    allowed = {ch: rng.random(n) < np.where(is_cn, p_cn, p_other)
               for ch, (p_other, p_cn) in CHANNEL_ALLOWED.items()}
    names = list(CHANNEL_ALLOWED)
    matrix = np.column_stack([allowed[c] for c in names])
    channels = [",".join(c for c, ok in zip(names, row, strict=True) if ok) for row in matrix]
    # Preferred: one of the allowed channels (uniformly); none stated for 10 % of borrowers.
    pick = rng.random(n)
    preferred = np.empty(n, dtype=object)
    for i, row in enumerate(matrix):
        options = [c for c, ok in zip(names, row, strict=True) if ok]
        preferred[i] = options[int(pick[i] * len(options))] if options else None
    preferred[rng.random(n) < 0.10] = None
    out = {"borrower_id": ids, "timezone": tz, "channels_allowed": channels,
           "preferred_channel": preferred, "language": lang}
    for flag, rate in FLAG_RATES.items():
        out[flag] = rng.random(n) < rate
    declared = np.where(ever_hardship, HARDSHIP_DECLARED_IF_EVER, HARDSHIP_DECLARED_OTHERWISE)
    out["hardship_declared"] = rng.random(n) < declared
    frame = pd.DataFrame(out)
    frame["country"] = np.array([COUNTRIES[k][0] for k in country_idx], dtype=object)
    return frame
