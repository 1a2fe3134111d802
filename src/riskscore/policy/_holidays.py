"""Public holidays for ``blocked_days`` rules: the caller's list, or the ``holidays`` package by country.

A profile with a ``blocked_days`` rule that blocks public holidays needs to know them. The
caller may pass its own list (local dates, the same for every borrower). Without one, the
holidays are the national public holidays of the ``holidays`` package (no subdivisions: states,
provinces and regions add their own) for:

* the profile's country, when its ``jurisdiction`` is a country code (``US``, ``CN``, ``GB``);
* otherwise (``strict_v1``'s ``any``), every country the borrower may be in: the borrowers'
  ``country`` column when there is one, and the country of each candidate time zone (from the
  tz database's ``zone.tab``). A date is a holiday for the borrower when it is one in any of them.

A contact is then refused on a holiday's local date in every candidate zone.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from riskscore._validation import unknown_countries_message
from riskscore.exceptions import DataQualityWarning
from riskscore.policy._clock import DAY_NS
from riskscore.policy._profile import Profile

__all__ = ["HolidayCalendar", "country_code", "zone_country"]

_SHIFT = 1 << 20  # day numbers fit in 20 bits: a (calendar, day) pair is calendar * _SHIFT + day
_OFF = 1 << 19


@cache
def _zone_table() -> dict[str, str]:
    text = (resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            out[parts[2]] = parts[0]
    return out


def zone_country(zone: str) -> str | None:
    """The country (ISO 3166 code) of an IANA time zone, from the tz database; None when it has none.

    Examples
    --------
    >>> zone_country("Europe/Dublin"), zone_country("Asia/Kathmandu"), zone_country("UTC")
    ('IE', 'NP', None)
    """
    return _zone_table().get(zone)


@cache
def _year(country: str, year: int) -> tuple[int, ...]:
    """Day numbers (since 1970-01-01) of a country's national public holidays in one year."""
    import holidays

    try:
        days = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        return ()
    epoch = datetime.date(1970, 1, 1)
    return tuple(sorted((d - epoch).days for d in days))


@cache
def _supported(country: str) -> bool:
    import holidays

    return country in holidays.list_supported_countries()


