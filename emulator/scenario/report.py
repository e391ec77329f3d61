"""The report: one dict (``report.json``) and its human summary (``report.md``)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from emulator.ledger.result import shot_noise_flag
from components.units import fmt

from emulator.chip.core import describe_core
from emulator.graph.budget import link_budget
from emulator.graph.receiver import receiver_flags, wdm_crosstalk
from .mapping import mapping_for
from .step import PASSES, StepResult


def build_report(sc, data, histories, deploy, step: StepResult, main: str, variants=None,
                 per_model=None, *, wall_time_s: float, versions: dict) -> dict:
    cfg = sc.config
    entries = {e["label"]: e for e in cfg["training"]["methods"]}
    report = {
        "scenario": sc.name,
        "file": sc.file,
        "seed": cfg["seed"],
        "data": {"name": data.name, "train": int(len(data.y_train)),
                 "test": int(len(data.y_test)), "features": data.n_features,
                 "classes": data.n_classes},
        "model": dict(cfg["model"]),
        "training": {**cfg["training"], "methods": [e["label"] for e in
                                                    cfg["training"]["methods"]]},
        "nonideal": dict(cfg["nonideal"]),
        "methods": {label: method_summary(runs, entries[label], cfg, deploy.get(label))
                    for label, runs in histories.items()},
        "hardware_method": main,
        **costs(sc, step, data),
        "wall_time_s": wall_time_s,
        "versions": versions,
    }
    if variants:
        report["variants"] = {name: costs(vsc, vstep, data)
                              for name, (vsc, vstep) in variants.items()}
    report["architectures"] = {"main": architecture(sc, step), **{
        name: architecture(vsc, vstep) for name, (vsc, vstep) in (variants or {}).items()}}
    if per_model:
        report["models"] = {label: {"model": entries[label]["model_cfg"],
                                    **costs(sc, st, data)} for label, st in per_model.items()}
    for label, runs in histories.items():
        net = getattr(runs[0].model, "net", None)
        if net is not None:
            report["methods"][label]["structure"] = net.describe()
    return report


def architecture(sc, step: StepResult) -> dict:
    """Which architecture a hardware is (its core's weight layer and mapping) and what each
    pass cost on it: the rows of the side-by-side comparison."""
    m = mapping_for(sc.core)
    return {"core": Path(sc.core.file).name, "layer": sc.core.kind, "architecture": m.name,
            "mapping": m.operands, "shifter": sc.config["hardware"]["shifter"],
            "passes": {n: {"latency_s": step.passes[n].latency_s,
                           "energy_j": step.passes[n].energy_j} for n in PASSES}}


def architecture_rows(report: dict) -> list[list[str]]:
    """Per hardware: its architecture and each pass's latency / energy."""
    out = []
    for name, a in report.get("architectures", {}).items():
        what = a["architecture"] + (f" ({a['shifter']})" if a["shifter"] else "")
        out.append([name, what, a["mapping"].replace("_", "-")] + [
            f"{fmt(p['latency_s'], 's')} / {fmt(p['energy_j'], 'J')}"
            for p in a["passes"].values()])
    return out


def method_summary(runs, entry, cfg, deployed) -> dict:
    """Mean over seeds, the spread, per-seed values and mean curves."""
    tests = [h.test_accuracy for h in runs]
    trains = [h.train_accuracy for h in runs]
    curves = [h.curves() for h in runs]
    mean_curves = {k: (list(map(float, np.mean([c[k] for c in curves], axis=0)))
                       if k != "epoch" else curves[0][k]) for k in curves[0]}
    insitu = cfg["nonideal"]["insitu"] if entry["insitu"] is None else entry["insitu"]
    out = {"method": entry["method"], "insitu": bool(insitu), "model": entry["model_cfg"],
           "accuracy": {"train": float(np.mean(trains)), "test": float(np.mean(tests))},
           "accuracy_std": {"train": float(np.std(trains)), "test": float(np.std(tests))},
           "per_seed": {"seeds": [h.seed for h in runs], "train": trains, "test": tests},
           "solved_fraction": float(np.mean([t >= 1.0 - 1e-9 for t in tests])),
           "history": mean_curves, "counters": dict(runs[0].counters),
           "chip": _chip_of(runs)}
    if deployed is not None:
        out["deployed_on_imperfect_mesh"] = deployed
    return out


def _chip_of(runs) -> dict:
    """Which chip the accuracy was obtained on: ideal (digital) or the in-situ chip with
    its parameters, policy and the calibration outcome summed over the seeds."""
    if runs[0].chip is None:
        return {"ideal": True, "text": "ideal (digital weights)"}
    out = {k: v for k, v in runs[0].chip.items() if k != "calibration"}
    status: dict[str, int] = {}
    for h in runs:
        for k, v in (h.chip or {}).get("calibration", {}).items():
            status[k] = status.get(k, 0) + v
    out["calibration"] = status
    name = Path(out["core"]).name
    arch = f" ({out['architecture']})" if out.get("architecture") else ""
    out["text"] = (f"in situ on {out['cores']}x {name}{arch}, "
                   f"{'calibrated' if out['calibrate'] else 'uncalibrated'}, "
                   f"noise {'on' if out['noise'] else 'off'}; activations {out['activations']}")
    return out


def rewrite_fraction(runs) -> float | None:
    """Measured share of the tiles re-written per step by an in-situ run (the initial
    programming aside), mean over seeds; None for a run trained off the chip."""
    fractions = []
    for h in runs:
        c = h.counters
        if h.chip is None or not c.get("steps") or not c.get("tiles"):
            return None
        fractions.append(max(c["tile_writes"] - c["tiles"], 0) / (c["steps"] * c["tiles"]))
    return float(np.mean(fractions))


def costs(sc, step: StepResult, data) -> dict:
    """Per pass, per sample, per step, totals, hardware: what the hardware run tells."""
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
    light = detected_light(sc)
    optical_per_mac = light["optical_energy_per_mac_j"]
    flags = shot_noise_flag(optical_per_mac) + design_flags(sc)
    wdm = wdm_summary(sc, flags)
    if step.rewrite is None:
        flags.append("the costed method was trained off the chip: the update pass assumes "
                     "every tile is re-mapped and re-written after every update")
    return {
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
            "rewrite_fraction": 1.0 if step.rewrite is None else step.rewrite,
            "calibration_vectors": step.calibration,
            "tiles_per_layer": [sum(1 for t in step.tiles if t.layer == l)
                                for l in range(step.layers)],
            **({"wdm": wdm} if wdm else {}),
        },
        "optical_energy_per_mac_j": optical_per_mac,
        "photons_per_output_symbol": light["photons_per_output_symbol"],
        "flags": flags,
        **({"trace": step.trace_note} if step.trace_note else {}),
    }


