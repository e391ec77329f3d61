"""Run a scenario: train every method on the fast path, simulate one training step and
one inference pass on the mapped hardware, and write the report atomically."""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Mapping

import numpy as np

from components import Registry
from emulator import __version__
from emulator.chip.calibrate import CAL_BATCH
from components.errors import DivergenceError, Problem, ScenarioError, UserError
from emulator.io.files import to_json, write_json, write_text

from .load import Scenario, load_scenario
from .step import simulate_step
from .view import Report


def _versions() -> dict:
    import networkx
    import scipy
    import simpy

    return {"photonic_emulator": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "simpy": simpy.__version__,
            "networkx": networkx.__version__}


def _chip_spec(sc: Scenario):
    """The chip of the scenario's hardware: its core (loaded with the overrides), the
    number of cores, and the nonideal section's controller policy."""
    from emulator.chip.spec import POLICY_FIELDS, ChipSpec

    nd = sc.config["nonideal"]
    return ChipSpec.of_core(sc.core, cores=sc.config["hardware"]["cores"],
                            **{k: nd[k] for k in POLICY_FIELDS})


def split_for(sc: Scenario, data, seed: int):
    """The data split of one seed: each seed is an independent run (its own split, init,
    batch order and noise); ``data`` is the scenario seed's split."""
    from emulator.data import load_dataset

    return data if seed == sc.config["seed"] else load_dataset(sc.config["data"], seed)


def train_methods(sc: Scenario, data, *, quiet: bool) -> dict[str, list]:
    """Every method entry, for every seed: {label: [History per seed]}."""
    from emulator.training import train

    cfg, tr = sc.config, sc.config["training"]
    hw = _chip_spec(sc)
    out: dict[str, list] = {}
    for entry in tr["methods"]:
        insitu = cfg["nonideal"]["insitu"] if entry["insitu"] is None else entry["insitu"]
        runs = []
        for k in range(tr["seeds"]):
            if not quiet:
                print(f"training {entry['label']} (seed {cfg['seed'] + k}) ...", flush=True)
            data_k = split_for(sc, data, cfg["seed"] + k)
            model = entry["model_cfg"]
            if model["type"] != "dense":
                runs.append(_train_cnn(sc, data_k, entry, cfg["seed"] + k, quiet,
                                       hw if insitu else None))
                continue
            runs.append(train(data_k, layers=model["layers"],
                              activation=entry["activation"] or model["activation"],
                              method=entry["method"],
                              epochs=tr["epochs"], lr=entry["lr"] or tr["lr"],
                              batch=tr["batch"], seed=cfg["seed"] + k, fscale=entry["fscale"],
                              dropout=model["dropout"], momentum=tr["momentum"],
                              output_error=tr["output_error"], hardware=hw if insitu else None,
                              progress=not quiet))
        out[entry["label"]] = runs
    return out


def _train_cnn(sc: Scenario, data, entry: dict, seed: int, quiet: bool, hardware=None):
    """One CNN run (in situ on ``hardware`` if given); its argument errors are reported
    at the scenario's key paths."""
    from emulator.conv import train_conv

    tr, model = sc.config["training"], entry["model_cfg"]
    try:
        return train_conv(data, model=model["type"], method=entry["method"],
                          epochs=tr["epochs"], lr=entry["lr"] or tr["lr"], batch=tr["batch"],
                          seed=seed,
                          fscale=entry["fscale"], momentum=tr["momentum"],
                          output_error=tr["output_error"],
                          activation=entry["activation"] or model["activation"],
                          dropout=model["dropout"], progress=not quiet, hardware=hardware,
                          **model["conv"])
    except ScenarioError:
        raise
    except DivergenceError as err:
        raise ScenarioError([Problem(f"{entry['label']}: {p.message}", sc.file, "training.lr",
                                     None, p.hint) for p in err.problems])
    except UserError as err:
        raise ScenarioError([Problem(p.message, sc.file, f"model.conv.{p.path}" if p.path
                                     else "model.conv", None, p.hint) for p in err.problems])


