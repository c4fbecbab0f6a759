"""Codebooks as YAML files, read with line numbers and written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from annotator.codebook.dict_form import _parse_tree, to_dict
from annotator.codebook.model import Codebook, CodebookError, Problem
from annotator.codebook.shortcuts import _type_name
from annotator.codebook.validate import _NOWHERE, _Ctx, _run_checks, _Where, validate


class _LineDict(dict):
    """A mapping that remembers the lines of its keys (and keys given twice)."""

    line: int
    key_lines: dict[Any, int]
    duplicate_keys: list[tuple[Any, int, int]]


class _LineList(list):
    """A sequence that remembers the lines of its items."""

    line: int
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """yaml.SafeLoader whose mappings and sequences record their source lines."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    data = _LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a key that is not a single value",
                key_node.start_mark,
            ) from None
        value = loader.construct_object(value_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in data:
            data.duplicate_keys.append((key, line, data.key_lines[key]))
        else:
            data.key_lines[key] = line
        data[key] = value
    return data


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    data = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    return data


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def _looks_like_path(source: str) -> bool:
    if "\n" in source or "\r" in source or not source.strip():
        return False
    if Path(source).suffix.lower() in (".yaml", ".yml"):
        return True
    try:
        return Path(source).is_file()
    except (OSError, ValueError):
        return False


def load_yaml(source: str | Path) -> Codebook:
    """Load a codebook from a YAML file (a Path, or a str naming a .yaml/.yml or existing file)
    or from YAML text. Raises CodebookError with line numbers listing every problem."""
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        origin: str | None = path.name
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CodebookError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise CodebookError(
                [
                    Problem(
                        f"{origin}, line {line}: the file is not UTF-8 text (byte "
                        f"0x{raw[exc.start]:02x}); save it as UTF-8",
                        line,
                    )
                ]
            ) from None
    elif isinstance(source, str):
        origin, text = None, source
    else:
        raise CodebookError(f"expected YAML text or a file path, not {_type_name(source)}")
    return _load_yaml_text(text.removeprefix("\ufeff"), origin)


def _syntax_problem(origin: str | None, mark: Any, text: str) -> Problem:
    """A YAML syntax error, at yaml's own line and column."""
    parts = [origin] if origin else []
    line = None
    if mark is not None:
        line = mark.line + 1
        parts += [f"line {line}", f"column {mark.column + 1}"]
    return Problem((", ".join(parts) + ": " if parts else "") + text, line)


def _load_yaml_text(text: str, origin: str | None) -> Codebook:
    ctx = _Ctx(origin)
    if not text.strip():
        ctx.add(_NOWHERE, "the codebook is empty (expected format_version, name and fields)")
        ctx.raise_if_any()
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = "; ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise CodebookError([_syntax_problem(origin, mark, f"not valid YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        what = (
            f"the character U+{exc.character:04X} is not allowed in YAML"
            if isinstance(exc.character, int)
            else f"not valid YAML: {exc.reason}"
        )
        raise CodebookError([Problem(ctx.prefix(_Where(line=line)) + what, line)]) from None
    except yaml.YAMLError as exc:
        raise CodebookError(ctx.prefix(_NOWHERE) + f"not valid YAML: {exc}") from None
    except RecursionError:
        raise CodebookError(ctx.prefix(_NOWHERE) + "the YAML is nested too deeply") from None
    if data is None:
        ctx.add(_NOWHERE, "the codebook is empty (expected format_version, name and fields)")
        ctx.raise_if_any()
    cb = _parse_tree(data, ctx)
    _run_checks(cb, ctx)
    ctx.raise_if_any()
    return cb


class _FlowList(list):
    """A list dumped on one line: [a, b, c]."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # indent list items under their key
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        # literal block for multi-line text (the emitter falls back to quotes if it must)
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowList, _represent_flow_list)


def dump_yaml(cb: Codebook) -> str:
    """The YAML text of a codebook (load_yaml of it gives an equal codebook)."""
    data = to_dict(cb)
    for fld in data["fields"]:
        for code in fld.get("codes", ()):
            if "keywords" in code:
                code["keywords"] = _FlowList(code["keywords"])
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        indent=2,
    )


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _raise_if_invalid(cb: Codebook) -> None:
    problems = validate(cb)
    if problems:
        raise CodebookError(problems)


def save_yaml(cb: Codebook, path: str | Path) -> None:
    """Write a codebook as a UTF-8 YAML file; refuses (CodebookError) an invalid codebook."""
    _raise_if_invalid(cb)
    text = dump_yaml(cb)
    _write_atomically(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


# --------------------------------------------------------------------------- built-in


BUILTIN_FILE = "upr-recommendations.yaml"


def builtin_codebook() -> Codebook:
    """The built-in "UPR recommendations" codebook (a fresh copy on every call)."""
    from annotator.paths import resource_path

    return load_yaml(resource_path("codebooks", BUILTIN_FILE))
