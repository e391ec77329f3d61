"""Parametric netlists by name: the loader expands ``{generator: NAME, params: {...}}``.

``meshes``: ``clements`` and ``reck`` N×N MZI meshes, ``svd_layer`` (mesh V†, attenuator
column Σ, mesh U).  ``cores``: ``onn_core``, a whole optical core (laser, splitter,
DAC-driven modulators, a layer, detectors, TIAs, ADCs) of any size.
"""

from .cores import core_netlist
from .meshes import clements, reck, svd_layer

GENERATORS = {"clements": clements, "reck": reck, "svd_layer": svd_layer,
              "onn_core": core_netlist}

__all__ = ["GENERATORS", "clements", "core_netlist", "reck", "svd_layer"]
