"""Exact path-dependent TreeSHAP for LightGBM boosters, with per-leaf tables (numba).

The algorithm
-------------
Path-dependent TreeSHAP (Lundberg et al. 2020, "Algorithm 2", what LightGBM's ``pred_contrib``
and ``shap.TreeExplainer(model)`` compute) explains, for each tree, the game

    v(S) = sum over leaves l of  value_l * prod_{j in P_l} (s_j(x) if j in S else z_j)

where P_l are the distinct features on the path to leaf l, s_j(x) is 1 when x follows the path
at every split on feature j (0 otherwise), and z_j is the product of the cover ratios
(child count / parent count) of those splits. The Shapley value of feature i in P_l depends on x
only through the set A = {j in P_l : s_j(x) = 1}:

    phi_i = value_l * (s_i - z_i) * prod_{j in P_l \\ A, j != i} z_j
            * sum_k w(k, d) e_{|B| - k}(z_B),   B = A \\ {i},  d = |P_l|,  w(k, d) = k! (d-k-1)! / d!

with e_m the elementary symmetric polynomials. So each leaf gets a table of 2^d x d values,
computed once per model (this is the idea of FastTreeSHAP v2, Yang 2021), and explaining a row
costs one pass over each tree's splits plus d look-ups per leaf: O(L D) per tree instead of
TreeSHAP's O(L D^2). Leaves whose paths carry more than :data:`MAX_TABLE_DEPTH` distinct features
are computed on the fly with the same formula (O(d^2) per leaf), so every model is handled.

Decisions reproduce LightGBM's numerical splits exactly (missing type None / Zero / NaN and the
default direction). Categorical splits are refused (riskscore features are numerical).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

__all__ = ["Forest", "forest_from_booster", "tree_shap"]

log = logging.getLogger(__name__)

#: Leaves with at most this many distinct path features get a precomputed table (2^d x d floats).
MAX_TABLE_DEPTH = 10
_MISSING = {"None": 0, "Zero": 1, "NaN": 2}
_ZERO = 1e-35  # LightGBM's kZeroThreshold


@dataclass(frozen=True)
class Forest:
    """A LightGBM model flattened into arrays, with the per-leaf SHAP tables."""

    n_features: int
    base_value: float
    # internal nodes of all trees, numbered globally
    feature: np.ndarray        # int32
    threshold: np.ndarray      # float64
    default_left: np.ndarray   # bool
    missing_type: np.ndarray   # int8: 0 none, 1 zero, 2 nan
    tree_nodes: np.ndarray     # int64[n_trees + 1]: node offsets
    tree_leaves: np.ndarray    # int64[n_trees + 1]: leaf offsets
    # leaves: their path (node, goes left, slot), distinct features (slots), z, value, table
    path_start: np.ndarray     # int64[n_leaves + 1]
    path_node: np.ndarray      # int32
    path_left: np.ndarray      # bool
    path_slot: np.ndarray      # int32
    slot_start: np.ndarray     # int64[n_leaves + 1]
    slot_feature: np.ndarray   # int32
    slot_z: np.ndarray         # float64
    leaf_value: np.ndarray     # float64
    table_start: np.ndarray    # int64[n_leaves]; -1 when computed on the fly
    table: np.ndarray          # float64


def _walk(node: dict[str, Any], path: list[tuple[int, bool, int, float]], out: dict[str, list]) -> None:
    if "split_index" not in node:
        out["leaves"].append((float(node["leaf_value"]), list(path)))
        return
    if node.get("decision_type", "<=") != "<=":
        raise ValueError("riskscore's TreeSHAP supports numerical splits only; this model has a categorical split.")
    gid = len(out["feature"])
    out["feature"].append(int(node["split_feature"]))
    out["threshold"].append(float(node["threshold"]))
    out["default_left"].append(bool(node["default_left"]))
    out["missing_type"].append(_MISSING[node.get("missing_type", "None")])
    parent = float(node["internal_count"])
    for child, left in ((node["left_child"], True), (node["right_child"], False)):
        count = float(child.get("internal_count", child.get("leaf_count", 0)))
        ratio = count / parent if parent > 0 else 0.0
        path.append((gid, left, int(node["split_feature"]), ratio))
        _walk(child, path, out)
        path.pop()


def forest_from_booster(booster: Any, num_iteration: int | None = None) -> Forest:
    """Flatten the first ``num_iteration`` trees of a binary/regression LightGBM ``Booster``.

    Examples
    --------
    >>> import lightgbm as lgb, numpy as np
    >>> from riskscore.explain._treeshap import forest_from_booster
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> booster = lgb.train({"objective": "binary", "verbosity": -1, "num_leaves": 4},
    ...                     lgb.Dataset(X, label=X[:, 0] > 0), num_boost_round=5)
    >>> forest = forest_from_booster(booster)
    >>> len(forest.tree_nodes) - 1, forest.n_features
    (5, 3)
    """
    dump = booster.dump_model(num_iteration=num_iteration if num_iteration else -1)
    if dump.get("num_tree_per_iteration", 1) != 1:
        raise ValueError("riskscore's TreeSHAP explains single-output models (binary or regression).")
    out: dict[str, list] = {"feature": [], "threshold": [], "default_left": [], "missing_type": [], "leaves": []}
    tree_nodes, tree_leaves = [0], [0]
    base = 0.0
    for info in dump["tree_info"]:
        _walk(info["tree_structure"], [], out)
        tree_nodes.append(len(out["feature"]))
        tree_leaves.append(len(out["leaves"]))
    path_start, path_node, path_left, path_slot = [0], [], [], []
    slot_start, slot_feature, slot_z, leaf_value = [0], [], [], []
    for value, path in out["leaves"]:
        slots: dict[int, int] = {}
        z: list[float] = []
        cover = 1.0
        for gid, left, feat, ratio in path:
            if feat not in slots:
                slots[feat] = len(slots)
                z.append(1.0)
            z[slots[feat]] *= ratio
            cover *= ratio
            path_node.append(gid)
            path_left.append(left)
            path_slot.append(slots[feat])
        base += value * cover
        path_start.append(len(path_node))
        slot_feature.extend(slots)
        slot_z.extend(z)
        slot_start.append(len(slot_feature))
        leaf_value.append(value)
    slot_start_arr = np.asarray(slot_start, dtype=np.int64)
    depth = np.diff(slot_start_arr)
    if len(depth) and depth.max() > 62:
        raise ValueError(f"A leaf's path has {depth.max()} distinct features; at most 62 are supported.")
    sizes = np.where(depth <= MAX_TABLE_DEPTH, (2 ** np.minimum(depth, MAX_TABLE_DEPTH)) * depth, 0)
    table_start = np.where(depth <= MAX_TABLE_DEPTH, np.concatenate([[0], np.cumsum(sizes)[:-1]]), -1)
    z_arr = np.asarray(slot_z, dtype=np.float64)
    values = np.asarray(leaf_value, dtype=np.float64)
    table = np.zeros(int(sizes.sum()), dtype=np.float64)
    _fill_tables(slot_start_arr, z_arr, values, table_start.astype(np.int64), table)
    return Forest(
        n_features=int(dump["max_feature_idx"]) + 1, base_value=float(base),
        feature=np.asarray(out["feature"], dtype=np.int32), threshold=np.asarray(out["threshold"], dtype=np.float64),
        default_left=np.asarray(out["default_left"], dtype=np.bool_),
        missing_type=np.asarray(out["missing_type"], dtype=np.int8),
        tree_nodes=np.asarray(tree_nodes, dtype=np.int64), tree_leaves=np.asarray(tree_leaves, dtype=np.int64),
        path_start=np.asarray(path_start, dtype=np.int64), path_node=np.asarray(path_node, dtype=np.int32),
        path_left=np.asarray(path_left, dtype=np.bool_), path_slot=np.asarray(path_slot, dtype=np.int32),
        slot_start=slot_start_arr, slot_feature=np.asarray(slot_feature, dtype=np.int32), slot_z=z_arr,
        leaf_value=values, table_start=table_start.astype(np.int64), table=table,
    )


def _private_cache_dir() -> str | None:
    """A folder only this user can write, under the temporary folder, for numba's compiled kernels; or None.

    numba caches a compiled function beside its module (``__pycache__``) or in the user's cache
    folder (``~/.cache``). A read-only installation run by a user whose home cannot be written (a
    container's non-root user, a cluster's service account) has neither, and numba then refuses
    to define the function at all. This folder is the third place; it is used only if it is a
    real folder owned by this user and closed to others (numba's cache files are pickles: one
    that another user could write would be code run here).
    """
    path = os.path.join(tempfile.gettempdir(), f"riskscore-numba-{os.getuid() if hasattr(os, 'getuid') else 0}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return None
    private = stat.S_ISDIR(st.st_mode) and (st.st_mode & 0o077) == 0
    if hasattr(os, "getuid"):
        private = private and st.st_uid == os.getuid()
    return path if private else None


def _njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(cache=True, **options)``, and where numba has no folder to cache in, a private one
    (:func:`_private_cache_dir`) or, without one, no cache (each process compiles: a few seconds)."""

    def decorate(func: Callable[..., Any]) -> Any:
        try:
            return numba.njit(cache=True, **options)(func)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            pass
        folder = _private_cache_dir()
        if folder is not None:
            given = numba.config.CACHE_DIR
            numba.config.CACHE_DIR = folder  # read when the function is defined: restored at once
            try:
                with contextlib.suppress(RuntimeError):
                    return numba.njit(cache=True, **options)(func)
            finally:
                numba.config.CACHE_DIR = given
        log.debug("numba cannot cache %s anywhere: compiled in each process", func.__name__)
        return numba.njit(**options)(func)

    return decorate


