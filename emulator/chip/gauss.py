"""Counter-based standard normal draws for compiled loops.

Draw j of a pass is a function of the pass's key and j alone, so a loop may compute
its draws in any order, skip the ones it does not need, or share them among threads,
and the same key still gives the same numbers.  The key comes from the caller's seeded
generator (:func:`key`, one 64-bit draw per pass).

* Bits: SplitMix64 (Steele, Lea & Flood, OOPSLA 2014) read as a counter-based
  generator: ``bits(key, j) = mix(key + (j + 1)·γ)``, the j-th output of the SplitMix64
  sequence seeded with ``key`` (it passes BigCrush).
* Normal: the 256-layer ziggurat of Marsaglia & Tsang (J. Stat. Softw. 5, 2000) in the
  52-bit form numpy uses: 8 bits pick a layer, 1 the sign, 52 the abscissa; inside the
  layer's core (≈ 99 % of draws) that is the draw, otherwise the wedge or the tail is
  sampled exactly (rejection), with uniforms from a SplitMix64 sequence of its own
  seeded by (key, j).  Exact in distribution, not a table of quantiles.

:func:`fill` writes a row's draws in three loops: the bits (vectorized), the core test
for every draw (its table look-ups do not vectorize on every CPU), then the rare
rejections one by one.
"""

from __future__ import annotations

import math

import numba
import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio, odd
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SLOW = np.uint64(0xD1B54A32D192ED03)  # separates the rejection sequences from the bits
_MASK52 = np.uint64((1 << 52) - 1)
_R = 3.6541528853610088  # start of the tail (256 layers)
# area of each layer: the base's rectangle R·f(R) and the tail beyond R, f(x) = e^{−x²/2}
_AREA = _R * math.exp(-0.5 * _R * _R) + math.sqrt(math.pi / 2) * math.erfc(_R / math.sqrt(2))


def _tables():
    """Ziggurat tables: ki (52-bit core limits), wi (abscissa per unit), fi (density)."""
    m1 = 2.0 ** 52
    dn = tn = _R
    q = _AREA / math.exp(-0.5 * dn * dn)
    ki = np.zeros(256, dtype=np.int64)
    wi, fi = np.zeros(256), np.zeros(256)
    ki[0] = int(dn / q * m1)
    wi[0], wi[255] = q / m1, dn / m1
    fi[0], fi[255] = 1.0, math.exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * math.log(_AREA / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = int(dn / tn * m1)
        tn = dn
        fi[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / m1
    return ki, wi, fi


KI, WI, FI = _tables()


def key(rng: np.random.Generator) -> np.uint64:
    """A pass's key: one 64-bit draw of the caller's generator."""
    return rng.integers(0, 2 ** 64, dtype=np.uint64, endpoint=False)


@numba.njit(cache=True, inline="always")
def mix(z):
    """SplitMix64's output function (variant 13 of Stafford's mixers)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _unit(state):
    """The next SplitMix64 state and a uniform in [0, 1) from its 53 top bits."""
    state += GAMMA
    return state, np.float64(mix(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True)
def _slow(k, j, bits, ki, wi, fi):
    """Draw j when the core test of its bits failed: wedge or tail, by rejection."""
    state = mix(k ^ _SLOW) + (j + np.uint64(1)) * GAMMA
    while True:
        idx = np.int64(bits & np.uint64(0xFF))
        rabs = np.int64((bits >> np.uint64(9)) & _MASK52)
        x = np.float64(rabs) * wi[idx]
        neg = (bits >> np.uint64(8)) & np.uint64(1)
        if rabs < ki[idx]:
            return -x if neg else x
        if idx == 0:  # the tail beyond R (Marsaglia 1964)
            while True:
                state, u1 = _unit(state)
                state, u2 = _unit(state)
                xx = -math.log1p(-u1) / _R
                yy = -math.log1p(-u2)
                if yy + yy > xx * xx:
                    return -(_R + xx) if (rabs >> 8) & 1 else _R + xx
        else:  # the wedge between the layer's core and the density
            state, u = _unit(state)
            if (fi[idx - 1] - fi[idx]) * u + fi[idx] < math.exp(-0.5 * x * x):
                return -x if neg else x
        state += GAMMA
        bits = mix(state)


@numba.njit(cache=True, inline="always")
def fill(k, start, out, bits, ki, wi, fi):
    """out[b] = draw start + b of key k, for every b (``bits``: scratch like ``out``)."""
    n = out.shape[0]
    for b in range(n):
        bits[b] = mix(k + (start + np.uint64(b) + np.uint64(1)) * GAMMA)
    miss = 0
    for b in range(n):
        r = bits[b]
        idx = r & np.uint64(0xFF)
        rabs = np.int64((r >> np.uint64(9)) & _MASK52)
        x = np.float64(rabs) * wi[idx]
        out[b] = -x if (r >> np.uint64(8)) & np.uint64(1) else x
        miss += rabs >= ki[idx]
    if miss:
        for b in range(n):
            r = bits[b]
            if np.int64((r >> np.uint64(9)) & _MASK52) >= ki[r & np.uint64(0xFF)]:
                out[b] = _slow(k, start + np.uint64(b), r, ki, wi, fi)


@numba.njit(cache=True)
def normals(k, start, n):
    """Draws start … start + n − 1 of key k (for tests and other callers)."""
    out = np.empty(n)
    fill(np.uint64(k), np.uint64(start), out, np.empty(n, np.uint64), KI, WI, FI)
    return out
