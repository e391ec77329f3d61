"""Training of (optical) neural networks: TPFP, backprop and the controls.

    from emulator.training import train, evaluate
    h = train("digits", layers=[64, 32, 10], method="tpfp", epochs=100, lr=0.1)
    h.test_accuracy, h.test_accuracy_per_epoch, h.weights, h.counters
    evaluate(h, X, y)

Layout: ``activations`` (forward only) · ``derivatives`` (bp only) · ``net`` (the one
Net/Layer model: dense layers, forward pass, init) · ``network`` (a trained Model and its
score) · ``kernels`` (momentum update) · ``methods/`` (one file per rule, any net) ·
``optical`` (layers on emulated meshes) · ``settings`` (every argument as a schema Field)
· ``fit`` (the one epoch loop) · ``loop`` (dense ``train``, ``evaluate``) · ``history``.
The optical CNNs (:mod:`emulator.conv`) add conv and strip layers and call ``fit`` too.
"""

from .activations import ACTIVATIONS
from .trainer import fit, lr_at
from .history import History
from .loop import evaluate, train
from .methods import METHODS
from .net import Dense, Net, dense_net
from .network import Model
from .onchip import deploy

__all__ = ["ACTIVATIONS", "METHODS", "Dense", "History", "Model", "Net",
           "deploy", "dense_net", "evaluate", "fit", "lr_at", "train"]