def blocks_of(history):
    """The weight blocks the cores run, with their vectors per image."""
    from .step import Block, dense_layers

    if history.model.net.dense:  # a dense network
        return dense_layers(history.weights)
    out = []
    for layer, W in zip(history.model.net.layers, history.weights):
        W = np.asarray(W, dtype=float)
        if layer.kind == "conv":
            ho, wo = layer.conv_shape
            out.append([Block(W, ho * wo)])
        elif layer.kind == "strip":
            out.append([Block(W[g]) for g in range(W.shape[0])])
        else:
            out.append([Block(W)])
    return out


def _check_data(sc: Scenario, data) -> None:
    if sc.config["training"]["methods"][0]["model_cfg"]["type"] != "dense" or \
            sc.config["model"]["type"] != "dense":
        return  # the CNN builder checks the image shape itself
    layers = sc.config["model"]["layers"]
    problems = []
    if layers[0] != data.n_features:
        problems.append(Problem(f"the input layer has {layers[0]} units but data "
                                f"'{sc.config['data']}' has {data.n_features} features",
                                sc.file, "model.layers.0", hint=f"use {data.n_features}"))
    if layers[-1] != data.n_classes:
        problems.append(Problem(f"the output layer has {layers[-1]} units but data "
                                f"'{sc.config['data']}' has {data.n_classes} classes",
                                sc.file, f"model.layers.{len(layers) - 1}",
                                hint=f"use {data.n_classes}"))
    if problems:
        raise ScenarioError(problems)


