"""numpy's PCG64 uniforms, bit for bit, in a compiled pass (third-party evaluation's audit draw).

`Generator.random(size)` on a PCG64 generator takes, per draw, one step of the 128-bit LCG
`state = state * MULT + inc` and the top 53 bits of its XSL-RR output, times 2**-53 (numpy's
`pcg64.h`, `pcg64_next64` and `next_double`). The audit draws 68,750 uniforms a month at 13,750
agencies and keeps the few per cent below its rate; through numpy that is a call through the bit
generator's function pointer per draw and a 550 KB array written, then read back to find them.
Here the same numbers come out of the same state in one compiled loop that keeps only the cells
below the rate, and the generator's state is then set to where numpy's draw leaves it (its
buffered 32 bits untouched, as `random` leaves them). Only numpy's `PCG64` takes this path."""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

MULT = 0x2360ED051FC65DA44385DF649FCCF645  # PCG_DEFAULT_MULTIPLIER_128 (numpy's pcg64.h)
MASK64 = (1 << 64) - 1


@intrinsic
def _lcg_step(typingctx, s_hi, s_lo, m_hi, m_lo, c_hi, c_lo):
    """(hi, lo) of `s * m + c` modulo 2**128, in 128-bit integers (numpy's C step)."""
    word = types.uint64
    sig = types.UniTuple(word, 2)(word, word, word, word, word, word)

    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)

        def join(hi, lo):
            return builder.or_(builder.shl(builder.zext(hi, wide), wide(64)), builder.zext(lo, wide))

        x = builder.add(builder.mul(join(args[0], args[1]), join(args[2], args[3])), join(args[4], args[5]))
        hi, lo = builder.trunc(builder.lshr(x, wide(64)), ir.IntType(64)), builder.trunc(x, ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, (hi, lo))

    return sig, codegen


@njit(cache=True, inline="always")
def _bits53(s_hi, s_lo):
    """The top 53 bits of the XSL-RR output of state (hi, lo): `next_double` is them times 2**-53."""
    value, rot = s_hi ^ s_lo, s_hi >> np.uint64(58)
    return ((value >> rot) | (value << ((np.uint64(64) - rot) & np.uint64(63)))) >> np.uint64(11)


@njit(cache=True)
def cells_drawn_below(words, size, least):
    """`np.flatnonzero(rng.random(size) < rate)` from PCG64 `words` (state, inc, multiplier:
    (hi, lo) uint64 each), the draws compared as they are made (`bits < least`: `threshold`)
    and not stored. Returns the cells (ascending) and the state after them (hi, lo)."""
    s_hi, s_lo, i_hi, i_lo, m_hi, m_lo = words[0], words[1], words[2], words[3], words[4], words[5]
    out = np.empty(size, np.int64)
    c = 0
    for i in range(size):
        s_hi, s_lo = _lcg_step(s_hi, s_lo, m_hi, m_lo, i_hi, i_lo)
        if _bits53(s_hi, s_lo) < least:
            out[c] = i
            c += 1
    after = np.empty(2, np.uint64)
    after[0], after[1] = s_hi, s_lo
    return out[:c].copy(), after


def threshold(rate: float) -> int:
    """A draw `b * 2**-53` (b an integer below 2**53) is below `rate` where `b < threshold`:
    `ceil(rate * 2**53)` (the product is exact), 0 for none, 2**53 for every draw."""
    if not rate > 0:  # none (NaN too: numpy's comparison with NaN is false)
        return 0
    return math.ceil(min(rate, 1.0) * 2.0**53)


def cells_below_rate(rng: np.random.Generator, size: int, rate: float) -> np.ndarray:
    """`np.flatnonzero(rng.random(size) < rate)`, drawn the same and leaving `rng` where that
    draw leaves it: compiled for numpy's PCG64, else through numpy."""
    bits = rng.bit_generator
    if type(bits) is not np.random.PCG64:
        return np.flatnonzero(rng.random(size) < rate)
    state = bits.state
    lcg = state["state"]
    s, inc = lcg["state"], lcg["inc"]
    words = np.array([s >> 64, s & MASK64, inc >> 64, inc & MASK64, MULT >> 64, MULT & MASK64], np.uint64)
    cells, after = cells_drawn_below(words, size, np.uint64(threshold(rate)))
    lcg["state"] = (int(after[0]) << 64) | int(after[1])
    bits.state = state
    return cells
