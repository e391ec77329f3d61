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
