"""Terminal tables (rich), one helper for every command."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

_console = Console()


def print_table(title: str, columns: list[str], rows: list[list], console: Console | None = None):
    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*[str(x) for x in r])
    (console or _console).print(table)
