"""One progress bar for every long loop (epochs of training, points of a sweep)."""

from __future__ import annotations


def epoch_bar(enabled: bool, label: str, total: int, unit: str = "epochs"):
    """A started rich progress bar on stderr with one task, or None when disabled."""
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    prog = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn(unit), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=False)
    prog.start()
    prog.add_task(f"{label:>12}", total=total)
    return prog