@cache
def country_code(value: object) -> str | None:
    """A borrower's ``country`` as an ISO 3166 alpha-2 code: in any case, or alpha-3 (``"usa"`` ->
    ``"US"``), as the ``holidays`` package reads it; another two-letter value upper-cased; ``None``
    for anything else (a name, a blank).

    Examples
    --------
    >>> country_code(" cn "), country_code("GBR"), country_code("China"), country_code(None)
    ('CN', 'GB', None, None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().upper()
    if _known(code):
        import holidays

        return str(holidays.country_holidays(code).country)
    return code if len(code) == 2 and code.isalpha() else None


@cache
def _known(code: str) -> bool:
    """Whether the ``holidays`` package knows a country code (ISO 3166 alpha-2, or an alias it reads)."""
    import holidays

    try:
        holidays.country_holidays(code)  # no year: nothing is computed (and no year-range warning)
    except NotImplementedError:
        return False
    return True


def _package_version() -> str:
    import holidays

    return f"holidays {holidays.__version__}"


class HolidayCalendar:
    """The public holidays each borrower's contacts must avoid, and where they come from.

    Parameters
    ----------
    profile : Profile
    borrowers : DataFrame
        With ``borrower_id`` (and ``country``, optional).
    zones : Series
        The candidate zones of each borrower (a tuple), indexed by ``borrower_id``.
    holidays : iterable of date-like, optional
        The caller's own holidays (the same local dates for every borrower); default the package's.

    Examples
    --------
    >>> import pandas as pd
    >>> from riskscore.policy import load_profile
    >>> b = pd.DataFrame({"borrower_id": ["a"]})
    >>> cal = HolidayCalendar(load_profile("strict_v1"), b, pd.Series([("Europe/Dublin",)], index=["a"]))
    >>> cal.source_of(["a"])[0].split(": ")[1]
    'national public holidays of IE'
    >>> day = (pd.Timestamp("2026-03-17") - pd.Timestamp("1970-01-01")).days  # Saint Patrick's Day
    >>> cal.is_holiday(cal.codes(["a"]), [day]).tolist()
    [True]
    """

    def __init__(self, profile: Profile, borrowers: pd.DataFrame, zones: pd.Series,
                 holidays: Iterable[object] | None = None) -> None:
        self.needed = any(r.params["public_holidays"] for r in profile.of_kind("blocked_days"))
        self.given = None if holidays is None else sorted({int(pd.Timestamp(h).value // DAY_NS) for h in holidays})
        ids = pd.Index(borrowers["borrower_id"])
        if self.given is not None or not self.needed:
            self._code = pd.Series(0, index=ids, dtype=np.int64)
            self._countries: list[tuple[str, ...]] = [()]
            return
        country = str(profile.jurisdiction).upper()
        if len(country) == 2 and _supported(country):
            keys = [(country,)] * len(ids)
        else:
            own = borrowers["country"].astype(object).to_numpy() if "country" in borrowers else [None] * len(ids)
            own = [o.strip() if isinstance(o, str) and o.strip() else None for o in own]
            code = {o: o.upper() if _known(o.upper()) else None for o in set(own) - {None}}  # codes in any case
            unknown = pd.Series([o for o in own if o is not None and code[o] is None], dtype=object)
            if len(unknown):
                self._warn_unknown(unknown, len(ids))
            zs = zones.reindex(ids).to_numpy(dtype=object)
            keys = [tuple(sorted({c for c in (code.get(o), *(zone_country(z) for z in
                                                             (zt if isinstance(zt, tuple) else ()))) if c}))
                    + (() if o is None or code[o] else (f"!{o}",))
                    for o, zt in zip(own, zs, strict=True)]
        codes, uniques = pd.factorize(pd.Series(keys, dtype=object))
        self._code = pd.Series(codes.astype(np.int64), index=ids)
        self._countries = list(uniques)

    @staticmethod
    def _warn_unknown(unknown: pd.Series, n: int) -> None:
        counts = unknown.value_counts()
        warning = DataQualityWarning(unknown_countries_message(counts.to_dict(), n))
        warning.unknown_countries = {str(k): int(v) for k, v in counts.items()}  # for the nightly job's one line
        warnings.warn(warning, stacklevel=4)

    # -- what a borrower's contacts avoid -----------------------------------------------------------
    def codes(self, borrower_ids: Sequence[str]) -> np.ndarray:
        """The calendar of each borrower (an integer; unknown borrowers get calendar 0)."""
        return self._code.reindex(pd.Index(borrower_ids)).fillna(0).to_numpy(dtype=np.int64)

    def codes_at(self, rows: np.ndarray) -> np.ndarray:
        """The calendar of the borrowers at these positions of the borrowers table."""
        return self._code.to_numpy()[np.asarray(rows, dtype=np.int64)]

    def days(self, code: int, first: int, last: int) -> list[int]:
        """The holidays (day numbers) of calendar ``code`` between two day numbers (inclusive)."""
        if not self.needed:
            return []
        if self.given is not None:
            return [d for d in self.given if first <= d <= last]
        years = range(_year_of(first), _year_of(last) + 1)
        return sorted({d for c in self._countries[code] if not c.startswith("!") for y in years
                       for d in _year(c, y) if first <= d <= last})

    def is_holiday(self, codes: Sequence[int], days: Sequence[int]) -> np.ndarray:
        """Whether each (calendar, local day) pair is a public holiday."""
        codes, days = np.asarray(codes, dtype=np.int64), np.asarray(days, dtype=np.int64)
        if not self.needed or len(days) == 0:
            return np.zeros(len(days), dtype=bool)
        lo, hi = int(days.min()), int(days.max())
        table = np.array(sorted(c * _SHIFT + d + _OFF for c in np.unique(codes) for d in self.days(int(c), lo, hi)),
                         dtype=np.int64)
        return np.isin(codes * _SHIFT + days + _OFF, table)

    # -- where they come from -----------------------------------------------------------------------
    def source_of(self, borrower_ids: Sequence[str]) -> list[str]:
        """Per borrower: which holidays were used, in words (for the audit; "" when no rule blocks them)."""
        if not self.needed:
            return [""] * len(borrower_ids)
        if self.given is not None:
            text = f"the caller's list ({len(self.given)} date(s))"
            return [text] * len(borrower_ids)
        texts = []
        for countries in self._countries:
            known = [c for c in countries if not c.startswith("!")]
            strange = "".join(f"; none known for country {c[1:]!r}" for c in countries if c.startswith("!"))
            if known:
                texts.append(f"{_package_version()}: national public holidays of {', '.join(known)}{strange}")
            else:
                texts.append(f"{_package_version()}: none (no country known for the borrower's time zones{strange})")
        return [texts[c] for c in self.codes(borrower_ids)]


def _year_of(day: int) -> int:
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=int(day))).year
