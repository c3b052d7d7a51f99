"""Load YAML keeping the line of every value, so errors can say where they are.

A definition is plain data, so the loader refuses what only costs or breaks: aliases
(``*name``: a few lines of them expand to billions of values, an "alias bomb"), explicit
tags (``!!int``, ``!!python/...``), nesting deeper than MAX_DEPTH, more than MAX_NODES
values and text longer than MAX_CHARS. Each is refused while the text is read, before
any document is built; the shipped definitions are far inside every limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_CHARS = 500_000  # the largest shipped definition has 60,000
MAX_NODES = 20_000  # values (scalars, lists and mappings); the largest has 2,600
MAX_DEPTH = 32  # levels of nesting; the deepest has 10
TOO_LONG = f"the file is longer than {MAX_CHARS:,} characters: a definition is far smaller"


class LoadError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class DefinitionLoader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: `equals: yes` stays the string
    "yes" (YAML 1.1 would turn yes/no/on/off into booleans, a trap for editors), and
    that refuses aliases, tags and documents too deep or too large as it reads them."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML stubs leave it untyped
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise LoadError(
                f"aliases (*{event.anchor}) are not allowed in a definition: "
                "write the value out in full",
                line,
            )
        if getattr(event, "tag", None) is not None:
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            raise LoadError(
                f"tags ({tag}) are not allowed in a definition: write a plain value "
                "(quote it to keep it as text)",
                line,
            )
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise LoadError(
                f"the file holds more than {MAX_NODES:,} values: a definition is far smaller",
                line,
            )
        if self.depth >= MAX_DEPTH:
            raise LoadError(f"the file nests deeper than {MAX_DEPTH} levels", line)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except ValueError as error:  # e.g. 2026-02-30 (a date that does not exist)
            if isinstance(error, LoadError):
                raise
            value = str(node.value)[:60] if isinstance(node, yaml.ScalarNode) else ""
            raise LoadError(
                f"this is not valid YAML: cannot read the value {value!r}: {error}",
                node.start_mark.line + 1,
            ) from None


DefinitionLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DefinitionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


try:  # libyaml's parser, for text the app wrote itself (``load_own_text``)
    from yaml.cyaml import CSafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    LIBYAML = False
else:
    LIBYAML = True


@dataclass
class Loaded:
    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _walk(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise LoadError(
                    f"the key '{key}' appears twice in the same block; keep only one",
                    key_node.start_mark.line + 1,
                )
            seen.add(key)
            child = join(path, key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = join(path, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines)


def load_text(text: str) -> Loaded:
    """Parse YAML text; raise LoadError (with a line) when it is not valid YAML."""
    if len(text) > MAX_CHARS:
        raise LoadError(TOO_LONG)
    try:
        loader = DefinitionLoader(text)
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, e.g. NUL
        line: int | None = text.count("\n", 0, error.position) + 1
        raise LoadError(
            f"this is not valid YAML: the character U+{ord(text[error.position]):04X} "
            "is not allowed in a YAML file",
            line,
        ) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise LoadError("the file is empty", 1)
        lines: dict[str, int] = {}
        _walk(node, "", lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise LoadError(f"this is not valid YAML: {error.problem or error}", line) from None
    except yaml.YAMLError as error:
        raise LoadError(f"this is not valid YAML: {error}") from None
    finally:
        loader.dispose()
    return Loaded(data, lines)


def _size(node: yaml.Node, level: int = 0) -> tuple[int, int]:
    """(values, deepest level) as DefinitionLoader counts them: keys are values too."""
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    nodes, deepest = 1, level
    for child in children:
        n, d = _size(child, level + 1)
        nodes, deepest = nodes + n, max(deepest, d)
    return nodes, deepest


def load_own_text(text: str) -> Loaded:
    """Parse YAML text that ``model.to_yaml`` wrote from a definition dict (the builder's
    save): libyaml's parser with DefinitionLoader's resolvers and constructor, so the same
    data and lines as ``load_text``, several times faster. Such text has no aliases, tags
    or duplicate keys; anything unexpected (too long, too many values, not parsed) goes
    through ``load_text``, so its errors are the same. Never for text from outside."""
    if not LIBYAML or len(text) > MAX_CHARS:
        return load_text(text)
    loader = _OwnLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        if node is None:
            return load_text(text)
        nodes, deepest = _size(node)
        if nodes > MAX_NODES or deepest >= MAX_DEPTH:  # load_text's limits, its errors
            return load_text(text)
        _walk(node, "", lines)
        data = loader.construct_document(node)
    except (yaml.YAMLError, ValueError):
        return load_text(text)
    finally:
        loader.dispose()
    return Loaded(data, lines)


if LIBYAML:

    class _OwnLoader(CSafeLoader):
        """libyaml's parser, DefinitionLoader's resolvers (only true/false are booleans)."""

        yaml_implicit_resolvers = DefinitionLoader.yaml_implicit_resolvers
