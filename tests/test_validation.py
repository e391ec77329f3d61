"""One validator, one line-finder: YAML anchors and merge keys, errors located in the file
they are in (also through a scenario), shared bounds, hardware.params against the core,
and the generated JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components import default_registry
from components.errors import NetlistError, ScenarioError, UserError
from emulator import load_netlist
from emulator.cli.main import main
from emulator.cli.schema_cmd import SCHEMAS, schema_text
from emulator.engine import build_plan
from emulator.engine.sim import check_converters
from emulator.netlist.params import param_schema
from emulator.netlist.source import line_of, parse_yaml, read_document
from emulator.scenario import load_scenario
from emulator.schema import validate
from emulator.sweep.spec import load_sweep
from emulator.chip.spec import ChipSpec

ROOT = Path(__file__).resolve().parent.parent
NETLISTS = ROOT / "netlists"
SCENARIOS = ROOT / "scenarios"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def core_copy(tmp_path: Path, edit=lambda text: text) -> Path:
    """onn_core_4.yaml in tmp_path (its subcircuits resolve the same), edited."""
    return write(tmp_path, "core.yaml", edit((NETLISTS / "onn_core_4.yaml").read_text()))


def scenario(tmp_path: Path, hardware: str = "", more: str = "") -> Path:
    return write(tmp_path, "sc.yaml", "version: 1\ndata: xor\nmodel: {layers: [2, 4, 1]}\n"
                 f"hardware:\n  core: core.yaml\n{hardware}{more}")


# ------------------------------------------------------------------ YAML and line map

def test_merge_keys_and_anchors_load_in_a_netlist(tmp_path):
    path = write(tmp_path, "n.yaml", """\
version: 1
info:
  defaults: &shifter {component: phase_shifter, params: {phase: "0.5 rad"}}
instances:
  a: {<<: *shifter}
  b:
    <<: *shifter
    params: {phase: "0.25 rad"}
connections: {"a,out0": "b,in0"}
ports: {in0: "a,in0", out0: "b,out0"}
""")
    net = load_netlist(path)
    assert net.instances["a"].params["phase"] == pytest.approx(0.5)
    assert net.instances["b"].params["phase"] == pytest.approx(0.25)


def test_a_bad_value_reached_through_an_alias_is_reported_at_its_line(tmp_path):
    path = write(tmp_path, "n.yaml", """\
version: 1
info:
  common: &p {phase: "2 mW"}
instances:
  a: {component: phase_shifter, params: *p}
ports: {in0: "a,in0", out0: "a,out0"}
""")
    with pytest.raises(NetlistError) as err:
        load_netlist(path)
    (p,) = err.value.problems
    assert (p.file, p.path, p.line) == (str(path), "instances.a.params.phase", 3)


def test_line_map_of_merged_keys_and_duplicate_keys():
    data, lines = parse_yaml("d: &d\n  a: 1\n  b: 2\nx:\n  <<: *d\n  b: 3\n")
    assert data["x"] == {"a": 1, "b": 3}
    assert lines[("x", "a")] == 2 and lines[("x", "b")] == 6  # where each was written
    assert line_of(lines, "x.b.deeper") == 6 and line_of(lines, ("x", "zz")) == 4
    with pytest.raises(UserError, match=":2: key 'a' appears twice"):
        parse_yaml("a: 1\na: 2\n", "f.yaml")
    with pytest.raises(UserError, match=":4: key 'b' appears twice"):
        parse_yaml("x:\n  <<: {a: 1}\n  b: 1\n  b: 2\n", "f.yaml")
    # a merge inside a merged anchor, overridden at each level: no key is written twice
    nested, _ = parse_yaml("b: &b {k: 1}\nd: &d\n  <<: *b\n  k: 2\nx:\n  <<: *d\n  k: 3\n")
    assert (nested["d"], nested["x"]) == ({"k": 2}, {"k": 3})


def test_merge_keys_load_in_a_scenario_and_a_sweep(tmp_path):
    core_copy(tmp_path)
    sc = write(tmp_path, "sc.yaml", """\
version: 1
data: xor
model: {layers: [2, 4, 1]}
hardware: &hw
  core: core.yaml
  shifter: thermo
training: {epochs: 3, methods: [tpfp]}
variants:
  eo: {<<: *hw, shifter: eo}
""")
    s = load_scenario(sc)
    assert s.config["variants"]["eo"]["shifter"] == "eo"
    assert s.config["variants"]["eo"]["core"] == "core.yaml"
    sw = write(tmp_path, "sw.yaml", """\
version: 1
base: sc.yaml
fixed: {training.epochs: 2}
parameters:
  seed: &two [1, 2]
  training.batch: *two