def run_scenario(source: str | Path | Mapping | Scenario, *, out: str | Path | None = None,
                 overrides: Mapping | None = None, quiet: bool = True,
                 write: bool = True, base: str | Path | None = None,
                 registry: Registry | None = None) -> "Report":
    """Run a scenario and return its report: the content of ``report.json`` as a
    :class:`~emulator.scenario.view.Report` (a dict, with tables and figures for notebooks).

    A dict scenario resolves its relative paths against ``base`` (default: the working
    directory).  With ``write``, the report, plots and trace go to ``out`` (default
    ``runs/<scenario>-<time>``): built in a temporary folder, then moved into place file by
    file, ``report.json`` last, so an interrupted run leaves no half-written report.
    """
    t0 = time.perf_counter()
    sc = source if isinstance(source, Scenario) else load_scenario(
        source, overrides, base=base, registry=registry)
    cfg = sc.config
    from emulator.data import load_dataset

    data = load_dataset(cfg["data"], cfg["seed"])
    _check_data(sc, data)
    histories = train_methods(sc, data, quiet=quiet)
    deploy = _deploy(sc, data, histories)
    entries = cfg["training"]["methods"]
    groups = _model_groups(entries)  # one hardware costing per distinct model
    main = groups[0]
    blocks = blocks_of(histories[main][0])
    rewrite = _measured_rewrite(entries, histories, main)
    # an in-situ run with calibration re-calibrates every tile it re-writes
    cal = CAL_BATCH if rewrite is not None and cfg["nonideal"]["calibrate"] else 0
    step = cost_step(sc, blocks, data.n_features, trace=cfg["outputs"]["trace"],
                     rewrite=rewrite, calibration=cal)
    variants = {name: cost_step(sc.variant(hw), blocks, data.n_features, trace=False,
                                scenario=True, rewrite=rewrite, calibration=cal)
                for name, hw in cfg["variants"].items()}
    per_model = {label: cost_step(sc, blocks_of(histories[label][0]), data.n_features,
                                  trace=False) for label in groups[1:]}
    from .report import build_report

    report = build_report(sc, data, histories, deploy, step, main, variants, per_model,
                          wall_time_s=time.perf_counter() - t0, versions=_versions())
    if write:
        out_dir = Path(out) if out is not None else Path("runs") / (
            f"{sc.name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
        report["output_dir"] = str(out_dir)
        write_outputs(out_dir, report, histories, step, cfg)
    return Report(report, step)


def cost_step(sc: Scenario, blocks, n_input: int, *, trace: bool, scenario: bool = False,
              rewrite: float | None = None, calibration: int = 0):
    """One training step and one inference pass of ``sc``'s hardware (with the scenario);
    ``rewrite``: the measured share of tiles re-written per update (None: all);
    ``calibration``: vectors of the calibration batch of each re-written tile (0: none)."""
    hw = sc.config["hardware"]
    converters = {k: v for k, v in hw["converters"].items() if v is not None} or None
    step = simulate_step(sc.core, blocks, sc.config["training"]["batch"], cores=hw["cores"],
                         converters=converters, wavelengths=hw["wavelengths"],
                         wdm_loss_db=wdm_laser_raise_db(sc), trace=trace,
                         n_input=n_input, registry=sc.registry, rewrite=rewrite,
                         calibration=calibration)
    return (sc, step) if scenario else step


def wdm_laser_raise_db(sc: Scenario) -> float:
    """What each laser line makes up with W > 1 wavelengths: the mux + demux loss and
    the receivers' crosstalk power penalty (:func:`emulator.graph.receiver.wdm_crosstalk`)."""
    from emulator.graph.receiver import wdm_crosstalk

    hw = sc.config["hardware"]
    if hw["wavelengths"] <= 1:
        return 0.0
    return hw["wdm_loss"] + wdm_crosstalk(sc.core.netlist, hw["wavelengths"])["power_penalty_db"]


def _measured_rewrite(entries, histories, main: str) -> float | None:
    """The re-writing an in-situ run of the costed model measured (its policy), if any
    entry of that model trained in situ; None otherwise."""
    from .report import rewrite_fraction

    model = next(e["model_cfg"] for e in entries if e["label"] == main)
    for e in entries:
        if e["model_cfg"] == model:
            measured = rewrite_fraction(histories[e["label"]])
            if measured is not None:
                return measured
    return None


def _model_groups(entries) -> list[str]:
    """For each distinct model, the label costed on the hardware: its first tpfp entry, else
    its first entry; the first model's comes first."""
    import json as _json

    seen: dict[str, dict] = {}
    for e in entries:
        key = _json.dumps(e["model_cfg"], sort_keys=True, default=str)
        if key not in seen or (e["method"] == "tpfp" and seen[key]["method"] != "tpfp"):
            seen[key] = e
    return [e["label"] for e in seen.values()]


def _deploy(sc: Scenario, data, histories) -> dict:
    """Ideal-trained weights run on the imperfect mesh without retraining."""
    nd = sc.config["nonideal"]
    if not nd["deploy"]:
        return {}
    from emulator.training import deploy, evaluate

    hw = _chip_spec(sc)
    insitu = {e["label"]: (sc.config["nonideal"]["insitu"] if e["insitu"] is None
                           else e["insitu"]) for e in sc.config["training"]["methods"]}
    out = {}
    for label, runs in histories.items():
        if insitu[label]:
            continue  # already trained on the imperfect mesh
        accs = []
        for h in runs:
            d = split_for(sc, data, h.seed)
            accs.append(evaluate(deploy(h.model, hw, seed=h.seed), d.X_test, d.y_test))
        out[label] = {"test": float(np.mean(accs)), "per_seed": accs}
    return out


def write_outputs(out_dir: Path, report: dict, histories, step, cfg) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        from .plots import plot_all
        from .report import markdown

        files = []
        if cfg["outputs"]["plots"]:
            files += plot_all(tmp, report, histories, step)
        if cfg["outputs"]["trace"]:
            from emulator.engine import trace as tr

            write_json(tmp / "trace.json", tr.document(step.trace), indent=None)
            files.append("trace.json")
        write_text(tmp / "report.md", markdown(report, files))
        files.append("report.md")
        write_text(tmp / "report.json", to_json(report))
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in files + ["report.json"]:  # report.json last: its presence means complete
            os.replace(tmp / name, out_dir / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

