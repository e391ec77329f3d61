"""Optical CNNs: real-size images through small optical blocks.

    from emulator.conv import train_conv
    h = train_conv("mnist5k", model="patch_conv", method="tpfp", epochs=100, lr=0.1)
    h.test_accuracy, h.test_accuracy_per_epoch, h.weights, h.workload(ports=32, cores=1)

Models: ``patch_conv`` (one small network shared by every k×k patch, square-law
detection, pooling, dense head) and ``column_strip`` (each image column through its own
small network, then a dense head).  Methods: those of every net, ``tpfp``, ``bp``,
``frozen``, ``bp_modulated`` (:mod:`emulator.training.methods`).

Layout: ``im2col`` (cutting maps, pooling) · ``layers`` (conv and strip layers: geometry,
products, updates) · ``network`` (the two models as a Net) · ``train`` (build_net,
train_conv on the one trainer) · ``workload`` (what an image asks of the optical cores,
per pass).
"""

from .network import MODELS
from .train import METHODS, ConvHistory, build_net, evaluate_conv, train_conv
from .workload import TileJob, Workload, tile_jobs, workload

__all__ = ["METHODS", "MODELS", "ConvHistory", "TileJob", "Workload", "build_net",
           "evaluate_conv", "tile_jobs", "train_conv", "workload"]
