"""The scenario file schema: data, model, hardware, training, non-idealities, outputs.

``photonic-emu schema scenario`` prints it as JSON Schema (``--text``: a reference).
"""

from __future__ import annotations

from dataclasses import replace

from emulator.engine.sim import CONVERTERS
from emulator.schema import Field, section
from emulator.training.activations import ACTIVATIONS as _ACTIVATIONS
from emulator.training.methods import METHODS as _METHODS
from emulator.chip.spec import CORE_FIELDS, POLICY_FIELDS
from emulator.training.settings import CONV_FIELDS, MODEL_FIELDS, TRAINING_FIELDS

# the trainer's own declarations (emulator.training.settings): one bound and one default
# per setting; the scenario only makes some of them optional ("the model's own default")
METHODS = tuple(_METHODS)
ACTIVATIONS = tuple(_ACTIVATIONS)

MODEL_TYPES = ("dense", "patch_conv", "column_strip")


def _methods_ok(v):
    labels = [m["label"] for m in v if m and m.get("label")]
    if len(set(labels)) != len(labels):
        return "two methods have the same label (give one a 'label')"
    return None


def _label(entry: dict) -> dict:
    if entry.get("method") is not None and not entry.get("label"):
        entry["label"] = entry["method"]
    return entry


MODEL: dict[str, Field] = {
    "type": Field("choice", "dense", "dense layers, or an optical CNN made of small blocks",
                  choices=MODEL_TYPES),
    "layers": replace(MODEL_FIELDS["layers"], default=None, nullable=True),
    "activation": replace(MODEL_FIELDS["activation"], default=None, nullable=True,
                          choices=ACTIVATIONS, doc="hidden-layer nonlinearity (default relu "
                          "for dense, square-law for the CNNs)"),
    "conv": section(CONV_FIELDS, "CNN settings (patch_conv: kernel, channels, stride, "
                    "padding, pool, pool_mode, conv_norm; column_strip: hidden, readout; "
                    "both: head)"),
    "dropout": MODEL_FIELDS["dropout"],
}

HARDWARE: dict[str, Field] = {
    **{k: CORE_FIELDS[k] for k in ("core", "cores")},
    "converters": section(CONVERTERS, "converter counts; default one per channel"),
    "shifter": CORE_FIELDS["shifter"],
    "wavelengths": Field("int", 1, "WDM channels: vectors in flight per core", lo=1, hi=64),
    "wdm_loss": Field("quantity", 2.5, "with wavelengths > 1: insertion loss of the "
                      "multiplexer plus the demultiplexer (estimate: 2-3 dB for AWG or ring "
                      "filters); each laser line is raised to make it up", unit="dB", lo=0,
                      hi=30),
    "params": CORE_FIELDS["params"],
    "mapping": Field("choice", "core", "how layers map onto cores: the core's own (its "
                     "weight layer: svd_layer and mrr_weight_bank weight_stationary, "
                     "dota_crossbar dynamic); naming one checks the core does that",
                     choices=("core", "weight_stationary", "dynamic")),
    "tiling": Field("bool", True, "cut layers larger than the core into tiles"),
    "laser": CORE_FIELDS["laser"],
    "allow_over_budget": CORE_FIELDS["allow_over_budget"],
}


METHOD_ENTRY = Field("section", doc="a method, or {method, label, insitu}",
                     alt=Field("choice", choices=METHODS), coerce=lambda v: {"method": v}
                     if isinstance(v, str) else v, post=_label, fields={
    "method": Field("choice", choices=METHODS, doc="training rule"),
    "label": Field("str", None, "name in the report (default: the method)", nullable=True),
    "insitu": Field("bool", None, "both passes through the core's chip (default: "
                    "nonideal.insitu)", nullable=True),
    "activation": Field("choice", None, "this entry's activation (default: "
                        "model.activation)", choices=ACTIVATIONS, nullable=True),
    "lr": replace(TRAINING_FIELDS["lr"], default=None, nullable=True,
                  doc="this entry's learning rate (default: training.lr)"),
    "model": Field("section", None, "this entry's model: keys of 'model' to change, e.g. "
                   "{type: column_strip}", fields=MODEL, partial=True, nullable=True),
})


SCHEMA: dict[str, Field] = {
    "version": Field("choice", choices=(1,), doc="scenario format version"),
    "name": Field("str", None, "used in the output folder name", nullable=True),
    "doc": Field("str", None, "free text", nullable=True),
    "seed": Field("int", 1, "one seed for data split, init, noise and the report", lo=0),
    "data": Field("str", "digits", "digits | mnist5k | mnist:FOLDER | npz:FILE | xor"),
    "model": section(MODEL, "the network"),
    "hardware": section(HARDWARE, "the optical hardware and the mapping of layers onto it"),
    "training": section({
        "methods": Field("list", ["tpfp", "bp", "frozen"], "methods to compare: names, or "
                         "{method, label, insitu}", item=METHOD_ENTRY, min_items=1,
                         check=_methods_ok),
        "seeds": Field("int", 1, "independent runs per method (seed, seed+1, ...); the "
                       "report gives mean, spread and the share of runs reaching 100 %", lo=1,
                       hi=1000),
        **{k: TRAINING_FIELDS[k] for k in ("epochs", "lr", "batch")},
        "fscale": replace(TRAINING_FIELDS["fscale"], default=None, nullable=True,
                          doc="scale s of the fixed feedback matrix F (default 0.05 dense, "
                          "the model's own for CNNs)"),
        **{k: TRAINING_FIELDS[k] for k in ("momentum", "output_error")},
    }, "training on the fast path"),
    "nonideal": section({
        "insitu": Field("bool", False, "train with both forward passes through the core's "
                        "chip (its components' noise, loss, converters)"),
        "deploy": Field("bool", False, "also run ideal-trained weights on the chip"),
        **POLICY_FIELDS,
    }, "training on the hardware: what is not a component property (the chip itself is "
       "the core netlist and hardware.params)"),
    "variants": Field("map", {}, "named hardware alternatives costed beside the main one, "
                      "e.g. {eo: {shifter: eo}}: keys of 'hardware' to change",
                      item=Field("section", fields=HARDWARE, partial=True)),
    "outputs": section({
        "plots": Field("bool", True, "PNG plots"),
        "trace": Field("bool", True, "trace.json of one training step"),
    }, "what to write"),
}
