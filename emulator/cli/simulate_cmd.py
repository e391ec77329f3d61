"""`photonic-emu simulate NETLIST`: one pass of a batch through a netlist, event by event.

Prints latency, energy, average power and the energy by component kind; ``--json``
writes the numbers (and the energy ledger, each entry with its model), ``--trace`` a
Chrome Trace Event file (one track per instance; open it in https://ui.perfetto.dev or
chrome://tracing).  Both files are written atomically.
"""

from __future__ import annotations

import numpy as np

from emulator.engine import build_plan, simulate
from emulator.engine.trace import document
from components.errors import Problem, UserError
from emulator.io.files import write_json
from components.units import fmt

from .tables import print_table


def register(sub) -> None:
    p = sub.add_parser("simulate", help="simulate one pass of a batch (latency, energy, trace)")
    p.add_argument("netlist", metavar="NETLIST", help="netlist file (YAML or JSON)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--batch", type=int, default=None, metavar="N",
                     help="draw N random input vectors in [-1, 1] from the seed (default 1)")
    src.add_argument("--inputs", metavar="FILE.npy",
                     help="input vectors: a (B, n_in) array of codes in [-1, 1]")
    p.add_argument("--seed", type=int, default=0, help="seed for random inputs and noise "
                   "(default 0)")
    p.add_argument("--noise", action="store_true",
                   help="shot and thermal noise at the detectors, TIA input noise")
    p.add_argument("--phase-noise", type=float, default=0.0, metavar="RAD",
                   help="std of a per-pass Gaussian jitter on every phase [rad] (seeded)")
    p.add_argument("--laser", choices=("set", "link-budget"), default="set",
                   help="laser power: as set in the netlist, or from the link budget")
    p.add_argument("--allow-over-budget", action="store_true",
                   help="with --laser link-budget: run even when the budget exceeds the "
                        "laser's range or the waveguide power limit (flagged)")
    p.add_argument("--no-quantize", dest="quantize", action="store_false",
                   help="ideal converters (no quantization)")
    p.add_argument("--converters", metavar="KIND=N,...",
                   help="physical converters shared by all channels, e.g. dac=4,adc=4")
    p.add_argument("--json", metavar="OUT", help="write the results as JSON")
    p.add_argument("--trace", metavar="OUT.json", help="write a Chrome Trace Event file")
    p.set_defaults(func=run)


def parse_converters(text: str | None) -> dict[str, int] | None:
    """``"dac=4,adc=4"`` -> ``{"dac": 4, "adc": 4}``."""
    if not text:
        return None
    out = {}
    for item in text.split(","):
        kind, sep, count = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[kind.strip()] = int(count)
        except ValueError:
            raise UserError(Problem(f"--converters: cannot read {item!r}",
                                    hint="write KIND=N pairs, e.g. dac=4,adc=4")) from None
    return out


def load_inputs(path: str) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise UserError(Problem("inputs file not found", path)) from None
    except (OSError, ValueError, EOFError) as exc:
        raise UserError(Problem(f"cannot read inputs as a .npy array ({exc})", path)) from None


def run(args) -> int:
    if args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    converters = parse_converters(args.converters)
    plan = build_plan(args.netlist)
    rng_inputs, rng_noise = np.random.SeedSequence(args.seed).spawn(2)
    if args.inputs:
        inputs = load_inputs(args.inputs)
    else:
        batch = 1 if args.batch is None else args.batch
        if batch < 1:
            raise UserError(f"--batch must be >= 1, got {batch}")
        inputs = np.random.default_rng(rng_inputs).uniform(-1.0, 1.0, (batch, plan.n_in))
    result = simulate(plan, inputs, seed=np.random.default_rng(rng_noise), noise=args.noise,
                      quantize=args.quantize, converters=converters,
                      trace=bool(args.trace), phase_noise=args.phase_noise,
                      laser=args.laser.replace("-", "_"),
                      allow_over_budget=args.allow_over_budget)
    d = result.to_dict()
    print_table(f"pass through {plan.netlist.name} ({args.netlist})", ["quantity", "value"], [
        ["batch", f"{result.batch} vectors x {plan.n_in} inputs -> {plan.n_out} outputs"],
        ["latency", fmt(result.latency_s, "s")],
        ["energy", fmt(result.energy_j, "J")],
        ["energy per vector", fmt(result.energy_j / result.batch, "J")],
        ["average power", fmt(result.avg_power_w, "W")],
        ["optical energy per MAC", fmt(result.optical_energy_per_mac_j, "J")],
        ["events", f"{result.events} SimPy events"],
    ])
    total = result.energy_j or 1.0
    print_table("energy by component kind", ["kind", "energy", "share"],
                [[k, fmt(v, "J"), f"{100 * v / total:.1f} %"]
                 for k, v in result.breakdown_j.items()])
    for flag in result.flags:
        print(f"warning: {flag}")
    if args.json:
        write_json(args.json, {**d, "netlist": args.netlist, "seed": args.seed,
                               "noise": args.noise, "quantize": args.quantize,
                               "converters": converters or {}})
        print(f"wrote {args.json}")
    if args.trace:
        write_json(args.trace, document(result.trace_events))
        print(f"wrote {args.trace}")
    return 0
