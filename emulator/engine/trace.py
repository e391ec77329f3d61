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


def summarise(spans: list[tuple], group, limit: int) -> tuple[list[tuple], dict]:
    """Spans ``(track, label, start, end, args)`` as written to a trace: all of them up to
    ``limit``; above it, each run of contiguous spans (one ends where the next starts) of one
    track with the same ``group(label)`` (not None) becomes one slice from the run's first
    start to its last end, labelled ``"{group} ×{n}"`` with the kinds (first words) of its
    spans, so the file stays loadable.  Returns the spans and a note for the report."""
    note = {"slices": len(spans), "limit": limit, "summarised": len(spans) > limit}
    if not note["summarised"]:
        return spans, note
    out, runs = [], {}
    for span in sorted(spans, key=lambda s: (s[0], s[2])):
        track, label, a, b, args = span
        g = group(label)
        run = runs.get(track)
        if run is not None and g is not None and run["group"] == g and run["end"] == a:
            run["end"] = b
            run["n"] += 1
            kind = label.split()[0]
            run["kinds"][kind] = run["kinds"].get(kind, 0) + 1
            continue
        if run is not None:
            out.append(_run_span(track, run))
        runs[track] = {"group": g, "start": a, "end": b, "n": 1, "span": span,
                       "kinds": {label.split()[0]: 1}}
    out += [_run_span(track, run) for track, run in runs.items()]
    note["written"] = len(out)
    return sorted(out, key=lambda s: s[2]), note


def _run_span(track: str, run: dict) -> tuple:
    if run["n"] == 1:
        return run["span"]
    kinds = " + ".join(run["kinds"])
    return (track, f"{run['group']} ×{run['n']} ({kinds})", run["start"], run["end"],
            {"slices": run["n"], **{f"{k}_slices": n for k, n in run["kinds"].items()},
             "summarised": True})


def document(events: list[dict]) -> dict:
    return {"traceEvents": events, "displayTimeUnit": "ns"}
