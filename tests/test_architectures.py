"""Mapping per architecture (issue 14, item 3): the per-pass costs of one 4×4 tile on an
SVD mesh, a microring weight bank and a DOTA crossbar against hand calculations; the bank
needs no SVD, the crossbar's update is a memory write; variants switch architecture."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from components.errors import ScenarioError
from components.optics.ring import fsr, weight_response
from emulator.chip.core import Core
from emulator.engine import digital_work, reprogram, simulate
from emulator.engine.plan import static_entries
from emulator.netlist.generators import dota_crossbar, mrr_weight_bank
from emulator.scenario import load_scenario, run_scenario
from emulator.scenario.mapping import mapping_for
from emulator.scenario.step import simulate_step

ROOT = Path(__file__).resolve().parent.parent
B = 8  # batch
W = np.array([[0.5, -0.25, 0.75, -1.0], [0.1, 0.2, -0.3, 0.4],
              [-0.6, 0.0, 0.9, -0.8], [0.05, -0.45, 0.35, 0.15]])


def _core_file(tmp_path: Path, name: str, gen: str, params: dict, ports) -> Path:
    doc = {"version": 1, "name": name, "instances": {"L": {"generator": gen, "params": params}},
           "ports": {p: f"L,{p}" for p in ports}}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def bank(tmp_path):
    return Core.load(_core_file(tmp_path, "bank4", "mrr_weight_bank", {"n": 4, "m": 4, "seed": 1},
                                mrr_weight_bank(4, 4, seed=1)["ports"]))


@pytest.fixture
def crossbar(tmp_path):
    return Core.load(_core_file(tmp_path, "xbar", "dota_crossbar", {"h": 2, "w": 4, "n": 4},
                                dota_crossbar(2, 4, 4)["ports"]))


@pytest.fixture
def mesh():
    return Core.load(ROOT / "netlists" / "onn_core_4.yaml", shifter="thermo")


def _digital(macs, reads, writes, parallel=None):
    r = digital_work(macs, reads={"sram": reads}, writes={"sram": writes}, parallel=parallel)
    return r.latency_s, r.energy_j


def _actions(result) -> float:
    return sum(e.energy_j for e in result.ledger.entries if not e.static)


def _hand(core: Core, static_w: float, vectors: int, update_work: list, program,
          rails: int = 1) -> dict:
    """Each pass of one layer W (one tile, one core, stationary when it programs) by hand:
    the tile stream (the engine's pass of the core netlist: its actions) in a pipeline with
    its buffer traffic, then the digital work of the pass; the core draws ``static_w`` for
    the whole pass (busy, then idle).  ``rails``: streams of pass 2's signed input x + FΓ
    (2 on a core whose inputs are optical powers: once per sign, then subtracted)."""
    n_out, n_in = W.shape
    net = core.netlist
    bits = {c: max(int(i.params["bits"]) for i in net.instances.values()
                   if i.component.name == c) for c in ("dac", "adc")}

    def forward(k: int):  # the batch streamed k times, the k read-outs added
        stream = simulate(net, np.zeros((vectors * k, core.n_in)))
        io_t, io_e = _digital(0, vectors * k * core.n_in * math.ceil(bits["dac"] / 8),
                              vectors * k * core.n_out * math.ceil(bits["adc"] / 8))
        ps_t, ps_e = _digital(k * B * n_out, k * B * n_out * 4, B * n_out * 4)  # sums + act.
        return max(stream.latency_s, io_t) + ps_t, _actions(stream) + io_e + ps_e

    fwd_t, fwd_e = forward(1)
    two_t, two_e = forward(rails)
    mod_t, mod_e = _digital(B * (n_out + n_in * n_out + n_in),
                            B * (n_out + n_in) * 4 + n_in * n_out * 4, B * n_in * 4)
    size = W.size
    up = [_digital(B * size + 2 * size, ((n_in + n_out) * B * 2 + 2 * size) * 4, 2 * size * 4)]
    up += [_digital(*w) for w in update_work]
    up_t, up_e = sum(t for t, _ in up), sum(e for _, e in up)
    if program is not None:
        up_t, up_e = up_t + program.latency_s, up_e + _actions(program)
    out = {"forward": (fwd_t, fwd_e), "modulated_forward": (mod_t + two_t, mod_e + two_e),
           "update": (up_t, up_e), "inference": (fwd_t, fwd_e)}
    return {k: (t, e + static_w * t) for k, (t, e) in out.items()}


def _check(step, hand):
    for name, (t, e) in hand.items():
        assert step.passes[name].latency_s == pytest.approx(t, rel=1e-6, abs=2e-12), name
        assert step.passes[name].energy_j == pytest.approx(e, rel=1e-6), name


def test_mesh_tile_by_hand(mesh):
    """One 4×4 tile on onn_core_4 (thermo): the update maps it by SVD (Golub-Reinsch:
    4·64 + 8·64 + 9·64 = 1344 flops = 672 MACs) and two 4-mode Clements decompositions
    (6 nullings each, 16·4 MACs a nulling: 768 MACs; 7 scalar ops a nulling and 2 per
    singular value: 92), writes 16 + 16 + 4 settings, then programs and settles the tile."""
    step = simulate_step(mesh, [W], B, cores=1, trace=False)
    static_w = sum(w for *_, w, _ in static_entries(mesh.program(W)[0]))
    work = [(672, W.size * 4, 0), (768 + 92, 0, 36 * 4, 8)]
    _check(step, _hand(mesh, static_w, B, work, reprogram(mesh.netlist)))


def test_weight_bank_tile_by_hand(bank):
    """One 4×4 tile on a 4×4 thermal ring bank: every weight (over the tile's largest,
    1.0) is a ring detuning held by |δ|/η of heater power; the realised weights are the
    tile's (exact ring response); the update computes 16 detunings (6 operations each),
    writes 16 heater codes, and settles the rings (4 µs).  Its inputs are optical powers:
    pass 2's signed input streams twice (once per sign) and the read-outs are subtracted."""
    rings = [i for n, i in bank.netlist.instances.items() if i.component.name == "ring"]
    p = rings[0].params
    mapping = mapping_for(bank)
    det, scale = mapping.detunings([W])
    assert np.abs(det).max() <= fsr(p) / 2
    # each ring read on its own channel (its own resonance) realises its weight
    own = [weight_response(bank.netlist.instances[name].params, d)[0]
           for name, d in zip(mapping.rings, det[0])]
    np.testing.assert_allclose(np.array(own) / scale[0], W.ravel(), atol=1e-3)
    base = sum(w for name, _, mech, w, _ in static_entries(bank.netlist)
               if not (mech == "hold" and bank.netlist.instances[name].component.name == "ring"))
    static_w = base + np.abs(det).sum() / p["tuning_efficiency"]
    step = simulate_step(bank, [W], B, cores=1, trace=False)
    program = reprogram(bank.netlist, [n for n, i in bank.netlist.instances.items()
                                       if i.component.name == "ring"])
    assert program.latency_s == pytest.approx(4e-6)
    _check(step, _hand(bank, static_w, B, [(16 * 6, W.size * 4, 16 * 4)], program, rails=2))


def test_crossbar_tile_by_hand(crossbar):
    """One 4×4 weight tile (w outputs × n wavelengths) on a 2×4×4 crossbar: the h = 2 rows
    take 2 of the batch's 8 vectors a cycle (4 cycles), every cycle reads both operands'
    DAC codes from SRAM; nothing is programmed; the update is the digital update alone."""
    step = simulate_step(crossbar, [W], B, cores=1, trace=False)
    static_w = sum(w for *_, w, _ in static_entries(crossbar.netlist))
    assert crossbar.n_in == 2 * 4 + 4 * 4 and crossbar.n_out == 2 * 4
    _check(step, _hand(crossbar, static_w, B // 2, [], None))


def test_crossbar_update_is_a_memory_write_only(crossbar):
    """No settling, no shifter or ring writes: the update pass is the digital update, whose
    writes are the updated weights (and momentum) going to SRAM."""
    step = simulate_step(crossbar, [W, W[:2]], B, cores=2, trace=True)
    up = step.passes["update"]
    assert not [e for e in up.ledger.entries if not e.static and e.kind != "digital"
                and e.kind != "memory"]
    assert not [e for e in up.ledger.entries if e.action in ("reprogram", "settling")]
    labels = [s[1] for s in step.spans if s[0] == "digital"]
    assert not any("SVD" in lab or "detunings" in lab for lab in labels)
    assert not any(s[1].startswith("program") for s in step.spans)
    assert step.program_latency_s == 0.0 and not step.stationary
    t, _ = _digital(B * (W.size + W[:2].size) + 2 * (W.size + W[:2].size),
                    ((4 + 4 + 2) * B * 2 + 2 * (W.size + W[:2].size)) * 4,
                    2 * (W.size + W[:2].size) * 4)
    assert up.latency_s == pytest.approx(t, rel=1e-6)


def test_weight_bank_has_no_svd_ops(bank, monkeypatch):
    """The bank's mapping never decomposes: SVD and mesh costing are not even called."""
    import emulator.mesh.cost as cost
    import emulator.scenario.mapping.mesh as mesh_mapping

    def boom(*a, **k):
        raise AssertionError("SVD costed for a ring bank")

    monkeypatch.setattr(cost, "mapping_ops", boom)
    monkeypatch.setattr(mesh_mapping, "mapping_ops", boom)
    monkeypatch.setattr(Core, "static_power", boom)
    step = simulate_step(bank, [W, W], B, cores=1, trace=True)
    labels = [s[1] for s in step.spans if s[0] == "digital"]
    assert "ring detunings of the re-written tiles" in labels
    assert not any("SVD" in lab or "nulling" in lab for lab in labels)
    assert step.architecture == "mrr_weight_bank"


def test_variants_switch_architecture():
    """architectures.yaml: one scenario, four architectures, each variant on its core."""
    sc = load_scenario(ROOT / "scenarios" / "architectures.yaml")
    kinds = {name: sc.variant(hw).core.kind for name, hw in sc.config["variants"].items()}
    assert sc.core.kind == "svd_layer"
    assert kinds == {"clements_eo": "svd_layer", "ring_bank_thermal": "mrr_weight_bank",
                     "dota_crossbar": "dota_crossbar"}


def test_a_scenario_reports_every_pass_per_architecture(tmp_path, bank):
    """A variant with another core: the report's architectures table and plot."""
    (tmp_path / "bank4.yaml").write_text(Path(bank.file).read_text())
    sc = {"version": 1, "name": "arch", "seed": 1, "data": "xor",
          "model": {"layers": [3, 4, 2], "activation": "square"},
          "hardware": {"core": str(ROOT / "netlists" / "onn_core_4.yaml"), "cores": 2},
          "variants": {"bank": {"core": "bank4.yaml"}},
          "training": {"methods": ["tpfp"], "epochs": 2, "batch": 4},
          "outputs": {"plots": True, "trace": False}}
    report = run_scenario(sc, out=tmp_path / "out", base=tmp_path)
    arch = report["architectures"]
    assert arch["main"]["layer"] == "svd_layer" and arch["bank"]["layer"] == "mrr_weight_bank"
    for a in arch.values():
        assert set(a["passes"]) == {"forward", "modulated_forward", "update", "inference"}
    assert arch["bank"]["passes"]["update"] == {
        k: report["variants"]["bank"]["passes"]["update"][k] for k in ("latency_s", "energy_j")}
    assert (tmp_path / "out" / "passes_by_hardware.png").exists()
    assert len(report.architectures) == 8 and "passes_by_hardware" in report.figures
    assert "Every pass by hardware" in (tmp_path / "out" / "report.md").read_text()


def test_training_on_a_ring_bank_runs_on_its_chip(tmp_path, bank):
    """In-situ training and deployment run on the bank's own chip model (it used to be
    refused): the report says which chip the accuracy was obtained on."""
    sc = {"version": 1, "data": "xor", "model": {"layers": [3, 4, 2]},
          "hardware": {"core": bank.file}, "nonideal": {"insitu": True, "deploy": True},
          "training": {"methods": ["tpfp"], "epochs": 1, "batch": 4},
          "outputs": {"plots": False, "trace": False}}
    load_scenario(sc, base=tmp_path)  # no longer refused
    report = run_scenario(sc, out=tmp_path / "out", base=tmp_path)
    chip = report["methods"]["tpfp"]["chip"]
    assert chip["architecture"] == "microring weight bank" and chip["core"] == bank.file
    assert "microring weight bank" in chip["text"]


def test_settings_reach_a_generators_parts_or_are_refused(tmp_path, bank, crossbar):
    """``params: {ring: ...}`` reaches the bank's rings and ``adc``/``dac``/... its
    converters (the generator takes a settings dict for each); ``splitter`` settings would
    be dropped by the generator: an error naming the key."""
    eo = Core.load(Path(bank.file), params={"ring": {"tech": "eo"}, "adc": {"bits": 4},
                                            "dac": {"bits": 6}})
    kinds = {}
    for i in eo.netlist.instances.values():
        kinds.setdefault(i.component.name, []).append(i.params)
    assert kinds["ring"] and all(p["tech"] == "eo" for p in kinds["ring"])
    assert kinds["adc"] and all(p["bits"] == 4 for p in kinds["adc"])
    assert kinds["dac"] and all(p["bits"] == 6 for p in kinds["dac"])
    xb = Core.load(Path(crossbar.file), params={"tia": {"gain": "2 kohm"}})
    tias = [i.params["gain"] for i in xb.netlist.instances.values() if i.component.name == "tia"]
    assert tias and all(g == pytest.approx(2e3) for g in tias)
    sc = {"version": 1, "data": "xor", "model": {"layers": [3, 4, 2]},
          "hardware": {"core": bank.file, "params": {"adc": {"bits": 4}}},
          "training": {"methods": ["tpfp"], "epochs": 1, "batch": 4}}
    assert load_scenario(sc, base=tmp_path).core.kind == "mrr_weight_bank"
    sc["hardware"]["params"] = {"splitter": {"loss": "0.1 dB"}}
    with pytest.raises(ScenarioError) as err:
        load_scenario(sc, base=tmp_path)
    assert "hardware.params.splitter" in str(err.value) and "would be ignored" in str(err.value)


def test_a_mapping_the_core_does_not_do_is_refused(tmp_path, crossbar):
    sc = {"version": 1, "data": "xor", "model": {"layers": [3, 4, 2]},
          "hardware": {"core": crossbar.file, "mapping": "weight_stationary"},
          "training": {"methods": ["tpfp"], "epochs": 1, "batch": 4}}
    with pytest.raises(ScenarioError) as err:
        load_scenario(sc, base=tmp_path)
    assert "hardware.mapping" in str(err.value) and "'dynamic'" in str(err.value)
    sc["hardware"]["mapping"] = "dynamic"
    assert load_scenario(sc, base=tmp_path).core.kind == "dota_crossbar"