@_njit()
def _weights(d: int) -> np.ndarray:
    w = np.empty(max(d, 1))
    for k in range(d):
        w[k] = math.exp(math.lgamma(k + 1) + math.lgamma(d - k) - math.lgamma(d + 1))
    return w


@_njit()
def _leaf_phi(mask: int, z: np.ndarray, value: float, w: np.ndarray, out: np.ndarray) -> None:
    """phi_i of one leaf for the satisfied-set ``mask``, written to ``out[:d]``."""
    d = len(z)
    e = np.empty(d + 1)
    for i in range(d):
        s_i = (mask >> i) & 1
        # prod of z over slots not satisfied (other than i), and e_m(z_B) over B = A \ {i}
        prod_out = 1.0
        e[0] = 1.0
        nb = 0
        for j in range(d):
            if j == i:
                continue
            if (mask >> j) & 1:
                nb += 1
                e[nb] = 0.0
                for m in range(nb, 0, -1):
                    e[m] += e[m - 1] * z[j]
            else:
                prod_out *= z[j]
        inner = 0.0
        for k in range(nb + 1):  # k = |S|, S a subset of B; the rest of B contributes e_{nb-k}
            inner += w[k] * e[nb - k]
        out[i] = value * (s_i - z[i]) * prod_out * inner


