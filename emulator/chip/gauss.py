"""Counter-based standard normal draws for compiled loops.

Draw j of a pass is a function of the pass's key and j alone, so a loop may compute
its draws in any order, skip the ones it does not need, or split them among threads,
and the same key still gives the same numbers.  The key comes from the caller's seeded
generator (:func:`key`, one 64-bit draw per pass).

* Bits: SplitMix64 (Steele, Lea & Flood, OOPSLA 2014) read as a counter-based
  generator: ``bits(key, j) = mix(key + (j + 1)·γ)``, the j-th output of the SplitMix64
  sequence seeded with ``key`` (it passes BigCrush).
* Normal: Box–Muller (1958), exact in distribution: from bits j and j + 1, u ∈ (0, 1]
  (52 bits) and an angle θ uniform on a circle (2 bits pick the quadrant, 52 bits the
  angle within it), the pair R·cos θ, R·sin θ with R = √(−2 ln u).  The logarithm, sine
  and cosine are evaluated here in full double precision (series on reduced ranges,
  checked against libm in the tests), branch-free, so the loop vectorizes (a libm call
  would not).  The largest draw is √(2·52·ln 2) ≈ 8.5.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

GAMMA = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio, odd
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(0x3FF0000000000000)  # the bits of 1.0
_MASK52 = np.uint64((1 << 52) - 1)
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # fdlibm
_SQRT2 = math.sqrt(2.0)
_LOG_C = tuple(1.0 / k for k in range(21, 2, -2))  # atanh series: 1/21 … 1/3
_SIN_C = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(8, 0, -1))
_COS_C = tuple((-1.0) ** k / math.factorial(2 * k) for k in range(9, 1, -1))


def key(rng: np.random.Generator) -> np.uint64:
    """A pass's key: one 64-bit draw of the caller's generator."""
    return np.uint64(rng.bit_generator.random_raw())


@intrinsic
def _as_float(typingctx, bits):
    """The double whose IEEE-754 bits are ``bits`` (uint64)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.uint64), codegen


@intrinsic
def _as_bits(typingctx, value):
    """The IEEE-754 bits (uint64) of a double."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.uint64(types.float64), codegen


_jit = numba.njit(cache=True, inline="always", error_model="numpy")


@_jit
def mix(z):
    """SplitMix64's output function (variant 13 of Stafford's mixers)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@_jit
def log(u):
    """ln u of a positive normal double: u = 2^e·m, m ∈ [√½, √2), ln m = 2 atanh s."""
    b = _as_bits(u)
    e = np.float64(np.int64(b >> np.uint64(52)) - 1023)
    m = _as_float((b & _MASK52) | _ONE)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    e = e + 1.0 if big else e
    s = (m - 1.0) / (m + 1.0)  # |s| ≤ 0.172: the series' next term is < 1e-19
    z = s * s
    p = 0.0
    for c in _LOG_C:
        p = p * z + c
    return e * _LN2_HI + (e * _LN2_LO + (2.0 * s + 2.0 * s * z * p))


@_jit
def sincos(x):
    """sin x, cos x for |x| ≤ π/4 (Taylor to x^17 and x^18: next terms < 1e-19)."""
    z = x * x
    s = 0.0
    for c in _SIN_C:
        s = s * z + c
    c2 = 0.0
    for c in _COS_C:
        c2 = c2 * z + c
    return x + x * z * s, 1.0 - 0.5 * z + z * z * c2


@_jit
def fill(k, start, out):
    """out[p], out[h + p] = the pair of draws start + 2p, start + 2p + 1 of key k, for
    p < h = len(out) / 2 (``out``'s length is even)."""
    half = out.shape[0] // 2
    for p in range(half):
        j = start + np.uint64(2 * p)
        b1 = mix(k + (j + np.uint64(1)) * GAMMA)
        b2 = mix(k + (j + np.uint64(2)) * GAMMA)
        u = 2.0 - _as_float((b1 >> np.uint64(12)) | _ONE)  # (0, 1]
        r = math.sqrt(-2.0 * log(u))
        f = _as_float(((b2 >> np.uint64(10)) & _MASK52) | _ONE) - 1.5  # [−½, ½)
        sn, cs = sincos(f * (0.5 * math.pi))
        q = b2 >> np.uint64(62)  # quadrant: θ = q·π/2 + f·π/2
        odd = (q & np.uint64(1)) != np.uint64(0)
        r = -r if q >= np.uint64(2) else r
        out[p] = r * (-sn if odd else cs)
        out[half + p] = r * (cs if odd else sn)


@numba.njit(cache=True, error_model="numpy")
def normals(k, start, n):
    """Draws start … start + n − 1 of key k in the order :func:`fill` writes them (n
    even): for tests and other callers."""
    out = np.empty(n)
    fill(np.uint64(k), np.uint64(start), out)
    return out
