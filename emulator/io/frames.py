"""Tables for notebooks: a pandas DataFrame when pandas is installed, else plain data.

``frame(rows, index)`` takes rows as dicts (one per line of the table) and returns a
``pandas.DataFrame`` (indexed by ``index`` if given) or, without pandas, a dict of
column lists, so the views work in any environment and shine in a notebook.
"""

from __future__ import annotations


def frame(rows: list[dict], index: str | None = None):
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        cols: dict[str, list] = {}
        for r in rows:
            for k in r:
                cols.setdefault(k, [])
        for r in rows:
            for k in cols:
                cols[k].append(r.get(k))
        return cols
    df = pd.DataFrame(rows)
    return df.set_index(index) if index is not None and len(df) else df
