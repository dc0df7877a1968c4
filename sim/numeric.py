"""Compiled sums that give numpy's own numbers, so kernels can fuse a measure's steps and
keep every preset's series bit-identical (tests/baselines.json).

`np.sum` of a contiguous float array is a pairwise sum (blocks of eight partial sums up to
128 elements, halves above): a plain loop adds in another order and differs in the last
bits. `pairwise_sum` is numpy's algorithm (numpy/_core/src/umath/loops_utils.h.src,
`pairwise_sum`), checked against `np.sum` in tests/test_numeric.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _block(a, lo, n):
    """numpy's pairwise sum of at most 128 elements: eight partial sums, then the rest."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    end = n - n % 8
    while i < end:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _half(n):
    h = n // 2
    return h - h % 8


@njit(cache=True)
def pairwise_sum(a):
    """`np.sum(a)` of a 1-D contiguous float64 array, bit for bit. Above 128 elements numpy
    adds the two halves' sums, recursively; here the recursion is a stack (numba's cache
    does not take recursive functions)."""
    n = len(a)
    if n <= 128:
        return _block(a, 0, n) if n else 0.0
    lo_of = np.empty(64, np.int64)  # a frame per level: depth is log2(n / 128) + 1
    n_of = np.empty(64, np.int64)
    left = np.empty(64)
    stage = np.empty(64, np.int64)  # 0: new, 1: left half pending, 2: right half pending
    top = 0
    lo_of[0], n_of[0], stage[0] = 0, n, 0
    result = 0.0
    while top >= 0:
        if n_of[top] > 128 and stage[top] == 0:  # split: the left half first
            stage[top] = 1
            lo_of[top + 1], n_of[top + 1], stage[top + 1] = lo_of[top], _half(n_of[top]), 0
            top += 1
            continue
        v = _block(a, lo_of[top], n_of[top])
        top -= 1
        while top >= 0:  # hand the value up until a frame still needs its right half
            if stage[top] == 1:
                left[top], stage[top] = v, 2
                h = _half(n_of[top])
                lo_of[top + 1], n_of[top + 1], stage[top + 1] = lo_of[top] + h, n_of[top] - h, 0
                top += 1
                break
            v = left[top] + v
            top -= 1
        if top < 0:
            result = v
    return result


@njit(cache=True)
def gini_sorted(x):
    """Gini coefficient of `x` sorted ascending, as `sim.measures.gini` computes it."""
    n = len(x)
    if n == 0 or pairwise_sum(x) <= 0:
        return 0.0
    cum = np.cumsum(x)
    return (n + 1 - 2 * pairwise_sum(cum / cum[-1])) / n


@njit(cache=True)
def row_bits(held, n):
    """The columns row `n` of the bool matrix `held` (N, K <= 62) holds, as bits (bit k: column k)."""
    bits = 0
    for k in range(held.shape[1]):
        bits |= np.int64(held[n, k]) << k
    return bits


@njit(cache=True)
def subset_sums(cost):
    """(2^K,) `cost` (K,) summed over each set of columns (`row_bits`), added in column order
    (0 x cost for a column not held), as compiled kernels add a row of `held @ cost`: a row's
    sum looked up by its bits is the same number, without a chain of K additions. (numpy's
    BLAS product may group the terms otherwise, machine by machine: the same number at the
    agents' costs, tests/test_numeric.py, not for every cost in the last bit.)"""
    K = len(cost)
    out = np.empty(1 << K)
    for bits in range(1 << K):
        total = 0.0
        for k in range(K):
            total += ((bits >> k) & 1) * cost[k]
        out[bits] = total
    return out