def wdm_summary(sc, flags: list[str]) -> dict | None:
    """With W > 1 wavelengths: the mux/demux loss, the receivers' crosstalk (interference
    ratio, power penalty, the resolution it leaves) and what each laser line makes up;
    a flag when crosstalk leaves fewer bits than the ADCs resolve.  None for W = 1."""
    hw = sc.config["hardware"]
    if hw["wavelengths"] <= 1:
        return None
    xt = wdm_crosstalk(sc.core.netlist, hw["wavelengths"])
    adc_bits = max((i.params["bits"] for i in sc.core.netlist.instances.values()
                    if i.component.name == "adc"), default=None)
    bits = xt["resolution_bits"]
    if bits is not None and adc_bits is not None and bits < adc_bits:
        flags.append(f"WDM crosstalk ({xt['crosstalk_db']:g} dB per neighbour, "
                     f"{xt['detection']} detection) leaves {bits:.2f} bits of read-out, "
                     f"below the {adc_bits}-bit ADCs: more light does not help")
    return {"mux_demux_loss_db": hw["wdm_loss"], **xt,
            "laser_raise_db": hw["wdm_loss"] + xt["power_penalty_db"]}


def design_flags(sc) -> list[str]:
    """What the core asks of its parts beyond what they deliver: a link budget beyond a
    bound (only reachable with ``allow_over_budget``), TIAs beyond their gain-bandwidth."""
    flags = []
    if sc.config["hardware"]["laser"] == "link_budget":
        flags += [f for entry in link_budget(sc.core.netlist) for f in entry["flags"]]
    return flags + receiver_flags(sc.core.netlist)


def detected_light(sc, vectors: int = 64) -> dict:
    """The light reaching the core's detectors while data streams, from one engine pass of
    representative codes (uniform in [−1, 1], the "data" stream): energy per MAC and
    photons per output per symbol."""
    from emulator.engine import simulate
    from emulator.rng import stream

    codes = stream(sc.config["seed"], "data", 1).uniform(-1.0, 1.0, (vectors, sc.core.n_in))
    r = simulate(sc.core.netlist, codes)
    return {"optical_energy_per_mac_j": r.optical_energy_per_mac_j,
            "photons_per_output_symbol": r.photons_per_output_symbol}


