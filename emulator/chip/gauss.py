"""Counter-based standard normal draws for compiled loops.

Draw j of a pass is a function of the pass's key and j alone, so a loop may compute
its draws in any order, skip the ones it does not need, or split them among threads,
and the same key still gives the same numbers.  The key comes from the caller's seeded
generator (:func:`key`, one 64-bit draw per pass).

* Bits: SplitMix64 (Steele, Lea & Flood, OOPSLA 2014) read as a counter-based
  generator: ``bits(key, j) = mix(key + (j + 1)·γ)``, the j-th output of the SplitMix64
  sequence seeded with ``key`` (it passes BigCrush).
* Normal: Box–Muller (1958), exact in distribution, in single precision (the draws
  scale detector noise that an ADC then quantizes: 24 significant bits are far below
  any step it resolves, and single precision runs twice the lanes of double).  One
  64-bit output per pair of draws: its high 32 bits give u ∈ (0, 1] (u = (h + ½)·2⁻³²),
  its low 32 an angle θ uniform on a circle (2 bits pick the quadrant, 24 the angle
  within it); the pair is R·cos θ, R·sin θ with R = √(−2 ln u).  The logarithm, sine and
  cosine are evaluated here to single precision (series on reduced ranges, checked
  against libm in the tests), branch-free, so the loop vectorizes (a libm call would
  not).  The largest radius is √(2·ln 2³³) ≈ 6.8: the law is cut where its radius has
  probability 2⁻³³ ≈ 10⁻¹⁰ of lying.
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
_F32 = numba.float32
_ONE32 = np.uint32(0x3F800000)  # the bits of 1.0f
_MASK23 = np.uint32((1 << 23) - 1)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO_M32 = np.float32(2.0 ** -32)
_TWO_M24 = np.float32(2.0 ** -24)
_MASK24 = np.uint32((1 << 24) - 1)
_TWO_M33 = np.float32(2.0 ** -33)
_LN2 = np.float32(math.log(2.0))
_SQRT2 = np.float32(math.sqrt(2.0))
_HALF_PI = np.float32(math.pi / 2)
_LOG_C = tuple(np.float32(1.0 / k) for k in range(11, 2, -2))  # atanh series: 1/11 … 1/3
_SIN_C = tuple(np.float32((-1.0) ** k / math.factorial(2 * k + 1)) for k in range(4, 0, -1))
_COS_C = tuple(np.float32((-1.0) ** k / math.factorial(2 * k)) for k in range(5, 1, -1))


def key(rng: np.random.Generator) -> np.uint64:
    """A pass's key: one 64-bit draw of the caller's generator."""
    return np.uint64(rng.bit_generator.random_raw())


@intrinsic
def _as_float(typingctx, bits):
    """The float whose IEEE-754 bits are ``bits`` (uint32)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.uint32), codegen


@intrinsic
def _as_bits(typingctx, value):
    """The IEEE-754 bits (uint32) of a float."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))
    return types.uint32(types.float32), codegen


_jit = numba.njit(cache=True, inline="always", error_model="numpy")


@_jit
def mix(z):
    """SplitMix64's output function (variant 13 of Stafford's mixers)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@_jit
def log(u):
    """ln u of a positive normal float: u = 2^e·m, m ∈ [√½, √2), ln m = 2 atanh s."""
    b = _as_bits(u)
    e = _F32(np.int32(b >> np.uint32(23)) - np.int32(127))
    m = _as_float((b & _MASK23) | _ONE32)
    big = m > _SQRT2
    m = m * _F32(0.5) if big else m
    e = e + _F32(1.0) if big else e
    s = (m - _F32(1.0)) / (m + _F32(1.0))  # |s| ≤ 0.172: the next term is < 1e-9
    z = s * s
    p = _F32(0.0)
    for c in _LOG_C:
        p = p * z + c
    return e * _LN2 + (_F32(2.0) * s + _F32(2.0) * s * z * p)


@_jit
def sincos(x):
    """sin x, cos x of a float |x| ≤ π/4 (Taylor to x^9 and x^10: next terms < 3e-9)."""
    z = x * x
    s = _F32(0.0)
    for c in _SIN_C:
        s = s * z + c
    c2 = _F32(0.0)
    for c in _COS_C:
        c2 = c2 * z + c
    return x + x * z * s, _F32(1.0) - _F32(0.5) * z + z * z * c2


@_jit
def fill(k, start, out):
    """out[p], out[h + p] = draws start + 2p, start + 2p + 1 of key k (float32), for
    p < h = len(out) / 2 (``start`` and ``out``'s length are even): pair q = start/2 + p
    is made of 64-bit output q of the key."""
    half = out.shape[0] // 2
    first = start >> np.uint64(1)
    for p in range(half):
        h = mix(k + (first + np.uint64(p + 1)) * GAMMA)
        u = _F32(h >> np.uint64(32)) * _TWO_M32 + _TWO_M33  # (0, 1]
        r = math.sqrt(_F32(-2.0) * log(u))
        a = np.uint32(h & _LOW32)
        f = _F32((a >> np.uint32(6)) & _MASK24) * _TWO_M24  # [0, 1), 24 bits
        sn, cs = sincos((f - _F32(0.5)) * _HALF_PI)  # θ′ ∈ [−π/4, π/4)
        q = a >> np.uint32(30)  # quadrant: θ = q·π/2 + θ′
        odd = (q & np.uint32(1)) != np.uint32(0)
        r = -r if q >= np.uint32(2) else r
        out[p] = r * (-sn if odd else cs)
        out[half + p] = r * (cs if odd else sn)


@numba.njit(cache=True, error_model="numpy")
def normals(k, start, n):
    """Draws start … start + n − 1 of key k in the order :func:`fill` writes them (n and
    start even): for tests and other callers."""
    out = np.empty(n, dtype=np.float32)
    fill(np.uint64(k), np.uint64(start), out)
    return out