@_njit()
def _fill_tables(slot_start: np.ndarray, z: np.ndarray, values: np.ndarray, table_start: np.ndarray,
                 table: np.ndarray) -> None:
    for leaf in range(len(values)):
        if table_start[leaf] < 0:
            continue
        a, b = slot_start[leaf], slot_start[leaf + 1]
        d = b - a
        if d == 0:
            continue
        w = _weights(d)
        zl = z[a:b]
        buf = np.empty(d)
        for mask in range(1 << d):
            _leaf_phi(mask, zl, values[leaf], w, buf)
            off = table_start[leaf] + mask * d
            for i in range(d):
                table[off + i] = buf[i]


@_njit()
def _goes_left(x: float, threshold: float, default_left: bool, missing_type: int) -> bool:
    if math.isnan(x) and missing_type != 2:
        x = 0.0
    if (missing_type == 1 and -_ZERO <= x <= _ZERO) or (missing_type == 2 and math.isnan(x)):
        return default_left
    return x <= threshold


_BLOCK = 128  # rows explained together, tree by tree, so a tree's tables stay in cache


@_njit(parallel=True)
def _shap(X, feature, threshold, default_left, missing_type, tree_nodes, tree_leaves, path_start, path_node,
          path_left, path_slot, slot_start, slot_feature, slot_z, leaf_value, table_start, table, out):
    n = X.shape[0]
    n_trees = len(tree_nodes) - 1
    max_nodes = 1
    for t in range(n_trees):
        max_nodes = max(max_nodes, tree_nodes[t + 1] - tree_nodes[t])
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in numba.prange(n_blocks):
        r0 = blk * _BLOCK
        r1 = min(n, r0 + _BLOCK)
        left = np.empty(max_nodes, dtype=np.bool_)
        buf = np.empty(64)
        for t in range(n_trees):
            n0 = tree_nodes[t]
            for r in range(r0, r1):
                for k in range(tree_nodes[t + 1] - n0):
                    g = n0 + k
                    left[k] = _goes_left(X[r, feature[g]], threshold[g], default_left[g], missing_type[g])
                for leaf in range(tree_leaves[t], tree_leaves[t + 1]):
                    _add_leaf(out, r, leaf, left, n0, path_start, path_node, path_left, path_slot, slot_start,
                              slot_feature, slot_z, leaf_value, table_start, table, buf)


@_njit(inline="always")
def _add_leaf(out, r, leaf, left, n0, path_start, path_node, path_left, path_slot, slot_start, slot_feature,
              slot_z, leaf_value, table_start, table, buf):
    """Add one leaf's SHAP values for row ``r``, given the row's decisions ``left`` in its tree."""
    a = slot_start[leaf]
    d = slot_start[leaf + 1] - a
    if d == 0:
        return
    mask = (1 << d) - 1
    for p in range(path_start[leaf], path_start[leaf + 1]):
        if left[path_node[p] - n0] != path_left[p]:
            mask &= ~(1 << path_slot[p])
    if table_start[leaf] >= 0:
        off = table_start[leaf] + mask * d
        for i in range(d):
            out[r, slot_feature[a + i]] += table[off + i]
    else:
        _leaf_phi(mask, slot_z[a:a + d], leaf_value[leaf], _weights(d), buf)
        for i in range(d):
            out[r, slot_feature[a + i]] += buf[i]


def tree_shap(forest: Forest, X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """SHAP values (n_samples, n_features) of ``forest`` on ``X`` (float, NaN for missing).

    The base value is ``forest.base_value``; each row's values plus it equal the raw margin.
    ``out`` (float64, zeros) may be passed to fill a slice of a larger array in place.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < forest.n_features:
        raise ValueError(f"X must have shape (n, {forest.n_features}), got {X.shape}.")
    if out is None:
        out = np.zeros((X.shape[0], X.shape[1]), dtype=np.float64)
    f = forest
    _shap(X, f.feature, f.threshold, f.default_left, f.missing_type, f.tree_nodes, f.tree_leaves, f.path_start,
          f.path_node, f.path_left, f.path_slot, f.slot_start, f.slot_feature, f.slot_z, f.leaf_value,
          f.table_start, f.table, out)
    return out
