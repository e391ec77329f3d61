"""Training of (optical) neural networks: TPFP, backprop and the controls.

    from emulator.training import train, evaluate
    h = train("digits", layers=[64, 32, 10], method="tpfp", epochs=100, lr=0.1)
    h.test_accuracy, h.test_accuracy_per_epoch, h.weights, h.counters
    evaluate(h, X, y)

Layout: ``activations`` (forward only) · ``derivatives`` (bp only) · ``network`` (weights,
softmax, Model) · ``kernels`` (momentum update) · ``methods/`` (one file per rule) ·
``optical`` (layers on emulated meshes) · ``loop`` (train/evaluate) · ``history``.
"""

from .activations import ACTIVATIONS
from .history import History
from .loop import evaluate, lr_at, train
from .methods import METHODS
from .network import Model
from .optical import HardwareSpec, deploy

__all__ = ["ACTIVATIONS", "METHODS", "HardwareSpec", "History", "Model", "deploy",
           "evaluate", "lr_at", "train"]
