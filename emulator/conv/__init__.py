"""Optical CNNs: real-size images through small optical blocks (issue 6).

    from emulator.conv import train_conv
    h = train_conv("mnist5k", model="patch_conv", method="tpfp", epochs=100, lr=0.1)
    h.test_accuracy, h.test_accuracy_per_epoch, h.weights, h.workload(ports=32, cores=1)

Models: ``patch_conv`` (one small network shared by every k×k patch, square-law
detection, pooling, dense head) and ``column_strip`` (each image column through its own
small network, then a dense head).  Methods: ``tpfp``, ``bp``, ``frozen``.

Layout: ``im2col`` (cutting maps, pooling) · ``layers`` (conv / strip / dense: geometry,
products, updates) · ``network`` (models, forward pass, ConvModel) · ``tpfp``, ``bp``,
``frozen`` (one rule each) · ``train`` (train_conv) · ``workload`` (what an image asks
of the optical cores, per pass).
"""

from .network import MODELS, ConvModel, Net
from .train import METHODS, ConvHistory, build_net, evaluate_conv, train_conv
from .workload import TileJob, Workload, tile_jobs, workload

__all__ = ["METHODS", "MODELS", "ConvHistory", "ConvModel", "Net", "TileJob", "Workload",
           "build_net", "evaluate_conv", "tile_jobs", "train_conv", "workload"]
