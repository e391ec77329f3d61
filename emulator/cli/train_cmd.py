"""``photonic-emu train``: train one network with several methods and compare them.

    photonic-emu train --data digits --layers 64,32,10 --method tpfp,frozen,bp \\
        --epochs 100 --lr 0.1 --batch 64 --seed 1 --json out.json
    photonic-emu train --method tpfp --fscale 0.2 --core netlists/onn_core_16.yaml \\
        --cores 4 --param adc.bits=6 --hardware reprogram_drift=0.03    # in situ

Prints a table of train/test accuracy per method.  ``--json`` writes (atomically)
``{"settings": {...}, "methods": {NAME: {"train_accuracy", "test_accuracy", "history":
{"epoch", "train_accuracy", "test_accuracy", "train_loss", "test_loss", "lr"},
"counters", "seconds"}}}``; accuracies are fractions in [0, 1], time in seconds.
"""

from __future__ import annotations

import argparse
import math

from components.errors import Problem, UserError, did_you_mean


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a network with TPFP and the baselines",
                              description=__doc__.split("\n\n")[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="digits",
                   help="digits | mnist5k | mnist:FOLDER | npz:FILE | xor (default digits)")
    p.add_argument("--layers", default="64,32,10",
                   help="layer sizes, input to output (default 64,32,10)")
    p.add_argument("--activation", default="relu",
                   help="relu | tanh | sigmoid | square | saturable | identity")
    p.add_argument("--method", default="tpfp,frozen,bp",
                   help="comma-separated: tpfp, bp, frozen, bp_modulated (default "
                        "tpfp,frozen,bp)")
    p.add_argument("--epochs", default="100", help="epochs (default 100)")
    p.add_argument("--lr", default="0.1", help="learning rate η (default 0.1)")
    p.add_argument("--batch", default="64", help="mini-batch size (default 64)")
    p.add_argument("--seed", default="1", help="random seed (default 1)")
    p.add_argument("--fscale", default="0.05", help="scale s of TPFP's F (default 0.05)")
    p.add_argument("--dropout", default="0", help="dropout probability (default 0)")
    p.add_argument("--momentum", default="0.9", help="momentum γ (default 0.9)")
    p.add_argument("--output-error", default="pass1", help="pass1 | pass2 (default pass1)")
    p.add_argument("--core", default=None, metavar="NETLIST",
                   help="train in situ on this core netlist's chip (both forward passes "
                        "through its components), e.g. netlists/onn_core_16.yaml")
    p.add_argument("--cores", default="1", help="cores working in parallel (default 1)")
    p.add_argument("--param", action="append", default=[], metavar="COMP.KEY=VALUE",
                   help="a component parameter of the core, e.g. adc.bits=6 or "
                        "mzi.phase_error='0.02 rad' (repeatable)")
    p.add_argument("--hardware", default=None, metavar="KEY=VALUE,...",
                   help="the controller's policy: calibrate, noise, chip_seed, "
                        "reprogram_every, reprogram_drift (e.g. reprogram_drift=0.03)")
    p.add_argument("--json", default=None, metavar="OUT", help="write results as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def _number(text, name, kind, problems):
    try:
        value = kind(text)
        if kind is float and not math.isfinite(value):
            raise ValueError
        return value
    except (TypeError, ValueError):
        word = "an integer" if kind is int else "a number"
        problems.append(Problem(f"expected {word}, got {text!r}", path=f"--{name}"))
        return None


def _value(text: str):
    """A number if it reads as one, true/false, none, else the text (units allowed)."""
    low = text.lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip("'\"")


def _chip(args, problems):
    """The hardware spec of ``--core``/``--cores``/``--param``/``--hardware``, or None."""
    policy = _hardware(args.hardware, problems)
    if args.core is None:
        if args.param or policy:
            problems.append(Problem("--param and --hardware describe the chip of --core",
                                    path="--core", hint="add --core NETLIST"))
        return None
    params: dict = {}
    for item in args.param:
        key, eq, value = item.partition("=")
        comp, dot, name = key.strip().partition(".")
        if not eq or not dot:
            problems.append(Problem(f"expected COMP.KEY=VALUE, got {item!r}", path="--param",
                                    hint="e.g. adc.bits=6"))
            continue
        params.setdefault(comp, {})[name] = _value(value.strip())
    return {"core": args.core, "cores": _number(args.cores, "cores", int, problems),
            "params": params, **(policy or {})}


def _hardware(text, problems):
    if text is None:
        return None
    spec = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            problems.append(Problem(f"expected KEY=VALUE, got {item!r}", path="--hardware"))
            continue
        spec[key.strip()] = _value(value.strip())
    return spec


def parse_args(args) -> dict:
    """Checked settings, or one UserError listing every bad argument."""
    from emulator.training import METHODS

    problems: list[Problem] = []
    layers = []
    for part in str(args.layers).split(","):
        n = _number(part.strip(), "layers", int, problems)
        if n is not None:
            layers.append(n)
    methods = [m.strip() for m in str(args.method).split(",") if m.strip()]
    if not methods:
        problems.append(Problem("no method given", path="--method",
                                hint="e.g. tpfp,frozen,bp"))
    for m in methods:
        if m not in METHODS:
            problems.append(Problem(f"unknown method {m!r}", path="--method",
                                    hint=did_you_mean(m, METHODS)
                                    or "one of " + ", ".join(METHODS)))
    settings = dict(
        layers=layers, activation=args.activation,
        epochs=_number(args.epochs, "epochs", int, problems),
        lr=_number(args.lr, "lr", float, problems),
        batch=_number(args.batch, "batch", int, problems),
        seed=_number(args.seed, "seed", int, problems),
        fscale=_number(args.fscale, "fscale", float, problems),
        dropout=_number(args.dropout, "dropout", float, problems),
        momentum=_number(args.momentum, "momentum", float, problems),
        output_error=args.output_error,
        hardware=_chip(args, problems),
    )
    if problems:
        raise UserError(problems)
    return dict(methods=list(dict.fromkeys(methods)), **settings)


def run(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from emulator.data import load_dataset
    from emulator.io.files import write_json
    from emulator.training import train
    from emulator.training.loop import check_arguments

    settings = parse_args(args)
    methods = settings.pop("methods")
    data = load_dataset(args.data, settings["seed"])
    for m in methods:  # every argument problem before any training starts
        check_arguments(data, method=m, **settings)
    results = {}
    for m in methods:
        h = train(data, method=m, progress=not args.quiet, **settings)
        results[m] = h
    table = Table(title=f"{data.name}, layers {'-'.join(map(str, settings['layers']))}, "
                        f"{settings['activation']}, {settings['epochs']} epochs")
    insitu = settings.get("hardware") is not None
    cols = ["method", "train acc [%]", "test acc [%]", "test loss", "time [s]"]
    for col in cols + (["tile writes / step"] if insitu else []):
        table.add_column(col, justify="left" if col == "method" else "right")
    for m, h in results.items():
        row = [m, f"{100 * h.train_accuracy:.2f}", f"{100 * h.test_accuracy:.2f}",
               f"{h.test_loss_per_epoch[-1]:.4f}", f"{h.seconds:.2f}"]
        if insitu:  # tiles re-written after the initial programming, per update
            c = h.counters
            row.append(f"{(c['tile_writes'] - c['tiles']) / max(c['steps'], 1):.3f}")
        table.add_row(*row)
    Console().print(table)
    if args.json:
        out = {"settings": dict(data=data.name, methods=methods, **settings),
               "methods": {m: {"train_accuracy": h.train_accuracy,
                               "test_accuracy": h.test_accuracy, "history": h.curves(),
                               "counters": h.counters, "seconds": h.seconds,
                               "chip": h.chip}
                           for m, h in results.items()}}
        path = write_json(args.json, out)
        if not args.quiet:
            Console(stderr=True).print(f"wrote {path}")
    return 0
