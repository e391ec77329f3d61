"""Parametric netlists by name: the loader expands ``{generator: NAME, params: {...}}``.

``meshes``: ``clements`` and ``reck`` N×N MZI meshes, ``svd_layer`` (mesh V†, attenuator
column Σ, mesh U).  ``cores``: ``onn_core``, a whole optical core (laser, splitter,
DAC-driven modulators, a layer, detectors, TIAs, ADCs) of any size.  ``wdm_cores``:
``mrr_weight_bank`` (broadcast-and-weight rings) and ``dota_crossbar`` (both operands
modulated, ring-routed WDM buses, balanced detection per node).
"""

from .cores import core_netlist
from .meshes import clements, reck, svd_layer
from .wdm_cores import dota_crossbar, mrr_weight_bank

GENERATORS = {"clements": clements, "reck": reck, "svd_layer": svd_layer,
              "onn_core": core_netlist, "mrr_weight_bank": mrr_weight_bank,
              "dota_crossbar": dota_crossbar}

__all__ = ["GENERATORS", "clements", "core_netlist", "dota_crossbar", "mrr_weight_bank", "reck",
           "svd_layer"]
