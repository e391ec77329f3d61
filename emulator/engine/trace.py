"""Chrome Trace Event output: one track per instance (opens in Perfetto / chrome://tracing).

Times in the file are microseconds (the format's unit); ``displayTimeUnit`` asks the
viewer to show nanoseconds.  Track (``tid``) 0 is the compiled optical region: one slice
per vector and optical link, from the producing bank's output to the consumer's input.
"""

from __future__ import annotations

from .timebase import TICK_S

_US = TICK_S * 1e6  # microseconds per tick


def tracks(names: list[str], title: str, region: str | None = None) -> tuple[list[dict], dict]:
    """Metadata events naming the process and one thread per instance; name -> tid."""
    meta = [{"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": title}}]
    tid = {}
    if region is not None:
        meta.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": 0,
                     "args": {"name": region}})
    for i, name in enumerate(names, start=1):
        tid[name] = i
        meta.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": i,
                     "args": {"name": name}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": 1, "tid": i,
                     "args": {"sort_index": i}})
    return meta, tid


def slice_event(name: str, cat: str, tid: int, start: int, end: int, args: dict) -> dict:
    """A complete ("X") event from ``start`` to ``end`` ticks."""
    return {"name": name, "cat": cat, "ph": "X", "pid": 1, "tid": tid,
            "ts": start * _US, "dur": (end - start) * _US, "args": args}


def document(events: list[dict]) -> dict:
    return {"traceEvents": events, "displayTimeUnit": "ns"}
