"""Compiled passes of open data's and base data's months (the reform modules stay free of
numba: the schema imports them). Each does what a chain of numpy operations on the catalogue or the markets
did, in one call, with the same numbers (element-wise arithmetic in the same order)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from ..state import DATA, DATA_LAYER


@njit(cache=True)
def ask_waiting(waiting, newly_asked, open_, opened):
    """`open_data._publish`'s asking: the newly asked agencies not opened yet join the waiting
    ones (catalogue order); returns the waiting ones and those of them open to sharing (the
    ones asked to publish; `kernels.still_to_publish`), both in that order."""
    n_wait = len(waiting)
    wait = np.empty(n_wait + len(newly_asked), np.int64)
    wait[:n_wait] = waiting
    for n in newly_asked:
        if not opened[n]:
            wait[n_wait] = n
            n_wait += 1
    ask = np.empty(n_wait, np.int64)
    c = 0
    for i in range(n_wait):
        n = wait[i]
        if open_[n] and not opened[n]:
            ask[c] = n
            c += 1
    return wait[:n_wait].copy(), ask[:c].copy()


@njit(cache=True)
def publish(opened, ask, capable, waiting):
    """The asked agencies that can serve data open it (`opened[ask] = capable`, in place on
    the caller's copy); returns the waiting ones still not opened, in order."""
    for i in range(len(ask)):
        opened[ask[i]] = capable[i]
    out = np.empty(len(waiting), np.int64)
    c = 0
    for n in waiting:
        if not opened[n]:
            out[c] = n
            c += 1
    return out[:c].copy()


@njit(cache=True)
def opened_share(opened, records):
    """(G) each market's share of its records opened: `np.where(records > 0, opened /
    np.maximum(records, 1e-12), 0.0)`."""
    out = np.zeros(len(records))
    for g in range(len(records)):
        if records[g] > 0:
            out[g] = opened[g] / max(records[g], 1e-12)
    return out


@njit(cache=True)
def enter_and_exit(opened, developers, record_value, developer_cost):
    """(G) developers after a month: one enters a market where its opened records' value,
    split among one more, covers a developer's cost; one leaves where the current ones'
    split does not (`open_data._enter_and_exit`'s numpy, the same divisions)."""
    out = np.empty(len(developers), np.int64)
    for g in range(len(developers)):
        value = record_value * opened[g]
        n = developers[g]
        enter = value / (n + 1) > developer_cost
        leave = n > 0 and value / max(n, 1) < developer_cost
        out[g] = n + enter - leave
    return out


class Sources(NamedTuple):
    """What base data's feed reads of the source agencies (`base_data._feed`)."""

    own: np.ndarray  # (N, K) runs its own system of the kind
    quality: np.ndarray  # (N, K)
    open_: np.ndarray  # (N) open to sharing
    platform_reach: np.ndarray  # (G, layers) the platform's layers reaching the government
    agency_gov: np.ndarray  # (N)


@njit(cache=True)
def providing(agencies, links_provided):
    """The `agencies` (ascending) that provide some link: `agencies[links_provided[agencies] > 0]`."""
    out = np.empty(len(agencies), np.int64)
    c = 0
    for n in agencies:
        out[c] = n
        c += links_provided[n] > 0
    return out[:c].copy()


@njit(cache=True)
def feed_library(sources, draw, x, min_quality, guarded_update, updated, month):
    """`base_data._feed`: each source (`sources`, with its `draw`) on the platform's data layer
    or with its own data system of at least `min_quality` sends its update (`updated` set to
    `month`, in place) if it is open to sharing or complies (`draw < guarded_update`)."""
    x = Sources(*x)
    for i in range(len(sources)):
        n = sources[i]
        on_layer = x.platform_reach[x.agency_gov[n], DATA_LAYER]
        fit = on_layer or (x.own[n, DATA] and x.quality[n, DATA] >= min_quality)
        if fit and (x.open_[n] or draw[i] < guarded_update):
            updated[n] = month
