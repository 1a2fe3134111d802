"""Version shims and the one door to scikit-learn's private parameter validation.

scikit-learn's declarative parameter checks (``Interval``, ``StrOptions``, ``validate_params``,
...) live in the private module ``sklearn.utils._param_validation`` (scikit-survival and skrub
import them from there too). riskscore imports them only here, so a move in a future release is
fixed in one file. Everything used exists unchanged from scikit-learn 1.3 on; our lower bound is
1.5.

``validate_params`` wraps scikit-learn's decorator with one change: scikit-learn renames the
caller in an :class:`InvalidParameterError` raised *inside* the decorated function
("The 'num_leaves' parameter of RepaymentModel ..." becomes "... parameter of train ..."), which
is right for its thin function-around-an-estimator wrappers but names the wrong owner for
riskscore's functions that take estimators and policies as arguments. Here the inner error is
raised as it was, naming the estimator whose parameter is wrong.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import re
import warnings
from collections.abc import Callable, Iterable
from numbers import Integral
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    make_constraint,
)
from sklearn.utils._param_validation import validate_parameter_constraints as _sklearn_validate_constraints
from sklearn.utils._param_validation import validate_params as _sklearn_validate_params

__all__ = [
    "DATES",
    "DATE_LIKE",
    "FREQUENCY",
    "HasMethods",
    "Hidden",
    "IntOptions",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "invalid_parameter",
    "isin",
    "make_constraint",
    "public_names",
    "renamed_parameter",
    "validate_parameter_constraints",
    "validate_params",
]

F = TypeVar("F", bound=Callable[..., Any])

#: A calendar date or timestamp as riskscore's functions take it (``pd.Timestamp(value)`` parses it).
DATE_LIKE: list[object] = [str, pd.Timestamp, datetime.date, np.datetime64]
#: One date-like or an iterable of them (a list, a ``DatetimeIndex``, ...).
DATES: list[object] = [*DATE_LIKE, Iterable]
#: A pandas frequency: an alias ("MS", "14D"), a ``DateOffset`` or a ``Timedelta``.
FREQUENCY: list[object] = [str, pd.DateOffset, datetime.timedelta]


class IntOptions(Options):
    """``Options(Integral, values)`` whose message lists the values in order.

    Examples
    --------
    >>> str(IntOptions({30, 7, 14}))
    'an int among {7, 14, 30}'
    """

    def __init__(self, options: Iterable[int]) -> None:
        super().__init__(Integral, set(options))

    def __str__(self) -> str:
        return f"an int among {{{', '.join(repr(o) for o in sorted(self.options))}}}"


#: A class named by its private module in scikit-learn's messages: 'riskscore.model._scaling.ScoreScaling'.
_PRIVATE_PATH = re.compile(r"'(riskscore(?:\.[a-z]\w*)*)((?:\._\w+)+)\.([A-Za-z]\w*)'")


def public_names(message: str) -> str:
    """``message`` with each riskscore class named where users import it, not by its private module.

    scikit-learn names the class a parameter must be an instance of by its defining module
    (``'riskscore.model._scaling.ScoreScaling'``); a user imports it from ``riskscore.model``.
    A path is rewritten only when the public package exports that very class.

    Examples
    --------
    >>> public_names("must be an instance of 'riskscore.model._scaling.ScoreScaling' or None.")
    "must be an instance of 'riskscore.model.ScoreScaling' or None."
    >>> public_names("'riskscore.model._scaling.NoSuchThing'")
    "'riskscore.model._scaling.NoSuchThing'"
    """
    def public(match: re.Match[str]) -> str:
        package, private, name = match.groups()
        try:
            same = getattr(importlib.import_module(package), name) is \
                getattr(importlib.import_module(package + private), name)
        except (ImportError, AttributeError):
            same = False
        return f"'{package}.{name}'" if same else match.group(0)

    return _PRIVATE_PATH.sub(public, message)


def validate_parameter_constraints(parameter_constraints: dict[str, Any], params: dict[str, Any],
                                   caller_name: str) -> None:
    """scikit-learn's ``validate_parameter_constraints``, naming riskscore's classes by their public path."""
    try:
        _sklearn_validate_constraints(parameter_constraints, params, caller_name)
    except InvalidParameterError as err:
        raise InvalidParameterError(public_names(str(err))) from None


def validate_params(parameter_constraints: dict[str, list[object]], *,
                    prefer_skip_nested_validation: bool) -> Callable[[F], F]:
    """scikit-learn's ``validate_params``, keeping the owner's name in errors raised inside the function.

    The constraints stay introspectable as ``func._skl_parameter_constraints`` (as in scikit-learn).
    """
    sklearn_decorator = _sklearn_validate_params(parameter_constraints,
                                                 prefer_skip_nested_validation=prefer_skip_nested_validation)

    def decorator(func: F) -> F:
        checked = sklearn_decorator(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return checked(*args, **kwargs)
            except InvalidParameterError as err:
                inner = err.__cause__
                if isinstance(inner, InvalidParameterError):  # renamed by scikit-learn: restore the owner
                    raise inner from None
                message = public_names(str(err))
                if message == str(err):
                    raise
                raise InvalidParameterError(message) from None

        return wrapper  # type: ignore[return-value]

    return decorator


def invalid_parameter(name: str, owner: str, must_be: str, value: object) -> InvalidParameterError:
    """The error of a check the declarative constraints cannot express, in their message style.

    Examples
    --------
    >>> str(invalid_parameter("windows", "FeatureBuilder", "distinct ints >= 1", (3, 3)))
    "The 'windows' parameter of FeatureBuilder must be distinct ints >= 1. Got (3, 3) instead."
    """
    return InvalidParameterError(f"The {name!r} parameter of {owner} must be {must_be}. Got {value!r} instead.")


def renamed_parameter(old: str, new: str, *, stacklevel: int = 4) -> None:
    """Warn that keyword ``old`` was renamed ``new`` (riskscore 0.2; the old name goes in 0.4).

    ``stacklevel`` counts from the caller of this function: the default points at the user's call
    of a function decorated with :func:`validate_params` (two wrapper frames in between).
    """
    warnings.warn(f"{old!r} was renamed {new!r} in riskscore 0.2 and will be removed in 0.4.", FutureWarning,
                  stacklevel=stacklevel + 1)


def isin(values: object, among: object) -> np.ndarray:
    """Which of ``values`` are in ``among``, as a boolean array (``Series.isin``; a missing value
    matches a missing value).

    pandas 3's ``isin`` on its pyarrow-backed strings first builds a Python list of ``among``
    (about 15x slower than Arrow's own ``is_in`` on 50,000 ids): text on both sides takes Arrow's
    path, anything else an index lookup.

    Examples
    --------
    >>> isin(pd.Series(["a", "b", None]), ["b", None]).tolist()
    [False, True, True]
    >>> isin(pd.Series([1, 2]), [2]).tolist()
    [False, True]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        left = pa.array(values, from_pandas=True)
        right = pa.array(among, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        left = right = None

    def text(array: object, empty: bool = False) -> bool:
        kind = getattr(array, "type", None)
        return kind is not None and (pa.types.is_string(kind) or pa.types.is_large_string(kind)
                                     or (empty and pa.types.is_null(kind)))

    if not (text(left) and text(right, empty=True)):
        index = pd.Index(among)  # type: ignore[arg-type]
        return (index.unique() if not index.is_unique else index).get_indexer(values) >= 0  # type: ignore[arg-type]
    hit = pc.is_in(left, value_set=right.cast(left.type))
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
