"""Read a YAML or JSON file into plain data, remembering the line of every key; and the
one line-finder every loader uses.

``read_document(path)`` returns ``(data, lines)``: ``lines`` maps a key path (a tuple of
keys and list indices) to its 1-based line.  The map comes from the YAML parser's own
nodes after PyYAML has constructed the data, so anchors, aliases and merge keys
(``<<: *defaults``) load as YAML defines them; a merged key has the line where it was
written.  :func:`where` turns a key path into file / dotted path / line (the nearest
ancestor with a known line).  Syntax errors become a :class:`UserError` with file and line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Hashable

import yaml

from components.errors import Problem, UserError, did_you_mean

Lines = dict[tuple, int]

_MERGE = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads "1e-3" (no dot) as a float, as YAML 1.2 does, and refuses a
    key written twice in one mapping (a key given by a merge may be overridden)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._checked: set[int] = set()

    def flatten_mapping(self, node):
        # a node's own keys, checked before a merge rewrites them (once per node)
        if id(node) not in self._checked:
            self._checked.add(id(node))
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    continue  # PyYAML reports it
                if key in seen:
                    raise UserError(Problem(f"key {key!r} appears twice",
                                            line=key_node.start_mark.line + 1))
                seen.add(key)
        super().flatten_mapping(node)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$"),
    list("-+0123456789."),
)


def _record(node: yaml.Node, loader: _Loader, path: tuple, lines: Lines, stack: set) -> None:
    """Line of every key and item below ``node`` (already constructed, merges flattened)."""
    if id(node) in stack:  # a recursive alias: its lines are recorded once
        return
    lines.setdefault(path, node.start_mark.line + 1)
    stack.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            sub = path + (key,)
            lines[sub] = key_node.start_mark.line + 1
            _record(value_node, loader, sub, lines, stack)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record(item, loader, path + (i,), lines, stack)
    stack.discard(id(node))


def parse_yaml(text: str, file: str | None = None) -> tuple[Any, Lines]:
    lines: Lines = {}
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = {} if node is None else loader.construct_document(node)
            if node is not None:
                _record(node, loader, (), lines, set())
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        msg = getattr(exc, "problem", None) or str(exc)
        raise UserError(Problem(f"YAML syntax error: {msg}", file=file,
                                line=mark.line + 1 if mark else None)) from None
    except UserError as err:
        raise UserError([Problem(p.message, file=file, path=p.path, line=p.line, hint=p.hint)
                         for p in err.problems]) from None
    return data, lines


def read_document(path: str | Path) -> tuple[Any, Lines]:
    """Read ``path`` (.yaml/.yml/.json) into data and a key-path → line map."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        near = None
        if path.parent.is_dir():
            near = did_you_mean(path.name, [p.name for p in path.parent.iterdir()])
        raise UserError(Problem("file not found", file=file, hint=near)) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise UserError(Problem(f"cannot read file: {exc.__class__.__name__}", file=file)) from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text), {}
        except json.JSONDecodeError as exc:
            raise UserError(Problem(f"JSON syntax error: {exc.msg}", file=file,
                                    line=exc.lineno)) from None
    return parse_yaml(text, file)


# ------------------------------------------------------------------ the line-finder

def line_of(lines: Lines | None, path: tuple | str) -> int | None:
    """Line of key ``path`` (a tuple, or a dotted string as in a Problem), else of its
    nearest ancestor with a known line."""
    if not lines:
        return None
    if isinstance(path, str):
        dotted = {".".join(map(str, k)): v for k, v in lines.items()}
        text = path
        while True:
            if text in dotted:
                return dotted[text]
            if "." not in text:
                return dotted.get("")
            text = text.rsplit(".", 1)[0]
    for n in range(len(path), -1, -1):
        line = lines.get(tuple(path[:n]))
        if line is not None:
            return line
    return None


def where(file: str | None, lines: Lines | None, *path) -> dict:
    """``{file, path, line}`` of a key path, ready for ``Problem(message, **where(...))``."""
    return {"file": file, "path": ".".join(map(str, path)) or None,
            "line": line_of(lines, tuple(path))}


def locate(problems: list[Problem], file: str, lines: Lines) -> list[Problem]:
    """Problems of ``file`` reported without a line, given one from ``lines``."""
    return [Problem(p.message, p.file, p.path, line_of(lines, p.path or ""), p.hint)
            if p.file == file and p.line is None else p for p in problems]
