"""Which systems could stand in for which: partial substitutability (issue 14 §3).

A system duplicates another only where it serves the same function for compatible users:
same capability kind, reachable from the agency (same government, or a platform layer /
government app that serves every line), and *compatible* — the two lines' systems of that
kind could serve each other's users. Compatibility is a property of a pair of lines and a
kind, the same in every government (a tax bureau's identity service and a housing bureau's
serve different user bases everywhere): drawn once per run, symmetric, with probability
`agents.substitutability` of the kind. Vertically managed lines (垂直管理) run their
ministry's systems on the ministry's standards (seed 000 §2.3): no local line's system
substitutes for theirs, nor theirs for a local one. An auditor counts as duplicated what the
agency could actually have reused, so duplicated spending reads these pairs (docs/ODD.md §7.4).

The draws come from a child of the model's generator (`Generator.spawn`), which leaves the
model's own stream untouched: every other draw of a run is the same as without them.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.core.extending import overload
from numba.cpython.unsafe.numbers import trailing_zeros

from .state import N_KINDS, SHAREABLE, SHAREABLE_FLAGS


def draw(rng: np.random.Generator, substitutability, vertical: np.ndarray) -> np.ndarray:
    """(K, L, L) bool: line i's system of kind k could serve line j's users (symmetric,
    a line with itself True). `substitutability` (K,): chance a pair of lines is compatible
    for the kind (0 for kinds that are not shareable); `vertical` (L,): vertically managed."""
    L = len(vertical)
    child = rng.spawn(1)[0]  # its own stream: the model's draws are not shifted
    chance = np.where(SHAREABLE, np.asarray(substitutability, float), 0.0)
    return pairs_compatible(child.random((N_KINDS, L, L)), chance, np.asarray(vertical, np.bool_))


@njit(cache=True)
def pairs_compatible(u, chance, vertical):
    """`draw`'s pairs from its uniforms `u` (K, L, L): the pair {i, j} (i < j) of kind k is
    compatible when u[k, i, j] < chance[k] (one draw per unordered pair; what
    `triu(u, 1) + its transpose < chance` gives) and neither line is vertically managed."""
    K, L = u.shape[0], u.shape[1]
    out = np.zeros((K, L, L), np.bool_)
    for k in range(K):
        for i in range(L):
            out[k, i, i] = True
            for j in range(i + 1, L):
                out[k, i, j] = out[k, j, i] = u[k, i, j] < chance[k] and not vertical[i] and not vertical[j]
    return out


@njit(cache=True)
def can_use_shared(own, kind_reach, substitutes, n_lines, n, k):
    """Agency `n` can use a shared instance of kind `k` (`compatible_reach` of that pair):
    what reuse means wherever it is read — planning, review and the service kernel."""
    g, i = n // n_lines, n % n_lines
    if kind_reach[g, k]:
        return True
    if not SHAREABLE_FLAGS[k]:
        return False
    lo, found = g * n_lines, False
    for line in range(n_lines):
        if line != i and own[lo + line, k] and substitutes[k, i, line]:
            found = True
            break
    return found


@njit(cache=True)
def compatible_for(own, kind_reach, substitutes, n_lines, agencies, kinds):
    """For each (agency, kind) pair asked: `compatible_reach` of that pair alone."""
    out = np.zeros(len(agencies), np.bool_)
    for j in range(len(agencies)):
        out[j] = can_use_shared(own, kind_reach, substitutes, n_lines, agencies[j], kinds[j])
    return out


@njit(cache=True)
def usable_of_kind(own, kind_reach, substitutes, n_lines, k):
    """(N,) bool: `can_use_shared` of kind `k` for every agency, a government at a time —
    the same answers as `compatible_for` asked once per agency, for callers that ask about
    many more pairs (every needed link) than there are agencies."""
    N = own.shape[0]
    if n_lines > 64 or not SHAREABLE_FLAGS[k]:
        out = np.zeros(N, np.bool_)
        for n in range(N):
            out[n] = can_use_shared(own, kind_reach, substitutes, n_lines, n, k)
        return out
    return usable_by_bits(own, kind_reach, _compatible_bits(substitutes), n_lines, k)


@njit(cache=True)
def usable_by_bits(own, kind_reach, bits, n_lines, k):
    """`usable_of_kind` of a shareable kind `k` for governments of at most 64 lines, from
    the lines' compatibility bits (`compatible_bits`, made once per model)."""
    N = own.shape[0]
    out = np.zeros(N, np.bool_)
    for g in range(N // n_lines):
        lo = g * n_lines
        if kind_reach[g, k]:
            out[lo : lo + n_lines] = True
            continue
        owned = lines_owning(own, lo, n_lines, k)  # lines of the government running a system of the kind
        for i in range(n_lines):
            out[lo + i] = (owned & bits[k, i]) != 0
    return out


def usable(own, kind_reach, substitutes, bits, n_lines, k):
    """`usable_of_kind`, from the model's compatibility bits where it has them."""
    if bits.shape[1] != n_lines or not SHAREABLE[k]:
        return usable_of_kind(own, kind_reach, substitutes, n_lines, k)
    return usable_by_bits(own, kind_reach, bits, n_lines, k)


@njit(cache=True)
def compatible_reach(own, kind_reach, substitutes, n_lines):
    """(N, K) bool: a shared instance of the kind that could serve the agency is reachable —
    a platform layer or the government app (`kind_reach`, (G, K): they serve every line),
    or a running system of another agency of its government whose line is compatible."""
    N, K = own.shape
    out = np.zeros((N, K), np.bool_)
    for g in range(N // n_lines):
        lo = g * n_lines
        for k in range(K):
            if kind_reach[g, k]:
                for i in range(n_lines):
                    out[lo + i, k] = True
                continue
            if not SHAREABLE_FLAGS[k]:  # only a platform or the government app stands in
                continue
            for i in range(n_lines):
                found = False
                for j in range(n_lines):
                    if j != i and own[lo + j, k] and substitutes[k, i, j]:
                        found = True
                        break
                out[lo + i, k] = found
    return out


@njit(cache=True)
def hostable_for(own, host_open, kind_reach, substitutes, n_lines, agencies, kinds, host_capacity):
    """For each (agency, kind) pair asked: `can_host` of that pair."""
    out = np.zeros(len(agencies), np.bool_)
    for j in range(len(agencies)):
        out[j] = can_host(own, host_open, kind_reach, substitutes, n_lines, agencies[j], kinds[j], host_capacity)
    return out


@njit(cache=True)
def can_host(own, host_open, kind_reach, substitutes, n_lines, n, k, host_capacity):
    """A platform layer or the government app of kind `k` reaches agency `n`'s government,
    or an agency of its government whose line is compatible runs one and is open to sharing
    (its stance, §7.2) — an instance whose owner would host it (room is counted on running
    systems, `running_duplicates`; here only whether hosting is possible)."""
    g, i = n // n_lines, n % n_lines
    if kind_reach[g, k]:
        return True
    if not SHAREABLE_FLAGS[k] or host_capacity <= 0:
        return False
    lo = g * n_lines
    for line in range(n_lines):
        if line != i and own[lo + line, k] and substitutes[k, i, line] and host_open[lo + line]:
            return True
    return False


@njit(cache=True)
def running_duplicates(own, built, kind_reach, substitutes, n_lines, host_open, host_capacity):
    """(N, K) bool: running systems an auditor counts as duplicates — a platform layer or
    the government app of the kind is reachable, or a compatible agency of the same
    government delivered its system of the kind earlier and could host this one's users: its
    owner is open to sharing (`host_open`, (N,)) and its system hosts fewer than
    `host_capacity` later duplicates (systems in delivery order, ties: the lower line first;
    each duplicate is charged to the lowest compatible line with room). A duplicate hosts no
    later one: in the counterfactual where it was reused it does not exist, so the count is of
    systems that could have been avoided jointly. So this one could have been reused instead
    of built."""
    N, K = own.shape
    if n_lines > 64:
        out = np.zeros((N, K), np.bool_)
        return _running_duplicates_pairwise(own, built, kind_reach, substitutes, n_lines, host_open, host_capacity, out)
    return duplicates_by_bits(own, built, kind_reach, _compatible_bits(substitutes), n_lines, host_open, host_capacity)


def duplicates(own, built, kind_reach, substitutes, bits, n_lines, host_open, host_capacity):
    """`running_duplicates`, from the model's compatibility bits where it has them."""
    if bits.shape[1] != n_lines:
        return running_duplicates(own, built, kind_reach, substitutes, n_lines, host_open, host_capacity)
    return duplicates_by_bits(own, built, kind_reach, bits, n_lines, host_open, host_capacity)


@njit(cache=True)
def duplicates_by_bits(own, built, kind_reach, bits, n_lines, host_open, host_capacity):
    """`running_duplicates` for governments of at most 64 lines, from the lines'
    compatibility bits (`compatible_bits`, made once per model)."""
    order = np.full((len(own) // n_lines, own.shape[1], n_lines), -1, np.int8)  # no order known
    return duplicates_in_order(own, built, kind_reach, bits, n_lines, host_open, host_capacity, order)


@njit(cache=True)
def duplicates_in_order(own, built, kind_reach, bits, n_lines, host_open, host_capacity, order):
    """`duplicates_by_bits`, starting from `order` (G, K, L) int8: each government's lines
    running a kind in the delivery order of the last call (-1 ends a shorter list), kept by
    the caller from month to month and updated here. Only a hint: the systems are read in its
    order, those not in it after (by line), then sorted (`_sorted_keys`): a month only drops
    the systems that stopped and appends those it delivered, last, so the list is nearly in
    order. Any hint of the government's lines (0 to L - 1, or -1) gives the same answer: the
    sort is of every running system, and the keys are distinct."""
    N, K = own.shape
    out = np.zeros((N, K), np.bool_)
    keys, ranked = np.empty(n_lines, np.int64), np.empty(n_lines, np.int64)
    hosted = np.zeros(n_lines, np.int64)
    for g in range(N // n_lines):
        lo = g * n_lines
        for k in range(K):
            if kind_reach[g, k]:
                for i in range(n_lines):
                    out[lo + i, k] = own[lo + i, k]
                continue
            if not SHAREABLE_FLAGS[k]:
                continue
            owned = np.uint64(0)  # the lines running one (`lines_owning`)
            for i in range(n_lines):
                owned |= np.uint64(own[lo + i, k]) << np.uint64(i)
            m, seen = 0, np.uint64(0)
            for r in range(n_lines):  # the hint's lines still running one, each once
                i = np.int64(order[g, k, r])
                if i < 0:
                    break
                bit = np.uint64(1) << np.uint64(i)
                if (owned & bit) != 0 and (seen & bit) == 0:
                    keys[m] = (np.int64(built[lo + i, k]) << 6) | i  # (month, line): at most 64 lines
                    seen |= bit
                    m += 1
            rest, in_order = owned & ~seen, keys  # rest: running one, not in the hint (appended)
            if rest == 0:
                _insertion(keys, m)
            else:
                in_order = _sorted_keys(keys, m, rest, built, lo, k, ranked)
                m += _bit_count(rest)
            hosts = np.uint64(0)  # lines that delivered one earlier, open, with room to host
            for r in range(m):
                i = in_order[r] & 63  # the line (months before 0 too: two's complement)
                room = hosts & bits[k, i]
                if room != 0:
                    out[lo + i, k] = True
                    j = lowest_bit(room)  # charged to the lowest compatible line with room
                    hosted[j] += 1
                    if hosted[j] >= host_capacity:
                        hosts &= ~(np.uint64(1) << np.uint64(j))
                elif host_open[lo + i] and host_capacity > 0:  # a duplicate hosts none
                    hosted[i] = 0
                    hosts |= np.uint64(1) << np.uint64(i)
                order[g, k, r] = i  # the order for the next call
            if m < n_lines:
                order[g, k, m] = -1
    return out


@njit(cache=True)
def _sorted_keys(keys, m, rest, built, lo, k, ranked):
    """The first `m` `keys` (read in the hint's order) and those of the lines in `rest` (bits,
    appended by line, of the government whose rows start at `lo`; kind `k`), ascending: by insertion
    where few were appended (fast on a list nearly in order), else by rank (`_in_order`).
    Returns the array that holds them."""
    appended = 0
    while rest != 0:
        i = lowest_bit(rest)
        rest &= rest - np.uint64(1)
        keys[m + appended] = (np.int64(built[lo + i, k]) << 6) | i
        appended += 1
    if appended > 16:  # then more than 16 in all: placed by rank into `ranked`
        return _in_order(keys, m + appended, ranked)
    _insertion(keys, m + appended)
    return keys


@njit(cache=True)
def _bit_count(x):
    """Set bits of a uint64."""
    n = 0
    while x != 0:
        x &= x - np.uint64(1)
        n += 1
    return n


def lowest_bit(x):
    """Index of the lowest set bit of a non-zero unsigned integer: compiled, one instruction
    (`trailing_zeros`, below); interpreted (NUMBA_DISABLE_JIT), Python's integers."""
    v = int(x)
    return (v & -v).bit_length() - 1


@overload(lowest_bit)
def _lowest_bit_compiled(x):
    return lambda x: np.int64(trailing_zeros(x))


@njit(cache=True)
def _insertion(keys, m):
    """The first `m` of `keys` sorted in place by insertion: a few, or many nearly in order."""
    for a in range(1, m):
        key, q = keys[a], a - 1
        while q >= 0 and keys[q] > key:
            keys[q + 1] = keys[q]
            q -= 1
        keys[q + 1] = key


@njit(cache=True)
def _in_order(keys, m, ranked):
    """The first `m` of the distinct `keys`, ascending: a few sorted in place by insertion
    (faster than numba's sort), many placed by rank into `ranked` (a key's place is the
    count of smaller keys: no branch to mispredict; about half insertion's time at 30
    systems and more). Returns the array that holds them."""
    if m <= 16:
        _insertion(keys, m)
        return keys
    for a in range(m):
        place = 0
        for b in range(m):
            place += keys[b] < keys[a]
        ranked[place] = keys[a]
    return ranked


def compatible_bits(substitutes: np.ndarray) -> np.ndarray:
    """(K, L) uint64 compatibility bits of a government's lines (`_compatible_bits`); (K, 0)
    beyond 64 lines, where kernels read `substitutes` pair by pair. Fixed for a run: a model
    makes them once (`GovModel.line_bits`)."""
    if substitutes.shape[1] > 64:
        return np.zeros((substitutes.shape[0], 0), np.uint64)
    return _compatible_bits(substitutes)


@njit(cache=True)
def lines_owning(own, lo, n_lines, k):
    """uint64, bit i set: line i of the government whose agencies start at row `lo` runs its
    own system of kind `k` (at most 64 lines)."""
    owned = np.uint64(0)
    for i in range(n_lines):
        if own[lo + i, k]:
            owned |= np.uint64(1) << np.uint64(i)
    return owned


@njit(cache=True)
def can_use_by_bits(kind_reach, owned, bits, g, i, k):
    """`can_use_shared` for line `i` of government `g`, from the lines of the government
    running kind `k` (`lines_owning`) and the compatibility bits: the same answer, without
    a pass over the government's lines."""
    return kind_reach[g, k] | ((SHAREABLE_FLAGS[k] != 0) & ((owned & bits[k, i]) != 0))  # no branch


@njit(cache=True)
def _compatible_bits(substitutes):
    """(K, L) uint64: bit j of [k, i] set where line j's system of kind k could serve line
    i's users (j != i); for at most 64 lines."""
    K, L = substitutes.shape[0], substitutes.shape[1]
    bits = np.zeros((K, L), np.uint64)
    for k in range(K):
        for i in range(L):
            for j in range(L):
                if j != i and substitutes[k, i, j]:
                    bits[k, i] |= np.uint64(1) << np.uint64(j)
    return bits


@njit(cache=True)
def _running_duplicates_pairwise(own, built, kind_reach, substitutes, n_lines, host_open, host_capacity, out):
    """`running_duplicates` pair by pair, for governments of more than 64 lines."""
    N, K = own.shape
    keys = np.empty(n_lines, np.int64)
    hosted = np.zeros(n_lines, np.int64)
    can_host = np.zeros(n_lines, np.bool_)
    for g in range(N // n_lines):
        lo = g * n_lines
        for k in range(K):
            if kind_reach[g, k]:
                for i in range(n_lines):
                    out[lo + i, k] = own[lo + i, k]
                continue
            if not SHAREABLE_FLAGS[k]:
                continue
            for i in range(n_lines):  # systems in delivery order (ties: lower line first)
                keys[i] = built[lo + i, k] * n_lines + i if own[lo + i, k] else np.iinfo(np.int64).max
            order = np.argsort(keys)
            can_host[:] = False
            for r in range(n_lines):
                i = order[r]
                if not own[lo + i, k]:
                    break
                for j in range(n_lines):  # the lowest compatible line with room
                    if can_host[j] and substitutes[k, i, j]:
                        out[lo + i, k] = True
                        hosted[j] += 1
                        can_host[j] = hosted[j] < host_capacity
                        break
                if host_open[lo + i] and host_capacity > 0 and not out[lo + i, k]:  # a duplicate hosts none
                    hosted[i] = 0
                    can_host[i] = True
    return out
