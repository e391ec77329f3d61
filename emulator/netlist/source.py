"""Read a YAML or JSON file into plain data, remembering the line of every key.

``read_document(path)`` returns ``(data, lines)`` where ``lines`` maps a key path
(a tuple of keys) to its 1-based line number.  Syntax errors become a
:class:`~components.errors.NetlistError` naming the file and line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from components.errors import Problem, UserError, did_you_mean

Lines = dict[tuple, int]


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads "1e-3" (no dot) as a float, as YAML 1.2 does."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    __import__("re").compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$"),
    list("-+0123456789."),
)


def _to_python(node: yaml.Node, loader: _Loader, path: tuple, lines: Lines):
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            sub = path + (key,)
            lines[sub] = key_node.start_mark.line + 1
            if key in out:
                raise UserError(Problem(f"key {key!r} appears twice", path=_dotted(sub),
                                        line=key_node.start_mark.line + 1))
            out[key] = _to_python(value_node, loader, sub, lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(v, loader, path + (i,), lines) for i, v in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def parse_yaml(text: str, file: str | None = None) -> tuple[Any, Lines]:
    lines: Lines = {}
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = {} if node is None else _to_python(node, loader, (), lines)
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