def _model_text(m: dict) -> str:
    if m["type"] == "dense":
        return f"{m['layers']} {m['activation']}"
    return f"{m['type']} {m['conv'] or ''} {m['activation'] or ''}".strip()


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def summary_rows(report: dict) -> dict[str, list[list[str]]]:
    """The tables a person reads first (terminal and report.md share them)."""
    seeds = report["training"]["seeds"]

    def test(v):
        t = _pct(v["accuracy"]["test"])
        if seeds > 1:
            t += f" ± {100 * v['accuracy_std']['test']:.2f}"
        return t

    acc = [[m, v["chip"]["text"], _pct(v["accuracy"]["train"]), test(v),
            _pct(v["deployed_on_imperfect_mesh"]["test"]) if "deployed_on_imperfect_mesh" in v
            else "-"] + ([f"{100 * v['solved_fraction']:.0f} %"] if seeds > 1 else [])
           for m, v in report["methods"].items()]
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
    variants = []
    for key, name, v in [("main", f"(main: {report['hardware_method']})", report)] + \
            [(k, k, v) for k, v in report.get("variants", {}).items()] + \
            [("main", f"model of {k}", v) for k, v in report.get("models", {}).items()]:
        st = v["per_step"]
        arch = report.get("architectures", {}).get(key, {}).get("architecture")
        variants.append([name, (f"{arch}, " if arch else "") + str(v["hardware"]["shifter"]),
                         fmt(st["latency_s"], "s"),
                         fmt(st["energy_j"], "J"), fmt(v["passes"]["inference"]["latency_s"], "s"),
                         fmt(v["per_sample"]["inference"]["energy_j"], "J")])
    return {"accuracy": acc, "passes": passes, "breakdown": breakdown, "totals": totals,
            "variants": variants}


def accuracy_head(report: dict) -> list[str]:
    head = ["method", "obtained on", "train", "test", "deployed on the chip"]
    return head + (["runs at 100 %"] if report["training"]["seeds"] > 1 else [])
VARIANT_HEAD = ["hardware", "architecture, shifters", "step latency", "step energy",
                "inference latency", "inference energy / sample"]


def markdown(report: dict, files: list[str]) -> str:
    rows = summary_rows(report)
    hw = report["hardware"]

    def table(head, body):
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(map(str, r)) + " |" for r in body]
        return "\n".join(lines)

    out = [f"# Scenario `{report['scenario']}`", "",
           f"Data **{report['data']['name']}** ({report['data']['train']} train / "
           f"{report['data']['test']} test), model {_model_text(report['model'])}, "
           f"seed {report['seed']}.", "",
           "## Accuracy", "",
           f"Mean over {report['training']['seeds']} run(s) (seeds from {report['seed']}).", "",
           table(accuracy_head(report), rows["accuracy"]), "",
           f"## Cost per pass (hardware run of `{report['hardware_method']}` weights, batch "
           f"{report['training']['batch']})", "",
           table(["pass", "latency", "energy", "average power", "energy per sample"],
                 rows["passes"]), "",
           "### Energy by component kind", "",
           table(["kind"] + list(report["passes"]), rows["breakdown"]), "",
           "## Totals", "", table(["", "count", "time", "energy"], rows["totals"]), "",
           *(["## Hardware variants and models", "", table(VARIANT_HEAD, rows["variants"]), ""]
             if report.get("variants") or report.get("models") else []),
           *(["### Every pass by hardware (latency / energy)", "",
              table(["hardware", "architecture", "mapping"] + list(PASSES),
                    architecture_rows(report)), ""] if report.get("variants") else []),
           "## Hardware", "",
           f"- core `{hw['core']['file']}`: {hw['core']['inputs']}×{hw['core']['outputs']}, "
           f"{hw['core']['mzis']} MZIs; {hw['cores']} core(s), {hw['wavelengths']} wavelength(s)",
           f"- phase shifters: {hw['shifter']}; settling {fmt(hw['settling_s'], 's')}",
           f"- converters per core: {hw['converters_per_core']}",
           f"- {hw['tiles']} tiles ({hw['tiles_per_layer']} per layer); weights "
           + ("stay on the cores (stationary)" if hw["stationary"] else
              "are re-programmed tile by tile in every pass"
              if report["architectures"]["main"]["mapping"] == "weight_stationary" else
              "stream from SRAM through the modulators in every pass (dynamic operands)"),
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
        note = report.get("trace") or {}
        if note.get("summarised"):
            out.append(f"The step has {note['slices']} tile slices, more than the trace's "
                       f"limit of {note['limit']}: each run of one core's tiles of a layer "
                       f"is summarised as one slice ({note['written']} slices written).")
    out.append(f"\nWall time {report['wall_time_s']:.1f} s; versions {report['versions']}.")
    return "\n".join(out) + "\n"
