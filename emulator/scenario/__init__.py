"""Scenario runs, the main job: load (schema + core), train every method, simulate one
training step on the mapped hardware (step), report (report, plots)."""

from .load import Scenario, load_scenario
from .run import run_scenario

__all__ = ["Scenario", "load_scenario", "run_scenario"]
