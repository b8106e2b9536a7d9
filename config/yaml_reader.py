"""Read a config file's YAML safely: bounded size and expansion, UTF-8 only, no repeated keys.

PyYAML's safe loader already refuses arbitrary objects, but it accepts a repeated key (the last one wins,
silently) and an alias bomb (a few kilobytes of anchors that expand to billions of nodes once validation
walks them). Here the document is composed to nodes first, its expanded size is counted without
expanding it (each anchored node is counted once per reference, memoized), and only then constructed.
"""

from __future__ import annotations

from typing import Any

import yaml

# A config of hundreds of accounts and features is well under a megabyte; anything larger is a mistake.
MAX_FILE_BYTES = 5_000_000
# Nodes of the document once every alias is expanded (an organization-size config has ~100,000).
MAX_EXPANDED_NODES = 2_000_000


class YamlReadError(ValueError):
    """The file cannot be read as a config document; str() names the line where that helps."""


# libyaml's parser when PyYAML was built with it (the wheels are): about ten times faster on an
# organization-size config; the constructor, so the checks below, are the same Python code either way.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe loader that refuses a mapping with the same key twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class reports it
                break
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is repeated (first at line {first.start_mark.line + 1}); "
                    "YAML keeps only the last value, so one of them would be ignored",
                    key_node.start_mark,
                )
            seen[key] = key_node
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has with every alias expanded, computed in linear time."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children: list[yaml.Node] = (
            [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if children_done:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 0) for c in children)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                return sizes[id(node)]
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes and c is not node)
    return sizes[id(root)]


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""


def read_yaml(raw: bytes) -> Any:
    """The document in `raw` as plain data; raises YamlReadError with a message for the user."""
    if len(raw) > MAX_FILE_BYTES:
        raise YamlReadError(
            f"the file is {len(raw):,} bytes; a config file may be at most {MAX_FILE_BYTES:,}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlReadError(
            f"line {line}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None
    try:
        root = yaml.compose(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise YamlReadError(f"{_where(exc)}not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if root is None:
        return None
    size = expanded_size(root)
    if size > MAX_EXPANDED_NODES:
        raise YamlReadError(
            f"the document expands to more than {MAX_EXPANDED_NODES:,} values through its aliases (&anchor / "
            "*alias); a config this large is a mistake or an alias bomb"
        )
    loader = _UniqueKeyLoader(text)
    try:
        return loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise YamlReadError(f"{_where(exc)}{getattr(exc, 'problem', exc)}") from None
    finally:
        loader.dispose()
