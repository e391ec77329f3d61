"""``photonic-emu``: one entry point, one subcommand module per job.

Every subcommand module exposes ``register(subparsers)``, which adds its parser and
sets ``func``.  A :class:`~components.errors.UserError` ends the program with exit
code 2 and one line per problem on stderr; there is never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from components.errors import EmulatorWarning, UserError

# subcommand modules, in the order `--help` lists them
COMMANDS = ["netlist", "components", "simulate", "train", "run", "sweep", "breakdown",
            "schema"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors also exit 2, without a traceback
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="photonic-emu", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:  # a missing module is an error, never a silently absent command
        importlib.import_module(f"emulator.cli.{name}_cmd").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", EmulatorWarning)
            shown = warnings.showwarning

            def show(message, category, *rest, **kw):  # ours as "warning: ...", on stderr
                if issubclass(category, EmulatorWarning):
                    print(f"warning: {message}", file=sys.stderr)
                else:
                    shown(message, category, *rest, **kw)

            warnings.showwarning = show
            return int(args.func(args) or 0)
    except UserError as err:
        for problem in err.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
