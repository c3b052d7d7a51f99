"""Load YAML keeping the line of every value, so errors can say where they are."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml


class DefinitionLoader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: `equals: yes` stays the string
    "yes" (YAML 1.1 would turn yes/no/on/off into booleans, a trap for editors)."""


DefinitionLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DefinitionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


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


class LoadError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


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
    loader = DefinitionLoader(text)
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
