"""The README stays true: two quick-start commands, every component and command named."""

import re
from pathlib import Path

from components import default_registry
from emulator.cli.main import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_quick_start_has_exactly_two_commands():
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [l for l in block.strip().splitlines() if l.strip()]
    assert len(commands) == 2
    assert "photonic-emu run scenarios/quickstart.yaml" in commands[0]
    assert "python -m pytest" in commands[1]


def test_every_component_is_in_the_catalogue():
    for comp in default_registry():
        assert f"`{comp.name}`" in README, comp.name


def test_every_cli_command_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in sub.choices:
        assert re.search(rf"photonic-emu {name}\b", README), name


def test_readme_scenario_example_is_a_valid_scenario():
    import yaml

    from emulator.scenario import load_scenario

    block = README.split("## Scenarios", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    sc = load_scenario(yaml.safe_load(block), base=Path(__file__).resolve().parent.parent
                       / "scenarios")
    labels = [e["label"] for e in sc.config["training"]["methods"]]
    assert labels == ["tpfp", "bp", "frozen", "tpfp_insitu", "strip"]
    assert sc.config["training"]["methods"][4]["model_cfg"]["type"] == "column_strip"


def test_readme_sweep_example_is_a_valid_sweep(tmp_path):
    from emulator.sweep import load_sweep

    import shutil

    block = README.split("## Sweeps", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    root = Path(__file__).resolve().parent.parent
    for folder in ("scenarios", "netlists"):  # the example's relative paths, in a copy
        shutil.copytree(root / folder, tmp_path / folder)
    f = tmp_path / "scenarios" / "readme_sweep.yaml"
    f.write_text(block)
    sweep = load_sweep(f)
    assert [p.key for p in sweep.params] == ["hardware.core", "hardware.shifter",
                                            "hardware.params.adc.bits"]
    from emulator.sweep import check_points, expand

    check_points(sweep, expand(sweep))  # every point is a valid scenario


def test_readme_in_situ_example_runs_and_stays_close_to_ideal(capsys):
    """The README's in-situ block, run as written: TPFP on the shipped 16x16 core (noise,
    8-bit converters, calibration) learns (94.2 % on seed 1 after 30 epochs), the drift
    policy re-writes a minority of the 10 tiles per step, and bp weights deployed on the
    chip keep working."""
    block = README.split("### Training on the chip", 1)[1].split("```python", 1)[1]
    exec(compile(block.split("```")[0], "README.md (in-situ example)", "exec"), {})
    insitu, writes, deployed = (float(v) for v in capsys.readouterr().out.split())
    assert insitu > 0.90 and deployed > 0.93
    assert 0.0 < writes < 5.0  # tiles re-written per step, of the network's 10
