"""The report: one dict (``report.json``) and its human summary (``report.md``)."""

from __future__ import annotations

import math

from emulator.engine.result import SHOT_NOISE_FLOOR_J
from emulator.units import fmt

from .core import describe_core
from .step import PASSES, StepResult


def build_report(sc, data, histories, deploy, step: StepResult, main: str, *,
                 wall_time_s: float, versions: dict) -> dict:
    cfg = sc.config
    B = cfg["training"]["batch"]
    passes = {n: step.passes[n].to_dict() for n in PASSES}
    per_sample = {n: {"latency_s": p["latency_s"] / B, "energy_j": p["energy_j"] / B}
                  for n, p in passes.items()}
    per_step = step.step()
    steps = cfg["training"]["epochs"] * math.ceil(len(data.y_train) / B)
    inf_batches = math.ceil(len(data.y_test) / B)
    hw = cfg["hardware"]
    core = describe_core(sc.core)
    layers = cfg["model"]["layers"]
    macs = B * sum(a * b for a, b in zip(layers[1:], layers[:-1]))
    fwd = step.passes["forward"]
    laser_j = sum(e.energy_j for e in fwd.ledger.entries if e.kind == "laser")
    wpe = _wall_plug(sc.core)
    optical_per_mac = laser_j * wpe / macs if macs else None
    flags = []
    if optical_per_mac is not None and optical_per_mac < SHOT_NOISE_FLOOR_J:
        flags.append(f"optical energy per MAC {optical_per_mac:.3g} J is below the shot-noise "
                     f"floor {SHOT_NOISE_FLOOR_J:.3g} J (Hamerly 2019)")
    return {
        "scenario": sc.name,
        "file": sc.file,
        "seed": cfg["seed"],
        "data": {"name": data.name, "train": int(len(data.y_train)),
                 "test": int(len(data.y_test)), "features": data.n_features,
                 "classes": data.n_classes},
        "model": dict(cfg["model"]),
        "training": dict(cfg["training"]),
        "nonideal": dict(cfg["nonideal"]),
        "methods": {m: {"accuracy": {"train": h.train_accuracy, "test": h.test_accuracy},
                        "history": h.curves(), "counters": dict(h.counters),
                        **({"deployed_on_imperfect_mesh": deploy[m]} if m in deploy else {})}
                    for m, h in histories.items()},
        "hardware_method": main,
        "passes": passes,
        "per_sample": per_sample,
        "per_step": per_step,
        "totals": {
            "training": {"steps": steps, "latency_s": per_step["latency_s"] * steps,
                         "energy_j": per_step["energy_j"] * steps},
            "inference": {"samples": int(len(data.y_test)), "passes": inf_batches,
                          "latency_s": passes["inference"]["latency_s"] * inf_batches,
                          "energy_j": passes["inference"]["energy_j"] * inf_batches},
        },
        "hardware": {
            "core": core, "cores": hw["cores"], "wavelengths": hw["wavelengths"],
            "shifter": hw["shifter"] or "as in the core netlist",
            "converters_per_core": {"dac": hw["converters"]["dac"] or core["inputs"],
                                    "adc": hw["converters"]["adc"] or core["outputs"]},
            "mzis_total": core["mzis"] * hw["cores"],
            "tiles": len(step.tiles), "stationary": step.stationary,
            "tile_stream_latency_s": step.stream_latency_s,
            "settling_s": step.program_latency_s,
            "tiles_per_layer": [sum(1 for t in step.tiles if t.layer == l)
                                for l in range(len(layers) - 1)],
        },
        "optical_energy_per_mac_j": optical_per_mac,
        "flags": flags,
        "wall_time_s": wall_time_s,
        "versions": versions,
    }