random: {<<: {samples: 3, seed: 9}, seed: 4}
""")
    loaded = load_sweep(sw, check_each=False)
    assert [(p.key, p.values) for p in loaded.params] == [("seed", (1, 2)),
                                                          ("training.batch", (1, 2))]
    assert loaded.random == {"samples": 3, "seed": 4}


def test_error_in_a_core_netlist_via_a_scenario_names_the_core_file_and_line(tmp_path):
    # the core writes its TIAs as an instance array: the typo is reported for each index,
    # at the array's line
    core = core_copy(tmp_path, lambda t: t.replace('gain: "250 Ohm"}}',
                                                   'gain: "250 Ohm", gian: 3}}'))
    line = next(i for i, text in enumerate(core.read_text().splitlines(), 1) if "gian" in text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario(tmp_path))
    found = [p for p in err.value.problems if "gian" in p.message]
    assert [(p.file, p.path, p.line) for p in found] == \
        [(str(core), f"instances.tia{i}.params.gian", line) for i in range(4)]
    assert "did you mean 'gain'" in found[0].hint
    assert any(p.path == "hardware.core" and p.file.endswith("sc.yaml")
               for p in err.value.problems)


def test_error_in_a_subcircuit_via_a_scenario_names_that_file(tmp_path, capsys):
    core_copy(tmp_path, lambda t: t.replace(
        "  adc[0:4]: {component: adc}\n",
        "  adc[0:3]: {component: adc}\n  adc3: {netlist: sub.yaml}\n"))
    write(tmp_path, "sub.yaml", "version: 1\ninstances:\n  adc:\n    component: adc\n"
          "    params: {bits: 99}\nports: {e_in: 'adc,e_in', d_out: 'adc,d_out'}\n")
    assert main(["run", str(scenario(tmp_path)), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'sub.yaml'}:5: instances.adc.params.bits: 99 is out of bounds" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ hardware.params

def test_params_for_a_component_not_in_the_core_exit_2_naming_its_components(tmp_path, capsys):
    core_copy(tmp_path)
    name = next(c.name for c in default_registry() if c.name not in
                {i.component.name for i in load_netlist(tmp_path / "core.yaml").instances.values()}
                and c.name not in ("sram", "digital"))
    param = default_registry().get(name).params[0]
    value = param.choices[0] if param.choices else param.default
    path = scenario(tmp_path, f"  params: {{{name}: {{{param.name}: {json.dumps(value)}}}}}\n")
    assert main(["run", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:6: hardware.params.{name}: the core netlist has no '{name}'" in err
    assert "its components: adc, attenuator, dac, laser" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_sram_and_digital_params_are_an_error_not_ignored(tmp_path):
    core_copy(tmp_path)
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario(tmp_path, "  params: {sram: {}, digital: {}}\n"))
    text = str(err.value)
    assert "no 'sram' instance" in text and "no 'digital' instance" in text
    assert "library's 'sram' defaults" in text


def test_params_for_a_component_in_the_core_are_applied(tmp_path):
    core_copy(tmp_path)
    s = load_scenario(scenario(tmp_path, "  params: {adc: {bits: 5}}\n"))
    adcs = [i for i in s.core.netlist.instances.values() if i.component.name == "adc"]
    assert len(adcs) == 4 and all(i.params["bits"] == 5 for i in adcs)


# ------------------------------------------------------------------ one declaration each

def test_old_nonideal_keys_name_their_new_place(tmp_path):
    # the chip's physics lives in its components: a nonideal key that duplicated one is
    # an error naming the component parameter, in the scenario and in train(hardware=)
    core_copy(tmp_path)
    with pytest.raises(ScenarioError) as sc:
        load_scenario(scenario(tmp_path, more="nonideal: {phase_bits: 8, adc_bits: 6}\n"))
    paths = {p.path: p for p in sc.value.problems}
    assert set(paths) == {"nonideal.phase_bits", "nonideal.adc_bits"}
    assert paths["nonideal.phase_bits"].line == 6
    assert "driver_bits" in paths["nonideal.phase_bits"].hint
    assert "adc: {bits" in paths["nonideal.adc_bits"].hint
    with pytest.raises(UserError) as hw:
        ChipSpec.parse({"core": str(NETLISTS / "onn_core_4.yaml"), "crosstalk": 0.01})
    (p,) = hw.value.problems
    assert p.path == "hardware.crosstalk" and "crosstalk" in p.hint and "mzi" in p.hint


def test_phase_bits_have_one_bound_the_driver_parameter(tmp_path):
    core_copy(tmp_path)
    with pytest.raises(ScenarioError) as sc:
        load_scenario(scenario(tmp_path, "  params: {mzi: {driver_bits: 25}}\n"))
    (a,) = sc.value.problems
    assert a.message == "25 is out of bounds [1, 24] bit"
    assert a.path == "hardware.params.mzi.driver_bits"
    from emulator.mesh.perturb import quantize_phases
    with pytest.raises(UserError, match=r"1\.\.24"):
        quantize_phases([0.1], 25)


@pytest.mark.parametrize("value", [0.6, -0.1])
def test_crosstalk_has_one_bound(value, tmp_path):
    core_copy(tmp_path)
    with pytest.raises(ScenarioError, match=r"mzi.crosstalk: .*out of bounds \[0, 0.5\]"):
        load_scenario(scenario(tmp_path, f"  params: {{mzi: {{crosstalk: {value}}}}}\n"))


def test_chip_spec_checks_like_the_scenario():
    spec = ChipSpec.parse({"core": str(NETLISTS / "onn_core_4.yaml"), "cores": 2,
                           "reprogram_drift": 0.03})
    assert (spec.cores, spec.reprogram_drift, spec.calibrate) == (2, 0.03, True)
    with pytest.raises(UserError, match="did you mean 'reprogram_drift'"):
        ChipSpec.parse({"core": str(NETLISTS / "onn_core_4.yaml"), "reprogram_drfit": 0.1})
    with pytest.raises(UserError, match="core netlist not found"):
        ChipSpec.parse({"core": "no_such_core.yaml"})


def test_every_component_default_passes_its_own_field():
    for comp in default_registry():
        defaults = comp.defaults()
        _, problems = validate(param_schema(comp), {p.name: defaults[p.name]
                                                    for p in comp.params}, partial=True)
        assert problems == [], comp.name


def test_netlist_params_reject_nan_text_and_bools():
    net = {"version": 1, "instances": {"ps": {"component": "phase_shifter",
                                              "params": {"phase": "nan rad", "loss": True}}},
           "ports": {"in0": "ps,in0", "out0": "ps,out0"}}
    with pytest.raises(NetlistError) as err:
        load_netlist(net)
    assert {p.path for p in err.value.problems} == {"instances.ps.params.phase",
                                                    "instances.ps.params.loss"}


def test_converter_counts_go_through_the_schema():
    plan = build_plan(NETLISTS / "onn_core_4.yaml")
    assert check_converters(plan, {"dac": 2.0, "adc": None}) == {"dac": 2}
    for bad, text in [({"dac": 0}, "converters.dac: 0 is out of bounds [1, "),
                      ({"dsc": 2}, "did you mean 'dac'"), ({"dac": 1.5}, "whole number"),
                      ({"dac": True}, "expected a number")]:
        with pytest.raises(UserError) as err:
            check_converters(plan, bad)
        assert text in str(err.value), str(err.value)


def test_a_bad_variant_value_is_found_at_load_with_its_line(tmp_path):
    core_copy(tmp_path)
    path = scenario(tmp_path, more="variants:\n  eo: {shifter: eoo, cores: 2}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    (p,) = err.value.problems
    assert (p.path, p.line) == ("variants.eo.shifter", 7) and "did you mean 'eo'" in p.hint
    for variants, found in [("  a: {cores: 2}\n  b: {params: {adc: {bitz: 4}}}\n",
                             ("variants.b.params.adc.bitz", 8)),
                            ("  a: {params: {sram: {}}}\n", ("variants.a.params.sram", 7))]:
        with pytest.raises(ScenarioError) as err:
            load_scenario(scenario(tmp_path, more="variants:\n" + variants))
        assert [(p.path, p.line) for p in err.value.problems] == [found]


# ------------------------------------------------------------------ JSON Schema

@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_shipped_json_schema_is_the_generated_one(kind, capsys):
    shipped = (SCENARIOS / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(kind), \
        f"regenerate: photonic-emu schema {kind} > scenarios/{kind}.schema.json"
    assert main(["schema", kind]) == 0
    assert capsys.readouterr().out == shipped


def _kind(data: dict) -> str:
    return "sweep" if "parameters" in data else "scenario"


def test_every_shipped_scenario_and_sweep_validates_against_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 5
    kinds = set()
    for path in files:
        data, _ = read_document(path)
        kinds.add(_kind(data))
        schema = json.loads((SCENARIOS / f"{_kind(data)}.schema.json").read_text())
        jsonschema.validate(data, schema)
    assert kinds == {"scenario", "sweep"}


def test_the_json_schema_rejects_what_the_loader_rejects():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCENARIOS / "scenario.schema.json").read_text())
    data, _ = read_document(SCENARIOS / "quickstart.yaml")
    for key, value in [("nonideal", {"reprogram_every": 0}), ("modle", {}),
                       ("training", {"methods": ["backprop"]}),
                       ("hardware", {"cores": 2})]:  # 'core' is required
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**data, key: value}, schema)
    jsonschema.validate({**data, "nonideal": {"reprogram_drift": 0.02, "calibrate": False}},
                        schema)


def test_schema_text_reference_lists_units_and_bounds(capsys):
    assert main(["schema", "scenario", "--text"]) == 0
    out = capsys.readouterr().out
    assert "reprogram_every: int, 1..1e+06, default 1" in out
    assert "cores: int, 1..4096, default 1" in out
    with pytest.raises(SystemExit) as exit_:
        main(["schema", "netlist"])
    assert exit_.value.code == 2


def test_every_shipped_netlist_still_loads():
    for path in sorted(NETLISTS.glob("*.yaml")):
        assert load_netlist(path).instances