def _wall_plug(core) -> float:
    for inst in core.netlist.instances.values():
        if inst.component.name == "laser":
            return float(inst.params["wpe"])
    return 1.0


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def summary_rows(report: dict) -> dict[str, list[list[str]]]:
    """The tables a person reads first (terminal and report.md share them)."""
    acc = [[m, _pct(v["accuracy"]["train"]), _pct(v["accuracy"]["test"]),
            _pct(v["deployed_on_imperfect_mesh"]["test"]) if "deployed_on_imperfect_mesh" in v
            else "-"] for m, v in report["methods"].items()]
    B = report["training"]["batch"]
    passes = [[n, fmt(p["latency_s"], "s"), fmt(p["energy_j"], "J"), fmt(p["avg_power_w"], "W"),
               fmt(p["energy_j"] / B, "J")] for n, p in report["passes"].items()]
    st = report["per_step"]
    passes.append(["training step", fmt(st["latency_s"], "s"), fmt(st["energy_j"], "J"),
                   fmt(st["avg_power_w"], "W"), fmt(st["energy_j"] / B, "J")])
    kinds = sorted({k for p in report["passes"].values() for k in p["breakdown_j"]})
    breakdown = [[k] + [fmt(report["passes"][n]["breakdown_j"].get(k, 0.0), "J")
                        for n in report["passes"]] for k in kinds]
    t = report["totals"]
    totals = [["training", f"{t['training']['steps']} steps", fmt(t["training"]["latency_s"], "s"),
               fmt(t["training"]["energy_j"], "J")],
              ["inference (test set)", f"{t['inference']['samples']} samples",
               fmt(t["inference"]["latency_s"], "s"), fmt(t["inference"]["energy_j"], "J")]]
    return {"accuracy": acc, "passes": passes, "breakdown": breakdown, "totals": totals}


def markdown(report: dict, files: list[str]) -> str:
    rows = summary_rows(report)
    hw = report["hardware"]

    def table(head, body):
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(map(str, r)) + " |" for r in body]
        return "\n".join(lines)

    out = [f"# Scenario `{report['scenario']}`", "",
           f"Data **{report['data']['name']}** ({report['data']['train']} train / "
           f"{report['data']['test']} test), model {report['model']['layers']} "
           f"{report['model']['activation']}, seed {report['seed']}.", "",
           "## Accuracy", "",
           table(["method", "train", "test", "deployed on imperfect mesh"], rows["accuracy"]), "",
           f"## Cost per pass (hardware run of `{report['hardware_method']}` weights, batch "
           f"{report['training']['batch']})", "",
           table(["pass", "latency", "energy", "average power", "energy per sample"],
                 rows["passes"]), "",
           "### Energy by component kind", "",
           table(["kind"] + list(report["passes"]), rows["breakdown"]), "",
           "## Totals", "", table(["", "count", "time", "energy"], rows["totals"]), "",
           "## Hardware", "",
           f"- core `{hw['core']['file']}`: {hw['core']['inputs']}×{hw['core']['outputs']}, "
           f"{hw['core']['mzis']} MZIs; {hw['cores']} core(s), {hw['wavelengths']} wavelength(s)",
           f"- phase shifters: {hw['shifter']}; settling {fmt(hw['settling_s'], 's')}",
           f"- converters per core: {hw['converters_per_core']}",
           f"- {hw['tiles']} tiles ({hw['tiles_per_layer']} per layer); weights "
           + ("stay on the cores (stationary)" if hw["stationary"] else
              "are re-programmed tile by tile in every pass"),
           f"- one tile stream of the batch: {fmt(hw['tile_stream_latency_s'], 's')}", ""]
    if report["optical_energy_per_mac_j"] is not None:
        out.append(f"Optical energy per MAC: {fmt(report['optical_energy_per_mac_j'], 'J')}.")
    for f in report["flags"]:
        out.append(f"**Flag:** {f}")
    out.append("")
    for f in files:
        if f.endswith(".png"):
            out += [f"![{f}]({f})", ""]
    if "trace.json" in files:
        out.append("`trace.json` opens in https://ui.perfetto.dev or chrome://tracing.")
    out.append(f"\nWall time {report['wall_time_s']:.1f} s; versions {report['versions']}.")
    return "\n".join(out) + "\n"
